// Per-voxel stiff integration of the summed reaction terms with ROS2 (see reaction.hpp).
#include "engine/reaction.hpp"

// GCC 12 reports a false maybe-uninitialized on fixed-size Eigen vectors in integrate_voxel.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace skinheal {
namespace {

constexpr double kGamma = 1.0 + 0.70710678118654752440;  // 1 + 1/√2 (L-stable ROS2)

}  // namespace

void Reactions::add(std::shared_ptr<const ReactionTerm> term) {
  SKINHEAL_REQUIRE(term != nullptr, "reactions: null reaction term");
  terms_.push_back(std::move(term));
}

void Reactions::rhs(const VoxelContext& at, const double* y, double* dydt, int n) const {
  std::fill(dydt, dydt + n, 0.0);
  for (const auto& t : terms_) t->add_rhs(at, y, dydt);
}

namespace {

struct StepperSettings {
  int n;
  double rtol;
  int max_substeps;
  bool substeps;
  double quiescent;
  const double* atol;
  const char* nonneg;
};

// Integrate one voxel over [t_s, t_s + dt_s] with ROS2 on N × N fixed-size Eigen matrices
// (N = Eigen::Dynamic: runtime size up to kMaxReactingFields). Returns the sub-steps taken; 0
// if the voxel was skipped as quiescent (see reaction.hpp).
template <int N>
int integrate_voxel(const std::vector<std::shared_ptr<const ReactionTerm>>& terms,
                    const StepperSettings& cfg, VoxelContext& at, double* state, double t_s,
                    double dt_s) {
  using Vec = Eigen::Matrix<double, N, 1, 0, (N > 0 ? N : kMaxReactingFields), 1>;
  using Mat = Eigen::Matrix<double, N, N, (N == 1 ? Eigen::ColMajor : Eigen::RowMajor),
                            (N > 0 ? N : kMaxReactingFields), (N > 0 ? N : kMaxReactingFields)>;
  const int n = cfg.n;
  Vec y(n), y1(n), f0(n), f1(n), k1(n), k2(n), ynew(n), base(n), bumped(n);
  Mat J(n, n), M(n, n);
  ynew.setZero();  // silences a false maybe-uninitialized warning on fixed sizes
  for (int f = 0; f < n; ++f) y[f] = state[f];
  auto eval = [&](const Vec& u, Vec& out) {
    out.setZero();
    for (const auto& term : terms) term->add_rhs(at, u.data(), out.data());
  };
  auto jacobian = [&](Vec& u) {
    J.setZero();
    for (const auto& term : terms) {
      if (term->add_jacobian(at, u.data(), n, J.data())) continue;
      // Numerical Jacobian of this term only (forward differences).
      base.setZero();
      term->add_rhs(at, u.data(), base.data());
      for (int j = 0; j < n; ++j) {
        const double delta = 1e-7 * std::max(std::abs(u[j]), cfg.atol[j] * 1e3);
        const double keep = u[j];
        u[j] = keep + delta;
        bumped.setZero();
        term->add_rhs(at, u.data(), bumped.data());
        u[j] = keep;
        for (int i = 0; i < n; ++i) J(i, j) += (bumped[i] - base[i]) / delta;
      }
    }
  };
  double t = t_s;
  const double t_end = t_s + dt_s;
  at.t_s = t;
  jacobian(y);
  eval(y, f0);
  if (cfg.quiescent > 0.0) {
    // ‖f‖_s and the weighted logarithmic norm μ of J (reaction.hpp): skip if h‖f‖_s φ(μh) ≤ η.
    double scale[kMaxReactingFields];
    double fnorm = 0.0;
    for (int f = 0; f < n; ++f) {
      scale[f] = cfg.atol[f] + cfg.rtol * std::abs(y[f]);
      fnorm = std::max(fnorm, std::abs(f0[f]) / scale[f]);
    }
    if (fnorm * dt_s <= cfg.quiescent) {
      double mu = -std::numeric_limits<double>::infinity();
      for (int i = 0; i < n; ++i) {
        double off = 0.0;
        for (int j = 0; j < n; ++j)
          if (j != i) off += std::abs(J(i, j)) * scale[j];
        mu = std::max(mu, J(i, i) + off / scale[i]);
      }
      const double x = mu * dt_s;
      const double growth = x > 0.0 ? std::expm1(x) / x : 1.0;
      if (fnorm * dt_s * growth <= cfg.quiescent) return 0;  // y unchanged
    }
  }
  double tau = dt_s;
  int sub = 0;
  bool fresh = true;  // J and f0 belong to (t, y)
  while (t < t_end) {
    tau = std::min(tau, t_end - t);
    if (!fresh) {
      at.t_s = t;
      jacobian(y);
      eval(y, f0);
      fresh = true;
    }
    M = Mat::Identity(n, n) - (kGamma * tau) * J;
    const Eigen::PartialPivLU<Mat> lu(M);
    k1 = lu.solve(f0);
    y1 = y + tau * k1;
    at.t_s = t + tau;
    eval(y1, f1);
    k2 = lu.solve(f1 - 2.0 * k1);
    ynew = y + (1.5 * tau) * k1 + (0.5 * tau) * k2;
    double err = 0.0;
    for (int f = 0; f < n; ++f) {
      const double e = 0.5 * tau * (k1[f] + k2[f]);
      const double scale = cfg.atol[f] + cfg.rtol * std::max(std::abs(y[f]), std::abs(ynew[f]));
      err = std::max(err, std::abs(e) / scale);
    }
    ++sub;
    if (!(err == err)) err = 1e10;  // NaN: shrink
    if (!cfg.substeps) err = 0.0;   // one step over the whole interval
    if (err <= 1.0) {
      t = (tau == t_end - t) ? t_end : t + tau;
      for (int f = 0; f < n; ++f) y[f] = (cfg.nonneg[f] && ynew[f] < 0.0) ? 0.0 : ynew[f];
      fresh = false;
    }
    tau *= std::clamp(0.9 / std::sqrt(std::max(err, 1e-12)), 0.2, 5.0);
    if (sub > cfg.max_substeps) {
      std::ostringstream msg;
      msg << "reactions: voxel (" << at.i << ", " << at.j << ", " << at.k << ") needed more than "
          << cfg.max_substeps << " sub-steps at t = " << t << " s (stiff or blowing up)";
      throw NumericalError(msg.str());
    }
  }
  for (int f = 0; f < n; ++f) state[f] = y[f];
  return sub;
}

using VoxelIntegrator = int (*)(const std::vector<std::shared_ptr<const ReactionTerm>>&,
                                const StepperSettings&, VoxelContext&, double*, double, double);

template <int... Ns>
VoxelIntegrator pick_integrator(int n, std::integer_sequence<int, Ns...>) {
  VoxelIntegrator chosen = &integrate_voxel<Eigen::Dynamic>;
  ((n == Ns + 1 ? (chosen = &integrate_voxel<Ns + 1>, 0) : 0), ...);
  return chosen;
}

}  // namespace

