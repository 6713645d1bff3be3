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

#include "engine/detail/reaction_stepper.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace skinheal {

using detail::BlockWork;
using detail::kGamma;
using detail::StepperSettings;
using detail::VoxelWork;

void Reactions::add(std::shared_ptr<const ReactionTerm> term) {
  SKINHEAL_REQUIRE(term != nullptr, "reactions: null reaction term");
  terms_.push_back(std::move(term));
}

void Reactions::rhs(const VoxelContext& at, const double* y, double* dydt, int n) const {
  std::fill(dydt, dydt + n, 0.0);
  for (const auto& t : terms_) t->add_rhs(at, y, dydt);
}

namespace detail {

void sum_jacobian(const Terms& terms, const VoxelContext& at, double* u, int n, const double* atol,
                  double* J, double* base, double* bumped) {
  std::fill(J, J + static_cast<std::size_t>(n) * n, 0.0);
  for (const auto& term : terms) {
    if (term->add_jacobian(at, u, n, J)) continue;
    std::fill(base, base + n, 0.0);
    term->add_rhs(at, u, base);
    for (int j = 0; j < n; ++j) {
      const double delta = 1e-7 * std::max(std::abs(u[j]), atol[j] * 1e3);
      const double keep = u[j];
      u[j] = keep + delta;
      std::fill(bumped, bumped + n, 0.0);
      term->add_rhs(at, u, bumped);
      u[j] = keep;
      for (int i = 0; i < n; ++i) J[i * n + j] += (bumped[i] - base[i]) / delta;
    }
  }
}

VoxelContext context_of(const Grid& grid, std::size_t c, double t_s) {
  VoxelContext at;
  at.cell = c;
  const std::size_t plane = grid.plane_size();
  at.k = static_cast<int>(c / plane);
  const std::size_t rem = c % plane;
  at.j = static_cast<int>(rem / grid.nx());
  at.i = static_cast<int>(rem % grid.nx());
  at.layer = grid.layer_of(c);
  at.t_s = t_s;
  return at;
}

void throw_too_many_substeps(const VoxelContext& at, int max_substeps, double t_s) {
  std::ostringstream msg;
  msg << "reactions: voxel (" << at.i << ", " << at.j << ", " << at.k << ") needed more than "
      << max_substeps << " sub-steps at t = " << t_s << " s (stiff or blowing up)";
  throw NumericalError(msg.str());
}

bool is_quiescent(const StepperSettings& cfg, const double* y, const double* f, const double* J,
                  double dt_s) {
  // ‖f‖_s and the weighted logarithmic norm μ of J (reaction.hpp): skip if h‖f‖_s φ(μh) ≤ η.
  const int n = cfg.n;
  double scale[kMaxReactingFields];
  double fnorm = 0.0;
  for (int i = 0; i < n; ++i) {
    scale[i] = cfg.atol[i] + cfg.rtol * std::abs(y[i]);
    fnorm = std::max(fnorm, std::abs(f[i]) / scale[i]);
  }
  if (fnorm * dt_s > cfg.quiescent) return false;
  double mu = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n; ++i) {
    double off = 0.0;
    for (int j = 0; j < n; ++j)
      if (j != i) off += std::abs(J[i * n + j]) * scale[j];
    mu = std::max(mu, J[i * n + i] + off / scale[i]);
  }
  const double x = mu * dt_s;
  const double growth = x > 0.0 ? std::expm1(x) / x : 1.0;
  return fnorm * dt_s * growth <= cfg.quiescent;
}

}  // namespace detail

