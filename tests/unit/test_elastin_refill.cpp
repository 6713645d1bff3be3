// Unit tests of the elastin refill term of models/elastin (k_Er · A · max(E₀ − E, 0)): activated
// fibroblasts rebuild the elastin that needles destroyed, never beyond the baseline through this
// term, and nothing changes at rest (issue 3, calibration: a 2D pen run lost 69 % of its
// papillary elastin over 5 sessions without it).
#include <gtest/gtest.h>

#include <vector>

#include "engine/error.hpp"
#include "models/skin_model.hpp"
#include "process_test_support.hpp"

namespace skinheal::models {
namespace {

using testing::column;
using testing::expect_jacobian_matches;
using testing::state;

double elastin_rate(const ElastinParams& p, double fibroblasts, double elastin) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Elastin term(f, p);
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("fibroblasts")] = fibroblasts;
  y[f.index("elastin")] = elastin;
  VoxelContext at;
  at.layer = 2;  // papillary dermis: E₀ = 4 mg/cm³, F₀ = 1
  term.add_rhs(at, y.data(), dy.data());
  return dy[f.index("elastin")];
}

TEST(ElastinRefill, ActivatedFibroblastsRefillTheMissingElastin) {
  ElastinParams with, without;
  without.refill_per_activation_per_s = 0.0;
  // A needled voxel (half its elastin gone) with activated fibroblasts (A = 2).
  const double refill = elastin_rate(with, 3.0, 2.0) - elastin_rate(without, 3.0, 2.0);
  EXPECT_NEAR(refill, with.refill_per_activation_per_s * 2.0 * 2.0, 1e-2 * refill);  // A smoothed
  // Refill half-time at A = 2.8: ln 2 / (k_Er A) between 1 and 3 months (elastin.hpp).
  const double half_time_d = 0.6931471805599453 / (with.refill_per_activation_per_s * 2.8) / 86400;
  EXPECT_GT(half_time_d, 30.0);
  EXPECT_LT(half_time_d, 90.0);
  // No refill at or above the baseline, none at rest.
  EXPECT_DOUBLE_EQ(elastin_rate(with, 3.0, 4.5), elastin_rate(without, 3.0, 4.5));
  EXPECT_NEAR(elastin_rate(with, 1.0, 4.0), 0.0, 1e-18);
  EXPECT_DOUBLE_EQ(elastin_rate(with, 1.0, 2.0), elastin_rate(without, 1.0, 2.0));
}

TEST(ElastinRefill, JacobianAboveAndBelowTheBaselineAndValidation) {
  auto sim = column();
  Elastin term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  std::vector<double> y = state(sim->fields());  // elastin 3 < E₀, F 1.7
  expect_jacobian_matches(term, at, y);
  y[sim->fields().index("elastin")] = 4.5;  // above E₀: the refill branch is off
  expect_jacobian_matches(term, at, y);
  ElastinParams bad;
  bad.refill_per_activation_per_s = -1.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
