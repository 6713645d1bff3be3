// skinheal — the command line.
//
//   skinheal run SCENARIO.toml -o OUT.h5 [--threads N] [--force] [--quiet]
//   skinheal check SCENARIO.toml
//
// Exit codes: 0 success, 2 bad usage or input, 3 numerical failure, 130 interrupted.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/progress.hpp"
#include "cli/scenario_loader.hpp"
#include "engine/error.hpp"
#include "engine/input/units.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/parallel.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInput = 2;
constexpr int kExitNumerical = 3;
constexpr int kExitInterrupted = 130;

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) {
  g_interrupted = true;
}

const char* kExitCodesHelp =
    "Exit codes: 0 success, 2 bad usage or input, 3 numerical failure, 130 interrupted.";

int run_command(const std::string& scenario_path, const std::vector<std::string>& overrides,
                const std::string& output_path, int threads, bool force, bool quiet) {
  namespace fs = std::filesystem;
  skinheal::parallel::set_num_threads(threads);
  skinheal::cli::LoadedScenario loaded = skinheal::cli::load_scenario(scenario_path, overrides);
  skinheal::Simulation& sim = *loaded.built.simulation;

  if (output_path.size() < 4 || output_path.substr(output_path.size() - 3) != ".h5")
    throw skinheal::InputError(output_path + ": the output file name must end in .h5");
  const fs::path parent = fs::path(output_path).parent_path();
  if (!parent.empty() && !fs::exists(parent)) fs::create_directories(parent);

  skinheal::Hdf5WriterOptions opts;
  opts.path = output_path;
  opts.snapshot_times_s = loaded.built.snapshot_times_s;
  opts.t_end_s = loaded.built.end_time_s;
  opts.overwrite = force;
  opts.scenario_text = loaded.text;
  opts.parameters = loaded.parameters;
  auto writer = std::make_shared<skinheal::Hdf5Writer>(opts);
  sim.add_observer(writer);
  auto progress = std::make_shared<skinheal::cli::Progress>(loaded.built.end_time_s, quiet);
  sim.add_observer(progress);

  if (!quiet)
    std::cerr << "skinheal: " << scenario_path << ": " << loaded.built.description << "; "
              << skinheal::parallel::num_threads() << " thread(s)\n";
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const double end = loaded.built.end_time_s;
  while (sim.time_s() < end * (1.0 - 1e-12)) {
    if (g_interrupted) {
      progress->finish_line();
      std::cerr << "skinheal: interrupted at t = " << skinheal::format_duration(sim.time_s())
                << "; partial results kept in " << writer->partial_path() << "\n";
      return kExitInterrupted;
    }
    sim.step(end);
  }
  sim.run_until(end);  // notifies observers that the run ended (writes OUT.h5 and OUT.xdmf)
  progress->finish_line();
  if (!quiet) {
    skinheal::cli::print_outcome_summary(std::cout, sim);
    std::cout << "wrote " << output_path << " (" << writer->snapshots_written()
              << " snapshots) and " << skinheal::xdmf_path_for(output_path) << "\n";
  }
  return kExitOk;
}

int check_command(const std::string& scenario_path, const std::vector<std::string>& overrides) {
  skinheal::cli::LoadedScenario loaded = skinheal::cli::load_scenario(scenario_path, overrides);
  const skinheal::Simulation& sim = *loaded.built.simulation;
  std::cout << scenario_path << ": OK — " << loaded.built.description << "\n";
  const double state_bytes = 8.0 * sim.fields().num_fields() * sim.grid().num_cells();
  std::cout << "memory: state " << state_bytes / 1048576.0 << " MiB; about "
            << 4.5 * state_bytes / 1048576.0 << " MiB while stepping (step doubling)\n";
  std::cout << "effective parameters:\n";
  for (const auto& p : loaded.parameters) std::cout << "  " << p[0] << " = " << p[1] << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"skinheal: microneedling and twelve months of skin remodelling.", "skinheal"};
  app.footer(kExitCodesHelp);
  app.set_version_flag(
      "--version", std::string("skinheal ") + SKINHEAL_VERSION + " (" + SKINHEAL_GIT_COMMIT + ")");
  app.require_subcommand(1);

  std::string scenario, output;
  std::vector<std::string> overrides;
  int threads = 0;
  bool force = false, quiet = false;
  CLI::App* run =
      app.add_subcommand("run",
                         "Run a scenario and write one HDF5 file.\n"
                         "Example: skinheal run scenarios/demo_diffusion.toml -o out/demo.h5");
  run->add_option("scenario", scenario, "Scenario file (TOML)")->required();
  run->add_option("-o,--output", output, "Output HDF5 file (OUT.h5; OUT.xdmf is written beside it)")
      ->required();
  run->add_option("--threads", threads, "OpenMP threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  run->add_option(
      "--set", overrides,
      "Override a scenario value: KEY=VALUE with a TOML value, e.g. --set 'time.end=\"2 d\"'");
  run->add_flag("--force", force, "Overwrite an existing output file");
  run->add_flag("-q,--quiet", quiet, "No progress or summary output");
  run->footer(kExitCodesHelp);

  CLI::App* check = app.add_subcommand(
      "check",
      "Validate a scenario and print its effective parameters and memory estimate.\n"
      "Example: skinheal check scenarios/demo_diffusion.toml");
  check->add_option("scenario", scenario, "Scenario file (TOML)")->required();
  check->add_option("--set", overrides, "Override a scenario value (KEY=VALUE, as for run)");
  check->footer(kExitCodesHelp);

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
    if (*run) return run_command(scenario, overrides, output, threads, force, quiet);
    if (*check) return check_command(scenario, overrides);
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
