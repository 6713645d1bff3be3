// Verification of the coupled diffusion–decay solve (Transport::set_coupled_decay):
//   - the step solves its implicit equation: u⁺ − u = h (L − k) u⁺ (backward Euler) and
//     h/2 (L − k)(u⁺ + u) (Crank–Nicolson) to round-off, with per-voxel D, permeable and fixed
//     boundaries, on x–z, r–z and 3D grids (checked against Transport::add_operator, which the
//     sweeps share, so the assembled operator is the sweeps' operator);
//   - without gradients along x it equals the line sweeps (the x sweep is then the identity);
//   - pure decay gives 1/(1 + hk) and (1 − hk/2)/(1 + hk/2) exactly;
//   - the steady profile c0·cosh((H − z)/λ)/cosh(H/λ), λ = √(D/k), converges with order ≥ 1.9
//     on uniform and graded depth grids;
//   - under the split scheme a discrete steady state is kept at any step: a year in a few dozen
//     steps, where the split with the decay among the reactions needs thousands for 12 hours;
//   - with a uniform diffusivity the fast diagonalisation agrees with the factorisation, and
//     the solver's diagonalisation agrees with its Cholesky on a random separable operator;
//   - a diffusivity changed between steps is picked up (the operator is rebuilt);
//   - bad use is refused with a message.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/coupled_solver.hpp"
#include "engine/error.hpp"
#include "engine/simulation.hpp"
#include "engine/transport.hpp"
#include "problems.hpp"

