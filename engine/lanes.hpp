/// \file lanes.hpp
/// \brief kLanes voxels in one vector: what lane-batched reaction terms compute with.
///
/// The per-voxel stiff integrator (reaction.hpp) can advance kLanes voxels at once: their
/// states, rates, Jacobian entries and the factorisation of I − γτJ are then `Lanes` values,
/// one double per voxel in one GCC/Clang vector (an AVX-512 register, or two AVX2 ones), and
/// every arithmetic operation serves all voxels. A process writes its formulas once, as a
/// template on the scalar type (double for one voxel, Lanes for kLanes of them), with the
/// helpers below in place of branches: `select` for if/else, `vmax` for std::max, and
/// per-layer parameters through `layer_value`.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/voxel_context.hpp"

namespace skinheal {

/// Voxels per lane-batched evaluation.
inline constexpr int kLanes = 8;
/// kLanes doubles, one per voxel.
using Lanes = double __attribute__((vector_size(8 * kLanes)));
/// The result of comparing two Lanes: all bits set where true.
using LaneMask = decltype(Lanes{} < Lanes{});

/// \brief Where kLanes voxels are evaluated: one VoxelContext per lane.
struct LaneContext {
  VoxelContext at[kLanes];
};

// --- Helpers with one overload per scalar type, so templated formulas read the same. ------------

/// cond ? a : b, element-wise for Lanes (the branch not taken may hold inf or NaN).
inline double select(bool cond, double a, double b) {
  return cond ? a : b;
}
inline Lanes select(LaneMask cond, Lanes a, Lanes b) {
  return cond ? a : b;
}
inline Lanes select(LaneMask cond, Lanes a, double b) {
  return cond ? a : (Lanes{} + b);
}
inline Lanes select(LaneMask cond, double a, Lanes b) {
  return cond ? (Lanes{} + a) : b;
}

/// std::max(a, b): b where a < b, else a (a NaN in b is ignored, as by std::max).
inline double vmax(double a, double b) {
  return a < b ? b : a;
}
inline Lanes vmax(Lanes a, Lanes b) {
  return a < b ? b : a;
}
inline Lanes vmax(Lanes a, double b) {
  return vmax(a, Lanes{} + b);
}

inline double vabs(double a) {
  return std::abs(a);
}
inline Lanes vabs(Lanes a) {
  return a < 0.0 ? -a : a;
}

inline double vsqrt(double a) {
  return std::sqrt(a);
}
inline Lanes vsqrt(Lanes a) {
  Lanes r;
  for (int l = 0; l < kLanes; ++l) r[l] = std::sqrt(a[l]);
  return r;
}

/// eˣ, element-wise for Lanes; within 2 ulp of std::exp (checked in unit.Lanes.*). x = k ln 2 + r
/// with |r| ≤ ln 2 / 2 (Cody–Waite, ln 2 in two parts), eʳ by its Taylor series to degree 13
/// (truncation below 1e-17), and 2ᵏ built from its exponent bits in two halves, so results that
/// underflow into subnormals are still right; ±inf and NaN as std::exp. The double and Lanes
/// forms do the same operations, so a voxel gets the same bits in either.
namespace detail {
template <class T, class Int>
T exp_kernel(T x) {
  constexpr double kLog2e = 1.4426950408889634, kLn2Hi = 0.6931471803691238,
                   kLn2Lo = 1.9082149292705877e-10, kRound = 6755399441055744.0;  // 1.5 · 2⁵²
  // Clamped, and NaN replaced by 0 so that the integer conversion below is defined.
  const T xc =
      select(x > 709.8, T{} + 709.8, select(x < -746.0, T{} - 746.0, select(x == x, x, T{})));
  const T k = (xc * kLog2e + kRound) - kRound;  // round to nearest
  const T r = (xc - k * kLn2Hi) - k * kLn2Lo;
  T p = T{} + 1.0 / 6227020800.0;  // 1/13!
  for (const double c :
       {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
        1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0})
    p = p * r + c;
  Int ki;
  if constexpr (sizeof(T) == sizeof(double))
    ki = static_cast<Int>(k);
  else
    ki = __builtin_convertvector(k, Int);
  const Int k1 = ki >> 1, k2 = ki - k1;  // 2ᵏ = 2^k1 · 2^k2, each a normal number
  const Int e1 = (k1 + 1023) << 52, e2 = (k2 + 1023) << 52;
  T two1, two2;
  __builtin_memcpy(&two1, &e1, sizeof two1);
  __builtin_memcpy(&two2, &e2, sizeof two2);
  T result = (p * two1) * two2;
  result = select(x > 709.8, T{} + HUGE_VAL, result);
  result = select(x < -746.0, T{}, result);
  return select(x == x, result, x);  // NaN stays NaN
}
}  // namespace detail
inline double vexp(double x) {
  return detail::exp_kernel<double, long long>(x);
}
inline Lanes vexp(Lanes x) {
  return detail::exp_kernel<Lanes, LaneMask>(x);
}

/// A per-layer parameter at the voxel(s): table[layer].
inline double layer_value(const VoxelContext& at, const std::vector<double>& table) {
  return table[static_cast<std::size_t>(at.layer)];
}
inline Lanes layer_value(const LaneContext& at, const std::vector<double>& table) {
  Lanes r;
  for (int l = 0; l < kLanes; ++l) r[l] = table[static_cast<std::size_t>(at.at[l].layer)];
  return r;
}

/// Whether the voxel(s) lie in the given layer.
inline bool in_layer(const VoxelContext& at, int layer) {
  return at.layer == layer;
}
inline LaneMask in_layer(const LaneContext& at, int layer) {
  LaneMask r;
  for (int l = 0; l < kLanes; ++l) r[l] = at.at[l].layer == layer ? -1 : 0;
  return r;
}

/// f(context) per voxel, for a time-dependent factor: f(at) or one f per lane.
template <class F>
double per_voxel(const VoxelContext& at, F&& f) {
  return f(at);
}
template <class F>
Lanes per_voxel(const LaneContext& at, F&& f) {
  Lanes r;
  for (int l = 0; l < kLanes; ++l) r[l] = f(at.at[l]);
  return r;
}

}  // namespace skinheal
