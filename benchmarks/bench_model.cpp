// The full skin model end to end (issue 7): one model step, the default scenario as
// `skinheal run` runs it, a 12-length needle sweep, and the explicit alternative.
//
// Cases:
//   BM_ModelStep/2d/session/width_mm:<w>/threads:<t>
//       one Simulation::step of the default scenario
//       (scenarios/roller_1p5mm_collagen_induction.toml, grid.width = w mm, so the voxel count
//       scales with w) from the state one hour after the first session (channels clotting,
//       inflammation rising), on t engine threads. The state and the controller are restored
//       before every iteration (outside the timing), so every iteration takes the same step;
//       the state is computed once per width and cached.
//   BM_ModelStep/2d/late/width_mm:2/threads:<t>   the same from day 200 (quiescent remodelling).
//   BM_ModelStep/3d/session/threads:<t>   the same for scenarios/patch_3d.toml as shipped
//       (2 × 2 × 3 mm, 50 × 50 × 79 cells), one hour after its session.
//   BM_ReactionStep/2d/{session,late}/lanes:<0|1>   the reaction stage alone, 1 thread, one voxel
//       at a time or kLanes at a time.
//   BM_Scenario/default2d        the default scenario to its end (365 d, or SKINHEAL_BENCH_END),
//                                writing every snapshot to an HDF5 file and checkpoints, the way
//                                `skinheal run` does (model_support.hpp); Iterations(1).
//   BM_Scenario/default2d_10um   the same at the issue's size: --set grid.dx="10 um"
//                                grid.depth="3 mm" (2 × 3 mm at 10 µm lateral).
//   BM_Scenario/default2d_no_output  BM_Scenario/default2d without any observer.
//   BM_Sweep/needle12            `skinheal sweep -j 2` over 12 needle lengths 0.25–3 mm (child
//                                processes of build/bin/skinheal, one engine thread each, HDF5
//                                output); wall seconds of the whole command.
//   BM_Sweep/needle12_threads    the same 12 runs in this process on two std::threads, one
//                                engine thread each, without output.
//   BM_Explicit/default2d        forward Euler at its stable step (explicit_reference.hpp) from
//                                60 s after the first session, for 1 h simulated or
//                                SKINHEAL_BENCH_EXPLICIT_WALL seconds of wall (default 10), then
//                                extrapolated to the scenario's end and divided by skinheal's wall
//                                time for it (BM_Scenario/default2d of this process, run here if
//                                it has not run).
// Counters: see benchmarks/README.md ("Model cases"). voxel_steps_per_s = voxels × accepted
// model steps / wall seconds (one model step is reactions + transport + error control, taken by
// step doubling: 3 split passes).
// Run (quick check of every case; README.md has the commands for the figures):
//   SKINHEAL_BENCH_END="2 d" build/bin/skinheal_bench
//       --benchmark_filter='BM_Scenario|BM_Sweep|BM_Explicit'
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benchmarks/explicit_reference.hpp"
#include "benchmarks/model_support.hpp"
#include "engine/parallel.hpp"
#include "engine/simulation.hpp"
#include "models/scenario_file.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace bench = skinheal::bench;
using skinheal::Simulation;
using skinheal::SimulationState;
using skinheal::StageTimes;

constexpr double kDay = 86400.0;
constexpr double kMiB = 1024.0 * 1024.0;

double env_double(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  return end != v && x > 0.0 ? x : fallback;
}

void stage_counters(benchmark::State& state, const StageTimes& s) {
  state.counters["reactions_s"] = s.reactions_s;
  state.counters["transport_s"] = s.transport_s;
  state.counters["error_control_s"] = s.error_control_s;
  state.counters["events_s"] = s.events_s;
  state.counters["observers_s"] = s.observers_s;
  const double total = s.total_s > 0.0 ? s.total_s : 1.0;
  state.counters["reactions_share"] = s.reactions_s / total;
  state.counters["transport_share"] = s.transport_s / total;
  state.counters["error_control_share"] = s.error_control_s / total;
  state.counters["events_share"] = s.events_s / total;
  state.counters["observers_share"] = s.observers_s / total;
  state.counters["steps"] = static_cast<double>(s.steps);
  state.counters["rejected"] = static_cast<double>(s.rejected);
  const double voxel_steps = static_cast<double>(s.voxel_steps);
  state.counters["skipped"] =
      voxel_steps > 0 ? static_cast<double>(s.reaction_skipped) / voxel_steps : 0.0;
  const double integrated = voxel_steps - static_cast<double>(s.reaction_skipped);
  state.counters["substeps"] =
      integrated > 0 ? static_cast<double>(s.reaction_substeps) / integrated : 0.0;
}

