// Unit tests of models/collagen: positivity, rest state, Jacobian vs finite differences, parameter
// validation.
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

TEST(Collagen, RestIsStationaryInEveryLayer) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  CollagenParams p;
  Collagen term(f, p);
  for (int layer = 0; layer < 4; ++layer) {
    std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
    y[f.index("fibroblasts")] = p.fibroblast_baseline[layer];
    y[f.index("collagen_I")] = p.collagen_I_baseline[layer];
    y[f.index("collagen_III")] = p.collagen_III_baseline[layer];
    VoxelContext at;
    at.layer = layer;
    term.add_rhs(at, y.data(), dy.data());
    EXPECT_NEAR(dy[f.index("collagen_I")], 0.0, 1e-15);
    EXPECT_NEAR(dy[f.index("collagen_III")], 0.0, 1e-15);
  }
}
TEST(Collagen, ActivatedFibroblastsDepositAndConversionConservesCollagen) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  CollagenParams p;
  p.turnover_per_s = 0.0;
  p.remodelling_per_s = 0.0;
  p.mmp_per_immune_per_s = 0.0;
  p.collagen_I_per_activation = p.collagen_III_per_activation = 0.0;
  p.collagen_III_per_growth_factor = 0.0;
  Collagen conv_only(f, p);
  std::vector<double> y = state(f), dy(f.num_fields(), 0.0);
  VoxelContext at;
  at.layer = 2;
  conv_only.add_rhs(at, y.data(), dy.data());
  EXPECT_GT(dy[f.index("collagen_I")], 0.0);  // III above baseline converts to I
  EXPECT_NEAR(dy[f.index("collagen_I")] + dy[f.index("collagen_III")], 0.0, 1e-18);
  Collagen full(f, {});
  std::fill(dy.begin(), dy.end(), 0.0);
  y[f.index("collagen_I")] = 80.0;
  y[f.index("collagen_III")] = 15.0;
  y[f.index("fibroblasts")] = 3.0;
  y[f.index("immune")] = 0.0;
  full.add_rhs(at, y.data(), dy.data());
  EXPECT_GT(dy[f.index("collagen_III")], 0.0);
}
TEST(Collagen, PositivityAndValidation) {
  auto sim = column();
  Collagen term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  CollagenParams bad;
  bad.turnover_per_s = -1.0;
  EXPECT_THROW(validate(bad), InputError);
}
TEST(Collagen, AnalyticJacobianMatchesDifferences) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Collagen term(f, {});
  VoxelContext at;
  for (int layer : {0, 2, 4}) {
    at.layer = layer;
    expect_jacobian_matches(term, at, state(f));
  }
  // Near the smoothed kinks (rest state) and below baseline (matrix destroyed by a needle).
  at.layer = 2;
  std::vector<double> y = state(f);
  y[f.index("fibroblasts")] = 1.0;
  y[f.index("collagen_I")] = 80.0;
  y[f.index("collagen_III")] = 15.0;
  expect_jacobian_matches(term, at, y);
  y[f.index("collagen_I")] = 8.0;
  y[f.index("collagen_III")] = 1.5;
  expect_jacobian_matches(term, at, y);
}

}  // namespace
}  // namespace skinheal::models