namespace {

using detail::context_of;
using detail::sum_jacobian;

// LU factorisation with partial pivoting in place. A is column-major n × n (element (i, j) at
// A[j * n + i]), so the pivot search, the multipliers and every column update run over
// contiguous memory and vectorise. On return: multipliers below the diagonal, U above it and
// 1/U_kk on it; piv[k] the row swapped with k. N > 0 fixes n at compile time so the loops
// unroll. A zero entry U_kj skips the update of column j, so a sparse Jacobian (39 non-zeros of
// 169 in the skin model) costs a fraction of n³/3. Returns false if A is singular.
//
// History (perf, roller scenario): Eigen::PartialPivLU 43 % of samples; a row-major version
// with zero-multiplier skips under 40 % of a third fewer samples, but its column accesses were
// strided and it and its solve still took 23 % and 21 % of a run (2026-11-23). Column-major
// storage does the same eliminations on contiguous data; the 12-month run's outcomes agreed with
// the row-major version to 4 digits (rounding-level differences, from assembling M).
template <int N>
bool lu_factor(double* A, int* piv, int n_runtime) {
  const int n = N > 0 ? N : n_runtime;
  for (int k = 0; k < n; ++k) {
    double* __restrict col_k = A + static_cast<std::size_t>(k) * n;
    int p = k;
    double best = std::abs(col_k[k]);
    for (int i = k + 1; i < n; ++i) {
      const double v = std::abs(col_k[i]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0.0)) return false;
    piv[k] = p;
    if (p != k)
      for (int j = 0; j < n; ++j) std::swap(A[j * n + k], A[j * n + p]);
    const double inv = 1.0 / col_k[k];
    col_k[k] = inv;  // lu_solve multiplies by the reciprocal pivot
    for (int i = k + 1; i < n; ++i) col_k[i] *= inv;
    for (int j = k + 1; j < n; ++j) {
      double* __restrict col_j = A + static_cast<std::size_t>(j) * n;
      const double u = col_j[k];
      if (u == 0.0) continue;
      for (int i = k + 1; i < n; ++i) col_j[i] -= col_k[i] * u;
    }
  }
  return true;
}

// Solve with the factors of lu_factor (column-major); b becomes x. With N fixed, every loop
// unrolls completely and the unknowns stay in registers: the solve is a straight run of
// n(n − 1) FMAs without loop control or store-to-load round trips (perf, roller scenario,
// 2026-11-23: the looped column version spent most of its 19 % of samples on loop control and
// reloading b[k] just stored by a vector update).
// (For N = 0, n ≤ kMaxReactingFields at run time; GCC's bounds warning on the unrolled copies of
// the runtime-sized loops is a false positive.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
template <int N>
void lu_solve(const double* A, const int* piv, double* b_io, int n_runtime) {
  const int n = N > 0 ? N : n_runtime;
  // All row swaps first: the stored multipliers were permuted by every later swap too.
  for (int k = 0; k < n; ++k)
    if (piv[k] != k) std::swap(b_io[k], b_io[piv[k]]);
  // Forward and back substitution by columns, on a local copy: each column's updates are
  // independent (no serial dot-product chain); the diagonal holds 1/pivot.
  double b[N > 0 ? N : kMaxReactingFields];
#pragma GCC unroll 24
  for (int k = 0; k < n; ++k) b[k] = b_io[k];
#pragma GCC unroll 24
  for (int k = 0; k < n; ++k) {
    const double* __restrict col = A + static_cast<std::size_t>(k) * n;
    const double bk = b[k];
#pragma GCC unroll 24
    for (int i = k + 1; i < n; ++i) b[i] -= col[i] * bk;
  }
#pragma GCC unroll 24
  for (int j = n - 1; j >= 0; --j) {
    const double* __restrict col = A + static_cast<std::size_t>(j) * n;
    const double xj = b[j] * col[j];
    b[j] = xj;
#pragma GCC unroll 24
    for (int i = 0; i < j; ++i) b[i] -= col[i] * xj;
  }
#pragma GCC unroll 24
  for (int k = 0; k < n; ++k) b_io[k] = b[k];
}
#pragma GCC diagnostic pop

// Integrate one voxel over [t_s, t_s + dt_s] with ROS2 on N × N fixed-size Eigen matrices
// (N = Eigen::Dynamic: runtime size up to kMaxReactingFields). I − γτJ is factorised with the
// sparse plan when J lies in its pattern and every pivot passes its threshold, else densely.
template <int N>
VoxelWork integrate_voxel(const detail::Terms& terms, const StepperSettings& cfg, VoxelContext& at,
                          double* state, const double* held, double t_s, double dt_s) {
  using Vec = Eigen::Matrix<double, N, 1, 0, (N > 0 ? N : kMaxReactingFields), 1>;
  // J as the terms fill it (row-major); M = I − γτJ column-major, as lu_factor takes it.
  using Mat = Eigen::Matrix<double, N, N, (N == 1 ? Eigen::ColMajor : Eigen::RowMajor),
                            (N > 0 ? N : kMaxReactingFields), (N > 0 ? N : kMaxReactingFields)>;
  using ColMat = Eigen::Matrix<double, N, N, Eigen::ColMajor, (N > 0 ? N : kMaxReactingFields),
                               (N > 0 ? N : kMaxReactingFields)>;
  const int n = cfg.n;
  Vec y(n), y1(n), f0(n), f1(n), k1(n), k2(n), ynew(n), base(n), bumped(n);
  Mat J(n, n);
  ColMat M(n, n);
  ynew.setZero();  // silences a false maybe-uninitialized warning on fixed sizes
  for (int f = 0; f < n; ++f) y[f] = state[f];
  // What the terms see: the state, with lagged fields held at their value at the call's start.
  double seen[kMaxReactingFields];
  auto eval = [&](const Vec& u, Vec& out) {
    out.setZero();
    const double* v = detail::lagged_view(cfg, u.data(), held, seen);
    for (const auto& term : terms) term->add_rhs(at, v, out.data());
  };
  // The sparse plan's matrix (row-major, only its filled() entries are used), and whether the
  // current J lies in the plan's pattern.
  double Ms[kMaxReactingFields * kMaxReactingFields];
  bool sparse_ok = false;
  auto jacobian = [&](Vec& u) {
    sum_jacobian(terms, at, detail::lagged_view(cfg, u.data(), held, seen), n, cfg.atol, J.data(),
                 base.data(), bumped.data());
    detail::drop_lagged_columns(cfg, J.data());
    sparse_ok = cfg.plan != nullptr && cfg.plan->in_pattern(J.data());
  };
  double t = t_s;
  const double t_end = t_s + dt_s;
  at.t_s = t;
  jacobian(y);
  eval(y, f0);
  if (cfg.quiescent > 0.0 && detail::is_quiescent(cfg, y.data(), f0.data(), J.data(), dt_s))
    return {};  // y unchanged
  double tau = dt_s;
  int sub = 0, dense = 0;
  bool fresh = true;  // J and f0 belong to (t, y)
  while (t < t_end) {
    tau = std::min(tau, t_end - t);
    if (!fresh) {
      at.t_s = t;
      jacobian(y);
      eval(y, f0);
      fresh = true;
    }
    bool sparse = false;
    if (sparse_ok) {
      const double c = kGamma * tau;
      for (int e : cfg.plan->filled()) Ms[e] = -c * J.data()[e];
      for (int i = 0; i < n; ++i) Ms[i * (n + 1)] += 1.0;
      double scale[kMaxReactingFields];  // the error weights (small_sparse_lu.hpp: growth test)
      for (int f = 0; f < n; ++f) scale[f] = cfg.atol[f] + cfg.rtol * std::abs(y[f]);
      sparse = cfg.plan->factor(Ms, scale);
    }
    int piv[kMaxReactingFields];
    auto solve = [&](double* b) {
      if (sparse)
        cfg.plan->solve(Ms, b);
      else
        lu_solve<(N > 0 ? N : 0)>(M.data(), piv, b, n);
    };
    if (!sparse && cfg.plan != nullptr) ++dense;
    if (!sparse) M = ColMat::Identity(n, n) - (kGamma * tau) * J;
    if (!sparse && !lu_factor<(N > 0 ? N : 0)>(M.data(), piv, n)) {
      tau *= 0.2;  // singular at this sub-step: a smaller γτ moves M towards the identity
      if (++sub > cfg.max_substeps)
        throw NumericalError("reactions: I - γτJ stays singular at voxel (" + std::to_string(at.i) +
                             ", " + std::to_string(at.j) + ", " + std::to_string(at.k) +
                             ") at t = " + std::to_string(t) + " s");
      continue;
    }
    k1 = f0;
    solve(k1.data());
    y1 = y + tau * k1;
    at.t_s = t + tau;
    eval(y1, f1);
    k2 = f1 - 2.0 * k1;
    solve(k2.data());
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
    tau *= std::clamp(detail::kStepSafety / std::sqrt(std::max(err, detail::kErrorFloor)),
                      detail::kStepShrink, detail::kStepGrow);
    if (sub > cfg.max_substeps) detail::throw_too_many_substeps(at, cfg.max_substeps, t);
  }
  for (int f = 0; f < n; ++f) state[f] = y[f];
  return {sub, dense};
}

// r ← (I − h J(y))⁻¹ r at one voxel (N = 0: runtime size up to kMaxReactingFields). Returns
// false if the matrix is singular or the solution is not finite.
template <int N>
bool linearised_solve_voxel(const std::vector<std::shared_ptr<const ReactionTerm>>& terms,
                            const VoxelContext& at, double* y, int n, const double* atol, double h,
                            double* r) {
  double M[kMaxReactingFields * kMaxReactingFields];
  double base[kMaxReactingFields], bumped[kMaxReactingFields], x[kMaxReactingFields];
  double J[kMaxReactingFields * kMaxReactingFields];
  sum_jacobian(terms, at, y, n, atol, J, base, bumped);
  // M = I − hJ, column-major for lu_factor.
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) M[j * n + i] = (i == j ? 1.0 : 0.0) - h * J[i * n + j];
  for (int i = 0; i < n; ++i) x[i] = r[i];
  int piv[kMaxReactingFields];
  if (!lu_factor<N>(M, piv, n)) return false;
  lu_solve<N>(M, piv, x, n);
  for (int f = 0; f < n; ++f) {
    if (!std::isfinite(x[f])) return false;
    r[f] = x[f];
  }
  return true;
}

