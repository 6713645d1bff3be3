// The coupled diffusion–decay step: fast diagonalisation when the operator is separable
// (uniform D), else a sparse LDLᵀ per distinct θh, kept in a small cache.
#include "engine/coupled_solver.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/OrderingMethods>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <array>
#include <cmath>
#include <sstream>

#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace skinheal {

namespace {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using Cholesky = Eigen::SimplicialLDLT<SparseMatrix, Eigen::Lower, Eigen::AMDOrdering<int>>;

// Step doubling factorises h and h/2; a rejected step adds a third. Four slots cover a
// rejection without evicting the pair the next attempt reuses.
constexpr int kCacheSlots = 4;

// Fixed blocks of the fast diagonalisation's products (rows of the x pass, columns of the
// z pass): large enough for an efficient product, small enough for two threads to share.
constexpr std::size_t kColumnBlock = 32;
// Lines along x per block of the tridiagonal solves.
constexpr std::size_t kLineBlock = 8;

struct Slot {
  double theta_h = -1.0;  // key; < 0: empty
  long last_used = 0;
  std::unique_ptr<Cholesky> factor;
};

}  // namespace

struct CoupledSolver::Impl {
  std::vector<double> volume;  // V, µm³ (sparse operator only)
  SparseMatrix K;              // lower triangle incl. the diagonal, µm³/s (sparse operator only)
  SparseMatrix M;              // scratch: V (1 + θhk) + θh K, same pattern as K
  double decay = 0.0;          // 1/s
  std::array<Slot, kCacheSlots> slots;
  long clock = 0;
  long factorisations = 0;
  Eigen::VectorXd rhs, x;
  // Separable operators (set_separable): y and z diagonalised, the generalised eigenvectors P
  // (Pᵀ A P = I) and eigenvalues l of each; x kept as its tridiagonal stiffness and solved
  // line by line.
  bool separable = false;
  int nx = 0, ny = 0, nz = 0;
  Eigen::MatrixXd Py, Pz;
  Eigen::VectorXd ly, lz;
  std::vector<double> sx_diag, sx_low;  // S_x: diagonal, and sx_low[i] = S_x(i, i − 1)
  std::vector<double> mx, my, mz;       // the axis measures
  Eigen::VectorXd scratch;              // the transforms' work vector
  Eigen::VectorXd source_hat;           // Pᵀ V h s (Crank–Nicolson with a source only)

  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Map = Eigen::Map<RowMatrix>;

  // v ← (I ⊗ Py ⊗ Pz)ᵀ v (forward) or (I ⊗ Py ⊗ Pz) v (back), v laid out [(k·ny + j)·nx + i].
  // Each pass is a dense product split into fixed blocks of rows or columns, run on the
  // engine's threads: the blocks do not depend on the thread count, so neither do the results.
  void transform(double* v, bool forward) {
    const Eigen::Index NX = nx, NY = ny, NZ = nz;
    double* const w = scratch.data();  // sized by set_separable
    auto y_pass = [&] {
      if (NY == 1) {  // Py is the 1 × 1 matrix 1/√a_y (1 in 2D and r–z, where a_y = 1)
        const double p = Py(0, 0);
        if (p != 1.0)
          parallel::for_each_block(
              static_cast<std::size_t>(NX * NZ), 1 << 14,
              [&](std::size_t b, std::size_t e) {
                for (std::size_t c = b; c < e; ++c) v[c] *= p;
              },
              static_cast<std::size_t>(NX * NZ));
        return;
      }
      parallel::for_each_block(
          static_cast<std::size_t>(NZ), 1,
          [&](std::size_t b, std::size_t e) {
            for (auto k = static_cast<Eigen::Index>(b); k < static_cast<Eigen::Index>(e); ++k) {
              Map Vk(v + k * NY * NX, NY, NX), Wk(w + k * NY * NX, NY, NX);
              if (forward)
                Wk.noalias() = Py.transpose() * Vk;
              else
                Wk.noalias() = Py * Vk;
              Vk = Wk;
            }
          },
          static_cast<std::size_t>(NZ * NY * NY * NX));
    };
    auto z_pass = [&] {
      const Eigen::Index cols = NY * NX;
      Map Vz(v, NZ, cols), Wz(w, NZ, cols);
      parallel::for_each_block(
          static_cast<std::size_t>(cols), kColumnBlock,
          [&](std::size_t b, std::size_t e) {
            const auto c0 = static_cast<Eigen::Index>(b), nc = static_cast<Eigen::Index>(e - b);
            auto Wb = Wz.middleCols(c0, nc);
            if (forward)
              Wb.noalias() = Pz.transpose() * Vz.middleCols(c0, nc);
            else
              Wb.noalias() = Pz * Vz.middleCols(c0, nc);
            Vz.middleCols(c0, nc) = Wb;
          },
          static_cast<std::size_t>(NZ * NZ * cols));
    };
    if (forward) {
      y_pass();
      z_pass();
    } else {
      z_pass();
      y_pass();
    }
  }

