/// \file reaction.hpp
/// \brief Per-voxel reaction terms and the stiff implicit integrator that advances them.
///
/// A ReactionTerm is one process's contribution to du/dt at a voxel (all fields at that
/// voxel, rates per second). The Reactions stepper integrates the sum of all terms in every
/// voxel independently with ROS2, the L-stable second-order Rosenbrock W-method of Verwer,
/// Spee, Blom & Hundsdorfer (1999, SIAM J Sci Comput 20:1456), γ = 1 + 1/√2, on a small
/// fixed-capacity Eigen Jacobian, with embedded error control and local sub-steps.
/// Non-negative fields are clipped at zero after each sub-step. I − γτJ is factorised with a
/// sparse LU planned once from the pattern the terms declare (jacobian_pattern(); the skin model:
/// 44 entries and 18 updates against a dense 13 × 13 LU), and densely with partial pivoting
/// where a voxel's J leaves that pattern or the sparse factors grow (small_sparse_lu.hpp).
///
/// Quiescent voxels (optional, ReactionOptions::quiescent_tolerance = η > 0) are left unchanged
/// when the change over the whole interval h is provably below η times the sub-step tolerance:
/// with s_i = atol_i + rtol·|y_i|, the weighted norm ‖f(y)‖_s and the weighted logarithmic norm
/// μ = max_i (J_ii + Σ_{j≠i} |J_ij| s_j / s_i) bound the linearised change by
/// ‖y(h) − y‖_s ≤ h ‖f‖_s · φ(μh), φ(x) = (eˣ − 1)/x (1 for x ≤ 0); the voxel is skipped if
/// that bound is ≤ η. The bound covers growth (a small seed that would grow is not frozen) and
/// the cost of the check is one right-hand side and one Jacobian, both reused by the first
/// sub-step when the voxel is not skipped.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/lanes.hpp"
#include "engine/small_sparse_lu.hpp"
#include "engine/voxel_context.hpp"

namespace skinheal {

/// Largest number of fields the per-voxel integrator handles (fixed-capacity Jacobian).
inline constexpr int kMaxReactingFields = 24;

/// \brief One process's reaction right-hand side (and, optionally, its Jacobian).
class ReactionTerm {
 public:
  virtual ~ReactionTerm() = default;
  virtual std::string name() const = 0;
  /// Add this term's rates (field units per second) into dydt; y and dydt have one entry
  /// per field of the FieldSet, in field order.
  virtual void add_rhs(const VoxelContext& at, const double* y, double* dydt) const = 0;
  /// Add ∂(rates)/∂y into J (row-major, n × n, n = number of fields). Return false if not
  /// provided: the stepper then differentiates add_rhs numerically.
  virtual bool add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const {
    return false;
  }
  /// Mark (set to 1) in `pattern` (row-major n × n) every entry of ∂(rates)/∂y that add_jacobian
  /// can make non-zero, at any state and voxel. Return false if not declared: the stepper then
  /// factorises the Jacobian as dense. A declaration only makes the per-voxel solve cheaper
  /// (small_sparse_lu.hpp): each voxel's Jacobian is checked against the summed pattern and
  /// takes the dense path when an entry falls outside, so a wrong declaration costs speed,
  /// never correctness.
  virtual bool jacobian_pattern(int n, char* pattern) const { return false; }

