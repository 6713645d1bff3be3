/// \file skin_observables.hpp
/// \brief Per-layer summary of a skin run, as a table of named columns (one row per layer), for
/// the HDF5 writer, the CLI and the validation tests.
///
/// Columns (units): the volume-weighted layer mean of every field (named as the field, its
/// units), collagen_total (mg/cm³), clot_volume (∫ fibrin dV: µm³, in 2D µm² per µm of y),
/// blood_volume (∫ blood dV, same units), open_fraction (volume fraction of the layer whose channel
/// openness, skin_model.hpp, exceeds 0.5), open_channels (number of lateral runs of columns in
/// which some voxel of the layer is more than half open; r–z: runs along the radius, 1 for the
/// unit cell's puncture). r–z means are weighted by the ring volumes 2π r dr dz, and the
/// volumes are µm³ per unit cell (per puncture).
#pragma once

#include <string>
#include <vector>

#include "engine/simulation.hpp"

namespace skinheal::models {

/// \brief One column of a summary table: one value per layer.
struct SummaryColumn {
  std::string name;
  std::string units;
  std::vector<double> values;
};

/// \brief A per-layer table: `layers` names the rows.
struct SummaryTable {
  std::vector<std::string> layers;
  std::vector<SummaryColumn> columns;
  /// The column called `name`; throws InputError naming the valid columns.
  const SummaryColumn& column(const std::string& name) const;
  /// Value of column `name` in layer `layer`.
  double value(const std::string& name, const std::string& layer) const;
};

/// Summary of a skin Simulation built by build_skin_model (needs the contract fields).
SummaryTable skin_layer_summary(const Simulation& sim);

/// Volume-weighted mean of field `field` over the cells of layer `layer` (grid layer id).
double layer_mean(const Simulation& sim, const std::string& field, int layer);

}  // namespace skinheal::models
