// The full skin model end to end (issue 7): one model step, the default scenario, a needle sweep.
//
// Cases (the skin model builds 2D x–z sections only; there is no 3D skin case yet):
//   BM_ModelStep/2d/session   one Simulation::step of the default scenario
//                             (scenarios/roller_1p5mm_collagen_induction.toml) from the state one
//                             hour after the first session (channels clotting, inflammation
//                             rising); the state and the controller are restored before every
//                             iteration (outside the timing), so every iteration takes the same
//                             step.
//   BM_ModelStep/2d/late      the same from day 200 (quiescent remodelling, steps of days).
//   BM_Scenario/default2d     the default scenario, 12 months, without output (Iterations(1)).
//   BM_Scenario/issue2d       the issue's size: 2 mm × 3 mm at dx = 10 µm (Iterations(1)).
//   BM_Sweep/needle12         12 needle lengths 0.25–3 mm, 12 months each, default grid.
// Counters: voxel_steps_per_s (voxels × accepted model steps per wall second; one model step is
// reactions + transport + error control, taken as step doubling: 3 split passes), steps,
// rejected, wall_s, and the per-stage wall seconds of Simulation::stage_times() (reactions_s,
// transport_s, error_control_s, events_s, observers_s), skipped (share of voxel integrations
// skipped as quiescent) and substeps (ROS2 sub-steps per integrated voxel).
// Run:  build/bin/skinheal_bench --benchmark_filter='BM_ModelStep|BM_Scenario/default2d'
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/simulation.hpp"
#include "models/scenario_file.hpp"

namespace {

using skinheal::Simulation;
using skinheal::SimulationState;
using skinheal::StageTimes;

constexpr double kDay = 86400.0;

std::string default_scenario_path() {
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "scenarios" /
          "roller_1p5mm_collagen_induction.toml")
      .string();
}

skinheal::models::LoadedScenario load(const std::vector<std::string>& overrides = {}) {
  skinheal::models::set_warning_sink(nullptr);
  return skinheal::models::load_scenario(default_scenario_path(), overrides);
}

void stage_counters(benchmark::State& state, const StageTimes& s) {
  state.counters["reactions_s"] = s.reactions_s;
  state.counters["transport_s"] = s.transport_s;
  state.counters["error_control_s"] = s.error_control_s;
  state.counters["events_s"] = s.events_s;
  state.counters["observers_s"] = s.observers_s;
  state.counters["steps"] = static_cast<double>(s.steps);
  state.counters["rejected"] = static_cast<double>(s.rejected);
  const double voxel_steps = static_cast<double>(s.voxel_steps);
  state.counters["skipped"] =
      voxel_steps > 0 ? static_cast<double>(s.reaction_skipped) / voxel_steps : 0.0;
  const double integrated = voxel_steps - static_cast<double>(s.reaction_skipped);
  state.counters["substeps"] =
      integrated > 0 ? static_cast<double>(s.reaction_substeps) / integrated : 0.0;
}

// One model step from a stored state (fields + controller), restored before each iteration.
void model_step(benchmark::State& state, double start_time_s) {
  auto loaded = load();
  Simulation& sim = *loaded.built.simulation;
  sim.run_until(start_time_s);
  const std::vector<double> fields = sim.fields().storage();
  const SimulationState clock = sim.state();
  const double t_end = loaded.built.end_time_s;
  sim.reset_stage_times();
  long steps = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sim.fields().storage() = fields;
    sim.restore_state(clock);
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

void BM_ModelStep_2d_session(benchmark::State& state) {
  model_step(state, 3600.0);
}
BENCHMARK(BM_ModelStep_2d_session)
    ->Name("BM_ModelStep/2d/session")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ModelStep_2d_late(benchmark::State& state) {
  model_step(state, 200 * kDay);
}
BENCHMARK(BM_ModelStep_2d_late)
    ->Name("BM_ModelStep/2d/late")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Where the steps go: accepted steps within a day, a week, or later after the last event.
class StepPhases final : public skinheal::Observer {
 public:
  void on_event(const Simulation& sim, const std::string&, bool after) override {
    if (after) last_event_s_ = sim.time_s();
  }
  void on_step(const Simulation& sim, const skinheal::StepInfo& info) override {
    const double since = info.t_s - info.dt_s - last_event_s_;
    (since < kDay ? first_day : since < 7 * kDay ? first_week : later) += 1;
  }
  double first_day = 0, first_week = 0, later = 0;

 private:
  double last_event_s_ = 0.0;
};

// A whole run without output; wall seconds and the per-stage breakdown.
void run_scenario(benchmark::State& state, const std::vector<std::string>& overrides) {
  for (auto _ : state) {
    state.PauseTiming();
    auto loaded = load(overrides);
    Simulation& sim = *loaded.built.simulation;
    auto phases = std::make_shared<StepPhases>();
    sim.add_observer(phases);
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    sim.run_until(loaded.built.end_time_s);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cells = static_cast<double>(sim.grid().num_cells());
    stage_counters(state, sim.stage_times());
    state.counters["wall_s"] = wall;
    state.counters["voxels"] = cells;
    state.counters["voxel_steps_per_s"] =
        cells * static_cast<double>(sim.stage_times().steps) / wall;
    state.counters["steps_day1"] = phases->first_day;
    state.counters["steps_week1"] = phases->first_week;
    state.counters["steps_later"] = phases->later;
  }
}

void BM_Scenario_default2d(benchmark::State& state) {
  run_scenario(state, {});
}
BENCHMARK(BM_Scenario_default2d)
    ->Name("BM_Scenario/default2d")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

void BM_Scenario_issue2d(benchmark::State& state) {
  run_scenario(state, {"grid.dx=\"10 um\"", "grid.depth=\"3 mm\""});
}
BENCHMARK(BM_Scenario_issue2d)
    ->Name("BM_Scenario/issue2d")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// 12 needle lengths from 0.25 to 3 mm, one full run each.
void BM_Sweep_needle12(benchmark::State& state) {
  for (auto _ : state) {
    long steps = 0;
    double voxel_steps = 0.0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 12; ++i) {
      const double length_mm = 0.25 + i * 0.25;
      auto loaded = load({"device.needle_length=\"" + std::to_string(length_mm) + " mm\""});
      Simulation& sim = *loaded.built.simulation;
      sim.run_until(loaded.built.end_time_s);
      steps += sim.stage_times().steps;
      voxel_steps += static_cast<double>(sim.grid().num_cells() * sim.stage_times().steps);
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["wall_s"] = wall;
    state.counters["steps"] = static_cast<double>(steps);
    state.counters["voxel_steps_per_s"] = voxel_steps / wall;
  }
}
BENCHMARK(BM_Sweep_needle12)
    ->Name("BM_Sweep/needle12")
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