namespace skinheal {
namespace {

constexpr double kHalfLife2h = 0.693147180559945 / 7200.0;  // 1/s

void fill_random(FieldSet& f, int field, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(0.1, 2.0);
  FieldView v = f.view(field);
  for (std::size_t c = 0; c < v.size; ++c) v[c] = dist(rng);
}

// max |u⁺ − u − h (θ (L − k) u⁺ + (1 − θ)(L − k) u)| / max |u|, with L from add_operator.
double implicit_residual(const Grid& g, Transport& tr, double h, TransportScheme scheme) {
  FieldSet f(g);
  const int u = f.add({"signal", "ng/mL", true, true, 1e-6});
  fill_random(f, u, 7);
  const std::vector<double> before = f.storage();
  std::vector<double> op_before(before.size(), 0.0);
  tr.add_operator(f, 1.0, op_before);
  const TransportStats stats = tr.step(f, h, scheme);
  EXPECT_EQ(stats.monotone_fallbacks, 0);
  std::vector<double> op_after(before.size(), 0.0);
  tr.add_operator(f, 1.0, op_after);
  const double theta = scheme == TransportScheme::lod_backward_euler ? 1.0 : 0.5;
  double worst = 0.0, scale = 0.0;
  for (std::size_t c = 0; c < before.size(); ++c) {
    const double r =
        f.storage()[c] - before[c] - h * (theta * op_after[c] + (1.0 - theta) * op_before[c]);
    worst = std::max(worst, std::abs(r));
    scale = std::max(scale, std::abs(before[c]));
  }
  return worst / scale;
}

// A transport with per-voxel D (a channel of raised D), a permeable surface and a fixed bottom.
Transport channel_transport(const Grid& g, int field, double decay) {
  Transport tr(g);
  std::vector<double> D(g.num_cells());
  for (std::size_t c = 0; c < D.size(); ++c) {
    const int i = static_cast<int>(c % g.nx());
    D[c] = (i == g.nx() / 2 ? 40.0 : 3.3) * (1.0 + 0.1 * static_cast<double>(c % 7));
  }
  tr.set_diffusion(field, Diffusivity::per_voxel(D), Boundary::permeable(0.05, 3.0),
                   Boundary::fixed(0.5));
  tr.set_coupled_decay(field, decay);
  return tr;
}

TEST(CoupledDecay, SolvesItsImplicitEquationOnEveryGeometry) {
  const Grid xz = Grid::make_2d(24, 20.0, Grid::mapped_faces(18, 600.0, 1.5));
  const Grid rz = Grid::make_rz(20, 15.0, Grid::mapped_faces(16, 500.0, 1.5));
  const Grid xyz = Grid::make_3d(9, 7, 25.0, Grid::mapped_faces(8, 300.0, 1.0));
  for (const Grid* g : {&xz, &rz, &xyz}) {
    for (double h : {60.0, 3600.0, 86400.0}) {
      Transport be = channel_transport(*g, 0, kHalfLife2h);
      const double r_be = implicit_residual(*g, be, h, TransportScheme::lod_backward_euler);
      EXPECT_LT(r_be, 1e-10) << "dim " << g->dim() << " h " << h;
      std::printf("dim %d%s h %7.0f s: backward Euler residual %.2e\n", g->dim(),
                  g->is_axisymmetric() ? " (r-z)" : "", h, r_be);
    }
    // Crank–Nicolson at a step it keeps monotone.
    Transport cn = channel_transport(*g, 0, kHalfLife2h);
    const double r_cn = implicit_residual(*g, cn, 1.0, TransportScheme::symmetric_cn);
    EXPECT_LT(r_cn, 1e-10) << "dim " << g->dim();
  }
}

TEST(CoupledDecay, EqualsTheSweepsWithoutLateralGradients) {
  for (const bool radial : {false, true}) {
    const std::vector<double> zf = Grid::mapped_faces(30, 800.0, 1.5);
    const Grid g = radial ? Grid::make_rz(12, 20.0, zf) : Grid::make_2d(12, 20.0, zf);
    std::vector<double> Dz(g.nz());
    for (int k = 0; k < g.nz(); ++k) Dz[k] = k < 5 ? 0.5 : 3.3;
    FieldSet a(g), b(g);
    const int u = a.add({"u", "1", true, true, 1e-6});
    b.add({"u", "1", true, true, 1e-6});
    for (std::size_t c = 0; c < g.num_cells(); ++c)
      a.view(u)[c] = b.view(u)[c] = 1.0 + std::sin(0.3 * static_cast<double>(c / g.nx()));
    Transport sweeps(g), coupled(g);
    sweeps.set_diffusion(u, Diffusivity::by_depth(Dz), Boundary::permeable(0.1, 2.0));
    coupled.set_diffusion(u, Diffusivity::by_depth(Dz), Boundary::permeable(0.1, 2.0));
    coupled.set_coupled_decay(u, 0.0);
    for (int s = 0; s < 3; ++s) {
      sweeps.step(a, 5000.0, TransportScheme::lod_backward_euler);
      coupled.step(b, 5000.0, TransportScheme::lod_backward_euler);
    }
    double diff = 0.0;
    for (std::size_t c = 0; c < g.num_cells(); ++c)
      diff = std::max(diff, std::abs(a.view(u)[c] - b.view(u)[c]));
    EXPECT_LT(diff, 1e-12) << (radial ? "r-z" : "x-z");
  }
}

TEST(CoupledDecay, PureDecayIsExact) {
  const Grid g = Grid::make_2d(10, 20.0, Grid::mapped_faces(10, 300.0, 1.0));
  const double k = kHalfLife2h, h = 5000.0;
  for (const auto scheme : {TransportScheme::lod_backward_euler, TransportScheme::symmetric_cn}) {
    FieldSet f(g);
    const int u = f.add({"u", "1", true, false, 1e-6});  // signed: no monotone fallback
    for (std::size_t c = 0; c < g.num_cells(); ++c) f.view(u)[c] = 2.0;
    Transport tr(g);
    tr.set_diffusion(u, Diffusivity::uniform(3.3));
    tr.set_coupled_decay(u, k);
    tr.step(f, h, scheme);
    const double expected = scheme == TransportScheme::lod_backward_euler
                                ? 2.0 / (1.0 + h * k)
                                : 2.0 * (1.0 - 0.5 * h * k) / (1.0 + 0.5 * h * k);
    for (std::size_t c = 0; c < g.num_cells(); ++c)
      ASSERT_NEAR(f.view(u)[c], expected, 1e-14 * 2.0) << "cell " << c;
  }
}

// Steady state of D u'' = k u on [0, H] with u(0) = c0 and no flux at H, reached by one
// backward-Euler step of 10^9 half-lives. Returns the max error against the exact profile.
double steady_profile_error(int nz, double grading) {
  const double H = 600.0, D = 3.33, k = kHalfLife2h, c0 = 1.0;
  const double lambda = std::sqrt(D / k);  // ≈ 131 µm
  const Grid g = Grid::make_2d(3, 20.0, Grid::mapped_faces(nz, H, grading));
  FieldSet f(g);
  const int u = f.add({"u", "1", true, true, 1e-6});
  Transport tr(g);
  tr.set_diffusion(u, Diffusivity::uniform(D), Boundary::fixed(c0));
  tr.set_coupled_decay(u, k);
  tr.step(f, 1e9 / k, TransportScheme::lod_backward_euler);
  double err = 0.0;
  for (int kz = 0; kz < g.nz(); ++kz) {
    const double z = g.z_centres_um()[kz];
    const double exact = c0 * std::cosh((H - z) / lambda) / std::cosh(H / lambda);
    err = std::max(err, std::abs(f.view(u)[g.index(1, 0, kz)] - exact));
  }
  return err;
}

TEST(CoupledDecay, SteadyProfileSecondOrderInSpace) {
  for (const double grading : {1.0, 1.5}) {
    std::vector<double> errors;
    for (int nz : {20, 40, 80}) errors.push_back(steady_profile_error(nz, grading));
    for (std::size_t r = 1; r < errors.size(); ++r) {
      const double order = std::log2(errors[r - 1] / errors[r]);
      std::printf("grading %.1f: error %.3e -> %.3e, order %.3f\n", grading, errors[r - 1],
                  errors[r], order);
      EXPECT_GE(order, 1.9);
    }
  }
}

TEST(CoupledDecay, SplitSchemeKeepsTheSteadyStateAtAnyStep) {
  const verification::SteadyRun coupled =
      verification::steady_state_run(TimeScheme::split, 365 * 86400.0, true);
  const verification::SteadyRun plain =
      verification::steady_state_run(TimeScheme::split, 0.5 * 86400.0, false);
  std::printf(
      "steady state, split scheme: decay coupled with diffusion %ld steps for 365 d "
      "(max change %.2e); decay among the reactions %ld steps for 12 h (%.2e)\n",
      coupled.steps, coupled.max_relative_change, plain.steps, plain.max_relative_change);
  EXPECT_LT(coupled.max_relative_change, 1e-9);
  EXPECT_LE(coupled.steps, 40);  // 1 s doubling to 30 d is 22 steps, then 11 of 30 d
  EXPECT_GT(plain.steps, 10 * coupled.steps);
}

TEST(CoupledDecay, ChangedDiffusivityIsPickedUp) {
  const Grid g = Grid::make_2d(16, 20.0, Grid::mapped_faces(12, 400.0, 1.2));
  FieldSet a(g), b(g);
  const int u = a.add({"u", "1", true, true, 1e-6});
  b.add({"u", "1", true, true, 1e-6});
  fill_random(a, u, 3);
  fill_random(b, u, 3);
  Transport reused(g), fresh(g);
  reused.set_diffusion(u, Diffusivity::uniform(3.3));
  reused.set_coupled_decay(u, kHalfLife2h);
  reused.step(a, 100.0, TransportScheme::lod_backward_euler);
  fresh.set_diffusion(u, Diffusivity::uniform(3.3));
  fresh.set_coupled_decay(u, kHalfLife2h);
  fresh.step(b, 100.0, TransportScheme::lod_backward_euler);
  // Open a channel: a model raises D in some voxels between steps.
  reused.diffusivity(u).make_per_voxel(g);
  for (int k = 0; k < 6; ++k) reused.diffusivity(u).values()[g.index(8, 0, k)] = 50.0;
  reused.set_boundaries(u, Boundary::fixed(1.0), Boundary::no_flux());
  fresh.set_diffusion(u, reused.diffusivity(u), Boundary::fixed(1.0), Boundary::no_flux());
  fresh.set_coupled_decay(u, kHalfLife2h);
  reused.step(a, 100.0, TransportScheme::lod_backward_euler);
  fresh.step(b, 100.0, TransportScheme::lod_backward_euler);
  for (std::size_t c = 0; c < g.num_cells(); ++c)
    ASSERT_EQ(a.view(u)[c], b.view(u)[c]) << "cell " << c;
}

// Fast diagonalisation (uniform D) against the sparse Cholesky (the same D given per voxel).
TEST(CoupledDecay, UniformDiffusivityFastPathMatchesTheFactorisation) {
  const Grid xz = Grid::make_2d(24, 20.0, Grid::mapped_faces(18, 600.0, 1.5));
  const Grid rz = Grid::make_rz(20, 15.0, Grid::mapped_faces(16, 500.0, 1.5));
  const Grid xyz = Grid::make_3d(9, 7, 25.0, Grid::mapped_faces(8, 300.0, 1.0));
  for (const Grid* g : {&xz, &rz, &xyz})
    for (const auto scheme : {TransportScheme::lod_backward_euler, TransportScheme::symmetric_cn}) {
      FieldSet a(*g), b(*g);
      const int u = a.add({"u", "1", true, true, 1e-6});
      b.add({"u", "1", true, true, 1e-6});
      fill_random(a, u, 11);
      fill_random(b, u, 11);
      Transport fast(*g), factored(*g);
      fast.set_diffusion(u, Diffusivity::uniform(3.33), Boundary::permeable(0.05, 3.0),
                         Boundary::fixed(0.5));
      factored.set_diffusion(u, Diffusivity::per_voxel(std::vector<double>(g->num_cells(), 3.33)),
                             Boundary::permeable(0.05, 3.0), Boundary::fixed(0.5));
      fast.set_coupled_decay(u, kHalfLife2h);
      factored.set_coupled_decay(u, kHalfLife2h);
      for (double h : {30.0, 7200.0, 86400.0}) {
        fast.step(a, h, scheme);
        factored.step(b, h, scheme);
      }
      double diff = 0.0, scale = 0.0;
      for (std::size_t c = 0; c < g->num_cells(); ++c) {
        diff = std::max(diff, std::abs(a.view(u)[c] - b.view(u)[c]));
        scale = std::max(scale, std::abs(b.view(u)[c]));
      }
      EXPECT_LT(diff, 1e-12 * scale) << "dim " << g->dim() << (g->is_axisymmetric() ? " r-z" : "");
    }
}

// The solver alone: a random separable operator, diagonalised and factorised.
TEST(CoupledDecay, SeparableSolveAgreesWithCholeskyOnARandomOperator) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> dist(0.5, 2.0);
  auto axis = [&](int n) {
    CoupledSolver::AxisOperator op;
    op.measure.resize(n);
    op.stiffness.assign(static_cast<std::size_t>(n) * n, 0.0);
    for (int m = 0; m < n; ++m) op.measure[m] = dist(rng);
    for (int m = 0; m + 1 < n; ++m) {  // a conductance between m and m + 1
      const double c = dist(rng);
      op.stiffness[m * n + m] += c;
      op.stiffness[(m + 1) * n + m + 1] += c;
      op.stiffness[m * n + m + 1] -= c;
      op.stiffness[(m + 1) * n + m] -= c;
    }
    op.stiffness[0] += dist(rng);  // a boundary conductance
    return op;
  };
  // Both solvers on the same operator, one step of each θ with and without a source; true if
  // they agree to 1e-13 in every cell.
  auto agree = [&](CoupledSolver& cholesky, CoupledSolver& separable, std::size_t n,
                   const std::string& what) {
    std::vector<double> u(n), v(n), source(n);
    for (std::size_t c = 0; c < n; ++c) u[c] = v[c] = dist(rng);
    for (std::size_t c = 0; c < n; ++c) source[c] = dist(rng);
    // Backward Euler transforms V (u + h s) at once; Crank–Nicolson transforms the source apart.
    const double* const sources[] = {nullptr, source.data()};
    bool ok = true;
    for (double theta : {1.0, 0.5})
      for (const double* s : sources) {
        cholesky.step(u.data(), s, 2.5, theta);
        separable.step(v.data(), s, 2.5, theta);
        for (std::size_t c = 0; c < n; ++c) {
          EXPECT_NEAR(u[c], v[c], 1e-13)
              << what << ", theta " << theta << (s ? ", source" : "") << ", cell " << c;
          ok = ok && std::abs(u[c] - v[c]) <= 1e-13;
        }
      }
    return ok;
  };
  // K = Sx ⊗ ay ⊗ az + ax ⊗ Sy ⊗ az + ax ⊗ ay ⊗ Sz and V = ax ⊗ ay ⊗ az, for the sparse solver.
  auto sparse_operator = [&](const CoupledSolver::AxisOperator& ax,
                             const CoupledSolver::AxisOperator& ay,
                             const CoupledSolver::AxisOperator& az, CoupledSolver& solver) {
    const int nx = static_cast<int>(ax.measure.size()), ny = static_cast<int>(ay.measure.size()),
              nz = static_cast<int>(az.measure.size());
    const std::size_t n = static_cast<std::size_t>(nx) * ny * nz;
    std::vector<double> volume(n);
    std::vector<CoupledSolver::Entry> lower;
    auto at = [&](int i, int j, int k) { return (static_cast<std::size_t>(k) * ny + j) * nx + i; };
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
          volume[at(i, j, k)] = ax.measure[i] * ay.measure[j] * az.measure[k];
          for (int i2 = 0; i2 <= i; ++i2)
            lower.push_back({at(i, j, k), at(i2, j, k),
                             ax.stiffness[i * nx + i2] * ay.measure[j] * az.measure[k]});
          for (int j2 = 0; j2 <= j; ++j2)
            lower.push_back({at(i, j, k), at(i, j2, k),
                             ax.measure[i] * ay.stiffness[j * ny + j2] * az.measure[k]});
          for (int k2 = 0; k2 <= k; ++k2)
            lower.push_back({at(i, j, k), at(i, j, k2),
                             ax.measure[i] * ay.measure[j] * az.stiffness[k * nz + k2]});
        }
    solver.set_operator(volume, lower, 0.3);
    return n;
  };
  // Every shape, including axes of one cell whose measure is not 1 (a 3D grid one cell deep
  // in y: its 1 × 1 eigenvector 1/√a_y must still be applied).
  for (const auto& [nx, ny, nz] : std::vector<std::array<int, 3>>{
           {5, 3, 4}, {5, 1, 4}, {1, 3, 4}, {5, 3, 1}, {1, 1, 4}, {7, 1, 1}}) {
    const CoupledSolver::AxisOperator ax = axis(nx), ay = axis(ny), az = axis(nz);
    CoupledSolver cholesky, separable;
    const std::size_t n = sparse_operator(ax, ay, az, cholesky);
    separable.set_separable(ax, ay, az, 0.3);
    EXPECT_TRUE(separable.is_separable());
    EXPECT_FALSE(cholesky.is_separable());
    const std::string what =
        std::to_string(nx) + " x " + std::to_string(ny) + " x " + std::to_string(nz) + " cells";
    EXPECT_TRUE(agree(cholesky, separable, n, what)) << what;
    EXPECT_EQ(separable.factorisations(), 0);
    // A separable solver holds no sparse matrix: its memory is the transforms and one scratch
    // vector, not the factorisation's.
    if (n > 20) {
      EXPECT_LT(separable.memory_bytes(), cholesky.memory_bytes()) << what;
    }
  }
  // Bad axes are refused, and a refused operator leaves the solver as it was.
  const int nx = 5;
  const CoupledSolver::AxisOperator ax = axis(nx), ay = axis(3), az = axis(4);
  CoupledSolver cholesky, separable;
  const std::size_t n = sparse_operator(ax, ay, az, cholesky);
  separable.set_separable(ax, ay, az, 0.3);
  CoupledSolver::AxisOperator wrong = ax;
  wrong.measure[0] = 0.0;
  EXPECT_THROW(separable.set_separable(wrong, ay, az, 0.3), Error);
  wrong = ax;
  wrong.stiffness.pop_back();
  EXPECT_THROW(separable.set_separable(wrong, ay, az, 0.3), Error);
  EXPECT_THROW(separable.set_separable(ax, ay, az, -1.0), Error);
  // x is solved as a tridiagonal system: a coupling beyond the neighbours is refused.
  wrong = ax;
  wrong.stiffness[2] = wrong.stiffness[2 * nx] = -0.5;  // cells 0 and 2
  EXPECT_THROW(separable.set_separable(wrong, ay, az, 0.3), Error);
  // A y axis of another size, refused in its eigen-decomposition (a stiffness of the wrong
  // size), after x was accepted.
  CoupledSolver::AxisOperator wrong_y = axis(6);
  wrong_y.stiffness.resize(5);
  EXPECT_THROW(separable.set_separable(axis(8), wrong_y, az, 0.3), Error);
  EXPECT_TRUE(agree(cholesky, separable, n, "after refused operators"));
}

