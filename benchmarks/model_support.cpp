// Shared pieces of the end-to-end model benchmarks: see model_support.hpp.
#include "benchmarks/model_support.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"
#include "engine/input/units.hpp"
#include "engine/output/checkpoint.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/parallel.hpp"

namespace skinheal::bench {
namespace {

namespace fs = std::filesystem;
constexpr double kDay = 86400.0;

// Where the accepted steps go: within a day, a week, or later after the most recent event.
class StepPhases final : public Observer {
 public:
  void on_event(const Simulation& sim, const std::string&, bool after) override {
    if (after) last_event_s_ = sim.time_s();
  }
  void on_step(const Simulation&, const StepInfo& info) override {
    const double since = info.t_s - info.dt_s - last_event_s_;
    (since < kDay ? first_day : since < 7 * kDay ? first_week : later) += 1;
  }
  double first_day = 0, first_week = 0, later = 0;

 private:
  double last_event_s_ = 0.0;
};

long events_applied(const Simulation& sim) {
  long n = 0;
  for (char done : sim.state().events_done) n += done != 0;
  return n;
}

struct SweepRecord {
  std::string name, how;
  double wall_s = 0.0;
  int runs = 0, jobs = 0;
};

struct Records {
  std::vector<ScenarioRun> scenarios;
  std::vector<SweepRecord> sweeps;
  std::vector<ExplicitRecord> explicit_runs;
};

Records& records() {
  static Records r;
  return r;
}

class ScratchDir {
 public:
  ScratchDir() {
    const char* env = std::getenv("SKINHEAL_BENCH_TMPDIR");
    const fs::path base = env && *env ? fs::path(env) : fs::temp_directory_path();
    path_ = base / ("skinheal_bench_" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string mib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::string default_scenario_path() {
  return (fs::path(__FILE__).parent_path().parent_path() / "scenarios" /
          "roller_1p5mm_collagen_induction.toml")
      .string();
}

std::vector<std::string> end_overrides(const std::string& scenario_path) {
  const char* env = std::getenv("SKINHEAL_BENCH_END");
  if (!env || !*env) return {};
  const double end_s = parse_time_s(env, "SKINHEAL_BENCH_END");
  std::vector<std::string> out{"time.end=\"" + std::string(env) + "\""};
  const TomlReader reader = TomlReader::from_file(scenario_path);
  const TomlTable root = reader.root();
  if (!root.has_table("treatment")) return out;
  const std::vector<double> sessions = root.table("treatment").query_time_list_s("sessions", {});
  std::string kept;
  bool dropped = false;
  for (const double s : sessions) {
    if (s > end_s) {
      dropped = true;
      continue;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "\"%.17g s\"", s);
    kept += (kept.empty() ? "" : ", ") + std::string(buf);
  }
  if (dropped) out.push_back("treatment.sessions=[" + kept + "]");
  return out;
}

models::LoadedScenario load_default(const std::vector<std::string>& extra) {
  models::set_warning_sink(nullptr);
  const std::string path = default_scenario_path();
  std::vector<std::string> overrides = end_overrides(path);
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return models::load_scenario(path, overrides);
}

std::string scratch_dir() {
  static ScratchDir dir;
  return dir.path().string();
}

bool MemoryProbe::reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5" << std::flush;
  return static_cast<bool>(out);
}

double MemoryProbe::peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;  // Linux: kilobytes
}

double MemoryProbe::current_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) * 1024.0;
  return 0.0;
}

ScenarioRun run_default_scenario(const std::string& name, const std::vector<std::string>& extra,
                                 bool output) {
  ScenarioRun run;
  run.name = name;
  run.peak_was_reset = MemoryProbe::reset_peak();
  run.rss_before_bytes = MemoryProbe::current_rss_bytes();

  models::LoadedScenario loaded = load_default(extra);
  Simulation& sim = *loaded.built.simulation;
  const double end = loaded.built.end_time_s;
  run.end_time_s = end;
  run.voxels = sim.grid().num_cells();
  run.fields = sim.fields().num_fields();
  run.state_bytes = static_cast<double>(sim.fields().storage().size()) * sizeof(double);
  auto phases = std::make_shared<StepPhases>();
  sim.add_observer(phases);

  // What cli/cmd_run.cpp does for `skinheal run SCENARIO -o OUT.h5 --force --quiet`.
  const std::string out_path =
      (fs::path(scratch_dir()) / (std::to_string(records().scenarios.size()) + ".h5")).string();
  const std::string checkpoint = checkpoint_path_for(out_path);
  const CheckpointIdentity identity{loaded.text, loaded.parameters};
  std::shared_ptr<Hdf5Writer> writer;
  if (output) {
    Hdf5WriterOptions opts;
    opts.path = out_path;
    opts.snapshot_times_s = loaded.built.snapshot_times_s;
    opts.t_end_s = end;
    opts.overwrite = true;
    opts.scenario_text = loaded.text;
    opts.parameters = loaded.parameters;
    writer = std::make_shared<Hdf5Writer>(opts);
    sim.add_observer(writer);
  }

  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  Clock::time_point last_checkpoint = t0;
  long events_at_checkpoint = events_applied(sim);
  const auto save = [&] {
    const auto c0 = Clock::now();
    write_checkpoint(checkpoint, sim, identity, writer->flush());
    last_checkpoint = Clock::now();
    run.checkpoint_s += std::chrono::duration<double>(last_checkpoint - c0).count();
    ++run.checkpoints;
    events_at_checkpoint = events_applied(sim);
  };
  while (sim.time_s() < end * (1.0 - 1e-12)) {
    sim.step(end);
    if (!output) continue;
    const bool periodic =
        std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= 60.0;
    if (periodic || events_applied(sim) != events_at_checkpoint) save();
  }
  sim.run_until(end);  // on_end: the writer renames OUT.h5.partial and writes OUT.xdmf
  run.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  run.peak_rss_bytes = MemoryProbe::peak_rss_bytes();

  std::error_code ec;
  if (output) {
    run.snapshots = writer->snapshots_written();
    run.output_file_bytes = static_cast<double>(fs::file_size(out_path, ec));
    fs::remove(out_path, ec);
    fs::remove(xdmf_path_for(out_path), ec);
    fs::remove(checkpoint, ec);
  }
  run.stages = sim.stage_times();
  run.steps_day1 = phases->first_day;
  run.steps_week1 = phases->first_week;
  run.steps_later = phases->later;
  return run;
}

void record_scenario(const ScenarioRun& run) {
  records().scenarios.push_back(run);
}

void record_sweep(const std::string& name, double wall_s, int runs, int jobs,
                  const std::string& how) {
  records().sweeps.push_back({name, how, wall_s, runs, jobs});
}

void record_explicit(const ExplicitRecord& record) {
  records().explicit_runs.push_back(record);
}

std::optional<ScenarioRun> last_default_run() {
  const auto& s = records().scenarios;
  for (auto it = s.rbegin(); it != s.rend(); ++it)
    if (it->name == "BM_Scenario/default2d") return *it;
  return std::nullopt;
}

void print_model_summary(std::ostream& out) {
  const Records& r = records();
  if (r.scenarios.empty() && r.sweeps.empty() && r.explicit_runs.empty()) return;
  char line[256];
  out << "\nModel summary (" << parallel::num_threads() << " engine thread(s) by default)\n";
  for (const ScenarioRun& s : r.scenarios) {
    const StageTimes& t = s.stages;
    std::snprintf(line, sizeof line,
                  "  %s: %s simulated in %.2f s wall; %ld steps (%ld rejected); %zu voxels x "
                  "%d fields; %.3g voxel-steps/s; %zu snapshots, %ld checkpoints (%.2f s)\n",
                  s.name.c_str(), format_duration(s.end_time_s).c_str(), s.wall_s, t.steps,
                  t.rejected, s.voxels, s.fields,
                  static_cast<double>(s.voxels) * static_cast<double>(t.steps) / s.wall_s,
                  s.snapshots, s.checkpoints, s.checkpoint_s);
    out << line;
    const double total = t.total_s > 0 ? t.total_s : 1.0;
    std::snprintf(line, sizeof line,
                  "    shares of the time loop: reactions %.1f%%, transport %.1f%%, error control "
                  "%.1f%%, events %.1f%%, observers %.1f%%\n",
                  100 * t.reactions_s / total, 100 * t.transport_s / total,
                  100 * t.error_control_s / total, 100 * t.events_s / total,
                  100 * t.observers_s / total);
    out << line;
    const double grown = s.peak_rss_bytes - s.rss_before_bytes;
    std::snprintf(line, sizeof line,
                  "    memory: state %s; peak RSS %s (%.1f x state%s); peak - RSS before load "
                  "%s (%.1f x state); output file %s\n",
                  mib(s.state_bytes).c_str(), mib(s.peak_rss_bytes).c_str(),
                  s.peak_rss_bytes / s.state_bytes,
                  s.peak_was_reset ? "" : ", process high-water mark: not reset",
                  mib(grown).c_str(), grown / s.state_bytes, mib(s.output_file_bytes).c_str());
    out << line;
  }
  for (const SweepRecord& s : r.sweeps) {
    std::snprintf(line, sizeof line, "  %s: %d runs, %d at a time (%s): %.2f s wall\n",
                  s.name.c_str(), s.runs, s.jobs, s.how.c_str(), s.wall_s);
    out << line;
  }
  for (const ExplicitRecord& e : r.explicit_runs) {
    std::snprintf(line, sizeof line,
                  "  explicit reference (forward Euler): %ld steps of >= %.3g s (diffusion limit "
                  "%.3g s, %.3g s before the session) over %.4g s simulated from t = %.4g s in "
                  "%.2f s wall; max relative difference to skinheal %.2g (%s)\n",
                  e.steps, e.dt_s, e.dt_diffusion_s, e.dt_diffusion_intact_s, e.simulated_s,
                  e.start_s, e.wall_s, e.max_rel_difference, e.worst_field.c_str());
    out << line;
    std::snprintf(line, sizeof line,
                  "    extrapolated to %s: %.3g s wall (at the measured pace), at least %.3g s "
                  "(at the diffusion limit); skinheal (%s): %.3g s\n",
                  format_duration(e.end_time_s).c_str(), e.extrapolated_s, e.lower_bound_s,
                  e.skinheal_case.c_str(), e.skinheal_wall_s);
    out << line;
    std::snprintf(line, sizeof line,
                  "    RATIO explicit / skinheal: %.3g (at the measured pace), >= %.3g (lower "
                  "bound)\n",
                  e.extrapolated_s / e.skinheal_wall_s, e.lower_bound_s / e.skinheal_wall_s);
    out << line;
  }
}

}  // namespace skinheal::bench
