/// \file resources.hpp
/// \brief Refuse a scenario whose grid would not fit in memory, before anything is allocated.
///
/// The estimate is deliberately simple: every field holds one double per cell, and a step
/// needs about five copies of the state (step doubling keeps the old, two half steps, one
/// full step and the error estimate), plus a fixed per-cell overhead for the grid and the
/// transport operators:
///
///     bytes ≈ cells × (fields × 8 × 5 + 64)
///
/// It is compared with MemAvailable from /proc/meminfo (Linux); where that file cannot be read
/// only the absolute cap on the cell count applies. The cap defaults to 2e8 cells and can be
/// lowered process-wide (the fuzzer uses a few thousand so that it never allocates much).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/grid.hpp"

namespace skinheal {

class TomlTable;

/// \brief Process-wide limits on what a scenario may ask for.
struct ResourceLimits {
  double max_cells = 2e8;       ///< Absolute cap on grid cells.
  bool check_available = true;  ///< Also compare with MemAvailable.
};

/// The limits in force (default: 2e8 cells, MemAvailable checked).
ResourceLimits resource_limits();
/// Replace the limits (not thread-safe; call at start-up).
void set_resource_limits(const ResourceLimits& limits);

/// MemAvailable from /proc/meminfo in bytes, or 0 when unknown.
double available_memory_bytes();

/// The bytes a run with `cells` cells and `fields` fields needs (see the file comment).
double estimated_run_bytes(double cells, int fields);

/// The number of cells Grid::graded_faces would make for these layers, counted without
/// allocating; stops counting (and returns a value > `limit`) once `limit` is exceeded, so a
/// 1 nm surface spacing over a metre of tissue costs nothing. Inputs must be positive and
/// growth in [1, 2].
double count_graded_cells(const std::vector<Layer>& layers, double dz_surface_um, double dz_max_um,
                          double growth, double limit);

/// Throws InputError at the [grid] table of `grid` (file:line) when `cells` exceeds the cap or
/// the estimated memory exceeds MemAvailable; the message gives the estimate in GiB and what to
/// change (`hint`, e.g. "raise grid.dx").
void require_grid_fits(const TomlTable& grid, double cells, int fields, const std::string& hint);

}  // namespace skinheal
