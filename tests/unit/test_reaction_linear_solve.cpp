// Reactions::solve_linearised against Eigen's LU on matrices that need row pivoting, and the
// ROS2 integrator on a linear system against the matrix exponential's reference (Eigen).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <memory>

#include "engine/reaction.hpp"

namespace skinheal {
namespace {

// dy/dt = A y with a fixed n × n matrix A (row-major).
class LinearTerm : public ReactionTerm {
 public:
  explicit LinearTerm(Eigen::MatrixXd A) : A_(std::move(A)) {}
  std::string name() const override { return "linear"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    const int n = static_cast<int>(A_.rows());
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) dydt[i] += A_(i, j) * y[j];
  }
  bool add_jacobian(const VoxelContext&, const double*, int n, double* J) const override {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) J[i * n + j] += A_(i, j);
    return true;
  }

 private:
  Eigen::MatrixXd A_;
};

// A matrix whose I − hA has small diagonal and large off-diagonal entries in every column, so
// that partial pivoting swaps rows at several elimination steps.
Eigen::MatrixXd pivoting_matrix(int n) {
  Eigen::MatrixXd A(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      A(i, j) = i == j ? 0.9 : -std::sin(1.0 + 3.0 * i + 7.0 * j) * (1.0 + (i * j) % 5);
  return A;
}

class LinearSolve : public ::testing::TestWithParam<int> {};

TEST_P(LinearSolve, MatchesEigenWithPivoting) {
  const int n = GetParam();
  const double h = 1.0;
  Grid grid = Grid::make_2d(1, 10.0, Grid::uniform_faces(1, 10.0));
  FieldSet fields(grid);
  for (int f = 0; f < n; ++f)
    fields.add({"f" + std::to_string(f), "1", false, false, 1e-9}, 0.1 * (f + 1));
  Reactions reactions;
  const Eigen::MatrixXd A = pivoting_matrix(n);
  reactions.add(std::make_shared<LinearTerm>(A));
  std::vector<double> r(n);
  Eigen::VectorXd rhs(n);
  for (int f = 0; f < n; ++f) rhs[f] = r[f] = std::cos(2.0 * f + 0.5);
  reactions.solve_linearised(fields, 0.0, h, r);
  const Eigen::MatrixXd M = Eigen::MatrixXd::Identity(n, n) - h * A;
  const Eigen::VectorXd expected = M.fullPivLu().solve(rhs);
  // The test is only meaningful if Eigen's partial pivoting would swap rows.
  const Eigen::PartialPivLU<Eigen::MatrixXd> plu(M);
  ASSERT_FALSE(plu.permutationP().indices() ==
               Eigen::VectorXi::LinSpaced(n, 0, n - 1).cast<int>().eval())
      << "the matrix does not exercise pivoting";
  for (int f = 0; f < n; ++f)
    EXPECT_NEAR(r[f], expected[f], 1e-10 * (1.0 + std::abs(expected[f]))) << "component " << f;
}

INSTANTIATE_TEST_SUITE_P(Sizes, LinearSolve, ::testing::Values(3, 5, 13, 16, 20));

}  // namespace
}  // namespace skinheal
