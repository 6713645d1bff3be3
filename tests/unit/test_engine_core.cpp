// Unit tests of the engine core: grid, fields, parallel helpers, transport details, the loop.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "engine/detail/thomas.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/simulation.hpp"
#include "engine/strings.hpp"

namespace skinheal {
namespace {

TEST(Grid, GradedFacesHitLayerBoundariesAndGrowSmoothly) {
  std::vector<Layer> layers{{"stratum_corneum", 15.0},
                            {"viable_epidermis", 60.0},
                            {"papillary_dermis", 150.0},
                            {"reticular_dermis", 1500.0}};
  const auto faces = Grid::graded_faces(layers, 2.0, 50.0, 1.15);
  double depth = 0.0;
  for (const Layer& l : layers) {
    depth += l.thickness_um;
    EXPECT_TRUE(std::find(faces.begin(), faces.end(), depth) != faces.end()) << depth;
  }
  EXPECT_EQ(faces.front(), 0.0);
  EXPECT_EQ(faces.back(), depth);
  EXPECT_LE(faces[1] - faces[0], 2.0 + 1e-9);
  for (std::size_t k = 1; k + 1 < faces.size(); ++k) {
    const double ratio = (faces[k + 1] - faces[k]) / (faces[k] - faces[k - 1]);
    EXPECT_LT(ratio, 1.6) << "at face " << k;
    EXPECT_LE(faces[k + 1] - faces[k], 50.0 * 1.2);
  }
  Grid g = Grid::make_2d(10, 10.0, faces);
  g.assign_layers(layers);
  EXPECT_EQ(g.layer_of_row(0), 0);
  EXPECT_EQ(g.layer_of_row(g.nz() - 1), 3);
  EXPECT_EQ(g.layer_id("papillary_dermis"), 2);
  try {
    g.layer_id("papillary_dermiss");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'papillary_dermis'"), std::string::npos);
  }
}

TEST(Grid, RejectsBadGeometry) {
  EXPECT_THROW(Grid::make_2d(0, 10.0, Grid::uniform_faces(4, 1.0)), InputError);
  EXPECT_THROW(Grid::make_2d(4, -1.0, Grid::uniform_faces(4, 1.0)), InputError);
  EXPECT_THROW(Grid::make_2d(4, 1.0, {0.0, 2.0, 1.0}), InputError);
  EXPECT_THROW(Grid::make_2d(4, 1.0, {1.0, 2.0}), InputError);
}

TEST(Fields, StructureOfArraysAndNames) {
  Grid g = Grid::make_3d(3, 2, 1.0, Grid::uniform_faces(2, 1.0));
  FieldSet f(g);
  const int a = f.add({"collagen_I", "g/cm^3"}, 1.5);
  const int b = f.add({"collagen_III", "g/cm^3"}, 0.5);
  EXPECT_EQ(f.view(b).data, f.view(a).data + g.num_cells());
  EXPECT_EQ(f.view("collagen_III")[5], 0.5);
  EXPECT_THROW(f.add({"collagen_I", "g/cm^3"}), InputError);
  try {
    f.index("colagen_I");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'collagen_I'"), std::string::npos);
  }
}

TEST(Parallel, DeterministicSumIndependentOfThreads) {
  std::vector<double> v(1 << 20);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37 * i) * 1e-3 + 1e-9 * i;
  auto run = [&](int threads) {
    parallel::set_num_threads(threads);
    const double s = parallel::sum(v.size(), [&](std::size_t b, std::size_t e) {
      double acc = 0.0;
      for (std::size_t i = b; i < e; ++i) acc += v[i];
      return acc;
    });
    parallel::set_num_threads(0);
    return s;
  };
  const double one = run(1), two = run(2);
  EXPECT_EQ(std::memcmp(&one, &two, sizeof(double)), 0);
}

TEST(Parallel, ExceptionsLeaveParallelRegionsAsTheLowestIndex) {
  parallel::set_serial_work(0);
  try {
    parallel::for_each(1000, [](std::size_t i) {
      if (i == 123 || i == 900) throw InputError("bad " + std::to_string(i));
    });
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "bad 123");
  }
  parallel::set_serial_work(parallel::kSerialWork);
}