using LinearisedSolver = bool (*)(const std::vector<std::shared_ptr<const ReactionTerm>>&,
                                  const VoxelContext&, double*, int, const double*, double,
                                  double*);

template <int... Ns>
LinearisedSolver pick_solver(int n, std::integer_sequence<int, Ns...>) {
  LinearisedSolver chosen = &linearised_solve_voxel<0>;
  ((n == Ns + 1 ? (chosen = &linearised_solve_voxel<Ns + 1>, 0) : 0), ...);
  return chosen;
}

// The number of fields, checked against the per-voxel integrator's fixed capacity.
int reacting_field_count(const FieldSet& fields) {
  const int n = fields.num_fields();
  SKINHEAL_REQUIRE(n <= kMaxReactingFields,
                   "reactions: at most " + std::to_string(kMaxReactingFields) + " fields");
  return n;
}

using detail::VoxelIntegrator;

template <int... Ns>
VoxelIntegrator pick_integrator(int n, std::integer_sequence<int, Ns...>) {
  VoxelIntegrator chosen = &integrate_voxel<Eigen::Dynamic>;
  ((n == Ns + 1 ? (chosen = &integrate_voxel<Ns + 1>, 0) : 0), ...);
  return chosen;
}

}  // namespace

std::shared_ptr<const SmallSparseLu> Reactions::sparse_plan(int n) const {
  std::vector<char> pattern(static_cast<std::size_t>(n) * n, 0);
  for (const auto& term : terms_)
    if (!term->jacobian_pattern(n, pattern.data())) return nullptr;
  const std::lock_guard<std::mutex> lock(plan_cache_->mutex);
  if (!plan_cache_->plan || plan_cache_->pattern != pattern) {
    plan_cache_->plan = std::make_shared<const SmallSparseLu>(n, pattern);
    plan_cache_->pattern = std::move(pattern);
  }
  return plan_cache_->plan;
}

