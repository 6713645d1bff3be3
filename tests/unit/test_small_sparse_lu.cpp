// Unit tests of the planned sparse LU (engine/small_sparse_lu.hpp) and of its use by the
// per-voxel reaction stepper (engine/reaction.hpp, ReactionOptions::sparse_lu): solves agree
// with a dense LU, the Markowitz order avoids fill where it can, the growth test refuses an
// unstable pivot, and a Jacobian outside the declared pattern takes the dense path with results
// bitwise equal to the dense stepper.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/reaction.hpp"
#include "engine/small_sparse_lu.hpp"
#include "models/skin_model.hpp"

namespace skinheal {
namespace {

using Dense = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

TEST(SmallSparseLu, SolvesRandomSparseSystemsLikeADenseLu) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  std::bernoulli_distribution present(0.25);
  int checked = 0;
  for (int n = 1; n <= 16; ++n) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<char> pattern(n * n);
      for (char& p : pattern) p = present(rng) ? 1 : 0;
      const SmallSparseLu lu(n, pattern);
      // A matrix in the pattern, diagonally dominant (I − γτJ of a dissipative J).
      Dense A = Dense::Zero(n, n);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          if (i != j && pattern[i * n + j]) A(i, j) = value(rng);
      for (int i = 0; i < n; ++i) A(i, i) = 1.0 + A.row(i).cwiseAbs().sum();
      ASSERT_TRUE(lu.in_pattern(A.data()));
      Eigen::VectorXd b(n);
      for (int i = 0; i < n; ++i) b[i] = value(rng);
      const Eigen::VectorXd expected = A.partialPivLu().solve(b);
      // Fill entries start at zero (filled() is where the caller assembles).
      std::vector<double> work(n * n, std::numeric_limits<double>::quiet_NaN());
      for (int e : lu.filled()) work[e] = A.data()[e];
      ASSERT_TRUE(lu.factor(work.data()));
      Eigen::VectorXd x = b;
      lu.solve(work.data(), x.data());
      EXPECT_LT((x - expected).norm(), 1e-12 * (1.0 + expected.norm())) << "n = " << n;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 16 * 20);
}

TEST(SmallSparseLu, MarkowitzOrderAvoidsFillOnAnArrowhead) {
  // Row and column 0 full, plus the diagonal: eliminating 0 first would fill everything.
  const int n = 10;
  std::vector<char> pattern(n * n, 0);
  for (int i = 0; i < n; ++i) pattern[i * n] = pattern[i] = 1;
  const SmallSparseLu lu(n, pattern);
  EXPECT_EQ(lu.pattern_nonzeros(), 3 * n - 2);
  EXPECT_EQ(lu.filled_nonzeros(), 3 * n - 2);
  EXPECT_EQ(lu.update_count(), n - 1);
}

TEST(SmallSparseLu, RefusesLargeGrowthAndZeroPivots) {
  const std::vector<char> full(4, 1);
  const SmallSparseLu lu(2, full);
  // [[ε, 1], [1, 1]] without pivoting: multiplier 1/ε, u22 = 1 − 1/ε.
  std::vector<double> tiny = {1e-10, 1.0, 1.0, 1.0};
  EXPECT_FALSE(lu.factor(tiny.data()));
  std::vector<double> zero = {0.0, 1.0, 1.0, 1.0};
  EXPECT_FALSE(lu.factor(zero.data()));
  std::vector<double> nan = {std::nan(""), 1.0, 1.0, 1.0};
  EXPECT_FALSE(lu.factor(nan.data()));
  std::vector<double> fine = {2.0, 1.0, 1.0, 1.0};
  EXPECT_TRUE(lu.factor(fine.data()));
  // Growth judged in the caller's units: eliminating 0 puts 1e6 · 1 into entry (1, 2), which
  // is 1e6 the largest diagonal entry, but only 1 where field 1 is counted in units 1e6 larger.
  const SmallSparseLu lu3(3, std::vector<char>(9, 1));
  std::vector<double> units = {1.0, 0.0, 1.0, 1e6, 1.0, 0.0, 0.0, 0.0, 1.0};
  std::vector<double> units2 = units;
  EXPECT_FALSE(lu3.factor(units.data()));
  const double scale[3] = {1.0, 1e6, 1.0};
  EXPECT_TRUE(lu3.factor(units2.data(), scale));
}

TEST(SmallSparseLu, InPatternRejectsEntriesOutsideIt) {
  std::vector<char> pattern = {1, 0, 0, 1};  // diagonal 2 × 2
  const SmallSparseLu lu(2, pattern);
  const double diag[4] = {1.0, 0.0, 0.0, 2.0};
  const double off[4] = {1.0, 0.5, 0.0, 2.0};
  const double nan[4] = {1.0, 0.0, std::nan(""), 2.0};
  EXPECT_TRUE(lu.in_pattern(diag));
  EXPECT_FALSE(lu.in_pattern(off));
  EXPECT_FALSE(lu.in_pattern(nan));
}