  /// Whether add_rhs_lanes and add_jacobian_lanes are provided (lanes.hpp). When every term
  /// provides them and declares its pattern, the stepper integrates kLanes voxels at a time.
  virtual bool has_lanes() const { return false; }
  /// add_rhs for kLanes voxels at once: y[f] and dydt[f] hold field f of every lane. Each lane
  /// must get exactly what add_rhs gives for its voxel (the same formulas, lanes.hpp).
  virtual void add_rhs_lanes(const LaneContext& at, const Lanes* y, Lanes* dydt) const {}
  /// add_jacobian for kLanes voxels at once (analytic; J[row · n + col] holds every lane's entry).
  virtual void add_jacobian_lanes(const LaneContext& at, const Lanes* y, int n, Lanes* J) const {}
};

/// \brief A term whose formulas are written once, as templates on the scalar type (lanes.hpp):
/// `Derived` defines, for Context/T = VoxelContext/double and LaneContext/Lanes,
///   template <class Context, class T> void rhs(const Context&, const T* y, T* dydt) const;
///   template <class Context, class T> void jacobian(const Context&, const T* y, int n, T* J)
///   const;
/// (adding into dydt and J, analytic) and instantiates the four in its own source file. This
/// base supplies the ReactionTerm interface, one voxel and kLanes voxels, from them.
template <class Derived>
class LanedTerm : public ReactionTerm {
 public:
  void add_rhs(const VoxelContext& at, const double* y, double* dydt) const final {
    self().rhs(at, y, dydt);
  }
  bool add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const final {
    self().jacobian(at, y, n, J);
    return true;
  }
  bool has_lanes() const final { return true; }
  void add_rhs_lanes(const LaneContext& at, const Lanes* y, Lanes* dydt) const final {
    self().rhs(at, y, dydt);
  }
  void add_jacobian_lanes(const LaneContext& at, const Lanes* y, int n, Lanes* J) const final {
    self().jacobian(at, y, n, J);
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

/// Instantiates Term's rhs and jacobian for one voxel and for kLanes (in Term's source file).
#define SKINHEAL_INSTANTIATE_LANED_TERM(Term)                                                 \
  template void Term::rhs(const ::skinheal::VoxelContext&, const double*, double*) const;     \
  template void Term::rhs(const ::skinheal::LaneContext&, const ::skinheal::Lanes*,           \
                          ::skinheal::Lanes*) const;                                          \
  template void Term::jacobian(const ::skinheal::VoxelContext&, const double*, int, double*)  \
      const;                                                                                  \
  template void Term::jacobian(const ::skinheal::LaneContext&, const ::skinheal::Lanes*, int, \
                               ::skinheal::Lanes*) const

struct ReactionOptions {
  double rtol = 0.0;        ///< sub-step relative tolerance; 0: the time loop's StepControl::rtol
  int max_substeps = 5000;  ///< per voxel per call; exceeding it is a NumericalError
  bool substeps = true;     ///< false: exactly one ROS2 step per call (order studies)
  /// η: skip voxels whose change over the call is bounded by η × the sub-step tolerance (see
  /// the file comment). 0 (default): integrate every voxel.
  double quiescent_tolerance = 0.0;
  /// Factorise I − γτJ with a sparse LU planned once from the terms' jacobian_pattern()s,
  /// falling back to the dense pivoted LU per sub-step (small_sparse_lu.hpp). Changes results
  /// only by rounding; false: always dense (comparisons, benchmarks).
  bool sparse_lu = true;
  /// With the sparse LU and terms that all provide lane versions (ReactionTerm::has_lanes),
  /// integrate kLanes voxels at a time: the terms, the factorisation, the solves and the ROS2
  /// stages as vector operations across voxels (reaction_lanes.cpp). Each voxel's arithmetic is
  /// the same either way, so results agree to rounding; false: one voxel at a time.
  bool lanes = true;
  /// Fields the terms see at their value at the start of each advance() call, while their own
  /// rate is still integrated: a fast signal whose decay and diffusion the transport solves
  /// (Transport::set_coupled_decay) would otherwise be seen over the whole sub-step as it would
  /// be without its decay, accumulating its sources (for a 2 h half-life and a 1-day step, tens
  /// of times its level). Field indices.
  std::vector<int> lagged_fields;
};

struct ReactionStats {
  std::size_t substeps = 0;              ///< total sub-steps over all voxels
  std::size_t voxels_active = 0;         ///< voxels integrated
  std::size_t voxels_skipped = 0;        ///< voxels left unchanged as quiescent
  std::size_t dense_factorisations = 0;  ///< sub-steps that took the dense LU (sparse_lu on)
};

/// \brief The sum of all reaction terms, integrated per voxel.
class Reactions {
 public:
  Reactions() = default;
  void add(std::shared_ptr<const ReactionTerm> term);
  bool empty() const { return terms_.empty(); }
  const std::vector<std::shared_ptr<const ReactionTerm>>& terms() const { return terms_; }
  ReactionOptions& options() { return options_; }
  /// The sub-step tolerance used when options().rtol is 0 (the time loop sets its own rtol).
  void set_default_rtol(double rtol) { default_rtol_ = rtol; }

  /// Advance all fields over [t_s, t_s + dt_s] in every voxel.
  ReactionStats advance(FieldSet& fields, double t_s, double dt_s) const;
  /// out += scale · R(y) at every voxel (field units per second × scale), laid out like
  /// fields.storage(): the explicit rates of the linearly implicit step (simulation.hpp).
  void add_rates(const FieldSet& fields, double t_s, double scale, std::vector<double>& out) const;
  /// r ← (I − h J(y))⁻¹ r at every voxel, J = ∂R/∂y at the fields' values (analytic where a term
  /// provides it): the reaction factor of the linearly implicit step. Throws NumericalError
  /// naming the voxel if the matrix is singular.
  void solve_linearised(const FieldSet& fields, double t_s, double h,
                        std::vector<double>& increments) const;
  /// Evaluate the summed right-hand side at one voxel (for tests and diagnostics).
  void rhs(const VoxelContext& at, const double* y, double* dydt, int n) const;

 private:
  /// The sparse LU plan for n fields, or null if a term declares no pattern (cached by pattern).
  std::shared_ptr<const SmallSparseLu> sparse_plan(int n) const;

  struct PlanCache {
    std::mutex mutex;
    std::vector<char> pattern;
    std::shared_ptr<const SmallSparseLu> plan;
  };
  std::vector<std::shared_ptr<const ReactionTerm>> terms_;
  std::shared_ptr<PlanCache> plan_cache_ = std::make_shared<PlanCache>();
  ReactionOptions options_;
  double default_rtol_ = 1e-3;
};

}  // namespace skinheal
