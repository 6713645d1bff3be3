// Unit tests of models/angiogenesis: positivity, rest state, Jacobian vs finite differences,
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

TEST(Angiogenesis, RegrowsBelowBaselineAndSprouts) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Angiogenesis term(f, {});
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  VoxelContext at;
  at.layer = 2;
  y[f.index("vessels")] = 1.0;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_NEAR(dy[f.index("vessels")], 0.0, 1e-18);
  y[f.index("vessels")] = 0.2;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_GT(dy[f.index("vessels")], 0.0);
  at.layer = 0;  // avascular: nothing
  std::fill(dy.begin(), dy.end(), 0.0);
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_EQ(dy[f.index("vessels")], 0.0);
}
TEST(Angiogenesis, PositivityJacobianValidation) {
  auto sim = column();
  Angiogenesis term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  expect_jacobian_matches(term, at, state(sim->fields()));
  AngiogenesisParams bad;
  bad.capacity_factor = 0.5;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
