// Verification of the split time integrator (issue: engine core).
//   3. Temporal order of the split, extrapolated reaction–diffusion scheme ≥ 1.9.
//   5. Fisher–KPP front speed 2√(D r) within 2 % after the transient.
//   7. 1 vs 2 threads: bitwise identical fields after a multi-step run.
//   8. A 365-day adaptive run with events at days 0, 42, 84: < 5000 steps, lands on each event.
//   Also: stiff reactions far beyond the explicit limit stay non-negative.
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
constexpr double kDay = 86400.0;

TEST(Verification, TemporalOrderOfSplitScheme) {
  const double T = 1200.0;
  const auto reference = logistic_bump_run(1.875, T);
  std::vector<double> errors;
  for (double dt : {120.0, 60.0, 30.0}) {
    const auto u = logistic_bump_run(dt, T);
    double e = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) e = std::max(e, std::abs(u[i] - reference[i]));
    errors.push_back(e);
  }
  for (std::size_t r = 1; r < errors.size(); ++r) {
    const double order = std::log2(errors[r - 1] / errors[r]);
    EXPECT_GE(order, 1.9) << "errors " << errors[r - 1] << " -> " << errors[r];
  }
}

TEST(Verification, FisherKppFrontSpeed) {
  // D = 8.64e-5 cm²/day = 0.1 µm²/s, r = 1/day: c = 2√(Dr) = 185.9 µm/day.
  const double D = 8.64e-5 * 1e8 / kDay, r = 1.0 / kDay;
  const double c = 2.0 * std::sqrt(D * r);
  const int nx = 1200;
  const double dx = 20.0;  // front width 1/λ* = √(D/r) = 93 µm: 4.6 cells
  Simulation sim(Grid::make_2d(nx, dx, Grid::uniform_faces(1, 10.0)));
  const Grid& g = sim.grid();
  const int u = sim.fields().add({"u", "1", true, true, 1e-8});
  sim.transport().set_diffusion(u, Diffusivity::uniform(D));
  models::FieldKinetics kin;
  kin.field = u;
  kin.growth_per_s = r;
  kin.capacity = 1.0;
  sim.reactions().add(std::make_shared<models::GenericKinetics>(std::vector{kin}));
  for (int i = 0; i < nx; ++i)
    sim.fields().view(u)[g.index(i, 0, 0)] = g.x_centre_um(i) < 200.0 ? 1.0 : 0.0;
  sim.control().rtol = 1e-3;
  sim.control().dt_max_s = 0.1 * kDay;
  auto front = [&] {
    const ConstFieldView v = sim.fields().view(u);
    for (int i = 1; i < nx; ++i)
      if (v[i] < 0.5 && v[i - 1] >= 0.5)
        return g.x_centre_um(i - 1) + dx * (v[i - 1] - 0.5) / (v[i - 1] - v[i]);
    return -1.0;
  };
  // Speed between days 60 and 120: the Bramson correction 3/(2λ*)·ln2/Δt is 0.9 % here.
  sim.run_until(60 * kDay);
  const double x1 = front();
  sim.run_until(120 * kDay);
  const double x2 = front();
  ASSERT_GT(x1, 0.0);
  ASSERT_GT(x2, x1);
  const double speed = (x2 - x1) / (60 * kDay);
  std::printf("Fisher-KPP front: %.2f um/day measured, %.2f um/day expected (%.2f%%)\n",
              speed * kDay, c * kDay, 100.0 * (speed / c - 1.0));
  EXPECT_NEAR(speed / c, 1.0, 0.02)
      << "measured " << speed * kDay << " µm/day, expected " << c * kDay << " µm/day";
}

TEST(Verification, BitwiseIdenticalForOneAndTwoThreads) {
  const auto one = feature_run(1);
  const auto two = feature_run(2);
  ASSERT_EQ(one.size(), two.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < one.size(); ++i)
    if (std::memcmp(&one[i], &two[i], sizeof(double)) != 0) ++differing;
  EXPECT_EQ(differing, 0u);
}

