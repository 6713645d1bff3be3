// `skinheal run SCENARIO -o OUT.h5`: run a scenario and write one HDF5 file (+ XDMF sidecar),
// with checkpoints (OUT.h5.checkpoint) so an interrupted run continues with --resume.
//
// Checkpoint policy (docs/checkpoints.md): after the step that follows an event (sessions,
// topical on/off, …), every --checkpoint-every of wall-clock time (default 60 s), and on
// SIGINT/SIGTERM (then exit 130). Before each checkpoint the writer flushes OUT.h5.partial, so
// the partial file always holds at least what the checkpoint says; --resume cuts it back to
// exactly that. A numerical failure writes no checkpoint: the last good one stays (exit 3).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "cli/commands.hpp"
#include "cli/profile.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "engine/input/units.hpp"
#include "engine/output/checkpoint.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/parallel.hpp"
#include "models/scenario_file.hpp"

namespace skinheal::cli {
namespace {

namespace fs = std::filesystem;

struct RunOptions {
  std::string scenario, output;
  std::vector<std::string> overrides;
  int threads = 0;
  bool force = false, quiet = false, resume = false, profile = false;
  std::string checkpoint_every = "60 s";
  long interrupt_after_steps = 0;  // testing: act as if interrupted after N steps (0: never)
  int debug_step_delay_ms = 0;     // testing: sleep between steps so a signal lands mid-run
};

/// Wall-clock seconds between periodic checkpoints; "off" → never (events and interrupts only).
std::optional<double> checkpoint_interval_s(const std::string& text) {
  if (text == "off" || text == "never") return std::nullopt;
  const double s = parse_time_s(text, "--checkpoint-every");
  if (!(s >= 0.0)) throw InputError("--checkpoint-every: the interval must be >= 0 s");
  return s;
}

long events_applied(const Simulation& sim) {
  long n = 0;
  for (char done : sim.state().events_done) n += done != 0;
  return n;
}

int run_command(const RunOptions& o) {
  parallel::set_num_threads(o.threads);
  const std::optional<double> interval_s = checkpoint_interval_s(o.checkpoint_every);
  models::LoadedScenario loaded = models::load_scenario(o.scenario, o.overrides);
  Simulation& sim = *loaded.built.simulation;

  require_h5_file_name(o.output);  // before a stale checkpoint of that name is touched
  const std::string checkpoint = checkpoint_path_for(o.output);
  const CheckpointIdentity identity{loaded.text, loaded.parameters};

  Hdf5WriterOptions opts;
  opts.path = o.output;
  opts.snapshot_times_s = loaded.built.snapshot_times_s;
  opts.t_end_s = loaded.built.end_time_s;
  opts.overwrite = o.force;
  opts.scenario_text = loaded.text;
  opts.parameters = loaded.parameters;

  std::error_code ec;
  if (o.resume && o.force)
    throw InputError(o.output + ": --resume continues a run and --force starts it over; give one");
  if (o.resume) {
    if (!fs::exists(checkpoint, ec))
      throw InputError(checkpoint + ": no checkpoint to resume from (" +
                       (fs::exists(o.output, ec) ? "the run already finished"
                                                 : "start the run without --resume") +
                       ")");
    // Every check (integrity, scenario, grid, events) happens before anything is touched.
    const RestoredCheckpoint restored = restore_checkpoint(checkpoint, sim, identity);
    opts.resume = restored.writer;
    if (!o.quiet)
      std::cerr << "skinheal: resuming from " << checkpoint
                << " at t = " << format_duration(restored.t_s) << " (" << restored.accepted_steps
                << " steps done)\n";
  } else if (fs::exists(checkpoint, ec)) {
    if (!o.force)
      throw InputError(checkpoint +
                       ": an interrupted run left this checkpoint; continue it with --resume or "
                       "start over with --force");
    fs::remove(checkpoint, ec);  // a fresh run must never be resumed from a stale checkpoint
  }
  const fs::path parent = fs::path(o.output).parent_path();
  if (!parent.empty() && !fs::exists(parent)) fs::create_directories(parent);

  auto writer = std::make_shared<Hdf5Writer>(opts);
  sim.add_observer(writer);
  auto progress = std::make_shared<Progress>(loaded.built.end_time_s, o.quiet);
  sim.add_observer(progress);

  if (!o.quiet)
    std::cerr << "skinheal: " << o.scenario << ": " << loaded.built.description << "; "
              << parallel::num_threads() << " thread(s)\n";
  install_interrupt_handlers();

  using Clock = std::chrono::steady_clock;
  Clock::time_point last_checkpoint = Clock::now();
  long events_at_checkpoint = events_applied(sim);
  bool have_checkpoint = o.resume;
  double checkpoint_t = sim.time_s();
  const auto save = [&] {
    write_checkpoint(checkpoint, sim, identity, writer->flush());
    last_checkpoint = Clock::now();
    events_at_checkpoint = events_applied(sim);
    have_checkpoint = true;
    checkpoint_t = sim.time_s();
  };

  const double end = loaded.built.end_time_s;
  long steps = 0;
  while (sim.time_s() < end * (1.0 - 1e-12)) {
    if (interrupted() || (o.interrupt_after_steps > 0 && steps >= o.interrupt_after_steps)) {
      progress->finish_line();
      if (steps > 0) save();  // before the first step the previous checkpoint (if any) holds
      if (have_checkpoint)
        std::cerr << "skinheal: interrupted at t = " << format_duration(sim.time_s())
                  << "; checkpoint in " << checkpoint
                  << "; continue with the same command and --resume\n";
      else
        std::cerr << "skinheal: interrupted before the first step; nothing to resume\n";
      return kExitInterrupted;
    }
    try {
      sim.step(end);
    } catch (const NumericalError& e) {
      // The engine names the field, voxel, time and step length; add the step's number.
      throw NumericalError(
          std::string(e.what()) + " (step " + std::to_string(sim.last_step().accepted + 1) + ")" +
          (have_checkpoint ? "; the last good checkpoint (t = " + format_duration(checkpoint_t) +
                                 ") is kept in " + checkpoint
                           : std::string("; no checkpoint was written")));
    }
    ++steps;
    if (o.debug_step_delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(o.debug_step_delay_ms));
    const bool periodic =
        interval_s &&
        std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= *interval_s;
    if (periodic || events_applied(sim) != events_at_checkpoint) save();
  }
  sim.run_until(end);          // notifies observers that the run ended (writes OUT.h5 and OUT.xdmf)
  fs::remove(checkpoint, ec);  // the run is complete: nothing left to resume
  progress->finish_line();
  if (o.profile) print_profile(std::cout, sim);
  if (!o.quiet) {
    print_outcome_summary(std::cout, sim);
    std::cout << "wrote " << o.output << " (" << writer->snapshots_written() << " snapshots) and "
              << xdmf_path_for(o.output) << "\n";
  }
  return kExitOk;
}

CommandAction add_run(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* run = app.add_subcommand(
      "run",
      "Run a scenario and write one HDF5 file.\n"
      "While running, results go to OUT.h5.partial (flushed at every snapshot) and a checkpoint\n"
      "to OUT.h5.checkpoint; Ctrl-C (SIGINT) or SIGTERM saves a checkpoint and exits 130, and\n"
      "--resume continues bitwise as if never stopped. OUT.h5 appears only when the run ends.\n"
      "Examples:\n"
      "  skinheal run scenarios/demo_diffusion.toml -o out/demo.h5\n"
      "  skinheal run scenarios/demo_diffusion.toml -o out/demo.h5 --resume   # after Ctrl-C\n"
      "  skinheal run scenarios/demo_diffusion.toml -o out/demo.h5 --checkpoint-every '10 min'");
  run->add_option("scenario", o->scenario, "Scenario file (TOML)")->required();
  run->add_option("-o,--output", o->output,
                  "Output HDF5 file (OUT.h5; OUT.xdmf is written beside it)")
      ->required();
  run->add_option("--threads", o->threads, "OpenMP threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  run->add_option(
      "--set", o->overrides,
      "Override a scenario value: KEY=VALUE with a TOML value, e.g. --set 'time.end=\"2 d\"'");
  run->add_flag("--resume", o->resume,
                "Continue an interrupted run from OUT.h5.checkpoint and OUT.h5.partial; give the "
                "same scenario and --set values (checked), any --threads");
  run->add_option("--checkpoint-every", o->checkpoint_every,
                  "Wall-clock time between checkpoints, e.g. '30 s', '10 min'; '0 s': after every "
                  "step; 'off': only after events and on interruption")
      ->default_str("60 s");
  run->add_option("--interrupt-after-steps", o->interrupt_after_steps,
                  "Testing: behave as if interrupted after N steps of this session")
      ->group("")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--debug-step-delay-ms", o->debug_step_delay_ms,
                  "Testing: sleep this long after every step")
      ->group("")
      ->check(CLI::Range(0, 10000));
  run->add_flag("--force", o->force,
                "Overwrite an existing output file (and discard a stale checkpoint)");
  run->add_flag("-q,--quiet", o->quiet, "No progress or summary output");
  run->add_flag("--profile", o->profile,
                "Print wall time and work per stage (reactions, transport, error control, events, "
                "observers) at the end");
  run->footer(kExitCodesHelp);
  return [o] { return run_command(*o); };
}

const bool registered = register_command({"run", 10, add_run});

}  // namespace
}  // namespace skinheal::cli