ReactionStats Reactions::advance(FieldSet& fields, double t_s, double dt_s) const {
  ReactionStats stats;
  if (terms_.empty() || dt_s <= 0.0) return stats;
  const int n = reacting_field_count(fields);
  const Grid& grid = fields.grid();
  const std::size_t N = fields.num_cells();
  double* store = fields.storage().data();
  std::vector<double> atol(n);
  std::vector<char> nonneg(n);
  for (int f = 0; f < n; ++f) {
    atol[f] = fields.info(f).abs_tolerance;
    nonneg[f] = fields.info(f).non_negative;
  }
  const std::shared_ptr<const SmallSparseLu> plan = options_.sparse_lu ? sparse_plan(n) : nullptr;
  std::vector<char> lagged;
  for (int f : options_.lagged_fields) {
    SKINHEAL_REQUIRE(f >= 0 && f < n, "reactions: lagged field index out of range");
    lagged.resize(n, 0);
    lagged[f] = 1;
  }
  const StepperSettings cfg{n,
                            options_.rtol > 0.0 ? options_.rtol : default_rtol_,
                            options_.max_substeps,
                            options_.substeps,
                            options_.quiescent_tolerance,
                            atol.data(),
                            nonneg.data(),
                            plan.get(),
                            lagged.empty() ? nullptr : lagged.data()};
  // Fixed-size Eigen matrices for up to 16 fields; runtime-sized (no heap) beyond.
  const VoxelIntegrator integrate = pick_integrator(n, std::make_integer_sequence<int, 16>{});
  // kLanes voxels at a time when every term has lane versions (detail/reaction_stepper.hpp).
  bool lanes = plan != nullptr && options_.lanes;
  for (const auto& term : terms_) lanes = lanes && term->has_lanes();
  std::atomic<std::size_t> total_sub{0}, total_skipped{0}, total_dense{0};

  // Balanced blocks of 64 voxels: voxels near a fresh wound take many more sub-steps than
  // intact skin, and a static split left one thread waiting (14 % of samples in libgomp).
  parallel::for_each_block_balanced(
      N, 64,
      [&](std::size_t begin, std::size_t end) {
        if (lanes) {
          const BlockWork work = detail::integrate_block_lanes(terms_, cfg, grid, store, N, begin,
                                                               end, t_s, dt_s, integrate);
          total_sub += work.substeps;
          total_skipped += work.skipped;
          total_dense += work.dense;
          return;
        }
        double y[kMaxReactingFields], held[kMaxReactingFields];
        std::size_t local_sub = 0, local_skipped = 0, local_dense = 0;
        for (std::size_t c = begin; c < end; ++c) {
          VoxelContext at = context_of(grid, c, t_s);
          for (int f = 0; f < n; ++f) held[f] = y[f] = store[f * N + c];
          const VoxelWork work = integrate(terms_, cfg, at, y, held, t_s, dt_s);
          local_sub += work.substeps;
          local_dense += work.dense;
          if (work.substeps == 0) {
            ++local_skipped;
            continue;  // quiescent: unchanged
          }
          for (int f = 0; f < n; ++f) store[f * N + c] = y[f];
        }
        total_sub += local_sub;
        total_skipped += local_skipped;
        total_dense += local_dense;
      },
      N * 64);  // a voxel's implicit solve costs about as much as 64 cell updates
  stats.substeps = total_sub.load();
  stats.voxels_skipped = total_skipped.load();
  stats.dense_factorisations = total_dense.load();
  stats.voxels_active = N - stats.voxels_skipped;
  return stats;
}

