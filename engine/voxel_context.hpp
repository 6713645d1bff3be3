/// \file voxel_context.hpp
/// \brief Where a reaction term is evaluated: the voxel, its layer and the time.
#pragma once

#include <cstddef>

namespace skinheal {

/// \brief Where a reaction is evaluated.
struct VoxelContext {
  std::size_t cell = 0;
  int i = 0, j = 0, k = 0;
  int layer = 0;
  double t_s = 0.0;
};

}  // namespace skinheal