// Restores the engine's default thread count when a case ends.
struct Threads {
  explicit Threads(int n) { skinheal::parallel::set_num_threads(n); }
  ~Threads() { skinheal::parallel::set_num_threads(0); }
};

// --- BM_ModelStep --------------------------------------------------------------------------

// A simulation run to `start_s` (no end-time override: the step must not depend on
// SKINHEAL_BENCH_END), with its fields and controller at that point.
struct Prepared {
  skinheal::models::LoadedScenario loaded;
  std::vector<double> fields;
  SimulationState clock;
};

// `scenario` (a path) with `overrides`, run to `start_s`; cached by all three.
Prepared& prepared(const std::string& scenario, const std::vector<std::string>& overrides,
                   double start_s) {
  static std::map<std::string, std::unique_ptr<Prepared>> cache;
  std::string key = scenario + "@" + std::to_string(start_s);
  for (const std::string& o : overrides) key += "|" + o;
  auto& slot = cache[key];
  if (!slot) {
    skinheal::models::set_warning_sink(nullptr);
    auto p = std::make_unique<Prepared>(
        Prepared{skinheal::models::load_scenario(scenario, overrides), {}, {}});
    Simulation& sim = *p->loaded.built.simulation;
    sim.run_until(start_s);
    p->fields = sim.fields().storage();
    p->clock = sim.state();
    slot = std::move(p);
  }
  return *slot;
}

// The default scenario at `width_mm`.
Prepared& prepared(int width_mm, double start_s) {
  return prepared(bench::default_scenario_path(),
                  {"grid.width=\"" + std::to_string(width_mm) + " mm\""}, start_s);
}

// scenarios/patch_3d.toml as shipped (2 × 2 × 3 mm, 50 × 50 × 79 cells).
std::string patch_3d_path() {
  return (fs::path(bench::default_scenario_path()).parent_path() / "patch_3d.toml").string();
}

// One Simulation::step from the prepared state, restored before every iteration.
void model_step(benchmark::State& state, Prepared& p, int threads_count) {
  const Threads threads(threads_count);
  Simulation& sim = *p.loaded.built.simulation;
  const double t_end = p.loaded.built.end_time_s;
  sim.reset_stage_times();
  long steps = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sim.fields().storage() = p.fields;
    sim.restore_state(p.clock);
    state.ResumeTiming();
    sim.step(t_end);
    ++steps;
  }
  const double cells = static_cast<double>(sim.grid().num_cells());
  stage_counters(state, sim.stage_times());
  state.counters["voxels"] = cells;
  state.counters["dt_s"] = sim.last_step().dt_s;
  state.counters["voxel_steps_per_s"] =
      benchmark::Counter(cells * static_cast<double>(steps), benchmark::Counter::kIsRate);
}

void model_step(benchmark::State& state, double start_s) {
  model_step(state, prepared(static_cast<int>(state.range(0)), start_s),
             static_cast<int>(state.range(1)));
}