// Balanced (dynamic) blocks: every item exactly once, the last block short, on 2 threads; an
// exception is reported from the lowest block whatever thread ran it.
TEST(Parallel, BalancedBlocksCoverEveryItemOnceAndReportTheLowestBlock) {
  parallel::set_serial_work(0);
  parallel::set_num_threads(2);
  const std::size_t n = 1000, grain = 64;
  std::vector<int> hits(n, 0);
  std::vector<std::size_t> block_sizes((n + grain - 1) / grain, 0);
  parallel::for_each_block_balanced(n, grain, [&](std::size_t b, std::size_t e) {
    block_sizes[b / grain] = e - b;
    for (std::size_t i = b; i < e; ++i) ++hits[i];
  });
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i], 1) << "item " << i;
  EXPECT_EQ(block_sizes.front(), grain);
  EXPECT_EQ(block_sizes.back(), n % grain);
  try {
    parallel::for_each_block_balanced(n, grain, [](std::size_t b, std::size_t) {
      if (b == 128 || b == 896) throw InputError("bad block at " + std::to_string(b));
    });
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "bad block at 128");
  }
  parallel::set_num_threads(0);
  parallel::set_serial_work(parallel::kSerialWork);
}

// One z sweep equals a dense solve of the same θ-scheme system.
TEST(Transport, SweepMatchesDenseSolveWithPerVoxelDAndRobin) {
  const int nz = 9;
  Grid g = Grid::make_2d(3, 5.0, Grid::mapped_faces(nz, 90.0, 1.5));
  FieldSet f(g);
  const int u = f.add({"u", "1", true, true});
  std::vector<double> D(g.num_cells());
  for (std::size_t c = 0; c < D.size(); ++c) D[c] = 0.5 + 0.3 * std::sin(1.3 * c);
  Transport t(g);
  const double P = 0.2, c_out = 2.0;
  t.set_diffusion(u, Diffusivity::per_voxel(D), Boundary::permeable(P, c_out),
                  Boundary::fixed(0.5));
  for (std::size_t c = 0; c < g.num_cells(); ++c) f.view(u)[c] = 1.0 + 0.1 * c;
  const std::vector<double> before(f.view(u).data, f.view(u).data + g.num_cells());
  const double h = 7.0, theta = 0.5;
  t.sweep(f, u, Axis::z, h, theta);
  const int i = 1;
  // Dense operator for column i.
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(nz, nz);
  Eigen::VectorXd s = Eigen::VectorXd::Zero(nz), u0(nz);
  const auto& dz = g.dz_um();
  for (int k = 0; k < nz; ++k) u0[k] = before[g.index(i, 0, k)];
  for (int k = 0; k + 1 < nz; ++k) {
    const double Dp = D[g.index(i, 0, k)], Dq = D[g.index(i, 0, k + 1)];
    const double cond = 1.0 / (0.5 * dz[k] / Dp + 0.5 * dz[k + 1] / Dq);
    L(k, k) -= cond / dz[k];
    L(k, k + 1) += cond / dz[k];
    L(k + 1, k + 1) -= cond / dz[k + 1];
    L(k + 1, k) += cond / dz[k + 1];
  }
  const double g0 = 1.0 / (1.0 / P + 0.5 * dz[0] / D[g.index(i, 0, 0)]);
  L(0, 0) -= g0 / dz[0];
  s[0] = g0 * c_out / dz[0];
  const double gL = 2.0 * D[g.index(i, 0, nz - 1)] / dz[nz - 1];
  L(nz - 1, nz - 1) -= gL / dz[nz - 1];
  s[nz - 1] = gL * 0.5 / dz[nz - 1];
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(nz, nz);
  const Eigen::VectorXd expected =
      (I - theta * h * L).lu().solve(u0 + (1 - theta) * h * (L * u0) + h * s);
  for (int k = 0; k < nz; ++k)
    EXPECT_NEAR(f.view(u)[g.index(i, 0, k)], expected[k], 1e-12 * std::abs(expected[k]));
}

TEST(Transport, FastAndGeneralPathsAgree) {
  // by_depth (fast path) and the same values per voxel (general path) give the same result.
  Grid g = Grid::make_3d(7, 5, 4.0, Grid::mapped_faces(6, 30.0, 1.0));
  FieldSet fa(g), fb(g);
  const int a = fa.add({"u", "1", true, true});
  const int b = fb.add({"u", "1", true, true});
  std::vector<double> Dz{0.1, 0.2, 1.0, 2.0, 2.0, 3.0};
  Diffusivity per = Diffusivity::by_depth(Dz);
  per.make_per_voxel(g);
  Transport ta(g), tb(g);
  ta.set_diffusion(a, Diffusivity::by_depth(Dz), Boundary::fixed(1.0));
  tb.set_diffusion(b, per, Boundary::fixed(1.0));
  for (std::size_t c = 0; c < g.num_cells(); ++c) fa.view(a)[c] = fb.view(b)[c] = std::cos(0.7 * c);
  ta.step(fa, 3.0);
  tb.step(fb, 3.0);
  for (std::size_t c = 0; c < g.num_cells(); ++c) EXPECT_NEAR(fa.view(a)[c], fb.view(b)[c], 1e-12);
}

