/// \file detail/reaction_stepper.hpp
/// \brief Internal to the engine: what the per-voxel ROS2 stepper (reaction.cpp) and its
/// lane-batched form (reaction_lanes.cpp) share.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "engine/grid.hpp"
#include "engine/reaction.hpp"
#include "engine/small_sparse_lu.hpp"

namespace skinheal::detail {

inline constexpr double kGamma = 1.0 + 0.70710678118654752440;  // 1 + 1/√2 (L-stable ROS2)

using Terms = std::vector<std::shared_ptr<const ReactionTerm>>;

struct StepperSettings {
  int n;
  double rtol;
  int max_substeps;
  bool substeps;
  double quiescent;
  const double* atol;
  const char* nonneg;
  const SmallSparseLu* plan;  // null: dense LU only
  const char* lagged;         // null, or per field: the terms see its value at the call's start
};

/// What one voxel integration did (for ReactionStats).
struct VoxelWork {
  int substeps = 0;  // 0: skipped as quiescent
  int dense = 0;     // sub-steps factorised with the dense LU while a sparse plan existed
};

/// The sub-step rule both forms share: the next sub-step is the last one times
/// clamp(kStepSafety / √max(err, kErrorFloor), kStepShrink, kStepGrow).
inline constexpr double kStepSafety = 0.9, kErrorFloor = 1e-12, kStepShrink = 0.2, kStepGrow = 5.0;

/// What the terms see: `u`, with the lagged fields at `held` (their values at the start of the
/// call), written into `out`; `u` itself when nothing is lagged. T is double or Lanes.
template <class P, class T>
P lagged_view(const StepperSettings& cfg, P u, const T* held, T* out) {
  if (!cfg.lagged) return u;
  for (int f = 0; f < cfg.n; ++f) out[f] = cfg.lagged[f] ? held[f] : u[f];
  return out;
}

/// No term sees a change of a lagged field within the call: its column of J (row-major n × n)
/// is zero.
template <class T>
void drop_lagged_columns(const StepperSettings& cfg, T* J) {
  if (!cfg.lagged) return;
  for (int j = 0; j < cfg.n; ++j)
    if (cfg.lagged[j])
      for (int i = 0; i < cfg.n; ++i) J[i * cfg.n + j] = T{};
}

/// The NumericalError of a voxel that needed more than cfg.max_substeps sub-steps.
[[noreturn]] void throw_too_many_substeps(const VoxelContext& at, int max_substeps, double t_s);

/// Add ∂R/∂y at u into J (n × n row-major, zeroed first): analytic where a term provides it,
/// forward differences of that term otherwise. `base` and `bumped` are scratch of n values.
void sum_jacobian(const Terms& terms, const VoxelContext& at, double* u, int n, const double* atol,
                  double* J, double* base, double* bumped);

/// Where cell c of `grid` is, at time t_s.
VoxelContext context_of(const Grid& grid, std::size_t c, double t_s);

/// The weighted logarithmic-norm test of ReactionOptions::quiescent_tolerance: true if the
/// voxel's change over dt_s is provably below cfg.quiescent (J row-major n × n, f = R(y)).
bool is_quiescent(const StepperSettings& cfg, const double* y, const double* f, const double* J,
                  double dt_s);

/// Integrate one voxel over [t_s, t_s + dt_s] (state in and out); the terms see lagged fields at
/// held[f]. One ROS2 integration with its own sub-steps, factorising densely where needed.
using VoxelIntegrator = VoxelWork (*)(const Terms&, const StepperSettings&, VoxelContext&,
                                      double* state, const double* held, double t_s, double dt_s);

/// Totals of a block of voxels.
struct BlockWork {
  std::size_t substeps = 0, skipped = 0, dense = 0;
};

/// Integrate the voxels [begin, end) of `store` (structure of arrays, N cells per field) over
/// [t_s, t_s + dt_s], kLanes at a time (lanes.hpp): the terms (their lane versions), the sparse
/// factorisation, the solves and the ROS2 stages run on all lanes at once; a lane whose voxel
/// is done takes the next. Needs cfg.plan and terms that all have lane versions. A voxel whose
/// Jacobian leaves the plan's pattern, or whose sparse factors grow too much, finishes in
/// `scalar` from where it is.
BlockWork integrate_block_lanes(const Terms& terms, const StepperSettings& cfg, const Grid& grid,
                                double* store, std::size_t N, std::size_t begin, std::size_t end,
                                double t_s, double dt_s, VoxelIntegrator scalar);

}  // namespace skinheal::detail
