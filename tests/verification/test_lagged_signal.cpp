// Verification of lagged fields in the reactions (ReactionOptions::lagged_fields) for a fast
// signal whose decay the transport solves (Transport::set_coupled_decay): the skin model's
// growth factor, reduced to two fields that keep what matters.
//
//   s' = p F − k s     signal: produced by the cells, decays with a 2 h half-life
//   F' = −c s F        cells: consumed where the signal is, over weeks
//
// The signal is slaved to the cells (s ≈ pF/k within hours), so over months F follows
// F' = −(cp/k) F²: F(t) = F0 / (1 + (cp/k) F0 t). The reference below is the ODE itself,
// integrated with classical RK4 at 5 s steps. The fields are uniform, so the coupled transport
// solve is the exact implicit decay 1/(1 + hk) and the test sees only the time splitting.
//
// Without lagging, the reaction sub-step sees the signal accumulate its production without its
// decay: over a 1-day step up to 1 + hk ≈ 9 times its level, and step doubling cannot tell,
// since the coarse and the fine solution share that bias (at the skin model's tolerances the
// cells end 13.5 % low). Lagged, the terms see the signal at the sub-step's start: the
// extrapolated scheme is second order once the step resolves the decay (hk ≪ 1) and of reduced
// order, but accurate, at the long steps of the quiet months (hk ≫ 1).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/simulation.hpp"

namespace skinheal {
namespace {

constexpr double kDay = 86400.0;
constexpr double kDecay = 0.693147180559945 / 7200.0;  // 1/s: half-life 2 h
constexpr double kProduction = kDecay;                 // s = F at the quasi-steady state
constexpr double kConsumption = 1.0 / (20 * kDay);     // 1/(s·signal): F halves in 20 days

// The signal's production and the cells' consumption (the decay is the transport's).
class Consumption final : public ReactionTerm {
 public:
  std::string name() const override { return "consumption"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] += kProduction * y[1];
    dydt[1] -= kConsumption * y[0] * y[1];
  }
  bool add_jacobian(const VoxelContext&, const double* y, int n, double* J) const override {
    J[0 * n + 1] += kProduction;
    J[1 * n + 0] -= kConsumption * y[1];
    J[1 * n + 1] -= kConsumption * y[0];
    return true;
  }
};

// F at t_end from the ODE (s' = pF − ks, F' = −csF), RK4 with 5 s steps.
double reference_cells(double t_end) {
  double s = 1.0, F = 1.0;
  auto rate = [](double s_, double F_, double& ds, double& dF) {
    ds = kProduction * F_ - kDecay * s_;
    dF = -kConsumption * s_ * F_;
  };
  const double h = 5.0;
  for (double t = 0.0; t < t_end - 0.5 * h; t += h) {
    double s1, f1, s2, f2, s3, f3, s4, f4;
    rate(s, F, s1, f1);
    rate(s + 0.5 * h * s1, F + 0.5 * h * f1, s2, f2);
    rate(s + 0.5 * h * s2, F + 0.5 * h * f2, s3, f3);
    rate(s + h * s3, F + h * f3, s4, f4);
    s += h / 6 * (s1 + 2 * s2 + 2 * s3 + s4);
    F += h / 6 * (f1 + 2 * f2 + 2 * f3 + f4);
  }
  return F;
}

struct RunResult {
  double cells = 0.0;
  long steps = 0;
};

// The split scheme on a small uniform grid, the signal's decay in the transport. Adaptive
// (rtol, steps up to dt_max) or fixed steps of dt_max.
RunResult run(bool lagged, bool adaptive, double dt_max, double t_end) {
  Simulation sim(Grid::make_2d(4, 10.0, Grid::uniform_faces(3, 10.0)));
  const int s = sim.fields().add({"signal", "1", true, true, 0.1}, 1.0);
  const int F = sim.fields().add({"cells", "1", false, true, 1e-2}, 1.0);
  sim.transport().set_diffusion(s, Diffusivity::uniform(3.3));
  sim.transport().set_coupled_decay(s, kDecay);
  sim.reactions().add(std::make_shared<Consumption>());
  sim.reactions().options().rtol = 1e-6;
  if (lagged) sim.reactions().options().lagged_fields = {s};
  StepControl& c = sim.control();
  c.adaptive = adaptive;
  c.rtol = 3e-2;
  c.dt_initial_s = adaptive ? 60.0 : dt_max;
  c.dt_max_s = dt_max;
  sim.run_until(t_end);
  return {sim.fields().view(F)[0], sim.last_step().accepted};
}

TEST(LaggedSignal, LongAdaptiveStepsFollowTheSlavedSignal) {
  // The skin model's step control: rtol 0.03, absolute tolerances of the order of the signal's
  // level (as the growth factor's 0.05 ng/mL) and of 1 % of the cells, steps up to 7 days.
  const double T = 60 * kDay;
  const double ref = reference_cells(T);
  const RunResult lag = run(true, true, 7 * kDay, T), plain = run(false, true, 7 * kDay, T);
  const double e_lag = lag.cells / ref - 1, e_plain = plain.cells / ref - 1;
  std::printf(
      "F(60 d): reference %.6f (quasi-steady %.6f); lagged %+.3f %% in %ld steps, "
      "not lagged %+.3f %% in %ld steps\n",
      ref, 1.0 / (1.0 + kConsumption * kProduction / kDecay * T), 100 * e_lag, lag.steps,
      100 * e_plain, plain.steps);
  EXPECT_LT(std::abs(e_lag), 0.03);  // measured −2.4 % in 21 steps
  EXPECT_LT(lag.steps, 40);
  EXPECT_GT(std::abs(e_plain), 0.1);  // measured −13.5 % in 68 steps: the bias the lag removes
}

TEST(LaggedSignal, SecondOrderOnceTheStepResolvesTheDecay) {
  // Fixed steps, 30 days from the quasi-steady start. While hk ≥ 1 (steps of hours and more)
  // the order is reduced, as for any splitting of a stiff term, but the error still falls
  // with the step and is small; at hk ≪ 1 the extrapolated scheme is second order.
  const double T = 30 * kDay;
  const double ref = reference_cells(T);
  auto error = [&](double h) { return std::abs(run(true, false, h, T).cells - ref); };
  std::vector<double> stiff;
  for (double h : {kDay, kDay / 2, kDay / 4, kDay / 8}) stiff.push_back(error(h));
  std::printf("lagged signal, steps of 1 d to 3 h: errors %.2e %.2e %.2e %.2e (F %.4f)\n", stiff[0],
              stiff[1], stiff[2], stiff[3], ref);
  EXPECT_LT(stiff[0], 0.005 * ref);  // measured 0.4 %
  for (std::size_t r = 1; r < stiff.size(); ++r) EXPECT_LT(stiff[r], 0.75 * stiff[r - 1]);
  std::vector<double> resolved;
  for (double h : {kDay / 64, kDay / 128, kDay / 256}) resolved.push_back(error(h));
  for (std::size_t r = 1; r < resolved.size(); ++r) {
    const double order = std::log2(resolved[r - 1] / resolved[r]);
    std::printf("lagged signal: error %.3e -> %.3e, order %.2f\n", resolved[r - 1], resolved[r],
                order);
    EXPECT_GE(order, 1.8);
  }
}

}  // namespace
}  // namespace skinheal