TEST(Transport, TaxisConservesMassAndStaysNonNegative) {
  Grid g = Grid::make_2d(40, 5.0, Grid::uniform_faces(20, 5.0));
  FieldSet f(g);
  const int cells = f.add({"cells", "1", true, true});
  const int signal = f.add({"signal", "1", true, true});
  Transport t(g);
  t.set_diffusion(cells, Diffusivity::uniform(0.01));
  t.set_diffusion(signal, Diffusivity::uniform(0.0));
  t.add_taxis({cells, signal, 500.0, 0.0});
  for (int k = 0; k < g.nz(); ++k)
    for (int i = 0; i < g.nx(); ++i) {
      f.view(signal)[g.index(i, 0, k)] = 0.01 * i;  // gradient 0.002 per µm: v = 1 µm/s
      f.view(cells)[g.index(i, 0, k)] = i < 10 ? 1.0 : 0.0;
    }
  double mass0 = 0.0, centre0 = 0.0;
  for (std::size_t c = 0; c < g.num_cells(); ++c) {
    mass0 += f.view(cells)[c];
    centre0 += f.view(cells)[c] * (c % g.nx());
  }
  for (int s = 0; s < 20; ++s) t.step(f, 500.0);  // large steps: CFL ≫ 1
  double mass = 0.0, centre = 0.0, lo = 1e300;
  for (std::size_t c = 0; c < g.num_cells(); ++c) {
    mass += f.view(cells)[c];
    centre += f.view(cells)[c] * (c % g.nx());
    lo = std::min(lo, f.view(cells)[c]);
  }
  EXPECT_NEAR(mass / mass0, 1.0, 1e-12);
  EXPECT_GE(lo, -1e-14);  // round-off only (the time loop clips these to zero)
  EXPECT_GT(centre / mass, centre0 / mass0 + 5.0);  // moved up the gradient (towards +x)
}

TEST(Transport, PermeableSurfaceFluxMatchesResistances) {
  // Steady state of a single layer with a permeable surface and a sink below:
  // J = c_out / (1/P + h/D).
  const double P = 0.05, D = 0.4, h = 40.0, c_out = 3.0;
  Grid g = Grid::make_2d(1, 1.0, Grid::uniform_faces(40, 1.0));
  FieldSet f(g);
  const int u = f.add({"u", "1", true, true});
  Transport t(g);
  t.set_diffusion(u, Diffusivity::uniform(D), Boundary::permeable(P, c_out), Boundary::fixed(0.0));
  for (int s = 0; s < 40; ++s) t.step(f, 1e9, TransportScheme::lod_backward_euler);
  const double J = 2.0 * D / g.dz_um().back() * f.view(u)[g.nz() - 1];
  EXPECT_NEAR(J / (c_out / (1.0 / P + h / D)), 1.0, 1e-9);
}

