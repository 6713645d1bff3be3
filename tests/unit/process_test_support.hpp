// Shared harness of the per-process unit tests (tests/unit/test_<process>.cpp): a small skin
// column carrying the contract fields, a generic voxel state, and two checks every process
// must pass (analytic Jacobian vs central differences and inside its declared pattern;
// positivity of non-negative fields).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "models/skin_model.hpp"

namespace skinheal::models::testing {

// A small skin column whose FieldSet carries the contract fields (built by the skin model).
inline std::unique_ptr<Simulation> column() {
  SkinModelConfig c;
  c.grid.width_um = 40.0;
  c.grid.dx_um = 20.0;
  c.grid.depth_um = 400.0;
  c.grid.dz_max_um = 50.0;
  c.device = device_preset("single_needle");
  c.end_time_s = 86400.0;
  return build_skin_model(c);
}

// A generic voxel state (all fields positive and away from kinks).
inline std::vector<double> state(const FieldSet& f) {
  std::vector<double> y(f.num_fields(), 0.3);
  y[f.index("collagen_I")] = 60.0;
  y[f.index("collagen_III")] = 20.0;
  y[f.index("elastin")] = 3.0;
  y[f.index("growth_factor")] = 3.0;
  y[f.index("fibroblasts")] = 1.7;
  y[f.index("vessels")] = 0.6;
  y[f.index("fibrin")] = 0.02;
  return y;
}

// Analytic Jacobian against central differences of add_rhs.
inline void expect_jacobian_matches(const ReactionTerm& term, const VoxelContext& at,
                                    std::vector<double> y) {
  const int n = static_cast<int>(y.size());
  std::vector<double> J(n * n, 0.0);
  if (!term.add_jacobian(at, y.data(), n, J.data())) GTEST_SKIP() << "no analytic Jacobian";
  // The declared pattern (engine/small_sparse_lu.hpp) covers every entry the Jacobian sets.
  std::vector<char> pattern(n * n, 0);
  ASSERT_TRUE(term.jacobian_pattern(n, pattern.data())) << "declare the Jacobian's pattern";
  for (int e = 0; e < n * n; ++e) {
    if (J[e] != 0.0) {
      EXPECT_TRUE(pattern[e]) << "d f" << e / n << " / d y" << e % n << " is not declared";
    }
  }
  for (int j = 0; j < n; ++j) {
    const double h = 1e-6 * std::max(1.0, std::abs(y[j]));
    std::vector<double> up = y, dn = y, fu(n, 0.0), fd(n, 0.0);
    up[j] += h;
    dn[j] -= h;
    term.add_rhs(at, up.data(), fu.data());
    term.add_rhs(at, dn.data(), fd.data());
    for (int i = 0; i < n; ++i) {
      const double fdiff = (fu[i] - fd[i]) / (2 * h);
      EXPECT_NEAR(J[i * n + j], fdiff, 1e-6 * std::abs(fdiff) + 1e-12)
          << "d f" << i << " / d y" << j;
    }
  }
}

// With a zero field, a term never makes it negative (positivity of non-negative fields).
inline void expect_positivity(const ReactionTerm& term, const FieldSet& f, const VoxelContext& at) {
  const int n = f.num_fields();
  for (int z = 0; z < n; ++z) {
    std::vector<double> y = state(f), dy(n, 0.0);
    y[z] = 0.0;
    term.add_rhs(at, y.data(), dy.data());
    EXPECT_GE(dy[z], -1e-300) << f.info(z).name << " would go negative in layer " << at.layer;
  }
}

}  // namespace skinheal::models::testing
