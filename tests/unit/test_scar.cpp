// Unit tests of models/scar (the initial scar region that needling breaks up and remodelling
// replaces), its wiring in models/skin_model (field, initial region, session stamping), the
// [scar] table of models/skin_scenario, and an assertable treated-vs-untreated outcome of
// scenarios/pen_scar_5_sessions.toml at reduced size.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"
#include "models/scar.hpp"
#include "models/skin_observables.hpp"
#include "models/skin_scenario.hpp"
#include "process_test_support.hpp"

namespace skinheal::models {
namespace {

constexpr double kDay = 86400.0;

// A small skin column with a scar through the papillary and upper reticular dermis.
std::unique_ptr<Simulation> scar_column() {
  SkinModelConfig c;
  c.grid.width_um = 40.0;
  c.grid.dx_um = 20.0;
  c.grid.depth_um = 400.0;
  c.device = device_preset("single_needle");
  c.end_time_s = kDay;
  c.scar.enabled = true;
  return build_skin_model(c);
}

TEST(Scar, InitialFractionIsDensityTimesOverlap) {
  ScarRegion r;
  r.enabled = true;
  r.depth_top_um = 100.0;
  r.depth_bottom_um = 200.0;
  r.x_min_um = 0.0;
  r.x_max_um = 50.0;
  r.density = 0.8;
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 0, 20, 0, 0, 120, 140), 0.8);
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 40, 60, 0, 0, 120, 140), 0.4);  // half in x
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 0, 20, 0, 0, 190, 210), 0.4);   // half in z
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 60, 80, 0, 0, 120, 140), 0.0);  // outside
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 0, 20, 0, 0, 10, 30), 0.0);     // epidermis
  r.y_min_um = 0.0;
  r.y_max_um = 10.0;
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 0, 20, 0, 20, 120, 140), 0.4);  // 3D: half in y
  r.enabled = false;
  EXPECT_DOUBLE_EQ(scar_initial_fraction(r, 0, 20, 0, 0, 120, 140), 0.0);
}

TEST(Scar, RegionValidation) {
  ScarRegion r;
  r.enabled = true;
  r.density = 1.5;
  EXPECT_THROW(validate(r), InputError);
  r.density = 0.5;
  r.depth_bottom_um = r.depth_top_um;
  EXPECT_THROW(validate(r), InputError);
}

TEST(Scar, FieldIsAddedOnlyWhenConfigured) {
  EXPECT_FALSE(testing::column()->fields().contains("scar"));
  auto sim = scar_column();
  ASSERT_TRUE(sim->fields().contains("scar"));
  EXPECT_EQ(sim->fields().num_fields(), 14);
  const int pap = sim->grid().layer_id("papillary_dermis");
  const double s = layer_mean(*sim, "scar", pap);
  EXPECT_GT(s, 0.5);
  EXPECT_LE(s, 0.8 + 1e-12);
  // Normal matrix fills the rest of the voxel.
  EXPECT_NEAR(layer_mean(*sim, "collagen_I", pap), 80.0 * (1.0 - s), 1e-9);
  const SummaryTable t = skin_layer_summary(*sim);
  EXPECT_NEAR(t.value("scar", "papillary_dermis"), s, 1e-12);
  EXPECT_DOUBLE_EQ(t.value("scar", "viable_epidermis"), 0.0);
}

TEST(Scar, AtRestNothingChangesAndActivationReplacesScarWithMatrix) {
  auto sim = scar_column();
  const FieldSet& f = sim->fields();
  const Scar scar(f, ScarParams{});
  const Collagen collagen(f, CollagenParams{});
  VoxelContext at;
  at.layer = sim->grid().layer_id("papillary_dermis");
  const int n = f.num_fields();
  const int S = f.index("scar"), c1 = f.index("collagen_I"), c3 = f.index("collagen_III");
  // Rest: F = F₀, no immune cells, no growth factor, normal matrix at (1 − S) of baseline.
  std::vector<double> y(n, 0.0), dy(n, 0.0);
  y[S] = 0.6;
  y[c1] = 80.0 * 0.4;
  y[c3] = 15.0 * 0.4;
  y[f.index("fibroblasts")] = 1.0;
  scar.add_rhs(at, y.data(), dy.data());
  collagen.add_rhs(at, y.data(), dy.data());
  EXPECT_EQ(dy[S], 0.0);
  EXPECT_NEAR(dy[c1], 0.0, 1e-15);
  EXPECT_NEAR(dy[c3], 0.0, 1e-15);
  // Activated fibroblasts: scar falls; the same volume comes back as resting-ratio matrix.
  y[f.index("fibroblasts")] = 2.0;
  std::fill(dy.begin(), dy.end(), 0.0);
  scar.add_rhs(at, y.data(), dy.data());
  EXPECT_LT(dy[S], 0.0);
  EXPECT_NEAR(dy[c1], -80.0 * dy[S], 1e-12 * 80.0 * std::abs(dy[S]));
  EXPECT_NEAR(dy[c3], -15.0 * dy[S], 1e-12 * 15.0 * std::abs(dy[S]));
}

