#include "cli/commands.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>

namespace skinheal::cli {

const char* const kExitCodesHelp =
    "Exit codes: 0 success, 2 bad usage or input, 3 numerical failure, 130 interrupted.";

namespace {

std::vector<CommandRegistration>& registry() {
  static std::vector<CommandRegistration> commands;  // constructed on first registration
  return commands;
}

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) {
  g_interrupted = true;
}

}  // namespace

bool register_command(CommandRegistration registration) {
  registry().push_back(std::move(registration));
  return true;
}

std::vector<CommandRegistration> registered_commands() {
  std::vector<CommandRegistration> sorted = registry();
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.order != b.order ? a.order < b.order : a.name < b.name;
  });
  return sorted;
}

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupted() {
  return g_interrupted.load();
}

}  // namespace skinheal::cli
