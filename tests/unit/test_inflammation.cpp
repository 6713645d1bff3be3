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

TEST(Inflammation, DecayInTransportLeavesOnlyTheSources) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  InflammationParams with_decay, without_decay;
  without_decay.growth_factor_decay_in_transport = true;
  const Inflammation a(f, with_decay), b(f, without_decay);
  std::vector<double> y = state(f);
  const int g = f.index("growth_factor");
  y[g] = 4.0;
  std::vector<double> da(f.num_fields(), 0.0), db(f.num_fields(), 0.0);
  VoxelContext at;
  at.layer = 2;
  a.add_rhs(at, y.data(), da.data());
  b.add_rhs(at, y.data(), db.data());
  for (int i = 0; i < f.num_fields(); ++i)
    EXPECT_DOUBLE_EQ(db[i] - da[i], i == g ? with_decay.growth_factor_decay_per_s * 4.0 : 0.0)
        << f.info(i).name;
  expect_jacobian_matches(b, at, y);
  const int n = f.num_fields();
  std::vector<double> Ja(n * n, 0.0), Jb(n * n, 0.0);
  a.add_jacobian(at, y.data(), n, Ja.data());
  b.add_jacobian(at, y.data(), n, Jb.data());
  EXPECT_DOUBLE_EQ(Jb[g * n + g] - Ja[g * n + g], with_decay.growth_factor_decay_per_s);
}

}  // namespace
}  // namespace skinheal::models