TEST(Scar, AnalyticJacobiansMatchDifferences) {
  auto sim = scar_column();
  const FieldSet& f = sim->fields();
  VoxelContext at;
  for (const char* layer : {"papillary_dermis", "reticular_dermis", "viable_epidermis"}) {
    at.layer = sim->grid().layer_id(layer);
    testing::expect_jacobian_matches(Scar(f, ScarParams{}), at, testing::state(f));
    testing::expect_jacobian_matches(Collagen(f, CollagenParams{}), at, testing::state(f));
    testing::expect_jacobian_matches(Fibroblasts(f, FibroblastParams{}), at, testing::state(f));
    testing::expect_positivity(Scar(f, ScarParams{}), f, at);
  }
}

TEST(Scar, ScenarioTableIsReadAndBadValuesNameTheKey) {
  const std::string base = "[model]\nkind = \"skin\"\n[treatment]\nsessions = [\"0 d\"]\n";
  {
    const TomlReader r = TomlReader::from_string(
        base +
            "[scar]\ndepth_top = \"150 um\"\ndepth_bottom = \"0.5 mm\"\nx_min = \"0.5 mm\"\n"
            "x_max = \"1.5 mm\"\ndensity = 0.7\n",
        "scar.toml");
    const SkinModelConfig c = load_skin_scenario(r.root());
    r.check_all_used();
    EXPECT_TRUE(c.scar.enabled);
    EXPECT_DOUBLE_EQ(c.scar.depth_top_um, 150.0);
    EXPECT_DOUBLE_EQ(c.scar.depth_bottom_um, 500.0);
    EXPECT_DOUBLE_EQ(c.scar.x_min_um, 500.0);
    EXPECT_DOUBLE_EQ(c.scar.x_max_um, 1500.0);
    EXPECT_DOUBLE_EQ(c.scar.density, 0.7);
  }
  for (const std::string& bad :
       {std::string("density = 1.2\n"),
        std::string("depth_top = \"0.5 mm\"\ndepth_bottom = \"0.2 mm\"\n")}) {
    const TomlReader r = TomlReader::from_string(base + "[scar]\n" + bad, "bad.toml");
    try {
      load_skin_scenario(r.root());
      ADD_FAILURE() << "accepted " << bad;
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.find("depth") != std::string::npos ||
                  what.find("density") != std::string::npos)
          << what;
    }
  }
}

// The acceptance test of the scar feature: scenarios/pen_scar_5_sessions.toml at reduced size
// (a 1 mm wide, 0.8 mm deep section at 50 µm spacing, the scar across its width, one session,
// 14 days) against the same skin left untreated. Needling breaks the scar up and the activated
// remodelling replaces it.
TEST(Scar, PenScarScenarioReducesScarAgainstAnUntreatedRun) {
  const TomlReader reader = TomlReader::from_file(std::string(SKINHEAL_SOURCE_DIR) +
                                                  "/scenarios/pen_scar_5_sessions.toml");
  SkinModelConfig c = load_skin_scenario(reader.root());
  reader.check_all_used();
  ASSERT_TRUE(c.scar.enabled);
  c.grid.width_um = 1000.0;
  c.grid.dx_um = 50.0;
  c.grid.depth_um = 800.0;
  c.scar.x_min_um = 0.0;
  c.scar.x_max_um = 1000.0;
  c.sessions_s = {0.0};
  c.end_time_s = 14 * kDay;
  ASSERT_GE(session_channel_x_um(c, 0).size(), 1u) << "the reduced section needs a channel";
  SkinModelConfig untreated_config = c;
  untreated_config.sessions_s.clear();

  auto treated = build_skin_model(c);
  auto untreated = build_skin_model(untreated_config);
  const int pap = treated->grid().layer_id("papillary_dermis");
  const int ret = treated->grid().layer_id("reticular_dermis");
  const double s0_pap = layer_mean(*treated, "scar", pap);
  const double s0_ret = layer_mean(*treated, "scar", ret);
  treated->run_until(c.end_time_s);
  untreated->run_until(c.end_time_s);

  // Untreated: the scar is stable and the normal matrix around it at rest.
  EXPECT_NEAR(layer_mean(*untreated, "scar", pap), s0_pap, 1e-9);
  EXPECT_NEAR(layer_mean(*untreated, "scar", ret), s0_ret, 1e-9);
  // Treated: less scar in the papillary dermis and in the scarred part of the reticular dermis.
  const double s_pap = layer_mean(*treated, "scar", pap);
  const double s_ret = layer_mean(*treated, "scar", ret);
  EXPECT_LT(s_pap, 0.97 * s0_pap);
  EXPECT_LT(s_ret, s0_ret);
  // The scar fraction stays in [0, 1] everywhere.
  ConstFieldView s = treated->fields().view("scar");
  for (std::size_t i = 0; i < s.size; ++i) {
    EXPECT_GE(s[i], 0.0);
    EXPECT_LE(s[i], 1.0);
  }
  std::cout << "papillary scar " << s0_pap << " -> " << s_pap << ", reticular " << s0_ret << " -> "
            << s_ret << " (untreated unchanged)\n";
  ::testing::Test::RecordProperty("scar_papillary_initial", std::to_string(s0_pap));
  ::testing::Test::RecordProperty("scar_papillary_treated", std::to_string(s_pap));
}

}  // namespace
}  // namespace skinheal::models
