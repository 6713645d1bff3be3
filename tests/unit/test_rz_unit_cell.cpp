// Unit tests of the axisymmetric r–z unit cell in the models: the channel stamp on the axis
// (ring-volume-weighted coverage), the scenario key [grid] geometry and the outer radius
// π R² = 1/ρ, ring-weighted layer means and volume integrals (models/validation.hpp), and a
// short skin run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"
#include "models/channel_stamp.hpp"
#include "models/haemostasis.hpp"
#include "models/skin_observables.hpp"
#include "models/skin_scenario.hpp"
#include "models/validation.hpp"

namespace skinheal::models {
namespace {

double stamped_volume(const Grid& g, const std::vector<double>& coverage) {
  double v = 0.0;
  for (std::size_t c = 0; c < g.num_cells(); ++c) v += coverage[c] * g.volume_of_cell_um3(c);
  return v;
}

TEST(RzUnitCell, StampedVolumeIsTheChannelVolume) {
  // Radius 111 µm on 7.3 µm rings and a graded depth grid: rings and rows cut the channel.
  const Grid g = Grid::make_rz(40, 7.3, Grid::mapped_faces(45, 600.0, 1.3));
  for (ChannelShape::Profile profile :
       {ChannelShape::Profile::cone, ChannelShape::Profile::cylinder}) {
    ChannelShape shape;
    shape.depth_um = 431.0;
    shape.surface_diameter_um = 222.0;
    shape.profile = profile;
    std::vector<double> coverage(g.num_cells(), 0.0);
    stamp_channel(g, shape, 0.0, 0.0, coverage);
    EXPECT_NEAR(stamped_volume(g, coverage) / channel_volume_um3(shape), 1.0, 1e-9);
    for (double c : coverage) ASSERT_TRUE(c >= 0.0 && c <= 1.0);
    // The axis column is fully inside down to where the cone is narrower than the first ring.
    EXPECT_DOUBLE_EQ(coverage[g.index(0, 0, 0)], 1.0);
  }
}

TEST(RzUnitCell, StampRefusesAnOffAxisChannel) {
  const Grid g = Grid::make_rz(10, 10.0, Grid::uniform_faces(10, 10.0));
  ChannelShape shape{50.0, 40.0, ChannelShape::Profile::cone};
  std::vector<double> coverage(g.num_cells(), 0.0);
  EXPECT_THROW(stamp_channel(g, shape, 30.0, 0.0, coverage), InputError);
}

// One single-needle r–z unit cell: 30 rings of 10 µm (R = 300 µm), 400 µm deep, 1 h.
SkinModelConfig small_rz_cell() {
  SkinModelConfig c;
  c.device = device_preset("single_needle");
  c.grid.geometry = Geometry::axisymmetric;
  c.grid.width_um = 300.0;
  c.grid.dx_um = 10.0;
  c.grid.depth_um = 400.0;
  c.end_time_s = 3600.0;
  return c;
}

TEST(RzUnitCell, LayerMeansAreRingVolumeWeighted) {
  auto sim = build_skin_model(small_rz_cell());
  const Grid& g = sim->grid();
  ASSERT_TRUE(g.is_axisymmetric());
  EXPECT_EQ(g.nx(), 30);
  // A field equal to r has the disc mean ∫ r · 2π r dr / (π R²) = 2R/3.
  FieldView damage = sim->fields().view("damage");
  for (std::size_t cell = 0; cell < g.num_cells(); ++cell)
    damage[cell] = g.x_centre_um(cell % g.nx());
  const double mean = layer_mean(*sim, "damage", g.layer_id("papillary_dermis"));
  // Midpoint values r_i against the exact 2R/3: the cell-centre quadrature error is dr²/(12·…).
  EXPECT_NEAR(mean / 200.0, 1.0, 1e-3);
  const SummaryTable t = skin_layer_summary(*sim);
  EXPECT_NEAR(t.value("damage", "papillary_dermis"), mean, 1e-12);
  EXPECT_EQ(t.column("clot_volume").units, "um^3");
}

TEST(RzUnitCell, ValidationVolumeIntegralsUseRingVolumes) {
  SkinModelConfig c = small_rz_cell();
  c.scar.enabled = true;
  auto sim = build_skin_model(c);
  const Grid& g = sim->grid();
  ASSERT_TRUE(g.is_axisymmetric());
  // Scar matrix 1 everywhere: the cylinder's volume π R² · depth.
  FieldView scar = sim->fields().view("scar");
  std::fill(scar.data, scar.data + scar.size, 1.0);
  EXPECT_NEAR(scar_volume_um3(*sim) / (std::numbers::pi * 300.0 * 300.0 * g.depth_um()), 1.0,
              1e-12);
  // Bleeding: the rate of each cell weighted by its ring, 2π r_i dr dz_k.
  FieldView damage = sim->fields().view("damage");
  std::fill(damage.data, damage.data + damage.size, 1.0);
  const Haemostasis h(sim->fields(), {});
  const FieldSet& f = sim->fields();
  std::vector<double> y(f.num_fields());
  double expected = 0.0;
  for (int k = 0; k < g.nz(); ++k)
    for (int i = 0; i < g.nx(); ++i) {
      const std::size_t cell = g.index(i, 0, k);
      for (int q = 0; q < f.num_fields(); ++q) y[q] = f.view(q)[cell];
      expected += h.bleeding_rate(g.layer_of(cell), y.data()) * 2.0 * std::numbers::pi *
                  g.x_centre_um(i) * g.dx_um() * g.dz_um()[k];
    }
  ASSERT_GT(expected, 0.0);
  EXPECT_NEAR(total_bleeding_um3_per_s(*sim) / expected, 1.0, 1e-12);
}

TEST(RzUnitCell, ScenarioRadiusFromDensityAndErrors) {
  const std::string base = R"(
[model]
kind = "skin"
[device]
preset = "pen"
[pattern]
pen_density = 250.0
[treatment]
sessions = ["0 d"]
[time]
end = "1 d"
)";
  {
    const TomlReader r =
        TomlReader::from_string(base + "[grid]\ngeometry = \"rz\"\ndx = \"10 um\"\n", "rz.toml");
    const SkinModelConfig c = load_skin_scenario(r.root());
    r.check_all_used();
    const double R = 1e4 / std::sqrt(std::numbers::pi * 250.0);
    EXPECT_NEAR(c.grid.width_um, R, 1e-9);
    EXPECT_NEAR(std::numbers::pi * R * R * 250.0 * 1e-8, 1.0, 1e-12);  // π R² ρ = 1
    EXPECT_EQ(c.grid.nx(), 36);                                        // ceil(356.8 / 10)
    EXPECT_NEAR(c.grid.dx_um, R / 36, 1e-12);
    auto sim = build_skin_model(c);
    EXPECT_TRUE(sim->grid().is_axisymmetric());
    EXPECT_NEAR(sim->grid().outer_radius_um(), R, 1e-9);
    sim->run_until(600.0);  // the session stamps the axis
    EXPECT_GT(sim->fields().view("damage")[sim->grid().index(0, 0, 5)], 0.9);
  }
  for (const std::string& grid :
       {std::string("geometry = \"xy\"\n"), std::string("geometry = \"rz\"\nwidth = \"1 mm\"\n"),
        std::string("geometry = \"rz\"\nlength = \"1 mm\"\n")}) {
    const TomlReader r = TomlReader::from_string(base + "[grid]\n" + grid, "bad.toml");
    EXPECT_THROW(load_skin_scenario(r.root()), InputError) << grid;
  }
}

}  // namespace
}  // namespace skinheal::models