  // out ← V (a + h b), V = a_x[i] a_y[j] a_z[k] the cell volumes of a separable operator;
  // a or b may be null (0).
  void times_volume(double* out, const double* a, const double* b, double h) const {
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j) {
        const std::size_t row = (static_cast<std::size_t>(k) * ny + j) * nx;
        const double vjk = my[j] * mz[k];
        for (int i = 0; i < nx; ++i) {
          const std::size_t c = row + i;
          out[c] = mx[i] * vjk * ((a ? a[c] : 0.0) + (b ? h * b[c] : 0.0));
        }
      }
  }

  // The θ-step of a separable operator, in place. With Q = I ⊗ Py ⊗ Pz (Qᵀ V Q = A = a_x ⊗ I,
  // Qᵀ K Q = K̃ = S_x ⊗ I + a_x ⊗ (Λ_y ⊕ Λ_z)), z = Qᵀ V u and w = A⁻¹ z:
  //   (A (1 + θhk) + θh K̃) w⁺ = (1 − (1 − θ)hk) z − (1 − θ)h K̃ w + h Qᵀ V s,   u⁺ = Q w⁺,
  // one tridiagonal system along x per (y, z) mode, solved by the Thomas algorithm (the
  // matrix is diagonally dominant: no pivoting).
  void step_separable(double* u, const double* source, double h, double theta) {
    const std::size_t n = static_cast<std::size_t>(nx) * ny * nz;
    const bool combine = source && theta == 1.0;  // backward Euler: one transform of V (u + h s)
    times_volume(u, u, combine ? source : nullptr, h);
    transform(u, true);
    const bool separate_source = source && !combine;
    if (separate_source) {
      source_hat.resize(static_cast<Eigen::Index>(n));
      times_volume(source_hat.data(), nullptr, source, h);
      transform(source_hat.data(), true);
    }
    const double th = theta * h, explicit_h = (1.0 - theta) * h;
    const std::size_t lines = static_cast<std::size_t>(ny) * nz;
    parallel::for_each_block(
        lines, kLineBlock,
        [&](std::size_t b, std::size_t e) {
          thread_local std::vector<double> r, cp;  // per line: right-hand side, Thomas c'
          r.resize(static_cast<std::size_t>(nx));
          cp.resize(static_cast<std::size_t>(nx));
          for (std::size_t line = b; line < e; ++line) {
            const std::size_t k = line / static_cast<std::size_t>(ny),
                              j = line % static_cast<std::size_t>(ny);
            double* z = u + line * static_cast<std::size_t>(nx);
            const double mode =
                decay + ly[static_cast<Eigen::Index>(j)] + lz[static_cast<Eigen::Index>(k)];
            for (int i = 0; i < nx; ++i) {
              double ri = z[i];
              if (theta < 1.0) {  // − (1 − θ) h (S_x w + a_x (k + λ) w) with w = z / a_x
                double sw = sx_diag[i] * z[i] / mx[i];
                if (i > 0) sw += sx_low[i] * z[i - 1] / mx[i - 1];
                if (i + 1 < nx) sw += sx_low[i + 1] * z[i + 1] / mx[i + 1];
                ri -= explicit_h * (sw + mode * z[i]);
              }
              if (separate_source) ri += source_hat[static_cast<Eigen::Index>(line * nx + i)];
              r[i] = ri;
            }
            // Thomas: sub- and super-diagonal θh S_x(i, i ∓ 1), diagonal
            // a_x (1 + θh (k + λ)) + θh S_x(i, i).
            const double scale = 1.0 + th * mode;
            double m = mx[0] * scale + th * sx_diag[0];
            cp[0] = nx > 1 ? th * sx_low[1] / m : 0.0;
            z[0] = r[0] / m;
            for (int i = 1; i < nx; ++i) {
              const double a = th * sx_low[i];
              m = mx[i] * scale + th * sx_diag[i] - a * cp[i - 1];
              cp[i] = i + 1 < nx ? th * sx_low[i + 1] / m : 0.0;
              z[i] = (r[i] - a * z[i - 1]) / m;
            }
            for (int i = nx - 2; i >= 0; --i) z[i] -= cp[i] * z[i + 1];
          }
        },
        lines * static_cast<std::size_t>(nx) * 12);
    transform(u, false);
  }

  Cholesky& factor_for(double theta_h) {
    ++clock;
    for (Slot& s : slots)
      if (s.factor && s.theta_h == theta_h) {
        s.last_used = clock;
        return *s.factor;
      }
    Slot* victim = &slots[0];
    for (Slot& s : slots)
      if (s.last_used < victim->last_used) victim = &s;
    // M's values: θh K, plus V (1 + θhk) on the diagonal (every diagonal entry is stored).
    M = K * theta_h;
    for (int c = 0; c < M.outerSize(); ++c) M.coeffRef(c, c) += volume[c] * (1.0 + theta_h * decay);
    if (!victim->factor) {
      victim->factor = std::make_unique<Cholesky>();
      victim->factor->analyzePattern(M);
    }
    victim->factor->factorize(M);
    ++factorisations;
    if (victim->factor->info() != Eigen::Success) {
      victim->theta_h = -1.0;
      std::ostringstream msg;
      msg << "coupled diffusion-decay solve: the sparse Cholesky factorisation failed at "
             "theta*h = "
          << theta_h << " s";
      throw NumericalError(msg.str());
    }
    victim->theta_h = theta_h;
    victim->last_used = clock;
    return *victim->factor;
  }
};

