/// \file commands.hpp
/// \brief How a `skinheal` subcommand plugs into the command line.
///
/// Each subcommand lives in its own `cli/cmd_<name>.cpp` and registers itself at static
/// initialisation (the CLI's sources are linked straight into the executable, so every
/// registration runs):
///
///     namespace {
///     skinheal::cli::CommandAction add_info(CLI::App& app) {
///       auto opts = std::make_shared<InfoOptions>();
///       CLI::App* cmd = app.add_subcommand("info", "…");
///       cmd->add_option("file", opts->path, "…")->required();
///       return [opts] { return info_command(*opts); };
///     }
///     const bool registered = skinheal::cli::register_command({"info", 60, add_info});
///     }  // namespace
///
/// main.cpp parses, runs the chosen command's action and maps exceptions to exit codes:
/// InputError → 2, NumericalError → 3, anything else → 2. Actions return the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace skinheal::cli {

constexpr int kExitOk = 0;
constexpr int kExitInput = 2;
constexpr int kExitNumerical = 3;
constexpr int kExitInterrupted = 130;

/// The exit-code sentence every command's help ends with.
extern const char* const kExitCodesHelp;

/// Runs a parsed command; returns the process exit code.
using CommandAction = std::function<int()>;

/// \brief One subcommand: its name, where it sorts in `skinheal --help`, and the function that
/// adds it to the app and returns its action.
struct CommandRegistration {
  std::string name;
  int order = 100;  ///< smaller first in --help
  std::function<CommandAction(CLI::App&)> add;
};

/// Register a subcommand (call from a namespace-scope initialiser). Returns true.
bool register_command(CommandRegistration registration);
/// Every registered command, sorted by order then name.
std::vector<CommandRegistration> registered_commands();

/// Install SIGINT/SIGTERM handlers that set the interruption flag (idempotent).
void install_interrupt_handlers();
/// True once SIGINT or SIGTERM has arrived.
bool interrupted();

}  // namespace skinheal::cli
