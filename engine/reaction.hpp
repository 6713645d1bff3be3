/// \file reaction.hpp
/// \brief Per-voxel reaction terms and the stiff implicit integrator that advances them.
///
/// A ReactionTerm is one process's contribution to du/dt at a voxel (all fields at that
/// voxel, rates per second). The Reactions stepper integrates the sum of all terms in every
/// voxel independently with ROS2, the L-stable second-order Rosenbrock W-method of Verwer,
/// Spee, Blom & Hundsdorfer (1999, SIAM J Sci Comput 20:1456), γ = 1 + 1/√2, on a small
/// fixed-capacity Eigen Jacobian, with embedded error control and local sub-steps.
/// Non-negative fields are clipped at zero after each sub-step.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/grid.hpp"

namespace skinheal {

/// Largest number of fields the per-voxel integrator handles (fixed-capacity Jacobian).
inline constexpr int kMaxReactingFields = 24;

/// \brief Where a reaction is evaluated.
struct VoxelContext {
  std::size_t cell = 0;
  int i = 0, j = 0, k = 0;
  int layer = 0;
  double t_s = 0.0;
};

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
};

struct ReactionOptions {
  double rtol = 0.0;        ///< sub-step relative tolerance; 0: the time loop's StepControl::rtol
  int max_substeps = 5000;  ///< per voxel per call; exceeding it is a NumericalError
  bool substeps = true;     ///< false: exactly one ROS2 step per call (order studies)
};

struct ReactionStats {
  std::size_t substeps = 0;       ///< total sub-steps over all voxels
  std::size_t voxels_active = 0;  ///< voxels integrated
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
  /// Evaluate the summed right-hand side at one voxel (for tests and diagnostics).
  void rhs(const VoxelContext& at, const double* y, double* dydt, int n) const;

 private:
  std::vector<std::shared_ptr<const ReactionTerm>> terms_;
  ReactionOptions options_;
  double default_rtol_ = 1e-3;
};

}  // namespace skinheal
