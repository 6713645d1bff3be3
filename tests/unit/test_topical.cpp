// Unit tests of models/topical: positivity, rest state, Jacobian vs finite differences, parameter
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

TEST(Topical, PottsGuyAndStratumCorneumDiffusivity) {
  // log kp = -2.7 + 0.71 * 1 - 0.0061 * 500 = -5.04.
  EXPECT_NEAR(std::log10(potts_guy_kp_cm_per_h(500.0, 1.0)), -5.04, 1e-12);
  // 1e-3 cm/h = 1e-3 * 1e4 / 3600 um/s; times 15 um.
  EXPECT_NEAR(stratum_corneum_diffusivity_um2_per_s(1e-3, 15.0), 1e-3 * 1e4 / 3600.0 * 15.0, 1e-15);
  EXPECT_NEAR(channel_mixed_diffusivity_um2_per_s(0.01, 150.0, 0.5), 75.005, 1e-12);
  EXPECT_NEAR(channel_mixed_diffusivity_um2_per_s(0.01, 150.0, 2.0), 150.0, 1e-12);
  EXPECT_THROW(potts_guy_kp_cm_per_h(-1.0, 0.0), InputError);
}
TEST(Topical, PositivityJacobianValidation) {
  auto sim = column();
  Topical term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  expect_jacobian_matches(term, at, state(sim->fields()));
  TopicalParams bad;
  bad.channel_diffusivity_um2_per_s = 0.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
