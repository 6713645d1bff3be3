// `skinheal check SCENARIO`: validate a scenario, print its effective parameters and memory.
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "models/scenario_file.hpp"

namespace skinheal::cli {
namespace {

struct CheckOptions {
  std::string scenario;
  std::vector<std::string> overrides;
};

int check_command(const CheckOptions& o) {
  models::LoadedScenario loaded = models::load_scenario(o.scenario, o.overrides);
  const Simulation& sim = *loaded.built.simulation;
  std::cout << o.scenario << ": OK — " << loaded.built.description << "\n";
  const double state_bytes = 8.0 * sim.fields().num_fields() * sim.grid().num_cells();
  std::cout << "memory: state " << state_bytes / 1048576.0 << " MiB; about "
            << 4.5 * state_bytes / 1048576.0 << " MiB while stepping (step doubling)\n";
  std::cout << "effective parameters:\n";
  for (const auto& p : loaded.parameters) std::cout << "  " << p[0] << " = " << p[1] << "\n";
  return kExitOk;
}

CommandAction add_check(CLI::App& app) {
  auto o = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand(
      "check",
      "Validate a scenario and print its effective parameters and memory estimate.\n"
      "Example: skinheal check scenarios/demo_diffusion.toml");
  check->add_option("scenario", o->scenario, "Scenario file (TOML)")->required();
  check->add_option("--set", o->overrides, "Override a scenario value (KEY=VALUE, as for run)");
  check->footer(kExitCodesHelp);
  return [o] { return check_command(*o); };
}

const bool registered = register_command({"check", 20, add_check});

}  // namespace
}  // namespace skinheal::cli
