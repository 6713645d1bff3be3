// Unit tests of models/inflammation: positivity, rest state, Jacobian vs finite differences,
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

TEST(Inflammation, DamageRecruitsAndCellsClear) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Inflammation term(f, {});
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("damage")] = 1.0;
  y[f.index("vessels")] = 1.0;
  VoxelContext at;
  at.layer = 2;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_GT(dy[f.index("immune")], 0.0);
  y[f.index("immune")] = 0.5;
  std::fill(dy.begin(), dy.end(), 0.0);
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_LT(dy[f.index("damage")], 0.0);
  EXPECT_GT(dy[f.index("growth_factor")], 0.0);
}
TEST(Inflammation, RestIsStationary) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Inflammation term(f, {});
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("vessels")] = 1.0;
  VoxelContext at;
  at.layer = 3;
  term.add_rhs(at, y.data(), dy.data());
  for (double v : dy) EXPECT_EQ(v, 0.0);
}
TEST(Inflammation, PositivityJacobianValidation) {
  auto sim = column();
  Inflammation term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  expect_jacobian_matches(term, at, state(sim->fields()));
  InflammationParams bad;
  bad.resolution_per_s = 0.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
