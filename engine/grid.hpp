/// \file grid.hpp
/// \brief Structured grid of layered skin: 2D (x–z cross-section), axisymmetric (r–z unit
/// cell) or 3D (x–y–z).
///
/// z is depth below the skin surface (z = 0 is the surface, z grows downwards). Lateral spacing
/// is uniform (dx = dy); depth spacing may be graded (fine near the surface to resolve a
/// 10–20 µm stratum corneum, coarse in the hypodermis). Cells are indexed x fastest:
/// index(i, j, k) = (k * ny + j) * nx + i. All lengths are in micrometres (µm).
///
/// Axisymmetric (r–z) grids reuse the x index as the radius: cell i spans [i·dr, (i+1)·dr],
/// r = 0 (the axis) is the left wall, ny = 1, dim() = 2. A cell is the ring swept by its r–z
/// rectangle around the axis, with volume 2π r_i dr dz (r_i = (i + ½) dr, exact for a ring), so
/// the cell volume depends on i: use cell_volume_um3(i, j, k) or volume_of_cell_um3(cell);
/// cell_volume_um3(k) throws there. Transport applies the radial metric (transport.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace skinheal {

/// \brief A horizontal skin layer: name and thickness in µm.
struct Layer {
  std::string name;
  double thickness_um = 0.0;
};

/// \brief How the lateral index maps to space: Cartesian (x–z or x–y–z) or axisymmetric (r–z).
enum class Geometry { cartesian, axisymmetric };

/// "xz"/"xyz" for Cartesian grids (by dimension), "rz" for axisymmetric ones.
std::string geometry_name(Geometry geometry, int dim);

/// \brief Grid geometry plus the layer map (one layer id per cell).
class Grid {
 public:
  /// 2D cross-section: nx cells of dx_um laterally, z faces in µm (size nz + 1, from 0).
  static Grid make_2d(int nx, double dx_um, std::vector<double> z_faces_um);
  /// 3D block: nx × ny cells of dx_um laterally, z faces in µm.
  static Grid make_3d(int nx, int ny, double dx_um, std::vector<double> z_faces_um);
  /// Axisymmetric r–z unit cell: nr rings of dr_um from the axis (r = 0) to the no-flux outer
  /// radius nr · dr_um, z faces in µm. x accessors are radii (x_centre_um(i) = r_i).
  static Grid make_rz(int nr, double dr_um, std::vector<double> z_faces_um);

  /// nz + 1 uniform faces 0, dz, ..., nz·dz.
  static std::vector<double> uniform_faces(int nz, double dz_um);
  /// Faces graded geometrically from dz_surface_um (growth factor `growth` ≥ 1 per cell,
  /// capped at dz_max_um), with a face exactly on every layer boundary.
  static std::vector<double> graded_faces(const std::vector<Layer>& layers, double dz_surface_um,
                                          double dz_max_um, double growth);
  /// Faces z(ξ) = depth · (e^{aξ} − 1)/(e^{a} − 1) for ξ uniform in [0, 1]: a smooth graded
  /// mapping (a > 0 refines the surface) used by convergence tests.
  static std::vector<double> mapped_faces(int nz, double depth_um, double a);

  int dim() const { return dim_; }
  Geometry geometry() const { return geometry_; }
  bool is_axisymmetric() const { return geometry_ == Geometry::axisymmetric; }
  int nx() const { return nx_; }
  int ny() const { return ny_; }
  int nz() const { return nz_; }
  std::size_t num_cells() const { return static_cast<std::size_t>(nx_) * ny_ * nz_; }
  /// Cells in one horizontal plane (nx · ny).
  std::size_t plane_size() const { return static_cast<std::size_t>(nx_) * ny_; }
  double dx_um() const { return dx_um_; }
  double dy_um() const { return dx_um_; }
  double width_x_um() const { return nx_ * dx_um_; }
  double width_y_um() const { return ny_ * dx_um_; }
  double depth_um() const { return z_faces_.back(); }

  const std::vector<double>& z_faces_um() const { return z_faces_; }
  const std::vector<double>& z_centres_um() const { return z_centres_; }
  const std::vector<double>& dz_um() const { return dz_; }
  double x_centre_um(int i) const { return (i + 0.5) * dx_um_; }
  double y_centre_um(int j) const { return (j + 0.5) * dx_um_; }

  std::size_t index(int i, int j, int k) const {
    return (static_cast<std::size_t>(k) * ny_ + j) * nx_ + i;
  }
  /// Volume of a cell of depth row k in µm³ (2D x–z: per µm of y). Cartesian grids only, where
  /// every cell of a row has the same volume; throws InputError on an r–z grid.
  double cell_volume_um3(int k) const {
    if (geometry_ == Geometry::axisymmetric) throw_row_volume_axisymmetric();
    return dx_um_ * (dim_ == 3 ? dx_um_ : 1.0) * dz_[k];
  }
  /// Volume of cell (i, j, k) in µm³: as cell_volume_um3(k) on Cartesian grids, the ring volume
  /// 2π r_i dr dz on r–z grids.
  double cell_volume_um3(int i, int j, int k) const {
    (void)j;
    return lateral_area_um2(i) * dz_[k];
  }
  /// Volume in µm³ of the cell with flat index `cell` (as Grid::index).
  double volume_of_cell_um3(std::size_t cell) const {
    return cell_volume_um3(static_cast<int>(cell % nx_), 0, static_cast<int>(cell / plane_size()));
  }
  /// Horizontal area in µm² of column i (2D x–z: dx per µm of y; 3D: dx²; r–z: 2π r_i dr).
  double lateral_area_um2(int i) const {
    if (geometry_ == Geometry::axisymmetric) return kTwoPi * x_centre_um(i) * dx_um_;
    return dx_um_ * (dim_ == 3 ? dx_um_ : 1.0);
  }
  /// Outer radius of an r–z grid in µm (nx · dr).
  double outer_radius_um() const { return nx_ * dx_um_; }

  /// Assign each cell the layer containing its centre depth; layers stacked from the surface.
  /// The last layer extends to the bottom. Throws InputError if the layers are empty.
  void assign_layers(const std::vector<Layer>& layers);
  const std::vector<std::string>& layer_names() const { return layer_names_; }
  /// Depth of each layer's top and bottom in µm, clipped to the grid (size layers + 1).
  const std::vector<double>& layer_bounds_um() const { return layer_bounds_; }
  const std::vector<std::uint8_t>& layer_map() const { return layer_of_cell_; }
  int layer_of(std::size_t cell) const { return layer_of_cell_[cell]; }
  /// Layer id of the k-th depth row (layers are horizontal).
  int layer_of_row(int k) const {
    return layer_of_cell_[static_cast<std::size_t>(k) * plane_size()];
  }
  /// Id of a layer by name; throws InputError naming the valid layers.
  int layer_id(const std::string& name) const;

 private:
  static constexpr double kTwoPi = 6.283185307179586;
  [[noreturn]] static void throw_row_volume_axisymmetric();
  Grid(int dim, int nx, int ny, double dx_um, std::vector<double> z_faces_um);
  int dim_ = 2, nx_ = 1, ny_ = 1, nz_ = 1;
  Geometry geometry_ = Geometry::cartesian;
  double dx_um_ = 1.0;
  std::vector<double> z_faces_, z_centres_, dz_;
  std::vector<std::string> layer_names_;
  std::vector<double> layer_bounds_;
  std::vector<std::uint8_t> layer_of_cell_;
};

}  // namespace skinheal
