// Unit tests of models/elastin: positivity, rest state, Jacobian vs finite differences, parameter
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

TEST(Elastin, RestIsStationaryAndElastaseDegrades) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  ElastinParams p;
  Elastin term(f, p);
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("fibroblasts")] = 1.0;
  y[f.index("elastin")] = p.baseline[2];
  VoxelContext at;
  at.layer = 2;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_NEAR(dy[f.index("elastin")], 0.0, 1e-18);
  y[f.index("immune")] = 0.5;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_LT(dy[f.index("elastin")], 0.0);
}
TEST(Elastin, PositivityJacobianValidation) {
  auto sim = column();
  Elastin term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  expect_jacobian_matches(term, at, state(sim->fields()));
  ElastinParams bad;
  bad.baseline = {1.0};
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