ReactionStats Reactions::advance(FieldSet& fields, double t_s, double dt_s) const {
  ReactionStats stats;
  if (terms_.empty() || dt_s <= 0.0) return stats;
  const int n = fields.num_fields();
  SKINHEAL_REQUIRE(n <= kMaxReactingFields,
                   "reactions: at most " + std::to_string(kMaxReactingFields) + " fields");
  const Grid& grid = fields.grid();
  const std::size_t N = fields.num_cells();
  const std::size_t plane = grid.plane_size();
  double* store = fields.storage().data();
  std::vector<double> atol(n);
  std::vector<char> nonneg(n);
  for (int f = 0; f < n; ++f) {
    atol[f] = fields.info(f).abs_tolerance;
    nonneg[f] = fields.info(f).non_negative;
  }
  const StepperSettings cfg{n,
                            options_.rtol > 0.0 ? options_.rtol : default_rtol_,
                            options_.max_substeps,
                            options_.substeps,
                            options_.quiescent_tolerance,
                            atol.data(),
                            nonneg.data()};
  // Fixed-size Eigen matrices for up to 16 fields; runtime-sized (no heap) beyond.
  const VoxelIntegrator integrate = pick_integrator(n, std::make_integer_sequence<int, 16>{});
  std::atomic<std::size_t> total_sub{0}, total_skipped{0};

  parallel::for_each_block(
      N, 512,
      [&](std::size_t begin, std::size_t end) {
        double y[kMaxReactingFields];
        std::size_t local_sub = 0, local_skipped = 0;
        for (std::size_t c = begin; c < end; ++c) {
          VoxelContext at;
          at.cell = c;
          at.k = static_cast<int>(c / plane);
          const std::size_t rem = c % plane;
          at.j = static_cast<int>(rem / grid.nx());
          at.i = static_cast<int>(rem % grid.nx());
          at.layer = grid.layer_of(c);
          for (int f = 0; f < n; ++f) y[f] = store[f * N + c];
          const int sub = integrate(terms_, cfg, at, y, t_s, dt_s);
          local_sub += sub;
          if (sub == 0) {
            ++local_skipped;
            continue;  // quiescent: unchanged
          }
          for (int f = 0; f < n; ++f) store[f * N + c] = y[f];
        }
        total_sub += local_sub;
        total_skipped += local_skipped;
      },
      N * 64);  // a voxel's implicit solve costs about as much as 64 cell updates
  stats.substeps = total_sub.load();
  stats.voxels_skipped = total_skipped.load();
  stats.voxels_active = N - stats.voxels_skipped;
  return stats;
}

}  // namespace skinheal
