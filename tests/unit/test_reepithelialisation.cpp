// Unit tests of models/reepithelialisation: positivity, rest state, Jacobian vs finite differences,
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

TEST(Reepithelialisation, OcclusionSlowsBarrierRecovery) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  ReepithelialisationParams p;
  p.occluded_windows_s = {{0.0, 3600.0}};
  Reepithelialisation term(f, p);
  EXPECT_EQ(term.occlusion(100.0), p.occlusion_factor);
  EXPECT_EQ(term.occlusion(3600.0), 1.0);
  std::vector<double> y = state(f), a(f.num_fields(), 0.0), b(f.num_fields(), 0.0);
  VoxelContext at;
  at.layer = 0;
  at.t_s = 100.0;
  term.add_rhs(at, y.data(), a.data());
  at.t_s = 7200.0;
  term.add_rhs(at, y.data(), b.data());
  EXPECT_NEAR(a[f.index("barrier")], p.occlusion_factor * b[f.index("barrier")], 1e-18);
}
TEST(Reepithelialisation, IntactEpidermisIsStationaryAndInflammationDelays) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Reepithelialisation term(f, {});
  std::vector<double> y = state(f), dy(f.num_fields(), 0.0);
  y[f.index("keratinocytes")] = 1.0;
  y[f.index("barrier")] = 1.0;
  for (int layer = 0; layer < 2; ++layer) {
    VoxelContext at;
    at.layer = layer;
    term.add_rhs(at, y.data(), dy.data());
  }
  EXPECT_EQ(dy[f.index("keratinocytes")], 0.0);
  EXPECT_EQ(dy[f.index("barrier")], 0.0);
  y[f.index("keratinocytes")] = 0.5;
  std::vector<double> calm(f.num_fields(), 0.0), hot(f.num_fields(), 0.0);
  VoxelContext at;
  at.layer = 1;
  y[f.index("immune")] = 0.0;
  term.add_rhs(at, y.data(), calm.data());
  y[f.index("immune")] = 1.0;
  term.add_rhs(at, y.data(), hot.data());
  EXPECT_LT(hot[f.index("keratinocytes")], calm[f.index("keratinocytes")]);
}
TEST(Reepithelialisation, PositivityJacobianValidation) {
  auto sim = column();
  Reepithelialisation term(sim->fields(), {});
  for (int layer = 0; layer < 3; ++layer) {
    VoxelContext at;
    at.layer = layer;
    expect_positivity(term, sim->fields(), at);
    expect_jacobian_matches(term, at, state(sim->fields()));
  }
  ReepithelialisationParams bad;
  bad.occlusion_factor = 0.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
