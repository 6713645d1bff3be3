// Unit tests: a field whose random motility keeps a resting profile (Transport::
// set_resting_profile), and the skin model that needs it: untreated skin must stay at rest.
//
// Fibroblasts rest at F₀ = 1 in the dermis and 0.3 in the hypodermis. With plain diffusion
// across that boundary (measured 2026-12-08, before the profile existed) the default scenario's
// untreated skin drifted: after 99 days hypodermis fibroblasts 0.3 → 0.63, hypodermis collagen I
// 10 → 15.7 mg/cm³ and growth factor appearing from nothing (0.006 ng/mL in the reticular
// dermis), because cells above F₀ count as activated. With the profile the drift is round-off.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/input/toml_reader.hpp"
#include "engine/simulation.hpp"
#include "engine/transport.hpp"
#include "models/skin_observables.hpp"
#include "models/skin_scenario.hpp"

namespace skinheal {
namespace {

constexpr int kNx = 3, kNz = 24, kUpperRows = 10;
constexpr double kRestUpper = 1.0, kRestLower = 0.3, kD = 2.0;  // D in µm²/s

// A column of two "layers" (rows 0..9 rest at 1, rows 10..23 at 0.3) with graded rows (so the
// face weights meet unequal widths), motile everywhere.
struct Column {
  Grid grid = Grid::make_2d(kNx, 10.0, [] {
    std::vector<double> faces{0.0};
    for (int k = 0; k < kNz; ++k) faces.push_back(faces.back() + (k < kUpperRows ? 5.0 : 8.0));
    return faces;
  }());
  FieldSet fields{grid};
  Transport transport{grid};
  int u = -1;
  std::vector<double> rest;

  Column() {
    u = fields.add({"cells", "1", true, true});
    transport.set_diffusion(u, Diffusivity::uniform(kD));
    for (int k = 0; k < kNz; ++k) rest.push_back(k < kUpperRows ? kRestUpper : kRestLower);
    transport.set_resting_profile(u, rest);
  }
  void fill(const std::vector<double>& by_row) {
    for (int k = 0; k < kNz; ++k)
      for (int i = 0; i < kNx; ++i) fields.view(u)[grid.index(i, 0, k)] = by_row[k];
  }
  double mass() const {
    double m = 0.0;
    for (std::size_t c = 0; c < grid.num_cells(); ++c)
      m += fields.view(u)[c] * grid.volume_of_cell_um3(c);
    return m;
  }
  double value(int k) const { return fields.view(u)[grid.index(1, 0, k)]; }
};

TEST(RestingProfile, TheProfileIsAtRestUnderEveryScheme) {
  for (const TransportScheme scheme :
       {TransportScheme::lod_backward_euler, TransportScheme::symmetric_cn}) {
    Column col;
    std::vector<double> start = col.rest;
    for (double& v : start) v *= 2.5;  // any multiple of the profile
    col.fill(start);
    for (int s = 0; s < 20; ++s) col.transport.step(col.fields, 600.0, scheme);
    for (int k = 0; k < kNz; ++k) EXPECT_NEAR(col.value(k), start[k], 1e-12) << "row " << k;
  }
  Column col;
  col.fill(col.rest);
  std::vector<double> rate(col.fields.storage().size(), 0.0);
  col.transport.add_operator(col.fields, 1.0, rate);
  for (double r : rate) EXPECT_NEAR(r, 0.0, 1e-15);
}

// From a uniform start the column settles to c·r, with c fixed by the conserved mass; plain
// diffusion would level it to the uniform value instead.
TEST(RestingProfile, AUniformStartSettlesToTheProfileAndKeepsItsMass) {
  Column col;
  col.fill(std::vector<double>(kNz, 1.0));
  const double mass = col.mass();
  for (int s = 0; s < 200; ++s)
    col.transport.step(col.fields, 3600.0, TransportScheme::lod_backward_euler);
  EXPECT_NEAR(col.mass(), mass, 1e-12 * mass);
  double rest_mass = 0.0;
  for (std::size_t c = 0; c < col.grid.num_cells(); ++c)
    rest_mass += col.rest[c / col.grid.plane_size()] * col.grid.volume_of_cell_um3(c);
  const double scale = mass / rest_mass;
  for (int k = 0; k < kNz; ++k) EXPECT_NEAR(col.value(k), scale * col.rest[k], 1e-6) << k;
  EXPECT_GT(col.value(0) / col.value(kNz - 1), 3.0);  // levelled diffusion would give 1
}

// The positivity guard of the Crank–Nicolson step judges u/r against its own bounds. A dip in
// u/r (1 − ½ at one row) flips into a bump (≈ 1.4) under a step far above the explicit limit:
// no value goes negative and u stays far below 3.3 × its maximum (the ratio of the resting
// densities), yet u/r leaves [0, 1], so the step must fall back to backward Euler, which keeps it.
TEST(RestingProfile, TheGuardJudgesTheScaledField) {
  Column col;
  std::vector<double> start = col.rest;
  start[kNz - 5] *= 0.5;
  col.fill(start);
  const TransportStats stats =
      col.transport.step(col.fields, 3600.0, TransportScheme::symmetric_cn);
  EXPECT_EQ(stats.monotone_fallbacks, 1);
  for (int k = 0; k < kNz; ++k) EXPECT_LE(col.value(k) / col.rest[k], 1.0 + 1e-12) << k;
}

TEST(RestingProfile, RefusesWhatItCannotHonour) {
  Column col;
  EXPECT_THROW(col.transport.set_resting_profile(col.u, std::vector<double>(kNz - 1, 1.0)), Error);
  std::vector<double> zero_where_motile = col.rest;
  zero_where_motile[5] = 0.0;
  EXPECT_THROW(col.transport.set_resting_profile(col.u, zero_where_motile), Error);
  EXPECT_THROW(col.transport.set_coupled_decay(col.u, 1e-3), Error);  // has a profile

  Column other;
  const int g = other.fields.add({"signal", "ng/mL", true, true});
  other.transport.set_diffusion(g, Diffusivity::uniform(10.0));
  other.transport.set_coupled_decay(g, 1e-3);
  EXPECT_THROW(other.transport.set_resting_profile(g, other.rest), Error);
}

// The default scenario at a coarse grid with its sessions after the end: no needle ever
// touches the skin, so every layer mean of every field must stay at its start.
TEST(RestingProfile, UntreatedSkinStaysAtItsBaseline) {
  const TomlReader reader = TomlReader::from_file(
      std::string(SKINHEAL_SOURCE_DIR) + "/scenarios/roller_1p5mm_collagen_induction.toml");
  models::SkinModelConfig c = models::load_skin_scenario(reader.root());
  c.grid.width_um = 400.0;
  c.grid.dx_um = 40.0;
  constexpr double kEnd = 60 * 86400.0;
  c.end_time_s = 10 * kEnd;
  for (double& t : c.sessions_s) t += 2 * kEnd;  // after the stretch run below
  auto sim = models::build_skin_model(c);
  const models::SummaryTable before = models::skin_layer_summary(*sim);
  sim->run_until(kEnd);
  const models::SummaryTable after = models::skin_layer_summary(*sim);
  ASSERT_EQ(before.columns.size(), after.columns.size());
  for (std::size_t q = 0; q < before.columns.size(); ++q)
    for (std::size_t l = 0; l < before.layers.size(); ++l) {
      const double b = before.columns[q].values[l], a = after.columns[q].values[l];
      if (std::isnan(b)) continue;
      EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::abs(b)))
          << before.columns[q].name << " in " << before.layers[l];
    }
}

}  // namespace
}  // namespace skinheal