// Interleaved x lines, each with its own factors (2D: one line per depth row), give what the
// lines give solved one at a time, for backward Euler and Crank–Nicolson; so does the
// shared-factor form. The same arithmetic per line, but the compiler may fuse multiply-adds
// differently when it vectorises across lines, so agreement is to rounding, not bitwise.
// Every line is also checked against the tridiagonal system it solves.
TEST(Thomas, InterleavedLinesWithTheirOwnFactorsMatchOneAtATime) {
  constexpr int J = 4, L = 37;
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> dist(0.1, 1.0);
  std::vector<detail::Factors> factors;
  for (int l = 0; l < J; ++l) {
    detail::Coefficients rows;
    rows.resize(L);
    for (int m = 0; m < L; ++m) {  // a diffusion row: lo, up >= 0, di = -(lo + up) - sink
      rows.lo[m] = m > 0 ? dist(rng) : 0.0;
      rows.up[m] = m + 1 < L ? dist(rng) : 0.0;
      rows.di[m] = -(rows.lo[m] + rows.up[m]) - 0.1 * dist(rng);
      rows.src[m] = 0.01 * dist(rng);
    }
    factors.push_back(detail::factor(rows, 0.0, 1.0));  // placeholder, replaced per θ below
    factors.back().rows = rows;
  }
  for (double theta : {1.0, 0.5}) {
    const double h = 0.7;
    std::vector<detail::Factors> f;
    const detail::Factors* each[J];
    for (int l = 0; l < J; ++l) f.push_back(detail::factor(factors[l].rows, h, theta));
    for (int l = 0; l < J; ++l) each[l] = &f[l];
    std::vector<double> u0(J * L);
    for (double& v : u0) v = dist(rng);
    std::vector<double> together = u0, alone = u0, shared = u0, shared_alone = u0;
    detail::solve_lines_interleaved_with<J, false>(each, together.data(), h, theta);
    for (int l = 0; l < J; ++l)
      detail::solve_lines_interleaved<1>(f[l], alone.data() + l * L, h, theta);
    for (std::size_t c = 0; c < together.size(); ++c)
      EXPECT_NEAR(together[c], alone[c], 1e-14) << "theta " << theta << ", value " << c;
    detail::solve_lines_interleaved<J>(f[0], shared.data(), h, theta);
    for (int l = 0; l < J; ++l)
      detail::solve_lines_interleaved<1>(f[0], shared_alone.data() + l * L, h, theta);
    for (std::size_t c = 0; c < shared.size(); ++c)
      EXPECT_NEAR(shared[c], shared_alone[c], 1e-14) << "theta " << theta << ", value " << c;
    // (I − θhA) u⁺ = (I + (1 − θ)hA) u + h s for line l, A its tridiagonal rows.
    for (int l = 0; l < J; ++l) {
      const detail::Coefficients& r = factors[l].rows;
      const double* un = together.data() + l * L;
      const double* uo = u0.data() + l * L;
      for (int m = 0; m < L; ++m) {
        auto A = [&](const double* v) {
          double a = r.di[m] * v[m];
          if (m > 0) a += r.lo[m] * v[m - 1];
          if (m + 1 < L) a += r.up[m] * v[m + 1];
          return a;
        };
        const double lhs = un[m] - theta * h * A(un);
        const double rhs = uo[m] + (1.0 - theta) * h * A(uo) + h * r.src[m];
        EXPECT_NEAR(lhs, rhs, 1e-13) << "theta " << theta << ", line " << l << ", m " << m;
      }
    }
  }
}

TEST(Transport, RejectsWrongSizes) {
  Grid g = Grid::make_2d(4, 1.0, Grid::uniform_faces(3, 1.0));
  Transport t(g);
  EXPECT_THROW(t.set_diffusion(0, Diffusivity::by_depth({1.0, 2.0})), InputError);
  EXPECT_THROW(Diffusivity::uniform(-1.0), InputError);
  EXPECT_THROW(Diffusivity::uniform(std::nan("")), InputError);
}

class Decay final : public ReactionTerm {
 public:
  std::string name() const override { return "decay"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] -= y[0] / 100.0;
  }
};

