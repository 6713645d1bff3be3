/// \file hdf5_writer.hpp
/// \brief The HDF5 result writer (one file per run) and its XDMF3 sidecar, as an observer.
///
/// Layout (documented in docs/output-format.md): /fields/<name> float32 snapshots shaped
/// (snapshot, z, x) or (snapshot, z, y, x), chunked and gzip-compressed; /time; /grid;
/// /summary (per-layer volume-weighted means at every accepted step, double); /scenario;
/// /parameters; /provenance. The run writes OUT.h5.partial, flushes it at every snapshot and
/// renames it to OUT.h5 only in on_end, then writes OUT.xdmf next to it. A writer destroyed
/// without on_end (an exception unwound the run) closes the partial file and leaves it in
/// place; it never produces OUT.h5. HDF5 details stay in the .cpp.
///
/// Crash safety: between flushes the writer makes no HDF5 call that changes the file. The
/// per-step /summary rows are kept in memory and written at each flush point (every snapshot,
/// every flush() — the CLI flushes before each checkpoint — and on_end), so a process killed
/// with SIGKILL leaves OUT.h5.partial exactly as it was at the last flush: readable, with every
/// snapshot and summary row up to that point. A checkpoint records the writer's progress
/// (Hdf5WriterProgress) and `Hdf5WriterOptions::resume` continues from it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/observer.hpp"

namespace skinheal {

/// \brief How far a writer has got on disk (recorded in checkpoints; see checkpoint.hpp).
struct Hdf5WriterProgress {
  std::uint64_t snapshots = 0;         ///< rows of /time, /snapshot_label and /fields/<name>
  std::uint64_t summary_rows = 0;      ///< rows of /summary/<name>, /summary/time, /summary/dt
  std::uint64_t next_scheduled = 0;    ///< index into requested_times_s() of the next snapshot
  bool current_state_written = false;  ///< the last snapshot shows the current state
};

/// \brief What the HDF5 writer writes, where, and when.
struct Hdf5WriterOptions {
  std::string path;                      ///< final path OUT.h5 (the run writes OUT.h5.partial)
  std::vector<double> snapshot_times_s;  ///< empty: default_snapshot_times_s(t_end_s)
  double t_end_s = 0.0;                  ///< end of the run, for the default list
  bool snapshots_around_events = true;   ///< also write a snapshot just before/after events
  bool overwrite = false;                ///< replace an existing OUT.h5 (CLI: --force)
  bool write_xdmf = true;                ///< write the OUT.xdmf sidecar in on_end
  std::string scenario_text;             ///< written verbatim to /scenario
  /// Every effective parameter: (key, value as TOML text, source), written to /parameters.
  std::vector<std::array<std::string, 3>> parameters;
  /// Continue an interrupted run instead of starting a new file: on_start reopens
  /// OUT.h5.partial, checks its layout against the simulation, cuts every dataset back to these
  /// row counts (dropping anything written after the checkpoint) and carries on appending.
  /// A missing, foreign or too-short partial file is an InputError naming it.
  std::optional<Hdf5WriterProgress> resume;
};

/// The default snapshot times: 0, 1 min, 10 min, 1 h, 6 h, 1 d, 3 d, 7 d, 14 d, 30 d, 60 d,
/// 90 d, 180 d, 270 d, 365 d (those ≤ t_end_s), then t_end_s itself if not already listed.
std::vector<double> default_snapshot_times_s(double t_end_s);

/// InputError unless `path` names a result file: a name that ends in .h5, with something
/// before it (out/run.h5). The writer checks this itself; callers check it first to fail before
/// touching anything else (a checkpoint, a directory).
void require_h5_file_name(const std::string& path);

/// Path of the XDMF sidecar of a result file: OUT.h5 → OUT.xdmf.
std::string xdmf_path_for(const std::string& h5_path);

/// \brief Observer writing one HDF5 file per run (see the file comment and
/// docs/output-format.md).
///
/// The constructor refuses an existing OUT.h5 unless `overwrite` (InputError naming the path).
/// The file is created in on_start; every HDF5 failure throws Error naming the file and the
/// operation. If run_until is called again after on_end, the writer reopens the file (renaming
/// it back to OUT.h5.partial) and continues appending; the next on_end finalises it again.
/// Not copyable; one writer serves one Simulation.
class Hdf5Writer final : public Observer {
 public:
  explicit Hdf5Writer(Hdf5WriterOptions options);
  ~Hdf5Writer() override;
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  void on_start(const Simulation& sim) override;
  void on_step(const Simulation& sim, const StepInfo& info) override;
  void on_event(const Simulation& sim, const std::string& event_name, bool after) override;
  void on_end(const Simulation& sim) override;
  /// The scheduled snapshot times (sorted, unique); event snapshots come on top.
  std::vector<double> requested_times_s() const override;

  /// The final path (OUT.h5) and the path written during the run (OUT.h5.partial).
  const std::string& path() const;
  std::string partial_path() const;
  /// Snapshots written so far.
  std::size_t snapshots_written() const;
  /// Write the buffered /summary rows, flush the file (H5Fflush) and fsync it; returns the
  /// progress now on disk, for a checkpoint. Before on_start or after on_end: returns the
  /// progress and touches nothing.
  Hdf5WriterProgress flush();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skinheal
