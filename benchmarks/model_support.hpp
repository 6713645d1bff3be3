/// \file model_support.hpp
/// \brief What the end-to-end model benchmarks share: the default scenario and its overrides
/// (reduced end time from SKINHEAL_BENCH_END), a run that takes the same path as
/// `skinheal run` (HDF5 writer observer, checkpoints after events and every 60 s of wall time),
/// the process's peak memory, and the records the end-of-run summary prints.
///
/// Environment:
///   SKINHEAL_BENCH_END="30 d"   end time of every scenario run (default: the scenario's, 365 d);
///                                sessions after it are dropped (the scenario rejects them).
///   SKINHEAL_BENCH_TMPDIR=DIR    where the HDF5 output and checkpoints go (default: the system
///                                temporary directory); removed after each run.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "engine/simulation.hpp"
#include "models/scenario_file.hpp"

namespace skinheal::bench {

/// scenarios/roller_1p5mm_collagen_induction.toml of the source tree this was built from.
std::string default_scenario_path();

/// The `--set` overrides that SKINHEAL_BENCH_END asks for (empty when it is not set):
/// `time.end="<value>"` and, when some sessions of the scenario fall after it,
/// `treatment.sessions=[...]` with only those before it. Throws InputError on a bad value.
std::vector<std::string> end_overrides(const std::string& scenario_path);

/// Load the default scenario with end_overrides() followed by `extra` (warnings dropped).
models::LoadedScenario load_default(const std::vector<std::string>& extra = {});

/// A directory of our own for run output, created on first use and removed at exit.
std::string scratch_dir();

/// \brief Peak resident memory of this process.
struct MemoryProbe {
  /// Reset the kernel's high-water mark (writes 5 to /proc/self/clear_refs). False if the
  /// kernel refused; the peak is then the high-water mark since the process started.
  static bool reset_peak();
  /// getrusage(RUSAGE_SELF).ru_maxrss in bytes.
  static double peak_rss_bytes();
  /// VmRSS of /proc/self/status in bytes (0 if unreadable).
  static double current_rss_bytes();
};

/// \brief One whole scenario run, measured.
struct ScenarioRun {
  std::string name;           ///< benchmark case name
  double end_time_s = 0.0;    ///< simulated
  double wall_s = 0.0;        ///< load excluded; run loop, checkpoints and the final write included
  double checkpoint_s = 0.0;  ///< wall seconds spent writing checkpoints (not in StageTimes)
  long checkpoints = 0;
  std::size_t snapshots = 0;
  std::size_t voxels = 0;
  int fields = 0;
  double state_bytes = 0.0;        ///< fields × voxels × 8
  double rss_before_bytes = 0.0;   ///< VmRSS just before the scenario was loaded
  double peak_rss_bytes = 0.0;     ///< ru_maxrss after the run
  bool peak_was_reset = false;     ///< the high-water mark was reset before loading
  double output_file_bytes = 0.0;  ///< size of the HDF5 file written
  StageTimes stages;
  /// Accepted steps in the first day / first week / later after the most recent event.
  double steps_day1 = 0, steps_week1 = 0, steps_later = 0;
};

/// Load the default scenario (with end_overrides() and `extra`) and run it to its end exactly as
/// `skinheal run SCENARIO -o OUT.h5 --quiet` does (without the progress bar), writing OUT.h5 under
/// scratch_dir(); the files are removed afterwards. `output = false` runs without any observer.
ScenarioRun run_default_scenario(const std::string& name, const std::vector<std::string>& extra,
                                 bool output = true);

/// \brief The explicit reference (explicit_reference.hpp) measured on the default scenario.
struct ExplicitRecord {
  double start_s = 0.0, simulated_s = 0.0, wall_s = 0.0;
  long steps = 0;
  double dt_s = 0.0;                   ///< smallest stable step used
  double dt_diffusion_s = 0.0;         ///< Transport::explicit_limit_s at the start
  double dt_diffusion_intact_s = 0.0;  ///< the same before the first session (channels closed)
  double end_time_s = 0.0;             ///< the end time extrapolated to
  double extrapolated_s = 0.0;         ///< wall_s / simulated_s × end_time_s
  double lower_bound_s = 0.0;          ///< wall per step × end_time_s / max(dt_diffusion, intact)
  double skinheal_wall_s = 0.0;        ///< the skinheal run it is compared with
  std::string skinheal_case;           ///< which case measured skinheal_wall_s
  double max_rel_difference = 0.0;     ///< explicit vs skinheal at the end of the horizon
  std::string worst_field;
};

/// Records for the end-of-run summary (benchmarks run one at a time, no locking needed).
void record_scenario(const ScenarioRun& run);
void record_sweep(const std::string& name, double wall_s, int runs, int jobs,
                  const std::string& how);
void record_explicit(const ExplicitRecord& record);
/// The most recent scenario run of the default grid (BM_Scenario/default2d), if any.
std::optional<ScenarioRun> last_default_run();

/// Print the model summary (scenario walls, memory, sweep, explicit ratio); nothing if no model
/// case ran.
void print_model_summary(std::ostream& out);

}  // namespace skinheal::bench
