// Lane-batched reactions (engine/lanes.hpp, ReactionOptions::lanes): the vector helpers against
// their scalar counterparts, every skin process's lane formulas against its scalar ones (lanes
// in different layers, at different times, in states around the processes' kinks), and the
// lane integrator against the one-voxel-at-a-time integrator: the same fields to rounding, the
// same sub-steps, bitwise the same for 1 and 2 threads, a term that writes outside its declared
// pattern sent to the dense path, lagged fields held.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/lanes.hpp"
#include "engine/parallel.hpp"
#include "engine/reaction.hpp"
#include "models/skin_model.hpp"

namespace skinheal {
namespace {

// vexp, both forms, against std::exp across its range (subnormal results, overflow, NaN).
TEST(Lanes, ExpWithinTwoUlpOfStdExp) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> wide(-760.0, 720.0), narrow(-2.0, 2.0);
  double worst_ulp = 0.0;
  for (int it = 0; it < 20000; ++it) {
    Lanes x;
    for (int l = 0; l < kLanes; ++l) x[l] = (it % 2 ? wide(rng) : narrow(rng));
    const Lanes y = vexp(x);
    for (int l = 0; l < kLanes; ++l) {
      const double e = std::exp(x[l]);
      if (std::isinf(e) || e == 0.0) {
        EXPECT_EQ(y[l], e) << "x = " << x[l];
        continue;
      }
      const double ulp = std::nextafter(e, INFINITY) - e;
      worst_ulp = std::max(worst_ulp, std::abs(y[l] - e) / ulp);
      worst_ulp = std::max(worst_ulp, std::abs(vexp(x[l]) - e) / ulp);  // the scalar form too
    }
  }
  EXPECT_LE(worst_ulp, 2.0);
  const Lanes special = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 709.7, -745.1, -700.0};
  const Lanes y = vexp(special);
  EXPECT_TRUE(std::isnan(y[0]));
  for (int l = 1; l < kLanes; ++l) EXPECT_EQ(y[l], std::exp(special[l])) << special[l];
}

TEST(Lanes, HelpersMatchTheirScalarForms) {
  const Lanes a = {-2.0, -0.5, 0.0, 0.25, 1.0, 3.0, 1e-300, 7.0};
  const Lanes b = {1.0, -1.0, 0.0, 0.5, -4.0, 3.0, 0.0, 9.0};
  const Lanes m = vmax(a, b), s = vsqrt(vabs(a)), sel = select(a < b, a, b);
  for (int l = 0; l < kLanes; ++l) {
    EXPECT_EQ(m[l], vmax(a[l], b[l]));
    EXPECT_EQ(s[l], std::sqrt(std::abs(a[l])));
    EXPECT_EQ(sel[l], a[l] < b[l] ? a[l] : b[l]);
  }
  LaneContext at;
  for (int l = 0; l < kLanes; ++l) at.at[l].layer = l % 3;
  const std::vector<double> table = {10.0, 20.0, 30.0};
  const Lanes v = layer_value(at, table);
  const LaneMask in1 = in_layer(at, 1);
  for (int l = 0; l < kLanes; ++l) {
    EXPECT_EQ(v[l], table[l % 3]);
    EXPECT_EQ(in1[l] != 0, l % 3 == 1);
  }
}

// A skin model with every process (scar, topical agent, occlusion windows) on a small grid.
std::unique_ptr<Simulation> every_process_model() {
  models::SkinModelConfig c;
  c.grid.width_um = 200.0;
  c.grid.depth_um = 600.0;
  c.grid.dx_um = 20.0;
  c.grid.dz_max_um = 50.0;
  c.device = device_preset("single_needle");
  c.device.needle_length_mm = 1.5;
  c.sessions_s = {0.0};
  c.end_time_s = 5 * 86400.0;
  c.occlusion_after_session_s = 86400.0;
  c.scar.enabled = true;
  c.topical.enabled = true;
  return models::build_skin_model(c);
}

