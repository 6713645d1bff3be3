// Unit tests of models/skin_scenario (TOML → SkinModelConfig) and models/skin_model assembly:
// both shipped skin scenarios load, use every key, and build; bad input names the key.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"
#include "models/scenario_file.hpp"
#include "models/skin_observables.hpp"
#include "models/skin_scenario.hpp"

namespace skinheal::models {
namespace {

constexpr double kDay = 86400.0;

TEST(SkinScenario, DefaultScenarioLoadsAndBuilds) {
  const TomlReader reader = TomlReader::from_file(
      std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/roller_1p5mm_collagen_induction.toml");
  const SkinModelConfig c = load_skin_scenario(reader.root());
  reader.check_all_used();
  EXPECT_EQ(c.site.name, "face_cheek");
  EXPECT_EQ(c.device.name, "mf8");
  EXPECT_DOUBLE_EQ(c.device.needle_length_mm, 1.5);
  ASSERT_EQ(c.sessions_s.size(), 3u);
  EXPECT_DOUBLE_EQ(c.sessions_s[1], 42 * kDay);
  EXPECT_DOUBLE_EQ(c.end_time_s, 365 * kDay);
  EXPECT_DOUBLE_EQ(c.grid.dx_um, 20.0);
  auto sim = build_skin_model(c);
  EXPECT_EQ(sim->fields().num_fields(), 13);
  EXPECT_EQ(sim->events().size(), 3u);
  EXPECT_GE(session_channel_x_um(c, 0).size(), 1u);
  const SummaryTable t = skin_layer_summary(*sim);
  EXPECT_NEAR(t.value("collagen_total", "papillary_dermis"), 95.0, 1e-9);
  EXPECT_NEAR(t.value("keratinocytes", "viable_epidermis"), 1.0, 1e-12);
}

TEST(SkinScenario, SingleNeedleWithTopicalLoadsAndBuilds) {
  const TomlReader reader =
      TomlReader::from_file(std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/single_needle.toml");
  const SkinModelConfig c = load_skin_scenario(reader.root());
  reader.check_all_used();
  EXPECT_EQ(c.site.name, "forearm");
  EXPECT_TRUE(c.topical.enabled);
  EXPECT_DOUBLE_EQ(c.topical.duration_s, 4 * 3600.0);
  auto sim = build_skin_model(c);
  EXPECT_TRUE(sim->transport().transports(sim->fields().index("topical")));
  EXPECT_EQ(session_channel_x_um(c, 0).size(), 1u);
}

TEST(SkinScenario, SingleNeedleRunsAtReducedSizeAndTheChannelConductsTheAgent) {
  const TomlReader reader =
      TomlReader::from_file(std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/single_needle.toml");
  SkinModelConfig c = load_skin_scenario(reader.root());
  c.grid.width_um = 400.0;
  c.grid.dx_um = 40.0;
  c.grid.depth_um = 600.0;
  c.end_time_s = 3600.0;
  auto opened = build_skin_model(c);
  opened->run_until(3600.0);
  c.pattern.single_needle_x_um = {-1e4};  // same agent on intact skin: the needle misses the grid
  auto intact = build_skin_model(c);
  intact->run_until(3600.0);
  const int pap = opened->grid().layer_id("papillary_dermis");
  const double through_channel = layer_mean(*opened, "topical", pap);
  const double through_sc = layer_mean(*intact, "topical", pap);
  EXPECT_GT(through_channel, 0.0);
  EXPECT_GT(through_channel, 100.0 * through_sc);
}

// Without [time] keys a skin run uses the coupled growth-factor solve, with the growth factor
// lagged in the reactions, and steps of at most 7 days; "sweeps" selects the line sweeps, which
// keep the decay among the reactions and lag nothing.
TEST(SkinScenario, GrowthFactorSolveAndDtMaxDefaults) {
  const auto load = [](const std::string& time_table) {
    const TomlReader reader = TomlReader::from_string(
        "[model]\nkind = \"skin\"\n[time]\nend = \"100 d\"\n" + time_table, "defaults.toml");
    SkinModelConfig c = load_skin_scenario(reader.root());
    reader.check_all_used();
    return c;
  };
  const SkinModelConfig plain = load("");
  EXPECT_EQ(plain.growth_factor_solve, GrowthFactorSolve::coupled);
  EXPECT_DOUBLE_EQ(plain.control.dt_max_s, 7 * 86400.0);
  const auto coupled = build_skin_model(plain);
  EXPECT_EQ(coupled->reactions().options().lagged_fields,
            std::vector<int>{coupled->fields().index("growth_factor")});
  EXPECT_TRUE(coupled->transport().is_coupled(coupled->fields().index("growth_factor")));
  const SkinModelConfig swept = load("growth_factor_solve = \"sweeps\"\n");
  EXPECT_EQ(swept.growth_factor_solve, GrowthFactorSolve::sweeps);
  const auto sweeps = build_skin_model(swept);
  EXPECT_TRUE(sweeps->reactions().options().lagged_fields.empty());
  EXPECT_FALSE(sweeps->transport().is_coupled(sweeps->fields().index("growth_factor")));
}

// [time] growth_factor_solve = "coupled", [time.atol] and [time] dt_max reach the model; the
// coupled solve (decay with the diffusion) tracks the default (decay among the reactions) over
// the first day after a session, where both resolve the transient.
TEST(SkinScenario, CoupledGrowthFactorAtolAndDtMaxReachTheModel) {
  const TomlReader reader = TomlReader::from_string(R"(
[model]
kind = "skin"
[grid]
width = "600 um"
depth = "1 mm"
dx = "40 um"
[treatment]
sessions = ["0 d"]
[time]
end = "1 d"
dt_max = "6 h"
growth_factor_solve = "coupled"
[time.atol]
growth_factor = 0.005
)",
                                                    "coupled.toml");
  SkinModelConfig c = load_skin_scenario(reader.root());
  reader.check_all_used();
  EXPECT_EQ(c.growth_factor_solve, GrowthFactorSolve::coupled);
  EXPECT_DOUBLE_EQ(c.control.dt_max_s, 6 * 3600.0);
  auto coupled = build_skin_model(c);
  const int gf = coupled->fields().index("growth_factor");
  EXPECT_TRUE(coupled->transport().is_coupled(gf));
  EXPECT_DOUBLE_EQ(coupled->transport().coupled_decay_per_s(gf),
                   c.params.inflammation.growth_factor_decay_per_s);
  EXPECT_DOUBLE_EQ(coupled->fields().info(gf).abs_tolerance, 0.005);
  c.growth_factor_solve = GrowthFactorSolve::sweeps;
  auto sweeps = build_skin_model(c);
  EXPECT_FALSE(sweeps->transport().is_coupled(gf));
  coupled->run_until(kDay);
  sweeps->run_until(kDay);
  const int pap = coupled->grid().layer_id("papillary_dermis");
  for (const char* field : {"growth_factor", "immune", "fibroblasts"}) {
    const double a = layer_mean(*coupled, field, pap), b = layer_mean(*sweeps, field, pap);
    EXPECT_NEAR(a, b, 0.05 * std::abs(b)) << field;
  }
  EXPECT_LT(coupled->last_step().accepted, sweeps->last_step().accepted);
}

TEST(SkinScenario, BadInputNamesTheKey) {
  const TomlReader typo = TomlReader::from_string(
      "[model]\nkind = \"skin\"\n[device]\nneedle_lenght = \"1 mm\"\n", "typo.toml");
  load_skin_scenario(typo.root());
  EXPECT_THROW(typo.check_all_used(), InputError);
  const TomlReader range = TomlReader::from_string(
      "[model]\nkind = \"skin\"\n[device]\nneedle_length = \"50 mm\"\n", "range.toml");
  EXPECT_THROW(load_skin_scenario(range.root()), InputError);
  const TomlReader state =
      TomlReader::from_string("[model]\nkind = \"skin\"\n[skin]\nstate = \"calm\"\n", "s.toml");
  EXPECT_THROW(load_skin_scenario(state.root()), InputError);
}

TEST(SkinModel, LayersToDepthCutsTheStack) {
  const auto layers = layers_to_depth(skin_site("face_cheek"), 500.0);
  ASSERT_EQ(layers.size(), 4u);
  double total = 0.0;
  for (const Layer& l : layers) total += l.thickness_um;
  EXPECT_NEAR(total, 500.0, 1e-9);
  EXPECT_EQ(layers.back().name, "reticular_dermis");
}

// [output] snapshots: those after time.end are dropped with a warning (a run shortened by
// --set keeps the ones it reaches), and the end of the run is always written.
TEST(ScenarioFile, SnapshotsAfterTheEndAreDroppedWithAWarning) {
  set_warning_sink(nullptr);
  const std::string demo = std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/demo_diffusion.toml";
  const LoadedScenario loaded = load_scenario(
      demo, {"time.end=\"1 d\"", "output.snapshots=[\"1 h\", \"12 h\", \"2 d\", \"3 d\"]"});
  EXPECT_EQ(loaded.built.snapshot_times_s, (std::vector<double>{3600.0, 43200.0, kDay}));
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("2 of 4 snapshot time(s) lie after time.end"),
            std::string::npos)
      << loaded.warnings[0];
  EXPECT_THROW(load_scenario(demo, {"output.snapshots=[\"2 h\", \"1 h\"]"}), InputError);
}

// The grid's depth against the skin and the channels: nothing left out by default; a grid
// shallower than a layer's top or than the channel says so (and says how deep would do).
TEST(SkinModel, GridDepthWarningsNameWhatTheGridLeavesOut) {
  const TomlReader reader = TomlReader::from_file(
      std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/roller_1p5mm_collagen_induction.toml");
  SkinModelConfig c = load_skin_scenario(reader.root());
  EXPECT_TRUE(grid_depth_warnings(c).empty());

  c.site = skin_site("abdomen");  // a thick dermis: the hypodermis lies below 1.5 mm
  std::vector<std::string> w = grid_depth_warnings(c);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("leaves out the hypodermis"), std::string::npos) << w[0];

  c.site = skin_site("face_cheek");
  c.grid.depth_um = 100.0;  // inside the papillary dermis, above the 185 um channel
  w = grid_depth_warnings(c);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("reticular_dermis, hypodermis"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("cut off"), std::string::npos) << w[1];
}

}  // namespace
}  // namespace skinheal::models