CoupledSolver::CoupledSolver() : impl_(std::make_unique<Impl>()) {}
CoupledSolver::~CoupledSolver() = default;
CoupledSolver::CoupledSolver(CoupledSolver&&) noexcept = default;
CoupledSolver& CoupledSolver::operator=(CoupledSolver&&) noexcept = default;

void CoupledSolver::set_operator(std::vector<double> volume_um3, const std::vector<Entry>& lower_K,
                                 double decay_per_s) {
  const std::size_t n = volume_um3.size();
  SKINHEAL_REQUIRE(n > 0, "coupled solver: no cells");
  SKINHEAL_REQUIRE(decay_per_s >= 0.0 && std::isfinite(decay_per_s),
                   "coupled solver: the decay rate must be finite and >= 0 1/s");
  std::vector<Eigen::Triplet<double, int>> triplets;
  triplets.reserve(lower_K.size() + n);
  for (std::size_t c = 0; c < n; ++c) {
    SKINHEAL_REQUIRE(volume_um3[c] > 0.0, "coupled solver: cell volumes must be > 0 µm³");
    triplets.emplace_back(static_cast<int>(c), static_cast<int>(c), 0.0);  // diagonal present
  }
  for (const Entry& e : lower_K) {
    SKINHEAL_REQUIRE(e.row < n && e.col <= e.row,
                     "coupled solver: stiffness entries must lie in the lower triangle");
    triplets.emplace_back(static_cast<int>(e.row), static_cast<int>(e.col), e.value);
  }
  Impl& s = *impl_;
  s.K.resize(static_cast<int>(n), static_cast<int>(n));
  s.K.setFromTriplets(triplets.begin(), triplets.end());
  s.K.makeCompressed();
  s.volume = std::move(volume_um3);
  s.decay = decay_per_s;
  for (Slot& slot : s.slots) slot = Slot{};
  s.separable = false;
  s.Py = s.Pz = Eigen::MatrixXd();
  s.scratch = s.source_hat = Eigen::VectorXd();
  s.rhs.resize(static_cast<Eigen::Index>(n));
  s.x.resize(static_cast<Eigen::Index>(n));
}

