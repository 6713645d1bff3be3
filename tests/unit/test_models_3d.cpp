// Unit tests of the 3D (x–y–z) skin model (models/skin_model with grid.length_um > 0): the grid,
// punctures stamped as cones with sub-voxel coverage (their damaged volume is the cone volume),
// the roller pattern over the patch, scenarios/patch_3d.toml, and a short bounded run.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "engine/input/toml_reader.hpp"
#include "models/channel_stamp.hpp"
#include "models/penetration.hpp"
#include "models/skin_observables.hpp"
#include "models/skin_scenario.hpp"

namespace skinheal::models {
namespace {

// ∫ damage dV over the grid, µm³.
double damaged_volume_um3(const Simulation& sim) {
  const Grid& g = sim.grid();
  ConstFieldView d = sim.fields().view("damage");
  double v = 0.0;
  for (int k = 0; k < g.nz(); ++k)
    for (std::size_t p = 0; p < g.plane_size(); ++p)
      v += d[k * g.plane_size() + p] * g.cell_volume_um3(k);
  return v;
}

SkinModelConfig small_3d(const std::string& device) {
  SkinModelConfig c;
  c.device = device_preset(device);
  c.grid.width_um = 600.0;
  c.grid.length_um = 400.0;
  c.grid.dx_um = 20.0;
  c.grid.depth_um = 600.0;
  c.sessions_s = {0.0};
  c.end_time_s = 3600.0;
  return c;
}

TEST(Models3D, GridIsXYZWithTheLateralSpacingInBothAxes) {
  const SkinModelConfig c = small_3d("single_needle");
  auto sim = build_skin_model(c);
  EXPECT_EQ(sim->grid().dim(), 3);
  EXPECT_EQ(sim->grid().nx(), 30);
  EXPECT_EQ(sim->grid().ny(), 20);
  EXPECT_EQ(c.grid.ny(), 20);
  EXPECT_EQ(sim->fields().num_fields(), 13);
}

TEST(Models3D, SingleNeedleIsStampedAsAConeWithItsExactVolume) {
  SkinModelConfig c = small_3d("single_needle");
  c.device.needle_length_mm = 0.6;
  auto sim = build_skin_model(c);
  sim->events()[0].apply(*sim);  // the session, applied at t = 0
  const ChannelShape shape = penetration(c.device, c.pattern.pressure_factor);
  ASSERT_LT(shape.depth_um, c.grid.depth_um);
  // A cone, not a slit: the damaged volume is π R² d / 3 (within the stamp's ~1e-8 accuracy;
  // damage = coverage where nothing was damaged before).
  EXPECT_NEAR(damaged_volume_um3(*sim), channel_volume_um3(shape),
              1e-6 * channel_volume_um3(shape));
  // Axisymmetric about the patch centre: mirrored cells carry the same damage (to the stamp's
  // quadrature accuracy).
  const Grid& g = sim->grid();
  ConstFieldView d = sim->fields().view("damage");
  const int k = 20;
  for (int j = 0; j < g.ny(); ++j)
    for (int i = 0; i < g.nx(); ++i)
      EXPECT_NEAR(d[g.index(i, j, k)], d[g.index(g.nx() - 1 - i, g.ny() - 1 - j, k)], 1e-6);
}

TEST(Models3D, RollerPatternCoversThePatchAtTheProtocolDensity) {
  SkinModelConfig c = small_3d("mf8");
  c.grid.width_um = 5000.0;
  c.grid.length_um = 5000.0;
  c.grid.dx_um = 100.0;
  c.grid.depth_um = 300.0;
  std::size_t total = 0;
  for (int s = 0; s < 8; ++s) {
    for (const Puncture& p : session_punctures_3d(c, s)) {
      EXPECT_GE(p.x_um, 0.0);
      EXPECT_LT(p.x_um, 5000.0);
      EXPECT_GE(p.y_um, 0.0);
      EXPECT_LT(p.y_um, 5000.0);
      ++total;
    }
  }
  // 15 passes × 15.3 /cm² ≈ 229 /cm² (SCIENCE.md §2) on 0.25 cm², averaged over 8 seeds.
  const double density = total / 8.0 / 0.25;
  EXPECT_NEAR(density, 229.0, 0.25 * 229.0);
  // Every puncture is stamped: the damaged volume is at most the sum of the cones and, since
  // cones rarely overlap at this density, close to it.
  auto sim = build_skin_model(c);
  sim->events()[0].apply(*sim);  // the session, applied at t = 0
  const double cones =
      session_punctures_3d(c, 0).size() * channel_volume_um3(penetration(c.device, 1.0));
  EXPECT_LE(damaged_volume_um3(*sim), cones * (1.0 + 1e-6));
  EXPECT_GE(damaged_volume_um3(*sim), 0.8 * cones);
}

TEST(Models3D, Patch3dScenarioLoadsAsThreeDimensional) {
  const TomlReader reader =
      TomlReader::from_file(std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/patch_3d.toml");
  const SkinModelConfig c = load_skin_scenario(reader.root());
  reader.check_all_used();
  EXPECT_TRUE(c.grid.is_3d());
  EXPECT_DOUBLE_EQ(c.grid.width_um, 2000.0);
  EXPECT_DOUBLE_EQ(c.grid.length_um, 2000.0);
  EXPECT_DOUBLE_EQ(c.grid.depth_um, 3000.0);
  EXPECT_EQ(c.grid.nx(), c.grid.ny());
}

TEST(Models3D, ShortRunStaysBoundedAndSummarises) {
  SkinModelConfig c = small_3d("mf8");
  c.grid.width_um = 800.0;
  c.grid.length_um = 800.0;
  c.grid.dx_um = 40.0;
  c.scar.enabled = true;
  auto sim = build_skin_model(c);
  ASSERT_GE(session_punctures_3d(c, 0).size(), 0u);
  sim->run_until(3600.0);
  for (int f = 0; f < sim->fields().num_fields(); ++f) {
    ConstFieldView v = sim->fields().view(f);
    for (std::size_t i = 0; i < v.size; ++i) {
      ASSERT_TRUE(std::isfinite(v[i])) << sim->fields().info(f).name;
      ASSERT_GE(v[i], -1e-9) << sim->fields().info(f).name;
    }
  }
  const SummaryTable t = skin_layer_summary(*sim);
  EXPECT_GT(t.value("collagen_total", "papillary_dermis"), 0.0);
  EXPECT_LE(t.value("scar", "papillary_dermis"), 0.8);
}

}  // namespace
}  // namespace skinheal::models