class EventRecorder : public Observer {
 public:
  void on_event(const Simulation& sim, const std::string& name, bool after) override {
    if (after) times.push_back(sim.time_s());
  }
  std::vector<double> times;
};

TEST(Verification, AdaptiveYearWithThreeSessions) {
  std::vector<Layer> layers{{"epidermis", 80.0}, {"dermis", 1420.0}};
  Grid grid = Grid::make_2d(50, 20.0, Grid::graded_faces(layers, 5.0, 50.0, 1.15));
  grid.assign_layers(layers);
  Simulation sim(std::move(grid));
  const Grid& g = sim.grid();
  const int damage = sim.fields().add({"damage", "1", false, true, 1e-6});
  const int signal = sim.fields().add({"signal", "1", true, true, 1e-6});
  std::vector<double> Dz(g.nz());
  for (int k = 0; k < g.nz(); ++k) Dz[k] = g.layer_of_row(k) == 0 ? 0.5 : 3.3;
  sim.transport().set_diffusion(signal, Diffusivity::by_depth(Dz));
  std::vector<models::FieldKinetics> kin(2);
  kin[0].field = damage;
  kin[0].decay_per_s = 1.0 / (2 * kDay);
  kin[1].field = signal;
  kin[1].decay_per_s = 1.0 / (3 * kDay);
  sim.reactions().add(std::make_shared<models::GenericKinetics>(kin));
  for (double day : {0.0, 42.0, 84.0}) {
    sim.add_event({day * kDay, "session", [=](Simulation& s) {
                     const Grid& gr = s.grid();
                     for (int k = 0; k < gr.nz(); ++k)
                       if (gr.z_centres_um()[k] < 600.0)
                         for (int i = 10; i < 50; i += 10) {
                           s.fields().view(damage)[gr.index(i, 0, k)] = 1.0;
                           s.fields().view(signal)[gr.index(i, 0, k)] += 1.0;
                         }
                   }});
  }
  auto rec = std::make_shared<EventRecorder>();
  sim.add_observer(rec);
  sim.control().dt_initial_s = 1.0;
  sim.control().dt_after_event_s = 1.0;
  sim.control().dt_max_s = 7 * kDay;
  sim.run_until(365 * kDay);
  EXPECT_LT(sim.last_step().accepted, 5000) << "rejected " << sim.last_step().rejected;
  std::printf("365-day run: %ld accepted steps, %ld rejected\n", sim.last_step().accepted,
              sim.last_step().rejected);
  ASSERT_EQ(rec->times.size(), 3u);
  EXPECT_EQ(rec->times[0], 0.0);
  EXPECT_EQ(rec->times[1], 42.0 * kDay);
  EXPECT_EQ(rec->times[2], 84.0 * kDay);
  EXPECT_EQ(sim.time_s(), 365.0 * kDay);
  RecordProperty("accepted_steps", static_cast<int>(sim.last_step().accepted));
}

TEST(Verification, StiffReactionFarAboveExplicitLimitStaysNonNegative) {
  Simulation sim(Grid::make_2d(4, 10.0, Grid::uniform_faces(4, 10.0)));
  const int u = sim.fields().add({"u", "1", false, true, 1e-12});
  models::FieldKinetics kin;
  kin.field = u;
  kin.decay_per_s = 1.0;  // explicit limit 2 s; steps of 2000 s
  sim.reactions().add(std::make_shared<models::GenericKinetics>(std::vector{kin}));
  for (std::size_t c = 0; c < sim.grid().num_cells(); ++c) sim.fields().view(u)[c] = 1.0;
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 2000.0;
  sim.run_until(20000.0);
  for (std::size_t c = 0; c < sim.grid().num_cells(); ++c) {
    EXPECT_GE(sim.fields().view(u)[c], 0.0);
    EXPECT_LE(sim.fields().view(u)[c], 1e-12);
  }
}

}  // namespace
}  // namespace skinheal
