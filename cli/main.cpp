// skinheal — the command line. Each subcommand is one cli/cmd_<name>.cpp that registers itself
// (see cli/commands.hpp); this file parses, dispatches and maps errors to exit codes.
//
// Exit codes: 0 success, 2 bad usage or input, 3 numerical failure, 130 interrupted.
#include <CLI/CLI.hpp>
#include <iostream>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "engine/error.hpp"

int main(int argc, char** argv) {
  using namespace skinheal::cli;
  CLI::App app{"skinheal: microneedling and twelve months of skin remodelling.", "skinheal"};
  app.footer(kExitCodesHelp);
  app.set_version_flag(
      "--version", std::string("skinheal ") + SKINHEAL_VERSION + " (" + SKINHEAL_GIT_COMMIT + ")");
  app.require_subcommand(1);

  std::vector<std::pair<CLI::App*, CommandAction>> commands;
  for (const CommandRegistration& reg : registered_commands()) {
    CommandAction action = reg.add(app);
    commands.emplace_back(app.get_subcommand(reg.name), std::move(action));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --version
    std::cerr << "skinheal: usage error: " << e.what() << " (see skinheal --help)\n";
    return kExitInput;
  }
  try {
    for (auto& [cmd, action] : commands)
      if (cmd->parsed()) return action();
  } catch (const skinheal::InputError& e) {
    std::cerr << "skinheal: error: " << e.what() << "\n";
    return kExitInput;
  } catch (const skinheal::NumericalError& e) {
    std::cerr << "skinheal: numerical failure: " << e.what() << "\n";
    return kExitNumerical;
  } catch (const std::exception& e) {
    std::cerr << "skinheal: error: " << e.what() << "\n";
    return kExitInput;
  }
  return kExitInput;
}
