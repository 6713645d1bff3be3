// Unit tests of models/inflammation: positivity, rest state, Jacobian vs finite differences,
// parameter validation.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "engine/error.hpp"
#include "models/skin_model.hpp"

namespace skinheal::models {
namespace {

// A small skin column whose FieldSet carries the contract fields (built by the skin model).
std::unique_ptr<Simulation> column() {
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
std::vector<double> state(const FieldSet& f) {
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
void expect_jacobian_matches(const ReactionTerm& term, const VoxelContext& at,
                             std::vector<double> y) {
  const int n = static_cast<int>(y.size());
  std::vector<double> J(n * n, 0.0);
  if (!term.add_jacobian(at, y.data(), n, J.data())) GTEST_SKIP() << "no analytic Jacobian";
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
void expect_positivity(const ReactionTerm& term, const FieldSet& f, const VoxelContext& at) {
  const int n = f.num_fields();
  for (int z = 0; z < n; ++z) {
    std::vector<double> y = state(f), dy(n, 0.0);
    y[z] = 0.0;
    term.add_rhs(at, y.data(), dy.data());
    EXPECT_GE(dy[z], -1e-300) << f.info(z).name << " would go negative in layer " << at.layer;
  }
}

TEST(Inflammation, DamageRecruitsAndCellsClear) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Inflammation term(f, {});
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("damage")] = 1.0;
  y[f.index("vessels")] = 1.0;
  VoxelContext at;
  at.layer = 2;
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_GT(dy[f.index("immune")], 0.0);
  y[f.index("immune")] = 0.5;
  std::fill(dy.begin(), dy.end(), 0.0);
  term.add_rhs(at, y.data(), dy.data());
  EXPECT_LT(dy[f.index("damage")], 0.0);
  EXPECT_GT(dy[f.index("growth_factor")], 0.0);
}
TEST(Inflammation, RestIsStationary) {
  auto sim = column();
  const FieldSet& f = sim->fields();
  Inflammation term(f, {});
  std::vector<double> y(f.num_fields(), 0.0), dy(f.num_fields(), 0.0);
  y[f.index("vessels")] = 1.0;
  VoxelContext at;
  at.layer = 3;
  term.add_rhs(at, y.data(), dy.data());
  for (double v : dy) EXPECT_EQ(v, 0.0);
}
TEST(Inflammation, PositivityJacobianValidation) {
  auto sim = column();
  Inflammation term(sim->fields(), {});
  VoxelContext at;
  at.layer = 2;
  expect_positivity(term, sim->fields(), at);
  expect_jacobian_matches(term, at, state(sim->fields()));
  InflammationParams bad;
  bad.resolution_per_s = 0.0;
  EXPECT_THROW(validate(bad), InputError);
}

}  // namespace
}  // namespace skinheal::models
