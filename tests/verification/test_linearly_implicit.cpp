// Verification of the linearly implicit (W-method) base step, TimeScheme::linearly_implicit:
//   - a discrete steady state of reaction + diffusion is kept at any step, so an adaptive year
//     takes a few dozen steps (the split scheme needs hundreds on the same problem);
//   - temporal order of the extrapolated scheme ≥ 1.9 on a nonlinear reaction–diffusion problem;
//   - a stiff conversion A → B with diffusion: adaptive steps conserve A + B within the
//     tolerance (clipping an undershoot adds mass, and counts in the error estimate; with
//     fixed large steps it would not be controlled);
//   - 1 vs 2 threads: bitwise identical fields.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/parallel.hpp"
#include "engine/simulation.hpp"
#include "models/generic_kinetics.hpp"
#include "problems.hpp"

namespace skinheal {
namespace {

using verification::feature_run;
using verification::logistic_bump_run;
using verification::steady_state_run;
using verification::SteadyRun;
constexpr double kDay = 86400.0;

TEST(LinearlyImplicit, KeepsSteadyStateAtAnyStep) {
  const SteadyRun li = steady_state_run(TimeScheme::linearly_implicit, 365 * kDay);
  // The split scheme's fixed point is not u*: it holds the step near the signal's relaxation
  // time, so it is run for 2 days only.
  const SteadyRun split = steady_state_run(TimeScheme::split, 2 * kDay);
  std::printf(
      "steady state: linearly implicit %ld steps for 365 d (max change %.2e), split %ld "
      "steps for 2 d (max change %.2e)\n",
      li.steps, li.max_relative_change, split.steps, split.max_relative_change);
  EXPECT_LT(li.max_relative_change, 1e-10);
  // 1 s to 30 d doubling is 22 steps, then 11 steps of 30 d.
  EXPECT_LE(li.steps, 40);
  EXPECT_GT(split.steps, li.steps) << "the split scheme was expected to be error-limited";
}

TEST(LinearlyImplicit, TemporalOrderOfExtrapolatedScheme) {
  const double T = 1200.0;
  const auto reference = logistic_bump_run(1.875, T, TimeScheme::linearly_implicit);
  std::vector<double> errors;
  for (double dt : {120.0, 60.0, 30.0}) {
    const auto u = logistic_bump_run(dt, T, TimeScheme::linearly_implicit);
    double e = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) e = std::max(e, std::abs(u[i] - reference[i]));
    errors.push_back(e);
  }
  for (std::size_t r = 1; r < errors.size(); ++r) {
    const double order = std::log2(errors[r - 1] / errors[r]);
    std::printf("dt %g -> %g: error %.3e -> %.3e, order %.3f\n", 120.0 / (1 << (r - 1)),
                60.0 / (1 << (r - 1)), errors[r - 1], errors[r], order);
    EXPECT_GE(order, 1.9) << "errors " << errors[r - 1] << " -> " << errors[r];
  }
}

// A → B at rate k (stiff): d a/dt = −k a, d b/dt = k a.
class Conversion : public ReactionTerm {
 public:
  explicit Conversion(double k) : k_(k) {}
  std::string name() const override { return "conversion"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] -= k_ * y[0];
    dydt[1] += k_ * y[0];
  }
  bool add_jacobian(const VoxelContext&, const double*, int n, double* J) const override {
    J[0 * n + 0] -= k_;
    J[1 * n + 0] += k_;
    return true;
  }

 private:
  double k_;
};

TEST(LinearlyImplicit, StiffConversionKeepsMassWithinToleranceAndStaysNonNegative) {
  Simulation sim(Grid::make_2d(8, 10.0, Grid::uniform_faces(8, 10.0)));
  const int a = sim.fields().add({"a", "1", true, true, 1e-12});
  const int b = sim.fields().add({"b", "1", true, true, 1e-12});
  sim.transport().set_diffusion(a, Diffusivity::uniform(10.0));
  sim.transport().set_diffusion(b, Diffusivity::uniform(1.0));
  sim.reactions().add(std::make_shared<Conversion>(1.0));  // explicit limit ~1 s
  const std::size_t N = sim.grid().num_cells();
  double total0 = 0.0;
  for (std::size_t c = 0; c < N; ++c) {
    sim.fields().view(a)[c] = (c % 5 == 0) ? 1.0 : 0.0;
    total0 += sim.fields().view(a)[c];
  }
  sim.control().scheme = TimeScheme::linearly_implicit;
  sim.control().rtol = 1e-3;
  sim.control().dt_initial_s = 1.0;
  sim.run_until(5000.0);
  double total = 0.0, a_left = 0.0;
  for (std::size_t c = 0; c < N; ++c) {
    EXPECT_GE(sim.fields().view(a)[c], 0.0);
    EXPECT_GE(sim.fields().view(b)[c], 0.0);
    total += sim.fields().view(a)[c] + sim.fields().view(b)[c];
    a_left += sim.fields().view(a)[c];
  }
  std::printf("conversion: %ld steps, A + B = %.6f of the start, A left %.2e\n",
              sim.last_step().accepted, total / total0, a_left / total0);
  EXPECT_NEAR(total / total0, 1.0, 1e-3);
  EXPECT_LT(a_left / total0, 1e-6);
}

TEST(LinearlyImplicit, BitwiseIdenticalForOneAndTwoThreads) {
  const auto one = feature_run(1, TimeScheme::linearly_implicit);
  const auto two = feature_run(2, TimeScheme::linearly_implicit);
  ASSERT_EQ(one.size(), two.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < one.size(); ++i)
    if (std::memcmp(&one[i], &two[i], sizeof(double)) != 0) ++differing;
  EXPECT_EQ(differing, 0u);
}

}  // namespace
}  // namespace skinheal
