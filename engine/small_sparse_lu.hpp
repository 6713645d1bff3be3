/// \file small_sparse_lu.hpp
/// \brief LU factorisation of a small matrix with a fixed sparsity pattern, planned once.
///
/// The per-voxel reaction solve factorises M = I − γτJ at every voxel and sub-step, and J of a
/// tissue model is mostly zeros (the skin model: 44 structural non-zeros of 169, in a chain of
/// processes). SmallSparseLu plans the elimination once for a pattern: a pivot order that keeps
/// the fill small (greedy Markowitz: the pivot with the fewest (row − 1)(column − 1) products
/// left, ties to the lower index) and the lists of the multiplications it needs. A numeric
/// factorisation then runs only those (18 updates for the skin model, against ~730 for a dense
/// 13 × 13 LU).
///
/// The pivot order is static, so stability is checked instead of searched for. The backward
/// error of an LU is bounded by the entries of |L||U| (Higham, Accuracy and Stability of
/// Numerical Algorithms, 2002, Thm 9.3); factor() measures the largest product l_ik u_kj it
/// subtracts and accepts the factors if it stays within kGrowthLimit of the largest diagonal
/// entry (a lower bound of the largest entry; backward error ≲ n · 1e4 · 2⁻⁵³ ≈ 1e-11 of that
/// entry). Both are measured on the
/// matrix scaled as the caller weighs errors, S⁻¹AS with S = diag(scale): entry (i, j) counts as
/// |a_ij| s_j / s_i, so that fields in different units (ng/mL against a volume fraction) are
/// not judged by their units. A row-wise threshold test (|pivot| ≥ 0.1 of the column, as in
/// UMFPACK) was tried first and rejected half of the skin model's factorisations for a large but
/// harmless multiplier (needle damage → bleeding) whose row has nothing to grow. factor()
/// returns false on a zero pivot or too much growth; the caller then uses a dense LU with
/// partial pivoting. (The per-voxel solve is a W-method step, second order with any matrix, so
/// this accuracy is ample.) Entries outside the pattern are never read, so a caller must check
/// (in_pattern()) that its matrix has none before it factorises.
///
/// Matrices are dense row-major n × n arrays in the caller's own index order; the plan's lists
/// are offsets into them, so nothing is permuted or copied.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/lanes.hpp"

namespace skinheal {

class SmallSparseLu {
 public:
  /// Largest (scaled) |l_ik u_kj| accepted by factor(), relative to the largest scaled entry.
  static constexpr double kGrowthLimit = 1e4;
  /// Largest n.
  static constexpr int kMaxSize = 64;

  SmallSparseLu() = default;
  /// Plan for an n × n pattern (row-major, non-zero = structurally present). The diagonal is
  /// always part of the pattern.
  SmallSparseLu(int n, const std::vector<char>& pattern);

  int size() const { return n_; }
  /// Offsets (row · n + column) of the filled pattern: every entry factor() reads or writes.
  /// A caller assembles its matrix at these offsets (fill entries start at zero).
  const std::vector<int>& filled() const { return filled_; }
  /// Whether A may be factorised with this plan: every entry outside the pattern is zero.
  bool in_pattern(const double* A) const;
  /// Structural non-zeros of the given pattern (diagonal included) and of its fill.
  int pattern_nonzeros() const { return pattern_nonzeros_; }
  int filled_nonzeros() const { return static_cast<int>(filled_.size()); }
  /// Multiply-adds of one numeric factorisation.
  int update_count() const { return static_cast<int>(updates_.size()); }

  /// Factorise A in place (row-major n × n; only filled() is touched): multipliers in L's
  /// entries, U above, 1/pivot on the diagonal. False if a pivot is zero or the growth on
  /// S⁻¹AS, S = diag(scale) (n positive values; null: S = I), exceeds kGrowthLimit.
  bool factor(double* A, const double* scale = nullptr) const;
  /// Solve A x = b with the factors of factor(); b becomes x.
  void solve(const double* A, double* b) const;
  /// factor() on kLanes matrices at once (lanes.hpp): A[e] holds entry e (row · n + column) of
  /// every lane's matrix, scale[f] likewise. ok[l] is what factor() would return for lane l:
  /// the same arithmetic, one vector operation for all lanes. A failed lane holds garbage.
  void factor_lanes(Lanes* A, const Lanes* scale, bool* ok) const;
  /// solve() on kLanes right-hand sides at once, b[f] field f of every lane.
  void solve_lanes(const Lanes* A, Lanes* b) const;

 private:
  // factor() and solve() for one matrix (double) or kLanes of them (Lanes): one algorithm.
  template <class T>
  decltype(T{} < T{}) factor_impl(T* A, const T* scale) const;
  template <class T>
  void solve_impl(const T* A, T* b) const;
  struct Update {
    std::int16_t target, l, u;  // A[target] −= A[l] · A[u]
    std::int16_t row, col;      // of target
  };
  struct Step {                    // elimination step s, pivot k = order_[s]
    int kk;                        // offset of (k, k)
    int l_begin, l_end;            // its L entries in l_pos_ / l_row_
    int update_begin, update_end;  // its updates
  };
  struct SolveOp {  // b[dst] −= A[pos] · b[src]
    std::int16_t dst, src, pos;
  };
  struct BackStep {        // back substitution, pivot k in reverse order
    std::int16_t k, kk;    // b[k] *= A[kk] (1/pivot), then
    int op_begin, op_end;  // back_ops_: b[i] −= u_ik b[k] for the rows i above
  };
  int n_ = 0;
  int pattern_nonzeros_ = 0;
  std::vector<Step> steps_;
  std::vector<std::int16_t> l_pos_;  // offset of (i, k) below a pivot k
  std::vector<Update> updates_;
  std::vector<SolveOp> forward_ops_;  // L y = b, unit diagonal, in elimination order
  std::vector<BackStep> back_steps_;
  std::vector<SolveOp> back_ops_;
  std::vector<int> filled_;
  std::vector<unsigned char> outside_mask_;  // n × n: 1 outside the filled pattern, 0 inside
};

}  // namespace skinheal
