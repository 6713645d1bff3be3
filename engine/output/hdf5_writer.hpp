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
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/observer.hpp"

namespace skinheal {

/// \brief What the HDF5 writer writes, where, and when.
struct Hdf5WriterOptions {
  std::string path;                      ///< final path OUT.h5 (the run writes OUT.h5.partial)
  std::vector<double> snapshot_times_s;  ///< empty: default_snapshot_times_s(t_end_s)
  double t_end_s = 0.0;                  ///< end of the run, for the default list
  bool snapshots_around_events = true;   ///< also write a snapshot just before/after events
  bool overwrite = false;                ///< replace an existing OUT.h5 (CLI: --force)
  bool write_xdmf = true;                ///< write the OUT.xdmf sidecar in on_end
  std::string scenario_text;             ///< written verbatim to /scenario
  /// Every effective parameter: (key, value as text, units), written to /parameters.
  std::vector<std::array<std::string, 3>> parameters;
};

/// The default snapshot times: 0, 1 min, 10 min, 1 h, 6 h, 1 d, 3 d, 7 d, 14 d, 30 d, 60 d,
/// 90 d, 180 d, 270 d, 365 d (those ≤ t_end_s), then t_end_s itself if not already listed.
std::vector<double> default_snapshot_times_s(double t_end_s);

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skinheal
