#include "engine/grid.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

Grid::Grid(int dim, int nx, int ny, double dx_um, std::vector<double> z_faces_um)
    : dim_(dim), nx_(nx), ny_(ny), dx_um_(dx_um), z_faces_(std::move(z_faces_um)) {
  SKINHEAL_REQUIRE(nx >= 1 && ny >= 1, "grid: nx and ny must be at least 1");
  SKINHEAL_REQUIRE(dx_um > 0.0 && std::isfinite(dx_um), "grid: dx must be a positive length");
  SKINHEAL_REQUIRE(z_faces_.size() >= 2, "grid: need at least one cell in depth");
  SKINHEAL_REQUIRE(z_faces_.front() == 0.0, "grid: the first z face must be the surface (0 µm)");
  nz_ = static_cast<int>(z_faces_.size()) - 1;
  z_centres_.resize(nz_);
  dz_.resize(nz_);
  for (int k = 0; k < nz_; ++k) {
    dz_[k] = z_faces_[k + 1] - z_faces_[k];
    SKINHEAL_REQUIRE(dz_[k] > 0.0, "grid: z faces must increase strictly");
    z_centres_[k] = 0.5 * (z_faces_[k] + z_faces_[k + 1]);
  }
  layer_of_cell_.assign(num_cells(), 0);
  layer_names_ = {"all"};
  layer_bounds_ = {0.0, depth_um()};
}

Grid Grid::make_2d(int nx, double dx_um, std::vector<double> z_faces_um) {
  return Grid(2, nx, 1, dx_um, std::move(z_faces_um));
}

Grid Grid::make_rz(int nr, double dr_um, std::vector<double> z_faces_um) {
  Grid g(2, nr, 1, dr_um, std::move(z_faces_um));
  g.geometry_ = Geometry::axisymmetric;
  return g;
}

void Grid::throw_row_volume_axisymmetric() {
  throw InputError(
      "grid: on an r–z grid the cell volume depends on the radius; use cell_volume_um3(i, j, k) "
      "or volume_of_cell_um3(cell)");
}

std::string geometry_name(Geometry geometry, int dim) {
  if (geometry == Geometry::axisymmetric) return "rz";
  return dim == 3 ? "xyz" : "xz";
}

Grid Grid::make_3d(int nx, int ny, double dx_um, std::vector<double> z_faces_um) {
  return Grid(3, nx, ny, dx_um, std::move(z_faces_um));
}

std::vector<double> Grid::uniform_faces(int nz, double dz_um) {
  SKINHEAL_REQUIRE(nz >= 1 && dz_um > 0.0, "grid: uniform faces need nz >= 1 and dz > 0");
  std::vector<double> f(nz + 1);
  for (int k = 0; k <= nz; ++k) f[k] = k * dz_um;
  return f;
}

std::vector<double> Grid::mapped_faces(int nz, double depth_um, double a) {
  SKINHEAL_REQUIRE(nz >= 1 && depth_um > 0.0, "grid: mapped faces need nz >= 1 and depth > 0");
  std::vector<double> f(nz + 1);
  for (int k = 0; k <= nz; ++k) {
    const double xi = static_cast<double>(k) / nz;
    f[k] = (a == 0.0) ? depth_um * xi : depth_um * std::expm1(a * xi) / std::expm1(a);
  }
  f[0] = 0.0;
  f[nz] = depth_um;
  return f;
}

std::vector<double> Grid::graded_faces(const std::vector<Layer>& layers, double dz_surface_um,
                                       double dz_max_um, double growth) {
  SKINHEAL_REQUIRE(!layers.empty(), "grid: graded faces need at least one layer");
  SKINHEAL_REQUIRE(dz_surface_um > 0.0, "grid: dz_surface must be positive");
  SKINHEAL_REQUIRE(dz_max_um >= dz_surface_um, "grid: dz_max must be at least dz_surface");
  SKINHEAL_REQUIRE(growth >= 1.0 && growth <= 2.0, "grid: growth must be in [1, 2]");
  std::vector<double> faces{0.0};
  double spacing = dz_surface_um;
  double top = 0.0;
  for (const Layer& layer : layers) {
    SKINHEAL_REQUIRE(layer.thickness_um > 0.0,
                     "grid: layer '" + layer.name + "' must have a positive thickness");
    // Geometric sizes continuing the previous layer's spacing until the layer is covered, then
    // shrunk uniformly to fit exactly: no cell exceeds its target size.
    std::vector<double> sizes;
    double total = 0.0;
    double s = spacing;
    while (total < layer.thickness_um * (1.0 - 1e-9)) {
      sizes.push_back(s);
      total += s;
      s = std::min(dz_max_um, s * growth);
    }
    const double scale = layer.thickness_um / total;
    for (double& size : sizes) {
      size *= scale;
      faces.push_back(faces.back() + size);
    }
    top += layer.thickness_um;
    faces.back() = top;  // exact layer boundary
    spacing = std::min(dz_max_um, sizes.back() * growth);
  }
  return faces;
}

void Grid::assign_layers(const std::vector<Layer>& layers) {
  SKINHEAL_REQUIRE(!layers.empty(), "grid: at least one layer is required");
  SKINHEAL_REQUIRE(layers.size() < 255, "grid: at most 254 layers");
  layer_names_.clear();
  layer_bounds_ = {0.0};
  double bottom = 0.0;
  for (const Layer& layer : layers) {
    layer_names_.push_back(layer.name);
    bottom += layer.thickness_um;
    layer_bounds_.push_back(std::min(bottom, depth_um()));
  }
  layer_bounds_.back() = depth_um();  // the last layer reaches the bottom
  for (int k = 0; k < nz_; ++k) {
    int id = 0;
    while (id + 1 < static_cast<int>(layers.size()) && z_centres_[k] >= layer_bounds_[id + 1]) ++id;
    std::fill_n(layer_of_cell_.begin() + static_cast<std::ptrdiff_t>(k * plane_size()),
                plane_size(), static_cast<std::uint8_t>(id));
  }
}

int Grid::layer_id(const std::string& name) const {
  for (std::size_t i = 0; i < layer_names_.size(); ++i)
    if (layer_names_[i] == name) return static_cast<int>(i);
  throw InputError("unknown layer '" + name + "'" + suggest_nearest(name, layer_names_));
}

}  // namespace skinheal