void BM_ModelStep_2d_session(benchmark::State& state) {
  model_step(state, 3600.0);
}
BENCHMARK(BM_ModelStep_2d_session)
    ->Name("BM_ModelStep/2d/session")
    ->ArgNames({"width_mm", "threads"})
    ->ArgsProduct({{1, 2, 4, 8}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ModelStep_2d_late(benchmark::State& state) {
  model_step(state, 200 * kDay);
}
BENCHMARK(BM_ModelStep_2d_late)
    ->Name("BM_ModelStep/2d/late")
    ->ArgNames({"width_mm", "threads"})
    ->ArgsProduct({{2}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// patch_3d one hour after its session.
void BM_ModelStep_3d_session(benchmark::State& state) {
  model_step(state, prepared(patch_3d_path(), {}, 3600.0), static_cast<int>(state.range(0)));
}
BENCHMARK(BM_ModelStep_3d_session)
    ->Name("BM_ModelStep/3d/session")
    ->ArgNames({"threads"})
    ->Args({1})
    ->Args({2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// --- BM_ReactionStep -----------------------------------------------------------------------

// The reaction stage alone: Reactions::advance over `dt_s` from the prepared state (2 mm width,
// 4 900 voxels), one voxel at a time (lanes:0) or kLanes at a time (lanes:1), on 1 thread.
// Run the two with --benchmark_enable_random_interleaving to compare them on a noisy machine.
void reaction_step(benchmark::State& state, double start_s, double dt_s) {
  const bool lanes = state.range(0) != 0;
  const Threads threads(1);
  Prepared& p = prepared(2, start_s);
  Simulation& sim = *p.loaded.built.simulation;
  skinheal::Reactions& reactions = sim.reactions();
  const bool was = reactions.options().lanes;
  reactions.options().lanes = lanes;
  std::size_t substeps = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sim.fields().storage() = p.fields;
    state.ResumeTiming();
    substeps += reactions.advance(sim.fields(), start_s, dt_s).substeps;
  }
  reactions.options().lanes = was;
  const double cells = static_cast<double>(sim.grid().num_cells());
  state.counters["voxels"] = cells;
  state.counters["substeps_per_voxel"] =
      static_cast<double>(substeps) / (cells * static_cast<double>(state.iterations()));
  state.counters["voxel_integrations_per_s"] = benchmark::Counter(
      cells * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_ReactionStep_session(benchmark::State& state) {
  reaction_step(state, 3600.0, 3600.0);
}
BENCHMARK(BM_ReactionStep_session)
    ->Name("BM_ReactionStep/2d/session")
    ->ArgNames({"lanes"})
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ReactionStep_late(benchmark::State& state) {
  reaction_step(state, 200 * kDay, 7 * kDay);
}
BENCHMARK(BM_ReactionStep_late)
    ->Name("BM_ReactionStep/2d/late")
    ->ArgNames({"lanes"})
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// --- BM_Scenario ---------------------------------------------------------------------------

void scenario_case(benchmark::State& state, const std::string& name,
                   const std::vector<std::string>& extra, bool output) {
  for (auto _ : state) {
    bench::ScenarioRun run;
    try {
      run = bench::run_default_scenario(name, extra, output);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(run.wall_s);
    bench::record_scenario(run);
    stage_counters(state, run.stages);
    const double voxels = static_cast<double>(run.voxels);
    state.counters["wall_s"] = run.wall_s;
    state.counters["end_d"] = run.end_time_s / kDay;
    state.counters["voxels"] = voxels;
    state.counters["voxel_steps_per_s"] =
        voxels * static_cast<double>(run.stages.steps) / run.wall_s;
    state.counters["steps_day1"] = run.steps_day1;
    state.counters["steps_week1"] = run.steps_week1;
    state.counters["steps_later"] = run.steps_later;
    state.counters["snapshots"] = static_cast<double>(run.snapshots);
    state.counters["checkpoints"] = static_cast<double>(run.checkpoints);
    state.counters["checkpoint_s"] = run.checkpoint_s;
    state.counters["output_mib"] = run.output_file_bytes / kMiB;
    state.counters["state_mib"] = run.state_bytes / kMiB;
    state.counters["peak_rss_mib"] = run.peak_rss_bytes / kMiB;
    state.counters["peak_over_state"] = run.peak_rss_bytes / run.state_bytes;
    state.counters["growth_over_state"] =
        (run.peak_rss_bytes - run.rss_before_bytes) / run.state_bytes;
    state.counters["peak_reset"] = run.peak_was_reset ? 1 : 0;
  }
}

void BM_Scenario_default2d(benchmark::State& state) {
  scenario_case(state, "BM_Scenario/default2d", {}, true);
}
BENCHMARK(BM_Scenario_default2d)
    ->Name("BM_Scenario/default2d")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

void BM_Scenario_default2d_10um(benchmark::State& state) {
  scenario_case(state, "BM_Scenario/default2d_10um", {"grid.dx=\"10 um\"", "grid.depth=\"3 mm\""},
                true);
}
BENCHMARK(BM_Scenario_default2d_10um)
    ->Name("BM_Scenario/default2d_10um")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

void BM_Scenario_default2d_no_output(benchmark::State& state) {
  scenario_case(state, "BM_Scenario/default2d_no_output", {}, false);
}
BENCHMARK(BM_Scenario_default2d_no_output)
    ->Name("BM_Scenario/default2d_no_output")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

// --- BM_Sweep ------------------------------------------------------------------------------

constexpr int kSweepRuns = 12;
constexpr int kSweepJobs = 2;

std::string needle_length(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "\"%g mm\"", 0.25 * (i + 1));
  return buf;
}

// build/bin/skinheal next to this executable (SKINHEAL_BENCH_SKINHEAL overrides).
std::string skinheal_executable() {
  if (const char* env = std::getenv("SKINHEAL_BENCH_SKINHEAL"); env && *env) return env;
  std::error_code ec;
  return (fs::read_symlink("/proc/self/exe", ec).parent_path() / "skinheal").string();
}

std::string tail_of(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// What run_child reports: whether the child exited 0, its wall seconds and its own peak RSS.
struct ChildRun {
  bool ok = false;
  double wall_s = 0.0;
  double peak_rss_mib = 0.0;  // of this child alone (wait4), not of every child so far
};

// Run `exe argv[1..]` (no shell), stdout and stderr to `log`.
ChildRun run_child(const std::string& exe, std::vector<std::string> argv, const std::string& log) {
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  if (rc == 0) wait4(pid, &status, 0, &usage);
  ChildRun run;
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.ok = rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  run.peak_rss_mib = static_cast<double>(usage.ru_maxrss) * 1024.0 / kMiB;
  return run;
}

void BM_Sweep_needle12(benchmark::State& state) {
  const std::string exe = skinheal_executable();
  if (access(exe.c_str(), X_OK) != 0) {
    state.SkipWithError(("no skinheal executable at " + exe +
                         " (build the skinheal target, or set SKINHEAL_BENCH_SKINHEAL)")
                            .c_str());
    return;
  }
  const std::string scenario = bench::default_scenario_path();
  std::string vary = "device.needle_length=";
  for (int i = 0; i < kSweepRuns; ++i) vary += (i ? "," : "") + needle_length(i);
  for (auto _ : state) {
    const std::string dir = (fs::path(bench::scratch_dir()) / "sweep").string();
    const std::string log = dir + ".log";
    std::vector<std::string> argv{
        exe,       "sweep",  scenario, "--vary", vary, "-o", dir, "-j", std::to_string(kSweepJobs),
        "--force", "--quiet"};
    for (const std::string& o : bench::end_overrides(scenario)) {
      argv.push_back("--set");
      argv.push_back(o);
    }
    const ChildRun run = run_child(exe, argv, log);
    const bool ok = run.ok;
    const double wall = run.wall_s;
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (!ok) {
      state.SkipWithError(("skinheal sweep failed: " + tail_of(log)).c_str());
      return;
    }
    rusage children{};
    getrusage(RUSAGE_CHILDREN, &children);
    state.SetIterationTime(wall);
    bench::record_sweep("BM_Sweep/needle12", wall, kSweepRuns, kSweepJobs,
                        "skinheal sweep, child processes, 1 thread each, HDF5 output");
    state.counters["wall_s"] = wall;
    state.counters["runs"] = kSweepRuns;
    state.counters["jobs"] = kSweepJobs;
    state.counters["child_peak_rss_mib"] = static_cast<double>(children.ru_maxrss) * 1024.0 / kMiB;
  }
}
BENCHMARK(BM_Sweep_needle12)
    ->Name("BM_Sweep/needle12")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

// --- BM_Memory -----------------------------------------------------------------------------

// The engine's memory per cell while stepping, free of the program's fixed costs: patch_3d run
// for 1 h at two lateral spacings in child processes; (peak RSS difference) / (cell
// difference), against the state's 8 bytes per field per cell. The issue's target is 1.5.
void BM_Memory_patch3d(benchmark::State& state) {
  const std::string exe = skinheal_executable();
  if (access(exe.c_str(), X_OK) != 0) {
    state.SkipWithError(("no skinheal executable at " + exe).c_str());
    return;
  }
  const std::string scenario =
      (fs::path(bench::default_scenario_path()).parent_path() / "patch_3d.toml").string();
  struct Size {
    const char* dx;
    std::size_t cells = 0;
    int fields = 0;
    double peak_mib = 0.0;
  };
  Size sizes[2] = {{"\"80 um\""}, {"\"40 um\""}};
  for (auto _ : state) {
    double wall_total = 0.0;
    for (Size& size : sizes) {
      const std::vector<std::string> sets{"time.end=\"1 h\"", std::string("grid.dx=") + size.dx};
      const auto loaded = skinheal::models::load_scenario(scenario, sets);
      size.cells = loaded.built.simulation->grid().num_cells();
      size.fields = loaded.built.simulation->fields().num_fields();
      const std::string out = (fs::path(bench::scratch_dir()) / "memory.h5").string();
      std::vector<std::string> argv{exe, "run", scenario, "-o", out, "--force", "--quiet"};
      for (const std::string& set : sets) argv.insert(argv.end(), {"--set", set});
      const ChildRun run = run_child(exe, argv, out + ".log");
      const std::string log_tail = tail_of(out + ".log");
      std::error_code ec;
      for (const char* suffix : {"", ".log", ".xdmf", ".checkpoint", ".partial"})
        fs::remove(out + suffix, ec);
      if (!run.ok) {
        state.SkipWithError(("skinheal run failed: " + log_tail).c_str());
        return;
      }
      wall_total += run.wall_s;
      size.peak_mib = run.peak_rss_mib;
    }
    state.SetIterationTime(wall_total);
    const double bytes_per_cell = (sizes[1].peak_mib - sizes[0].peak_mib) * kMiB /
                                  static_cast<double>(sizes[1].cells - sizes[0].cells);
    const double state_bytes_per_cell = 8.0 * sizes[1].fields;
    state.counters["cells_small"] = static_cast<double>(sizes[0].cells);
    state.counters["cells_large"] = static_cast<double>(sizes[1].cells);
    state.counters["peak_rss_small_mib"] = sizes[0].peak_mib;
    state.counters["peak_rss_large_mib"] = sizes[1].peak_mib;
    state.counters["bytes_per_cell"] = bytes_per_cell;
    state.counters["state_bytes_per_cell"] = state_bytes_per_cell;
    state.counters["stepping_over_state"] = bytes_per_cell / state_bytes_per_cell;
    state.counters["fixed_mib"] =
        sizes[1].peak_mib - bytes_per_cell * static_cast<double>(sizes[1].cells) / kMiB;
  }
}
BENCHMARK(BM_Memory_patch3d)
    ->Name("BM_Memory/patch3d")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

void BM_Sweep_needle12_threads(benchmark::State& state) {
  const Threads one(1);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    std::atomic<int> next{0};
    std::atomic<long> steps{0};
    std::atomic<double> voxel_steps{0.0};
    std::string error;
    std::mutex error_mutex;
    std::vector<std::thread> workers;
    for (int w = 0; w < kSweepJobs; ++w)
      workers.emplace_back([&] {
        for (int i = next++; i < kSweepRuns; i = next++) {
          try {
            auto loaded = bench::load_default({"device.needle_length=" + needle_length(i)});
            Simulation& sim = *loaded.built.simulation;
            sim.run_until(loaded.built.end_time_s);
            steps += sim.stage_times().steps;
            const double vs = static_cast<double>(sim.grid().num_cells()) *
                              static_cast<double>(sim.stage_times().steps);
            double seen = voxel_steps.load();
            while (!voxel_steps.compare_exchange_weak(seen, seen + vs)) {
            }
          } catch (const std::exception& e) {
            const std::lock_guard<std::mutex> lock(error_mutex);
            error = e.what();
          }
        }
      });
    for (std::thread& t : workers) t.join();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!error.empty()) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.SetIterationTime(wall);
    bench::record_sweep("BM_Sweep/needle12_threads", wall, kSweepRuns, kSweepJobs,
                        "in process, std::threads, 1 engine thread each, no output");
    state.counters["wall_s"] = wall;
    state.counters["steps"] = static_cast<double>(steps.load());
    state.counters["voxel_steps_per_s"] = voxel_steps.load() / wall;
  }
}
BENCHMARK(BM_Sweep_needle12_threads)
    ->Name("BM_Sweep/needle12_threads")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

// --- BM_Explicit ---------------------------------------------------------------------------

void BM_Explicit_default2d(benchmark::State& state) {
  constexpr double kStartS = 60.0;  // 60 s after the first session (at t = 0)
  for (auto _ : state) {
    bench::ExplicitRecord r;
    try {
      auto loaded = bench::load_default();
      Simulation& sim = *loaded.built.simulation;
      r.end_time_s = loaded.built.end_time_s;
      r.dt_diffusion_intact_s = bench::explicit_diffusion_limit_s(sim);  // before the session
      state.counters["engine_explicit_limit_intact_s"] = sim.transport().explicit_limit_s();
      sim.run_until(kStartS);
      state.counters["engine_explicit_limit_s"] = sim.transport().explicit_limit_s();
      std::vector<double> x = sim.fields().storage();
      bench::ExplicitOptions opts;
      opts.wall_budget_s = env_double("SKINHEAL_BENCH_EXPLICIT_WALL", 10.0);
      const bench::ExplicitResult e = bench::explicit_integrate(sim, x, opts);
      sim.run_until(kStartS + e.simulated_s);
      r.max_rel_difference =
          bench::max_relative_difference(sim, x, sim.fields().storage(), r.worst_field);
      r.start_s = e.start_s;
      r.simulated_s = e.simulated_s;
      r.wall_s = e.wall_s + e.bound_wall_s;
      r.steps = e.steps;
      r.dt_s = e.dt_min_s;
      r.dt_diffusion_s = e.dt_diffusion_s;
      r.extrapolated_s = r.wall_s / e.simulated_s * r.end_time_s;
      const double dt_largest = std::max(e.dt_diffusion_s, r.dt_diffusion_intact_s);
      r.lower_bound_s = e.wall_s / static_cast<double>(e.steps) * r.end_time_s / dt_largest;
      state.counters["bound_s"] = e.bound_wall_s;
      state.counters["dt_max_s"] = e.dt_max_s;
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    // skinheal's wall time for the same scenario and end, measured in this process.
    std::optional<bench::ScenarioRun> run = bench::last_default_run();
    if (!run || run->end_time_s != r.end_time_s) {
      run = bench::run_default_scenario("BM_Scenario/default2d", {}, true);
      bench::record_scenario(*run);
    }
    r.skinheal_wall_s = run->wall_s;
    r.skinheal_case = run->name;
    bench::record_explicit(r);
    state.SetIterationTime(r.wall_s);
    state.counters["simulated_s"] = r.simulated_s;
    state.counters["steps"] = static_cast<double>(r.steps);
    state.counters["dt_s"] = r.dt_s;
    state.counters["dt_diffusion_s"] = r.dt_diffusion_s;
    state.counters["dt_diffusion_intact_s"] = r.dt_diffusion_intact_s;
    state.counters["explicit_wall_s"] = r.wall_s;
    state.counters["extrapolated_s"] = r.extrapolated_s;
    state.counters["lower_bound_s"] = r.lower_bound_s;
    state.counters["skinheal_wall_s"] = r.skinheal_wall_s;
    state.counters["ratio"] = r.extrapolated_s / r.skinheal_wall_s;
    state.counters["ratio_lower_bound"] = r.lower_bound_s / r.skinheal_wall_s;
    state.counters["max_rel_diff"] = r.max_rel_difference;
  }
}
BENCHMARK(BM_Explicit_default2d)
    ->Name("BM_Explicit/default2d")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseManualTime();

}  // namespace
