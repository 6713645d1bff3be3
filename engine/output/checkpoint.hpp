/// \file checkpoint.hpp
/// \brief Checkpoints: the full-precision state of a run, written atomically, read back to
/// continue it bitwise (`skinheal run --resume`). Layout: docs/output-format.md, "Checkpoints".
///
/// A checkpoint holds every field as double, the transport coefficients that events or models
/// may have changed (each transported field's diffusivity and boundary conditions), the time
/// loop's state (SimulationState: time, next step, step counts, which events were applied),
/// the HDF5 writer's progress, and the scenario (text and effective parameters) it belongs to.
/// Together with a simulation built from the same scenario this determines the rest of the run
/// bit for bit, for any thread count.
///
/// The file is HDF5 with a 512-byte user block holding a text header (magic, version, size and
/// a checksum of every byte after the header), checked before HDF5 opens the file.
///
/// Limitations: state hidden in model code outside the fields and the transport coefficients is
/// not saved. The skin model's topical diffusivity is derived from the fields (recomputed in
/// on_start), and events are plain functions of time, so both scenario kinds resume exactly.
/// Taxis terms are configuration, not state, and are not saved.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/output/hdf5_writer.hpp"

namespace skinheal {

class Simulation;

/// \brief What the run is: a checkpoint only continues the scenario it was written for.
struct CheckpointIdentity {
  std::string scenario_text;                           ///< the scenario file as given
  std::vector<std::array<std::string, 3>> parameters;  ///< effective (key, value, source)
};

/// 64-bit FNV-1a hash of the scenario text and the effective parameters (with --set overrides).
std::uint64_t scenario_hash(const CheckpointIdentity& identity);

/// The checkpoint of a result file: OUT.h5 → OUT.h5.checkpoint.
std::string checkpoint_path_for(const std::string& h5_path);

/// Write a checkpoint of `sim` (between steps) atomically: to `path`.tmp, fsync, rename onto
/// `path`, fsync the directory. The previous checkpoint stays intact until the rename. Throws
/// Error naming the file on any failure (the .tmp file is removed).
void write_checkpoint(const std::string& path, const Simulation& sim,
                      const CheckpointIdentity& identity, const Hdf5WriterProgress& writer);

/// \brief What a restored checkpoint said about itself.
struct RestoredCheckpoint {
  double t_s = 0.0;  ///< simulated time restored
  long accepted_steps = 0;
  Hdf5WriterProgress writer;  ///< for Hdf5WriterOptions::resume
};

/// Read `path`, check that it is an intact skinheal checkpoint for `identity` and for the
/// simulation `sim` (same grid, fields, transported fields and events), then restore the
/// fields, transport coefficients and loop state into `sim`, which must not have stepped yet.
/// Every problem (missing, truncated, corrupt, foreign, other scenario) is an InputError with
/// one line naming the file and the reason; `sim` is left untouched in that case.
RestoredCheckpoint restore_checkpoint(const std::string& path, Simulation& sim,
                                      const CheckpointIdentity& identity);

}  // namespace skinheal
