/// \file smooth_ramp.hpp
/// \brief The smooth ramp the process models use for max(x, 0).
///
/// ramp(x, w) = ½(x + √(x² + w²) − w): 0 at x = 0, → x for x ≫ w, → −w/2 for x ≪ −w.
/// It keeps a per-voxel right-hand side smooth, so the step-doubling error estimate is not
/// fooled by kinks where a voxel sits at its baseline (collagen, elastin, scar).
#pragma once

#include <cmath>

namespace skinheal::models {

/// Smooth max(x, 0) of width w.
inline double smooth_ramp(double x, double w) {
  return 0.5 * (x + std::sqrt(x * x + w * w) - w);
}

/// d smooth_ramp / dx.
inline double smooth_ramp_slope(double x, double w) {
  return 0.5 * (1.0 + x / std::sqrt(x * x + w * w));
}

}  // namespace skinheal::models
