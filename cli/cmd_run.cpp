// `skinheal run SCENARIO -o OUT.h5`: run a scenario and write one HDF5 file (+ XDMF sidecar).
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "engine/input/units.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/parallel.hpp"
#include "models/scenario_file.hpp"

namespace skinheal::cli {
namespace {

struct RunOptions {
  std::string scenario, output;
  std::vector<std::string> overrides;
  int threads = 0;
  bool force = false, quiet = false;
};

int run_command(const RunOptions& o) {
  namespace fs = std::filesystem;
  parallel::set_num_threads(o.threads);
  models::LoadedScenario loaded = models::load_scenario(o.scenario, o.overrides);
  Simulation& sim = *loaded.built.simulation;

  if (o.output.size() < 4 || o.output.substr(o.output.size() - 3) != ".h5")
    throw InputError(o.output + ": the output file name must end in .h5");
  const fs::path parent = fs::path(o.output).parent_path();
  if (!parent.empty() && !fs::exists(parent)) fs::create_directories(parent);

  Hdf5WriterOptions opts;
  opts.path = o.output;
  opts.snapshot_times_s = loaded.built.snapshot_times_s;
  opts.t_end_s = loaded.built.end_time_s;
  opts.overwrite = o.force;
  opts.scenario_text = loaded.text;
  opts.parameters = loaded.parameters;
  auto writer = std::make_shared<Hdf5Writer>(opts);
  sim.add_observer(writer);
  auto progress = std::make_shared<Progress>(loaded.built.end_time_s, o.quiet);
  sim.add_observer(progress);

  if (!o.quiet)
    std::cerr << "skinheal: " << o.scenario << ": " << loaded.built.description << "; "
              << parallel::num_threads() << " thread(s)\n";
  install_interrupt_handlers();
  const double end = loaded.built.end_time_s;
  while (sim.time_s() < end * (1.0 - 1e-12)) {
    if (interrupted()) {
      progress->finish_line();
      std::cerr << "skinheal: interrupted at t = " << format_duration(sim.time_s())
                << "; partial results kept in " << writer->partial_path() << "\n";
      return kExitInterrupted;
    }
    sim.step(end);
  }
  sim.run_until(end);  // notifies observers that the run ended (writes OUT.h5 and OUT.xdmf)
  progress->finish_line();
  if (!o.quiet) {
    print_outcome_summary(std::cout, sim);
    std::cout << "wrote " << o.output << " (" << writer->snapshots_written() << " snapshots) and "
              << xdmf_path_for(o.output) << "\n";
  }
  return kExitOk;
}

CommandAction add_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* run =
      app.add_subcommand("run",
                         "Run a scenario and write one HDF5 file.\n"
                         "Example: skinheal run scenarios/demo_diffusion.toml -o out/demo.h5");
  run->add_option("scenario", o->scenario, "Scenario file (TOML)")->required();
  run->add_option("-o,--output", o->output,
                  "Output HDF5 file (OUT.h5; OUT.xdmf is written beside it)")
      ->required();
  run->add_option("--threads", o->threads, "OpenMP threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  run->add_option(
      "--set", o->overrides,
      "Override a scenario value: KEY=VALUE with a TOML value, e.g. --set 'time.end=\"2 d\"'");
  run->add_flag("--force", o->force, "Overwrite an existing output file");
  run->add_flag("-q,--quiet", o->quiet, "No progress or summary output");
  run->footer(kExitCodesHelp);
  return [o] { return run_command(*o); };
}

const bool registered = register_command({"run", 10, add_run});

}  // namespace
}  // namespace skinheal::cli