// A random state around what the processes branch on: zero, their baselines, the fibroblast
// and collagen kinks, and values well away from them.
std::vector<double> random_state(const FieldSet& f, int layer, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> y(static_cast<std::size_t>(f.num_fields()));
  for (int i = 0; i < f.num_fields(); ++i) {
    const double r = u(rng);
    y[static_cast<std::size_t>(i)] = r < 0.15 ? 0.0 : r < 0.3 ? 1.0 : 3.0 * u(rng);
  }
  auto set = [&](const char* name, double typical) {
    const double r = u(rng);
    y[static_cast<std::size_t>(f.index(name))] = r < 0.1   ? 0.0
                                                 : r < 0.4 ? typical * (1.0 + 0.02 * (u(rng) - 0.5))
                                                           : 2.0 * typical * u(rng);
  };
  set("collagen_I", layer >= 2 ? 80.0 : 1.0);
  set("collagen_III", layer >= 2 ? 15.0 : 1.0);
  set("elastin", 4.0);
  set("fibroblasts", 1.0);
  set("scar", 0.5);
  return y;
}

TEST(ReactionLanes, EveryProcessMatchesItsScalarFormulas) {
  const auto sim = every_process_model();
  const FieldSet& fields = sim->fields();
  const Grid& grid = sim->grid();
  const int n = fields.num_fields();
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::size_t> cell(0, grid.num_cells() - 1);
  std::uniform_real_distribution<double> time(0.0, 2 * 86400.0);
  int checked = 0;
  for (const auto& term : sim->reactions().terms()) {
    ASSERT_TRUE(term->has_lanes()) << term->name();
    for (int batch = 0; batch < 300; ++batch) {
      LaneContext at;
      std::vector<std::vector<double>> y(kLanes);
      std::vector<Lanes> yl(static_cast<std::size_t>(n)), rate(static_cast<std::size_t>(n));
      std::vector<Lanes> J(static_cast<std::size_t>(n * n));
      for (int l = 0; l < kLanes; ++l) {
        const std::size_t c = cell(rng);
        at.at[l].cell = c;
        at.at[l].layer = grid.layer_of(c);
        at.at[l].t_s = time(rng);
        y[l] = random_state(fields, at.at[l].layer, rng);
        for (int f = 0; f < n; ++f) yl[f][l] = y[l][f];
      }
      term->add_rhs_lanes(at, yl.data(), rate.data());
      term->add_jacobian_lanes(at, yl.data(), n, J.data());
      for (int l = 0; l < kLanes; ++l) {
        std::vector<double> r(n, 0.0), Js(n * n, 0.0);
        term->add_rhs(at.at[l], y[l].data(), r.data());
        term->add_jacobian(at.at[l], y[l].data(), n, Js.data());
        // Bitwise: models/ is compiled without FMA contraction (models/CMakeLists.txt).
        for (int f = 0; f < n; ++f)
          ASSERT_EQ(rate[f][l], r[f])
              << term->name() << " rate of " << fields.info(f).name << ", layer " << at.at[l].layer;
        for (int e = 0; e < n * n; ++e)
          ASSERT_EQ(J[e][l], Js[e]) << term->name() << " d" << fields.info(e / n).name << "/d"
                                    << fields.info(e % n).name << ", layer " << at.at[l].layer;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 300 * static_cast<int>(sim->reactions().terms().size()));
}

// The fields of two runs, as the largest difference scaled by atol + rtol·|value|.
double scaled_difference(const FieldSet& a, const FieldSet& b, double rtol) {
  double worst = 0.0;
  for (int f = 0; f < a.num_fields(); ++f)
    for (std::size_t c = 0; c < a.num_cells(); ++c) {
      const double x = a.view(f)[c], y = b.view(f)[c];
      worst = std::max(worst, std::abs(x - y) / (a.info(f).abs_tolerance +
                                                 rtol * std::max(std::abs(x), std::abs(y))));
    }
  return worst;
}

TEST(ReactionLanes, IntegratorMatchesOneVoxelAtATime) {
  // One day after a session: the fast phase, sub-stepping near the channel.
  auto run = [](bool lanes) {
    auto sim = every_process_model();
    sim->reactions().options().lanes = lanes;
    sim->run_until(86400.0);
    return sim;
  };
  const auto with = run(true), without = run(false);
  EXPECT_EQ(with->last_step().accepted, without->last_step().accepted);
  EXPECT_EQ(with->stage_times().reaction_substeps, without->stage_times().reaction_substeps);
  EXPECT_LT(scaled_difference(with->fields(), without->fields(), 1e-3), 1e-6);
}

TEST(ReactionLanes, BitwiseTheSameForOneAndTwoThreads) {
  auto run = [](int threads) {
    parallel::set_num_threads(threads);
    parallel::set_serial_work(0);  // parallel regions even on this small grid
    auto sim = every_process_model();
    sim->run_until(6 * 3600.0);
    parallel::set_num_threads(0);
    parallel::set_serial_work(parallel::kSerialWork);
    return sim->fields().storage();
  };
  EXPECT_EQ(run(1), run(2));
}

// u' = −u, v' = −v/2; where u > 1 the term also adds an entry it did not declare (∂u'/∂v), so
// those voxels must take the dense path. Written once for both forms (LanedTerm).
class Undeclared final : public LanedTerm<Undeclared> {
 public:
  std::string name() const override { return "undeclared"; }
  bool jacobian_pattern(int n, char* pattern) const override {
    pattern[0] = pattern[n + 1] = 1;
    return true;
  }
  template <class Context, class T>
  void rhs(const Context&, const T* y, T* dydt) const {
    dydt[0] -= y[0];
    dydt[1] -= 0.5 * y[1];
  }
  template <class Context, class T>
  void jacobian(const Context&, const T* y, int n, T* J) const {
    J[0] -= 1.0;
    J[n + 1] -= 0.5;
    J[1] += select(y[0] > 1.0, T{} + 1e-30, T{});  // outside the pattern (harmless in value)
  }
};

TEST(ReactionLanes, AVoxelWhoseJacobianLeavesItsPatternGoesDense) {
  auto run = [](bool lanes, ReactionStats& stats) {
    const Grid grid = Grid::make_2d(20, 1.0, Grid::uniform_faces(1, 1.0));
    FieldSet fields(grid);
    fields.add({"u", "1", false, false, 1e-9});
    fields.add({"v", "1", false, false, 1e-9});
    for (std::size_t c = 0; c < grid.num_cells(); ++c) {
      fields.view(0)[c] = 0.2 * static_cast<double>(c);  // above 1 from the sixth voxel
      fields.view(1)[c] = 1.0;
    }
    Reactions r;
    r.add(std::make_shared<Undeclared>());
    r.options().rtol = 1e-6;
    r.options().lanes = lanes;
    stats = r.advance(fields, 0.0, 1.0);
    return fields.storage();
  };
  ReactionStats with{}, without{};
  const std::vector<double> a = run(true, with), b = run(false, without);
  EXPECT_GT(with.dense_factorisations, 0u);
  EXPECT_EQ(with.dense_factorisations, without.dense_factorisations);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << i;
  EXPECT_NEAR(a[10], 2.0 * std::exp(-1.0), 1e-5);  // u = 2 decays over 1 s
}

// u' = S, v' = u with u lagged: v(h) = v0 + u0 h exactly (ROS2 integrates it exactly).
class LaggedChain final : public LanedTerm<LaggedChain> {
 public:
  std::string name() const override { return "lagged chain"; }
  bool jacobian_pattern(int n, char* pattern) const override {
    pattern[n] = 1;
    return true;
  }
  template <class Context, class T>
  void rhs(const Context&, const T* y, T* dydt) const {
    dydt[0] += 0.5;
    dydt[1] += y[0];
  }
  template <class Context, class T>
  void jacobian(const Context&, const T*, int n, T* J) const {
    J[n] += 1.0;
  }
};

TEST(ReactionLanes, LaggedFieldsAreHeldAtTheirStartValue) {
  const Grid grid = Grid::make_2d(11, 1.0, Grid::uniform_faces(1, 1.0));
  FieldSet fields(grid);
  fields.add({"u", "1", false, false, 1e-9}, 2.0);
  fields.add({"v", "1", false, false, 1e-9}, 1.0);
  Reactions r;
  r.add(std::make_shared<LaggedChain>());
  r.options().lagged_fields = {0};
  r.advance(fields, 0.0, 4.0);
  for (std::size_t c = 0; c < grid.num_cells(); ++c) {
    EXPECT_NEAR(fields.view(0)[c], 2.0 + 0.5 * 4.0, 1e-12);
    EXPECT_NEAR(fields.view(1)[c], 1.0 + 2.0 * 4.0, 1e-12);
  }
}

}  // namespace
}  // namespace skinheal
