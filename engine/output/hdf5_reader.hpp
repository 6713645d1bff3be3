/// \file hdf5_reader.hpp
/// \brief Read back a skinheal result file (layout in docs/output-format.md).
///
/// Used by tests and by `skinheal info`. Opening a missing, corrupt or foreign file throws an
/// InputError naming the file ("OUT.h5: not a skinheal result (no /fields group)"); a failed
/// read of an opened file throws Error. HDF5 details stay in the .cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace skinheal {

/// \brief The per-layer summary: one row per recorded step (row 0 is the initial state).
struct ResultSummary {
  std::vector<double> time_s;            ///< size steps
  std::vector<double> dt_s;              ///< size steps (0 for the initial row)
  std::vector<std::string> layer_names;  ///< size layers
  /// Column name → volume-weighted layer means, row-major (step, layer): size steps · layers.
  /// Every field has a column; any further (row, layer) dataset in /summary (for example
  /// `open_channels`) is read too.
  std::map<std::string, std::vector<double>> mean;
  std::map<std::string, std::string> units;  ///< column name → its `units` attribute
  std::size_t num_steps() const { return time_s.size(); }
  bool has(const std::string& column) const { return mean.count(column) != 0; }
  double at(const std::string& field, std::size_t step, std::size_t layer) const {
    return mean.at(field)[step * layer_names.size() + layer];
  }
};

/// \brief Grid description stored in /grid.
struct ResultGrid {
  int dim = 2;
  int nx = 1, ny = 1, nz = 1;
  double dx_um = 0.0;
  bool axisymmetric = false;  ///< r–z (/grid geometry "rz"): x is the radius, cells are rings
  std::vector<double> x_um, y_um, z_um, z_faces_um;
  std::vector<std::uint8_t> layer_id;  ///< (z, [y,] x), x fastest
  std::vector<std::string> layer_names;
  std::vector<double> layer_bounds_um;
};

/// \brief An open result file (read-only). Not copyable.
class Hdf5Result {
 public:
  /// Open `path`; InputError if it is missing, a directory, not HDF5 (corrupt or truncated
  /// files included), or a foreign HDF5 file (no skinheal `format` attribute and no /fields,
  /// /time and /grid).
  explicit Hdf5Result(const std::string& path);
  ~Hdf5Result();
  Hdf5Result(const Hdf5Result&) = delete;
  Hdf5Result& operator=(const Hdf5Result&) = delete;

  const std::string& path() const { return path_; }
  /// Field names in file order (alphabetical, as HDF5 lists links).
  std::vector<std::string> field_names() const;
  /// Shape of one snapshot: {nz, nx} (2D) or {nz, ny, nx} (3D).
  std::vector<std::size_t> snapshot_shape() const;
  std::size_t num_snapshots() const;
  std::vector<double> snapshot_times_s() const;
  /// Why each snapshot was written: "scheduled", "before <event>", "after <event>".
  std::vector<std::string> snapshot_labels() const;
  /// One snapshot of one field, cells in Grid::index order (x fastest). InputError on an
  /// unknown field (suggesting the nearest) or an out-of-range snapshot.
  std::vector<float> read_snapshot(const std::string& field, std::size_t snapshot) const;
  /// The `units` and `description` attributes of a field.
  std::string field_units(const std::string& field) const;
  std::string field_description(const std::string& field) const;

  ResultSummary read_summary() const;
  ResultGrid read_grid() const;
  std::string scenario_text() const;
  /// (key, value, source) rows of /parameters (older files: the column `units`, which held
  /// the source too).
  std::vector<std::array<std::string, 3>> parameters() const;
  /// The attributes of /provenance, formatted as text.
  std::map<std::string, std::string> provenance() const;
  /// Minimum and maximum of a field over every snapshot (NaNs ignored; {0, 0} if all NaN).
  std::array<double, 2> field_range(const std::string& field) const;

 private:
  std::string path_;
  std::int64_t file_ = -1;  // hid_t
};

}  // namespace skinheal
