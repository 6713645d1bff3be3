// Unit tests of models/fibroblasts: positivity, rest state, Jacobian vs finite differences,
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

TEST(Fibroblasts, RestIsStationaryAndGrowthFactorDrivesProliferation) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  FibroblastParams p;
  Fibroblasts term(f, p);
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("fibroblasts")] = 1.0;
  y[f.index("collagen_I")] = 80.0;
  y[f.index("collagen_III")] = 15.0;
  VoxelContext at;
  at.layer = 2;
  term.add_rhs(at, y.data(), dy.data());
  for (double v : dy) EXPECT_EQ(v, 0.0);
  y[f.index("growth_factor")] = 5.0;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_GT(dy[f.index("fibroblasts")], 0.0);
}
TEST(Fibroblasts, PositivityJacobianValidation) {
  auto sim = column();
  Fibroblasts term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  expect_jacobian_matches(term, at, state(sim->fields()));
  FibroblastParams bad;
  bad.capacity = 0.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