// du/dt = −k u + c v, dv/dt = −k v: declares only its diagonal (wrongly) or the whole pattern.
class Chain final : public ReactionTerm {
 public:
  explicit Chain(bool honest) : honest_(honest) {}
  std::string name() const override { return "chain"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] += -1e-2 * y[0] + 5e-3 * y[1];
    dydt[1] += -2e-2 * y[1] * (1.0 + y[1]);
  }
  bool add_jacobian(const VoxelContext&, const double* y, int n, double* J) const override {
    J[0] += -1e-2;
    J[1] += 5e-3;
    J[n + 1] += -2e-2 * (1.0 + 2.0 * y[1]);
    return true;
  }
  bool jacobian_pattern(int n, char* pattern) const override {
    pattern[0] = pattern[n + 1] = 1;
    if (honest_) pattern[1] = 1;
    return true;
  }

 private:
  bool honest_;
};

std::vector<double> run_chain(bool honest, bool sparse, ReactionStats* stats) {
  const Grid grid = Grid::make_2d(4, 1.0, Grid::uniform_faces(1, 1.0));
  FieldSet fields(grid);
  fields.add({"u", "1", false, true, 1e-6}, 1.0);
  fields.add({"v", "1", false, true, 1e-6}, 2.0);
  Reactions r;
  r.add(std::make_shared<Chain>(honest));
  r.options().rtol = 1e-4;
  r.options().sparse_lu = sparse;
  *stats = r.advance(fields, 0.0, 300.0);
  return fields.storage();
}

TEST(ReactionSparseLu, AgreesWithTheDenseStepperAndFallsBackOutsideThePattern) {
  ReactionStats dense_stats, sparse_stats, wrong_stats;
  const std::vector<double> dense = run_chain(true, false, &dense_stats);
  const std::vector<double> sparse = run_chain(true, true, &sparse_stats);
  const std::vector<double> wrong = run_chain(false, true, &wrong_stats);
  EXPECT_EQ(dense_stats.dense_factorisations, 0u);  // counted only while a plan exists
  EXPECT_EQ(sparse_stats.dense_factorisations, 0u);
  EXPECT_GT(sparse_stats.substeps, 0u);
  EXPECT_EQ(wrong_stats.dense_factorisations, wrong_stats.substeps);
  for (std::size_t i = 0; i < dense.size(); ++i) {
    EXPECT_NEAR(sparse[i], dense[i], 1e-13 * std::abs(dense[i]));
    EXPECT_EQ(wrong[i], dense[i]) << "the dense fallback must be the dense stepper";
  }
}

TEST(ReactionSparseLu, SkinModelTakesTheSparsePathAndMatchesTheDenseOne) {
  // One 1.5 mm needle in a small section. (1) One reaction step of 10 min without sub-steps
  // from the state 1 h after the puncture (bleeding, clotting, inflammation all active),
  // sparse and dense: equal to rounding. (2) A whole day, sparse and dense: the sub-step
  // controller may decide differently on rounding-level differences, so the fields agree
  // within the step-control tolerance, and the sparse run factorised (almost) nothing densely.
  models::SkinModelConfig c;
  c.grid.width_um = 200.0;
  c.grid.depth_um = 400.0;
  c.grid.dx_um = 20.0;
  c.grid.dz_max_um = 50.0;
  c.device = device_preset("single_needle");
  c.device.needle_length_mm = 1.5;
  c.end_time_s = 86400.0;
  auto scaled_difference = [&](const FieldSet& a, const FieldSet& b) {
    double worst = 0.0;
    for (int f = 0; f < a.num_fields(); ++f) {
      const double atol = a.info(f).abs_tolerance;
      for (std::size_t i = 0; i < a.num_cells(); ++i)
        worst = std::max(worst, std::abs(a.view(f)[i] - b.view(f)[i]) /
                                    (atol + c.control.rtol * std::abs(b.view(f)[i])));
    }
    return worst;
  };

  auto wound = models::build_skin_model(c);
  wound->run_until(3600.0);
  Reactions& reactions = wound->reactions();
  reactions.options().substeps = false;
  FieldSet sparse_step = wound->fields(), dense_step = wound->fields();
  reactions.options().sparse_lu = true;
  const ReactionStats s1 = reactions.advance(sparse_step, 3600.0, 600.0);
  reactions.options().sparse_lu = false;
  reactions.advance(dense_step, 3600.0, 600.0);
  EXPECT_EQ(s1.dense_factorisations, 0u);
  EXPECT_LT(scaled_difference(sparse_step, dense_step), 1e-9);
  EXPECT_GT(scaled_difference(sparse_step, wound->fields()), 1e-3) << "the step must do something";

  auto run = [&](bool sparse) {
    auto sim = models::build_skin_model(c);
    sim->reactions().options().sparse_lu = sparse;
    sim->run_until(c.end_time_s);
    return sim;
  };
  const auto sparse = run(true);
  const auto dense = run(false);
  const StageTimes& st = sparse->stage_times();
  EXPECT_LT(static_cast<double>(st.reaction_dense),
            1e-3 * static_cast<double>(st.reaction_substeps));
  EXPECT_LT(scaled_difference(sparse->fields(), dense->fields()), 1.0);
}

}  // namespace
}  // namespace skinheal