void Reactions::add_rates(const FieldSet& fields, double t_s, double scale,
                          std::vector<double>& out) const {
  SKINHEAL_REQUIRE(out.size() == fields.storage().size(),
                   "reactions: rate output must have one value per field and voxel");
  if (terms_.empty()) return;
  const int n = reacting_field_count(fields);
  const Grid& grid = fields.grid();
  const std::size_t N = fields.num_cells();
  const double* store = fields.storage().data();
  parallel::for_each_block(
      N, 512,
      [&](std::size_t begin, std::size_t end) {
        double y[kMaxReactingFields], dydt[kMaxReactingFields];
        for (std::size_t c = begin; c < end; ++c) {
          const VoxelContext at = context_of(grid, c, t_s);
          for (int f = 0; f < n; ++f) y[f] = store[f * N + c];
          rhs(at, y, dydt, n);
          for (int f = 0; f < n; ++f) out[f * N + c] += scale * dydt[f];
        }
      },
      N * 16);  // one right-hand side per voxel
}

void Reactions::solve_linearised(const FieldSet& fields, double t_s, double h,
                                 std::vector<double>& increments) const {
  SKINHEAL_REQUIRE(increments.size() == fields.storage().size(),
                   "reactions: increments must have one value per field and voxel");
  if (terms_.empty() || h <= 0.0) return;
  const int n = reacting_field_count(fields);
  const Grid& grid = fields.grid();
  const std::size_t N = fields.num_cells();
  const double* store = fields.storage().data();
  std::vector<double> atol(n);
  for (int f = 0; f < n; ++f) atol[f] = fields.info(f).abs_tolerance;
  const LinearisedSolver solve = pick_solver(n, std::make_integer_sequence<int, 16>{});
  // The first singular voxel (lowest index, whatever the thread count) is reported.
  constexpr std::size_t kGrain = 256;
  std::vector<std::size_t> first_bad((N + kGrain - 1) / kGrain, N);
  parallel::for_each_block(
      N, kGrain,
      [&](std::size_t begin, std::size_t end) {
        double y[kMaxReactingFields], r[kMaxReactingFields];
        for (std::size_t c = begin; c < end; ++c) {
          const VoxelContext at = context_of(grid, c, t_s);
          bool zero = true;
          for (int f = 0; f < n; ++f) {
            y[f] = store[f * N + c];
            r[f] = increments[f * N + c];
            zero = zero && r[f] == 0.0;
          }
          if (zero) continue;  // (I − hJ)⁻¹ 0 = 0: nothing to solve
          if (!solve(terms_, at, y, n, atol.data(), h, r)) {
            first_bad[begin / kGrain] = c;
            return;
          }
          for (int f = 0; f < n; ++f) increments[f * N + c] = r[f];
        }
      },
      N * 64);  // a voxel's LU costs about as much as 64 cell updates
  const std::size_t bad = *std::min_element(first_bad.begin(), first_bad.end());
  if (bad < N) {
    const VoxelContext at = context_of(grid, bad, t_s);
    std::ostringstream msg;
    msg << "reactions: the linearised step matrix I - h J is singular at voxel (" << at.i << ", "
        << at.j << ", " << at.k << ") at t = " << t_s << " s, h = " << h << " s";
    throw NumericalError(msg.str());
  }
}

}  // namespace skinheal
