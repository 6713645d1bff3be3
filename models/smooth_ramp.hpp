/// \file smooth_ramp.hpp
/// \brief The smooth ramp the process models use for max(x, 0).
///
/// ramp(x, w) = ½(x + √(x² + w²) − w): 0 at x = 0, → x for x ≫ w, → −w/2 for x ≪ −w.
/// It keeps a per-voxel right-hand side smooth, so the step-doubling error estimate is not
/// fooled by kinks where a voxel sits at its baseline (collagen, elastin, scar). Written for one
/// voxel (double) or kLanes of them (Lanes, engine/lanes.hpp).
#pragma once

#include "engine/lanes.hpp"

namespace skinheal::models {

/// Smooth max(x, 0) of width w.
template <class X, class Wd>
auto smooth_ramp(X x, Wd w) {
  return 0.5 * (x + vsqrt(x * x + w * w) - w);
}

/// d smooth_ramp / dx.
template <class X, class Wd>
auto smooth_ramp_slope(X x, Wd w) {
  return 0.5 * (1.0 + x / vsqrt(x * x + w * w));
}

}  // namespace skinheal::models