bool CoupledSolver::has_operator() const {
  return impl_->separable || !impl_->volume.empty();
}
long CoupledSolver::factorisations() const {
  return impl_->factorisations;
}

void CoupledSolver::step(double* u, const double* source, double h_s, double theta) {
  Impl& s = *impl_;
  SKINHEAL_REQUIRE(has_operator(), "coupled solver: step before set_operator");
  SKINHEAL_REQUIRE(h_s >= 0.0 && std::isfinite(h_s) && theta > 0.0 && theta <= 1.0,
                   "coupled solver: need h >= 0 s and 0 < theta <= 1");
  if (h_s == 0.0) return;
  if (s.separable) {
    s.step_separable(u, source, h_s, theta);
    return;
  }
  const Eigen::Index n = static_cast<Eigen::Index>(s.volume.size());
  const Eigen::Map<Eigen::VectorXd> uv(u, n);
  const Eigen::Map<const Eigen::VectorXd> V(s.volume.data(), n);
  s.rhs = V.cwiseProduct(uv);
  if (source) s.rhs += h_s * V.cwiseProduct(Eigen::Map<const Eigen::VectorXd>(source, n));
  if (theta < 1.0) {
    // − (1 − θ) h (K u + k V u)
    s.x = s.K.selfadjointView<Eigen::Lower>() * uv;
    s.rhs -= (1.0 - theta) * h_s * (s.x + s.decay * V.cwiseProduct(uv));
  }
  Cholesky& factor = s.factor_for(theta * h_s);
  s.x = factor.solve(s.rhs);
  Eigen::Map<Eigen::VectorXd>(u, n) = s.x;
}

std::size_t CoupledSolver::memory_bytes() const {
  const Impl& s = *impl_;
  const auto doubles = [](Eigen::Index count) { return static_cast<std::size_t>(count) * 8; };
  std::size_t bytes = s.volume.capacity() * 8 + doubles(s.rhs.size() + s.x.size()) +
                      doubles(s.scratch.size() + s.source_hat.size()) +
                      doubles(s.Py.size() + s.Pz.size()) +
                      8 * (s.sx_diag.capacity() + s.sx_low.capacity());
  for (const SparseMatrix* m : {&s.K, &s.M})
    bytes += static_cast<std::size_t>(m->nonZeros()) * (sizeof(double) + sizeof(int)) +
             static_cast<std::size_t>(m->outerSize() + 1) * sizeof(int);
  for (const Slot& slot : s.slots)
    if (slot.factor)
      bytes += static_cast<std::size_t>(slot.factor->matrixL().nestedExpression().nonZeros()) *
                   (sizeof(double) + sizeof(int)) +
               doubles(2 * s.K.outerSize());
  return bytes;
}

