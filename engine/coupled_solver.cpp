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
constexpr std::size_t kRowBlock = 16, kColumnBlock = 32;

struct Slot {
  double theta_h = -1.0;  // key; < 0: empty
  long last_used = 0;
  std::unique_ptr<Cholesky> factor;
};

}  // namespace

struct CoupledSolver::Impl {
  std::vector<double> volume;  // V, µm³
  SparseMatrix K;              // lower triangle incl. the diagonal, µm³/s
  SparseMatrix M;              // scratch: V (1 + θhk) + θh K, same pattern as K
  double decay = 0.0;          // 1/s
  std::array<Slot, kCacheSlots> slots;
  long clock = 0;
  long factorisations = 0;
  Eigen::VectorXd rhs, x;
  // Fast diagonalisation (set_separable): per axis the generalised eigenvectors P (Pᵀ A P = I)
  // and eigenvalues l; scratch for the transforms.
  bool separable = false;
  int nx = 0, ny = 0, nz = 0;
  Eigen::MatrixXd Px, Py, Pz;
  Eigen::VectorXd lx, ly, lz;
  Eigen::VectorXd scratch;

  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Map = Eigen::Map<RowMatrix>;

  // v ← (Px ⊗ Py ⊗ Pz)ᵀ v (forward) or (Px ⊗ Py ⊗ Pz) v (back), v laid out [(k·ny + j)·nx + i].
  // Each pass is a dense product split into fixed blocks of rows or columns, run on the
  // engine's threads: the blocks do not depend on the thread count, so neither do the results.
  void transform(double* v, bool forward) {
    const Eigen::Index NX = nx, NY = ny, NZ = nz;
    scratch.resize(NX * NY * NZ);
    double* const w = scratch.data();
    auto x_pass = [&] {
      if (NX == 1) return;
      const Eigen::Index rows = NZ * NY;
      parallel::for_each_block(
          static_cast<std::size_t>(rows), kRowBlock,
          [&](std::size_t b, std::size_t e) {
            const auto r0 = static_cast<Eigen::Index>(b), nr = static_cast<Eigen::Index>(e - b);
            Map V(v + r0 * NX, nr, NX), W(w + r0 * NX, nr, NX);
            if (forward)
              W.noalias() = V * Px;
            else
              W.noalias() = V * Px.transpose();
            V = W;
          },
          static_cast<std::size_t>(rows * NX * NX));
    };
    auto y_pass = [&] {
      if (NY == 1) return;
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
      x_pass();
      y_pass();
      z_pass();
    } else {
      z_pass();
      y_pass();
      x_pass();
    }
  }

  void solve_separable(double theta_h, double* v) {
    transform(v, true);
    const double base = 1.0 + theta_h * decay;
    for (int k = 0; k < nz; ++k)
      for (int j = 0; j < ny; ++j) {
        double* row = v + (static_cast<std::size_t>(k) * ny + j) * nx;
        const double c = base + theta_h * (ly[j] + lz[k]);
        for (int i = 0; i < nx; ++i) row[i] /= c + theta_h * lx[i];
      }
    transform(v, false);
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
  s.rhs.resize(static_cast<Eigen::Index>(n));
  s.x.resize(static_cast<Eigen::Index>(n));
}

bool CoupledSolver::has_operator() const {
  return !impl_->volume.empty();
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
  if (s.separable) {
    s.solve_separable(theta * h_s, s.rhs.data());
    Eigen::Map<Eigen::VectorXd>(u, n) = s.rhs;
    return;
  }
  Cholesky& factor = s.factor_for(theta * h_s);
  s.x = factor.solve(s.rhs);
  Eigen::Map<Eigen::VectorXd>(u, n) = s.x;
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
                                  const AxisOperator& z) {
  Impl& s = *impl_;
  SKINHEAL_REQUIRE(has_operator(), "coupled solver: set_separable before set_operator");
  const std::size_t nx = x.measure.size(), ny = y.measure.size(), nz = z.measure.size();
  SKINHEAL_REQUIRE(nx * ny * nz == s.volume.size(),
                   "coupled solver: the axes do not span the operator's cells");
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const double V = s.volume[(k * ny + j) * nx + i];
        const double product = x.measure[i] * y.measure[j] * z.measure[k];
        SKINHEAL_REQUIRE(std::abs(product - V) <= 1e-10 * V,
                         "coupled solver: the axis measures do not multiply to the cell volumes");
      }
  decompose(x, s.Px, s.lx);
  decompose(y, s.Py, s.ly);
  decompose(z, s.Pz, s.lz);
  s.nx = static_cast<int>(nx);
  s.ny = static_cast<int>(ny);
  s.nz = static_cast<int>(nz);
  s.separable = true;
}

bool CoupledSolver::is_separable() const {
  return impl_->separable;
}

}  // namespace skinheal
