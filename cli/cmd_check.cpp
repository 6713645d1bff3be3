// `skinheal check SCENARIO`: validate a scenario, print its effective parameters and memory.
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "engine/transport.hpp"
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
  // What the engine holds while stepping: the fields, the step's start and the coarse solution
  // of step doubling (and the increments of the linearly implicit step), one field of scratch
  // for the transport's guarded steps and one per coupled field (its transforms). Measured for
  // patch_3d: 322 bytes per cell for 104 of state (docs/numerics.md, "Memory").
  const int fields = sim.fields().num_fields();
  const double field_bytes = 8.0 * sim.grid().num_cells();
  const double state_bytes = field_bytes * fields;
  int coupled = 0, factorised = 0;
  for (int f = 0; f < fields; ++f) {
    if (!sim.transport().transports(f) || !sim.transport().is_coupled(f)) continue;
    ++coupled;
    factorised += sim.transport().diffusivity(f).kind() != Diffusivity::Kind::uniform;
  }
  const int copies = sim.control().scheme == TimeScheme::linearly_implicit ? 4 : 3;
  const double stepping_bytes = copies * state_bytes + (1 + coupled) * field_bytes;
  std::cout << std::fixed << std::setprecision(1) << "memory: state " << state_bytes / 1048576.0
            << " MiB; the engine holds about " << stepping_bytes / 1048576.0
            << " MiB while stepping (" << copies << " copies of the state for step doubling, "
            << 1 + coupled
            << " field(s) of transport scratch), plus the program, its libraries and the HDF5 "
               "output buffers\n"
            << std::defaultfloat;
  if (factorised > 0)
    std::cout
        << "memory: " << factorised
        << " coupled field(s) with a non-uniform diffusivity also hold a sparse matrix and up "
           "to 4 sparse factorisations (not in the estimate)\n";
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
