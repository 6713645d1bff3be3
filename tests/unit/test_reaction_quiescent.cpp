// Unit tests of the quiescent-voxel skip of the reaction stepper (engine/reaction.hpp,
// ReactionOptions::quiescent_tolerance): a voxel is left unchanged only when its change is
// provably below η × the sub-step tolerance; seeds that would grow are never frozen; and the
// skin model with skipping stays within tolerance of the unskipped integrator.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/reaction.hpp"
#include "models/skin_model.hpp"

namespace skinheal {
namespace {

// du/dt = r (u − u_eq): decay to u_eq for r < 0, growth away from it for r > 0.
class Linear final : public ReactionTerm {
 public:
  Linear(double rate_per_s, double equilibrium) : r_(rate_per_s), eq_(equilibrium) {}
  std::string name() const override { return "linear"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] += r_ * (y[0] - eq_);
  }
  bool add_jacobian(const VoxelContext&, const double*, int n, double* J) const override {
    J[0] += r_;
    return true;
  }

 private:
  double r_, eq_;
};

struct OneVoxel {
  Grid grid = Grid::make_2d(1, 1.0, Grid::uniform_faces(1, 1.0));
  FieldSet fields{grid};
  OneVoxel(double value, double atol) { fields.add({"u", "1", false, false, atol}, value); }
  double u() const { return fields.view(0)[0]; }
};

TEST(ReactionQuiescent, SkipsOnlyBelowTheBoundAndLeavesTheVoxelUnchanged) {
  // Decay to 1 from 1 + 1e-6 over 10 s at r = −1e-3/s: change ≈ 1e-8 ≪ atol 1e-4.
  OneVoxel v(1.0 + 1e-6, 1e-4);
  Reactions r;
  r.add(std::make_shared<Linear>(-1e-3, 1.0));
  r.options().rtol = 1e-3;
  r.options().quiescent_tolerance = 0.1;
  const ReactionStats s = r.advance(v.fields, 0.0, 10.0);
  EXPECT_EQ(s.voxels_skipped, 1u);
  EXPECT_EQ(v.u(), 1.0 + 1e-6);
  // Far from equilibrium the same voxel is integrated.
  OneVoxel w(2.0, 1e-4);
  const ReactionStats s2 = r.advance(w.fields, 0.0, 10.0);
  EXPECT_EQ(s2.voxels_skipped, 0u);
  EXPECT_NEAR(w.u(), 1.0 + std::exp(-1e-2), 1e-4);
}

TEST(ReactionQuiescent, AGrowingSeedIsNeverFrozen) {
  // u' = r u from u = 1e-6 (far below atol 1e-3) over 20 growth times: h |f| = 2e-5 is below
  // η · atol, but the seed grows by e^20; the logarithmic-norm bound must refuse the skip.
  const double rate = 1e-3, h = 2e4;
  OneVoxel v(1e-6, 1e-3);
  OneVoxel slow(1e-6, 1e-3);
  Reactions r;
  r.add(std::make_shared<Linear>(rate, 0.0));
  r.options().rtol = 1e-3;
  r.options().quiescent_tolerance = 0.1;
  EXPECT_EQ(r.advance(v.fields, 0.0, h).voxels_skipped, 0u);
  // The same seed over 1/100 of a growth time is skipped (its change is 1e-8 ≪ atol).
  EXPECT_EQ(r.advance(slow.fields, 0.0, 10.0).voxels_skipped, 1u);
  EXPECT_EQ(slow.u(), 1e-6);
}

TEST(ReactionQuiescent, SkinModelWithSkippingMatchesTheFullIntegrator) {
  // One 1.5 mm needle in a small section for 1 day, once with skipping
  // (η = 0.1) and once without: every field within the step-control tolerance.
  constexpr double kEta = 0.1;
  models::SkinModelConfig c;
  c.grid.width_um = 200.0;
  c.grid.depth_um = 400.0;
  c.grid.dx_um = 20.0;
  c.grid.dz_max_um = 50.0;
  c.device = device_preset("single_needle");
  c.device.needle_length_mm = 1.5;
  c.end_time_s = 86400.0;
  auto run = [&](double eta) {
    auto sim = models::build_skin_model(c);
    sim->reactions().options().quiescent_tolerance = eta;
    sim->run_until(c.end_time_s);
    return sim;
  };
  const auto skipped = run(kEta);
  const auto full = run(0.0);
  const StageTimes& st = skipped->stage_times();
  EXPECT_GT(st.reaction_skipped, 0u) << "the test must exercise the skip";
  EXPECT_EQ(full->stage_times().reaction_skipped, 0u);
  const FieldSet& a = skipped->fields();
  const FieldSet& b = full->fields();
  const double rtol = c.control.rtol;
  double worst = 0.0;
  std::string worst_field;
  for (int f = 0; f < a.num_fields(); ++f) {
    const double atol = a.info(f).abs_tolerance;
    for (std::size_t i = 0; i < a.num_cells(); ++i) {
      const double e = std::abs(a.view(f)[i] - b.view(f)[i]) /
                       (atol + rtol * std::max(std::abs(a.view(f)[i]), std::abs(b.view(f)[i])));
      if (e > worst) {
        worst = e;
        worst_field = a.info(f).name;
      }
    }
  }
  EXPECT_LT(worst, 1.0) << "largest scaled difference in " << worst_field;
  // The check can fail: skipping everything whose change is below 1e4 × tolerance cannot pass.
  const auto reckless = run(1e4);
  double reckless_worst = 0.0;
  for (int f = 0; f < a.num_fields(); ++f) {
    const double atol = a.info(f).abs_tolerance;
    for (std::size_t i = 0; i < a.num_cells(); ++i)
      reckless_worst =
          std::max(reckless_worst, std::abs(reckless->fields().view(f)[i] - b.view(f)[i]) /
                                       (atol + rtol * std::abs(b.view(f)[i])));
  }
  EXPECT_GT(reckless_worst, 1.0);
}

}  // namespace
}  // namespace skinheal
