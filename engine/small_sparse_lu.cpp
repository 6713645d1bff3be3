// Planned sparse LU of a small matrix (see small_sparse_lu.hpp).
#include "engine/small_sparse_lu.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "engine/error.hpp"

namespace skinheal {

SmallSparseLu::SmallSparseLu(int n, const std::vector<char>& pattern) : n_(n) {
  SKINHEAL_REQUIRE(n > 0 && n <= kMaxSize,
                   "sparse LU: size " + std::to_string(n) + " out of range");
  SKINHEAL_REQUIRE(pattern.size() == static_cast<std::size_t>(n) * n,
                   "sparse LU: the pattern must have n * n entries");
  auto i16 = [](int v) { return static_cast<std::int16_t>(v); };
  std::vector<char> F(pattern.size());
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) F[i * n + j] = (i == j || pattern[i * n + j]) ? 1 : 0;
  for (char c : F) pattern_nonzeros_ += c;

  // Greedy Markowitz order on the pattern, simulating the fill as it goes.
  std::vector<char> done(n, 0);
  std::vector<int> order;
  for (int s = 0; s < n; ++s) {
    int best = -1;
    long best_cost = std::numeric_limits<long>::max();
    for (int k = 0; k < n; ++k) {
      if (done[k]) continue;
      long rows = 0, cols = 0;
      for (int i = 0; i < n; ++i)
        if (!done[i] && i != k) {
          rows += F[i * n + k];
          cols += F[k * n + i];
        }
      if (rows * cols < best_cost) {
        best_cost = rows * cols;
        best = k;
      }
    }
    const int k = best;
    order.push_back(k);
    done[k] = 1;
    std::vector<int> rows, cols;  // of L below and U right of the pivot
    for (int i = 0; i < n; ++i) {
      if (done[i]) continue;
      if (F[i * n + k]) rows.push_back(i);
      if (F[k * n + i]) cols.push_back(i);
    }
    Step step{k * (n + 1), static_cast<int>(l_pos_.size()), 0, static_cast<int>(updates_.size()),
              0};
    for (int i : rows) {
      l_pos_.push_back(i16(i * n + k));
      forward_ops_.push_back({i16(i), i16(k), i16(i * n + k)});
      for (int j : cols) {
        F[i * n + j] = 1;
        updates_.push_back({i16(i * n + j), i16(i * n + k), i16(k * n + j), i16(i), i16(j)});
      }
    }
    step.l_end = static_cast<int>(l_pos_.size());
    step.update_end = static_cast<int>(updates_.size());
    steps_.push_back(step);
  }
  // Back substitution by columns: pivot k (last first), then the U entries (i, k) of the rows
  // i eliminated before it.
  for (int s = n - 1; s >= 0; --s) {
    const int k = order[s];
    BackStep b{i16(k), i16(k * (n + 1)), static_cast<int>(back_ops_.size()), 0};
    for (int r = 0; r < s; ++r) {
      const int i = order[r];
      if (F[i * n + k]) back_ops_.push_back({i16(i), i16(k), i16(i * n + k)});
    }
    b.op_end = static_cast<int>(back_ops_.size());
    back_steps_.push_back(b);
  }
  outside_mask_.assign(F.size(), 0);
  for (int e = 0; e < n * n; ++e) {
    if (!F[e]) {
      outside_mask_[e] = 1;
      continue;
    }
    filled_.push_back(e);
  }
}

bool SmallSparseLu::in_pattern(const double* A) const {
  const unsigned char* mask = outside_mask_.data();
  unsigned char outside = 0;  // an integer OR vectorises; a floating-point sum would not
  for (int e = 0; e < n_ * n_; ++e) outside |= static_cast<unsigned char>(A[e] != 0.0) & mask[e];
  return outside == 0;  // NaN outside fails too
}

namespace {
// A failed test, as a mask: true (all bits) where `passed` is false.
inline bool failed(bool passed) {
  return !passed;
}
inline LaneMask failed(LaneMask passed) {
  return ~passed;
}
}  // namespace

// The numeric factorisation, for one matrix (T = double) or kLanes of them (T = Lanes). Returns
// where it failed: a zero or NaN pivot, or growth beyond the limit on S⁻¹AS.
template <class T>
decltype(T{} < T{}) SmallSparseLu::factor_impl(T* A, const T* scale) const {
  // The largest diagonal entry (weight 1): a lower bound of the largest entry, so the test is
  // only stricter, and n reads instead of all filled entries.
  T largest = {};
  for (const Step& st : steps_) largest = vmax(largest, vabs(A[st.kk]));
  // Every |l_ik u_kj| s_j / s_i within kGrowthLimit · largest, tested without dividing:
  // |l_ik u_kj| s_j ≤ bound · s_i, written so that NaN fails.
  const T bound = kGrowthLimit * largest;
  decltype(T{} < T{}) bad = {};
  const std::int16_t* l_pos = l_pos_.data();
  const Update* updates = updates_.data();
  for (const Step& st : steps_) {
    const T pivot = A[st.kk];
    bad |= failed(vabs(pivot) > 0.0);  // zero or NaN
    const T inv = 1.0 / pivot;
    A[st.kk] = inv;
    for (int a = st.l_begin; a < st.l_end; ++a) A[l_pos[a]] *= inv;
    for (int u = st.update_begin; u < st.update_end; ++u) {
      const Update& op = updates[u];
      const T product = A[op.l] * A[op.u];
      A[op.target] -= product;
      bad |= failed(vabs(product) * scale[op.col] <= bound * scale[op.row]);
    }
  }
  return bad;
}

template <class T>
void SmallSparseLu::solve_impl(const T* A, T* b) const {
  for (const SolveOp& op : forward_ops_) b[op.dst] -= A[op.pos] * b[op.src];
  const SolveOp* ops = back_ops_.data();
  for (const BackStep& st : back_steps_) {
    const T x = b[st.k] * A[st.kk];
    b[st.k] = x;
    for (int a = st.op_begin; a < st.op_end; ++a) b[ops[a].dst] -= A[ops[a].pos] * x;
  }
}

bool SmallSparseLu::factor(double* A, const double* scale) const {
  // Weighted magnitude of entry (i, j) of S⁻¹AS: |a_ij| s_j / s_i (S = I without a scale).
  double ones[kMaxSize];
  if (scale == nullptr) {
    std::fill(ones, ones + n_, 1.0);
    scale = ones;
  }
  return !factor_impl(A, scale);
}

void SmallSparseLu::solve(const double* A, double* b) const {
  solve_impl(A, b);
}

void SmallSparseLu::factor_lanes(Lanes* A, const Lanes* scale, bool* ok) const {
  const LaneMask bad = factor_impl(A, scale);
  for (int l = 0; l < kLanes; ++l) ok[l] = bad[l] == 0;
}

void SmallSparseLu::solve_lanes(const Lanes* A, Lanes* b) const {
  solve_impl(A, b);
}

}  // namespace skinheal
