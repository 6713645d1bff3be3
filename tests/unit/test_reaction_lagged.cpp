// Lagged fields of the reaction stepper (ReactionOptions::lagged_fields): the terms see a lagged
// field at its value at the start of advance(), across every sub-step, while the field's own
// rate is still integrated. Checked on a system whose solution is a polynomial in t, which
// ROS2 integrates exactly.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine/error.hpp"
#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/reaction.hpp"

namespace skinheal {
namespace {

constexpr double kSource = 0.5;  // u' = S

// u' = S, v' = u, w' = −1000 (w − v): a constant source, its integral, and a stiff follower that
// forces the stepper into sub-steps.
class Chain final : public ReactionTerm {
 public:
  std::string name() const override { return "chain"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] += kSource;
    dydt[1] += y[0];
    dydt[2] += -1000.0 * (y[2] - y[1]);
  }
  bool add_jacobian(const VoxelContext&, const double*, int n, double* J) const override {
    J[1 * n + 0] += 1.0;
    J[2 * n + 2] += -1000.0;
    J[2 * n + 1] += 1000.0;
    return true;
  }
};

struct OneVoxel {
  Grid grid = Grid::make_2d(1, 1.0, Grid::uniform_faces(1, 1.0));
  FieldSet fields{grid};
  OneVoxel() {
    fields.add({"u", "1", false, false, 1e-9}, 2.0);
    fields.add({"v", "1", false, false, 1e-9}, 1.0);
    fields.add({"w", "1", false, false, 1e-9}, 1.0);
  }
  double at(int f) const { return fields.view(f)[0]; }
};

TEST(ReactionLagged, TermsSeeTheStartValueWhileTheFieldIntegratesItsRate) {
  const double h = 4.0, u0 = 2.0, v0 = 1.0;
  for (const bool lagged : {false, true}) {
    OneVoxel vox;
    Reactions r;
    r.add(std::make_shared<Chain>());
    r.options().rtol = 1e-5;
    if (lagged) r.options().lagged_fields = {0};
    const ReactionStats stats = r.advance(vox.fields, 0.0, h);
    EXPECT_GT(stats.substeps, 1u);  // the stiff follower made it sub-step
    // u integrates its own rate either way.
    EXPECT_NEAR(vox.at(0), u0 + kSource * h, 1e-9);
    // v sees u frozen at u0 when lagged, the growing u otherwise.
    const double v = lagged ? v0 + u0 * h : v0 + u0 * h + 0.5 * kSource * h * h;
    EXPECT_NEAR(vox.at(1), v, 1e-6) << (lagged ? "lagged" : "not lagged");
  }
}

TEST(ReactionLagged, RefusesAFieldIndexOutOfRange) {
  OneVoxel vox;
  Reactions r;
  r.add(std::make_shared<Chain>());
  r.options().lagged_fields = {3};
  EXPECT_THROW(r.advance(vox.fields, 0.0, 1.0), InputError);
}

}  // namespace
}  // namespace skinheal