namespace {

// Generalised eigen-decomposition of (S, diag a): P with Pᵀ diag(a) P = I, Pᵀ S P = diag(l).
void decompose(const CoupledSolver::AxisOperator& axis, Eigen::MatrixXd& P, Eigen::VectorXd& l) {
  const Eigen::Index n = static_cast<Eigen::Index>(axis.measure.size());
  SKINHEAL_REQUIRE(n > 0, "coupled solver: an axis needs at least one cell");
  SKINHEAL_REQUIRE(
      axis.stiffness.empty() || axis.stiffness.size() == static_cast<std::size_t>(n * n),
      "coupled solver: an axis stiffness must be n x n");
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(n, n);
  if (!axis.stiffness.empty())
    S = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        axis.stiffness.data(), n, n);
  S = 0.5 * (S + S.transpose());  // symmetric up to the rounding of the face products
  Eigen::MatrixXd A = Eigen::Map<const Eigen::VectorXd>(axis.measure.data(), n).asDiagonal();
  Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> es(S, A);
  SKINHEAL_REQUIRE(es.info() == Eigen::Success,
                   "coupled solver: the eigen-decomposition of an axis operator failed");
  P = es.eigenvectors();
  l = es.eigenvalues();
}

}  // namespace

void CoupledSolver::set_separable(const AxisOperator& x, const AxisOperator& y,
                                  const AxisOperator& z, double decay_per_s) {
  SKINHEAL_REQUIRE(decay_per_s >= 0.0 && std::isfinite(decay_per_s),
                   "coupled solver: the decay rate must be finite and >= 0 1/s");
  for (const AxisOperator* axis : {&x, &y, &z})
    for (double a : axis->measure)
      SKINHEAL_REQUIRE(a > 0.0 && std::isfinite(a),
                       "coupled solver: axis measures must be finite and > 0");
  // Everything is built first and committed only once every check has passed, so a refused
  // operator leaves the solver as it was.
  // x: the tridiagonal stiffness itself (symmetrised as decompose does).
  const std::size_t nx = x.measure.size();
  SKINHEAL_REQUIRE(nx > 0, "coupled solver: an axis needs at least one cell");
  SKINHEAL_REQUIRE(x.stiffness.empty() || x.stiffness.size() == nx * nx,
                   "coupled solver: an axis stiffness must be n x n");
  std::vector<double> sx_diag(nx, 0.0), sx_low(nx, 0.0);
  if (!x.stiffness.empty())
    for (std::size_t i = 0; i < nx; ++i)
      for (std::size_t j = 0; j < nx; ++j) {
        const double v = x.stiffness[i * nx + j];
        if (i == j)
          sx_diag[i] = v;
        else if (i == j + 1)
          sx_low[i] = 0.5 * (v + x.stiffness[j * nx + i]);
        else
          SKINHEAL_REQUIRE(v == 0.0 || j == i + 1,
                           "coupled solver: the x axis stiffness must be tridiagonal");
      }
  Eigen::MatrixXd Py, Pz;
  Eigen::VectorXd ly, lz;
  decompose(y, Py, ly);
  decompose(z, Pz, lz);
  Impl& s = *impl_;
  s.sx_diag = std::move(sx_diag);
  s.sx_low = std::move(sx_low);
  s.Py = std::move(Py);
  s.Pz = std::move(Pz);
  s.ly = std::move(ly);
  s.lz = std::move(lz);
  s.mx = x.measure;
  s.my = y.measure;
  s.mz = z.measure;
  s.nx = static_cast<int>(x.measure.size());
  s.ny = static_cast<int>(y.measure.size());
  s.nz = static_cast<int>(z.measure.size());
  s.decay = decay_per_s;
  // Drop the sparse operator: a separable one needs neither K nor factorisations.
  s.volume = std::vector<double>();
  s.K = s.M = SparseMatrix();
  for (Slot& slot : s.slots) slot = Slot{};
  s.rhs = s.x = s.source_hat = Eigen::VectorXd();
  s.scratch.resize(static_cast<Eigen::Index>(s.nx) * s.ny * s.nz);
  s.separable = true;
}

bool CoupledSolver::is_separable() const {
  return impl_->separable;
}

}  // namespace skinheal
