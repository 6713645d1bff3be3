// Unit tests of models/haemostasis: positivity, rest state, Jacobian vs finite differences,
// parameter validation.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "engine/error.hpp"
#include "models/skin_model.hpp"
#include "process_test_support.hpp"

namespace skinheal::models {
namespace {

using testing::column;
using testing::expect_jacobian_matches;
using testing::expect_positivity;
using testing::state;

TEST(Haemostasis, BleedsOnlyInVascularLayersAndConservesBlood) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  HaemostasisParams p;
  p.blood_resorption_per_s = 0.0;
  Haemostasis term(f, p);
  std::vector<double> y = state(f);
  for (int layer = 0; layer < 4; ++layer) {
    VoxelContext at;
    at.layer = layer;
    std::vector<double> dy(f.num_fields(), 0.0);
    term.add_rhs(at, y.data(), dy.data());
    const double bleed = term.bleeding_rate(layer, y.data());
    EXPECT_NEAR(dy[f.index("blood")] + dy[f.index("fibrin")], bleed, 1e-15);
    if (layer < 2)
      EXPECT_EQ(bleed, 0.0);
    else
      EXPECT_GT(bleed, 0.0);
  }
}
TEST(Haemostasis, ClotStopsBleedingAndAnticoagulationSlowsClotting) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Haemostasis normal(f, {});
  HaemostasisParams slow;
  slow.anticoagulation_factor = 0.25;
  Haemostasis anticoag(f, slow);
  std::vector<double> y = state(f);
  y[f.index("fibrin")] = 0.0;
  const double open = normal.bleeding_rate(2, y.data());
  y[f.index("fibrin")] = 0.1;
  EXPECT_LT(normal.bleeding_rate(2, y.data()), 0.02 * open);
  VoxelContext at;
  at.layer = 2;
  std::vector<double> a(f.num_fields(), 0.0), b(f.num_fields(), 0.0);
  normal.add_rhs(at, y.data(), a.data());
  anticoag.add_rhs(at, y.data(), b.data());
  EXPECT_NEAR(b[f.index("fibrin")], 0.25 * a[f.index("fibrin")], 1e-15);
}
TEST(Haemostasis, PositivityJacobianValidation) {
  auto sim = column();
  Haemostasis term(sim->fields(), {});
  for (int layer = 0; layer < 4; ++layer) {
    VoxelContext at;
    at.layer = layer;
    expect_positivity(term, sim->fields(), at);
    expect_jacobian_matches(term, at, state(sim->fields()));
  }
  HaemostasisParams bad;
  bad.anticoagulation_factor = 0.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