TEST(Simulation, NumericalErrorNamesFieldVoxelAndTime) {
  class Explode final : public ReactionTerm {
   public:
    std::string name() const override { return "explode"; }
    void add_rhs(const VoxelContext& at, const double* y, double* dydt) const override {
      if (at.cell == 5 && at.t_s > 10.0) dydt[0] += std::nan("");
    }
  };
  Simulation sim(Grid::make_2d(4, 1.0, Grid::uniform_faces(3, 1.0)));
  sim.fields().add({"u", "1", false, true});
  sim.reactions().add(std::make_shared<Explode>());
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 4.0;
  try {
    sim.run_until(40.0);
    FAIL();
  } catch (const NumericalError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("field 'u'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("i=1, j=0, k=1"), std::string::npos) << msg;
  }
}

TEST(Simulation, FixedStepsLandOnEventsAndReactionsDecay) {
  Simulation sim(Grid::make_2d(2, 1.0, Grid::uniform_faces(2, 1.0)));
  const int u = sim.fields().add({"u", "1", false, true, 1e-12});
  sim.reactions().add(std::make_shared<Decay>());
  int applied = 0;
  double applied_at = -1.0;
  sim.add_event({25.0, "kick", [&](Simulation& s) {
                   ++applied;
                   applied_at = s.time_s();
                   s.fields().view(u)[0] += 1.0;
                 }});
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 10.0;
  sim.control().rtol = 1e-7;  // the per-voxel reaction sub-steps follow this tolerance
  sim.run_until(100.0);
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(applied_at, 25.0);
  EXPECT_NEAR(sim.fields().view(u)[0], std::exp(-75.0 / 100.0), 1e-4);
  EXPECT_NEAR(sim.fields().view(u)[1], 0.0, 1e-12);
}

// An observer added after the time loop started is started at once, and the steps land on its
// requested times still ahead (they used to be collected only when the loop started); one
// whose on_start throws is not kept.
TEST(Simulation, AnObserverAddedMidRunIsLandedOn) {
  struct Times final : Observer {
    std::vector<double> seen;
    bool started = false;
    std::vector<double> requested_times_s() const override { return {5.0, 37.0, 61.0}; }
    void on_start(const Simulation&) override { started = true; }
    void on_step(const Simulation& s, const StepInfo&) override { seen.push_back(s.time_s()); }
  };
  struct Refuses final : Observer {
    int steps = 0;
    void on_start(const Simulation&) override { throw InputError("no"); }
    void on_step(const Simulation&, const StepInfo&) override { ++steps; }
  };
  Simulation sim(Grid::make_2d(2, 1.0, Grid::uniform_faces(2, 1.0)));
  sim.fields().add({"u", "1", false, true, 1e-12});
  sim.reactions().add(std::make_shared<Decay>());
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 10.0;
  sim.run_until(20.0);
  auto times = std::make_shared<Times>();
  auto refuses = std::make_shared<Refuses>();
  sim.add_observer(times);
  EXPECT_TRUE(times->started);
  EXPECT_THROW(sim.add_observer(refuses), InputError);
  sim.run_until(70.0);
  EXPECT_EQ(times->seen, (std::vector<double>{30.0, 37.0, 47.0, 57.0, 61.0, 70.0}));
  EXPECT_EQ(refuses->steps, 0);  // dropped: never stepped
}

// The profile's "step size set by" counts: a field that changes (a diffusing pulse) sets the
// adaptive step; a field that never changes never does.
TEST(Simulation, CountsTheFieldThatLimitsTheStep) {
  Simulation sim(Grid::make_2d(20, 5.0, Grid::uniform_faces(10, 5.0)));
  const int still = sim.fields().add({"still", "1", false, true, 1e-6});
  const int pulse = sim.fields().add({"pulse", "1", true, true, 1e-6});
  sim.transport().set_diffusion(pulse, Diffusivity::uniform(10.0));
  sim.fields().view(still)[0] = 1.0;
  sim.fields().view(pulse)[sim.grid().index(10, 0, 5)] = 1.0;
  sim.control().adaptive = true;
  sim.control().rtol = 1e-3;
  sim.control().dt_initial_s = 0.01;
  sim.control().dt_max_s = 1e6;
  sim.run_until(50.0);
  const StageTimes& st = sim.stage_times();
  ASSERT_EQ(st.limited_by_field.size(), 2u);
  EXPECT_EQ(st.limited_by_field[still], 0);
  EXPECT_GT(st.limited_by_field[pulse], 0);
  EXPECT_LE(st.limited_by_field[pulse] + st.clip_limited, st.steps);
}

// Pre-step hooks run once per step, at the state the step starts from, after the events of
// the previous step, and what they set is what the step uses.
TEST(Simulation, PreStepHookRunsOncePerStepAtTheStartState) {
  Simulation sim(Grid::make_2d(2, 1.0, Grid::uniform_faces(2, 1.0)));
  const int u = sim.fields().add({"u", "1", false, true, 1e-12});
  sim.reactions().add(std::make_shared<Decay>());
  sim.add_event({25.0, "kick", [&](Simulation& s) { s.fields().view(u)[0] += 1.0; }});
  std::vector<std::pair<double, double>> seen;  // (time, u[0]) at each call
  sim.add_pre_step([&](Simulation& s) { seen.emplace_back(s.time_s(), s.fields().view(u)[0]); });
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 10.0;
  sim.run_until(40.0);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(sim.stage_times().steps));
  ASSERT_EQ(seen.size(), 5u);  // 0→10→20→25 (event)→35→40
  EXPECT_EQ(seen[0].first, 0.0);
  EXPECT_EQ(seen[3].first, 25.0);
  EXPECT_NEAR(seen[3].second, 1.0, 1e-12);  // sees the kick applied at the end of the last step
  EXPECT_THROW(sim.add_pre_step({}), InputError);
}

TEST(Strings, NearestSuggestion) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(suggest_nearest("needle_lenght", {"needle_length", "density"}),
            "; did you mean 'needle_length'?");
  EXPECT_EQ(suggest_nearest("zzz", {"a", "b"}), "; valid: a, b");
}

}  // namespace
}  // namespace skinheal