TEST(CoupledDecay, RefusesBadUse) {
  const Grid g = Grid::make_2d(6, 20.0, Grid::uniform_faces(4, 10.0));
  Transport tr(g);
  EXPECT_THROW(tr.set_coupled_decay(0, 1e-4), Error);  // not registered
  tr.set_diffusion(0, Diffusivity::uniform(1.0));
  tr.set_diffusion(1, Diffusivity::uniform(1.0));
  EXPECT_THROW(tr.set_coupled_decay(0, -1.0), Error);
  EXPECT_THROW(tr.set_coupled_decay(0, std::nan("")), Error);
  tr.set_coupled_decay(0, 1e-4);
  EXPECT_TRUE(tr.is_coupled(0));
  EXPECT_DOUBLE_EQ(tr.coupled_decay_per_s(0), 1e-4);
  TaxisTerm taxis;
  taxis.cell_field = 0;
  taxis.signal_field = 1;
  taxis.chi_um2_per_s_per_signal = 1.0;
  EXPECT_THROW(tr.add_taxis(taxis), Error);  // the coupled field cannot move by taxis
  taxis.cell_field = 1;
  taxis.signal_field = 0;
  tr.add_taxis(taxis);  // but it can be the signal
  EXPECT_THROW(tr.set_coupled_decay(1, 1e-4), Error);
}

}  // namespace
}  // namespace skinheal
