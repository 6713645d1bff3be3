#include "models/collagen.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "models/smooth_ramp.hpp"

namespace skinheal::models {

void validate(const CollagenParams& p) {
  SKINHEAL_REQUIRE(p.turnover_per_s >= 0.0 && p.collagen_III_per_growth_factor >= 0.0 &&
                       p.collagen_III_per_activation >= 0.0 && p.collagen_I_per_activation >= 0.0 &&
                       p.conversion_III_to_I_per_s >= 0.0 && p.mmp_per_immune_per_s >= 0.0 &&
                       p.remodelling_per_s >= 0.0,
                   "collagen: rates must be >= 0");
  SKINHEAL_REQUIRE(p.growth_factor_half_saturation > 0.0,
                   "collagen: growth-factor half saturation must be > 0");
  SKINHEAL_REQUIRE(p.collagen_I_baseline.size() == p.collagen_III_baseline.size() &&
                       p.collagen_I_baseline.size() == p.fibroblast_baseline.size(),
                   "collagen: per-layer vectors must have the same size");
  for (std::size_t l = 0; l < p.collagen_I_baseline.size(); ++l)
    SKINHEAL_REQUIRE(p.collagen_I_baseline[l] >= 0.0 && p.collagen_III_baseline[l] >= 0.0 &&
                         p.fibroblast_baseline[l] >= 0.0,
                     "collagen: baselines must be >= 0");
}

Collagen::Collagen(const FieldSet& fields, CollagenParams params)
    : p_(std::move(params)),
      collagen_I_(fields.index("collagen_I")),
      collagen_III_(fields.index("collagen_III")),
      fibroblasts_(fields.index("fibroblasts")),
      gf_(fields.index("growth_factor")),
      immune_(fields.index("immune")),
      scar_(fields.contains("scar") ? fields.index("scar") : -1) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.collagen_I_baseline.size() >= fields.grid().layer_names().size(),
                   "collagen: one baseline per layer needed");
}

template <class Context, class T>
void Collagen::rhs(const Context& at, const T* y, T* dydt) const {
  // Only where the layer has resting fibroblasts (F₀ > 0); elsewhere nothing.
  const T F0 = layer_value(at, p_.fibroblast_baseline);
  const auto dermis = F0 > 0.0;
  const T c1 = y[collagen_I_], c3 = y[collagen_III_];
  const T b1 = layer_value(at, p_.collagen_I_baseline),
          b3 = layer_value(at, p_.collagen_III_baseline);
  const T wc = 0.01 * (b1 + b3);
  // Share of the voxel not occupied by scar matrix (scar.hpp): the normal matrix's baselines.
  const T normal = scar_ >= 0 ? T(1.0 - y[scar_]) : T{} + 1.0;
  const T c10 = normal * b1, c30 = normal * b3;
  const T phi = y[fibroblasts_] / F0;
  const T act = smooth_ramp(y[fibroblasts_] - F0, 0.02 * F0) / F0;
  const T g = y[gf_];
  const T s = g / (p_.growth_factor_half_saturation + g);
  const T conv = p_.conversion_III_to_I_per_s * smooth_ramp(c3 - c30, wc);
  const T loss = p_.turnover_per_s + p_.mmp_per_immune_per_s * y[immune_];
  const T total = c1 + c3;
  const T excess = smooth_ramp(total - c10 - c30, wc);
  const T remodel = select(total > 0.0, p_.remodelling_per_s * excess / total, T{});
  dydt[collagen_III_] +=
      select(dermis,
             p_.turnover_per_s * c30 * phi + p_.collagen_III_per_activation * act +
                 p_.collagen_III_per_growth_factor * s * phi - conv - (loss + remodel) * c3,
             T{});
  dydt[collagen_I_] += select(dermis,
                              p_.turnover_per_s * c10 * phi + p_.collagen_I_per_activation * act +
                                  conv - (loss + remodel) * c1,
                              T{});
}

template <class Context, class T>
void Collagen::jacobian(const Context& at, const T* y, int n, T* J) const {
  const T F0 = layer_value(at, p_.fibroblast_baseline);
  const auto dermis = F0 > 0.0;
  const T c1 = y[collagen_I_], c3 = y[collagen_III_];
  const T b1 = layer_value(at, p_.collagen_I_baseline),
          b3 = layer_value(at, p_.collagen_III_baseline);
  const T wc = 0.01 * (b1 + b3);
  const T normal = scar_ >= 0 ? T(1.0 - y[scar_]) : T{} + 1.0;
  const T c10 = normal * b1, c30 = normal * b3;
  const T phi = y[fibroblasts_] / F0;
  const T dact = smooth_ramp_slope(y[fibroblasts_] - F0, 0.02 * F0) / F0;  // d A / d F
  const T g = y[gf_];
  const double a = p_.growth_factor_half_saturation;
  const T s = g / (a + g), ds = a / ((a + g) * (a + g));
  const T dconv =
      p_.conversion_III_to_I_per_s * smooth_ramp_slope(c3 - c30, wc);  // d conv / d C_III
  const T loss = p_.turnover_per_s + p_.mmp_per_immune_per_s * y[immune_];
  const T total = c1 + c3;
  const T excess = smooth_ramp(total - c10 - c30, wc);
  const T excess_slope = smooth_ramp_slope(total - c10 - c30, wc);
  // k_rem E / total and its derivatives in C_I (= in C_III) and in S (0 where total = 0).
  const auto matrix = total > 0.0;
  const T remodel = select(matrix, p_.remodelling_per_s * excess / total, T{});
  const T dremodel =
      select(matrix, p_.remodelling_per_s * (excess_slope * total - excess) / (total * total), T{});
  const T dremodel_dscar =
      select(matrix, p_.remodelling_per_s * excess_slope * (b1 + b3) / total, T{});
  auto d = [&](int row, int col, T value) { J[row * n + col] += select(dermis, value, T{}); };
  if (scar_ >= 0) {  // c10, c30 fall with S: d c_x0 / d S = −b_x
    const T dconv_dscar = dconv * b3;
    d(collagen_III_, scar_, -p_.turnover_per_s * b3 * phi - dconv_dscar - dremodel_dscar * c3);
    d(collagen_I_, scar_, -p_.turnover_per_s * b1 * phi + dconv_dscar - dremodel_dscar * c1);
  }
  d(collagen_III_, fibroblasts_,
    p_.turnover_per_s * c30 / F0 + p_.collagen_III_per_activation * dact +
        p_.collagen_III_per_growth_factor * s / F0);
  d(collagen_III_, gf_, p_.collagen_III_per_growth_factor * ds * phi);
  d(collagen_III_, collagen_III_, -dconv - (loss + remodel) - dremodel * c3);
  d(collagen_III_, collagen_I_, -dremodel * c3);
  d(collagen_III_, immune_, -p_.mmp_per_immune_per_s * c3);
  d(collagen_I_, fibroblasts_, p_.turnover_per_s * c10 / F0 + p_.collagen_I_per_activation * dact);
  d(collagen_I_, collagen_III_, dconv - dremodel * c1);
  d(collagen_I_, collagen_I_, -(loss + remodel) - dremodel * c1);
  d(collagen_I_, immune_, -p_.mmp_per_immune_per_s * c1);
}

void Collagen::add_rhs(const VoxelContext& at, const double* y, double* dydt) const {
  rhs(at, y, dydt);
}
void Collagen::add_rhs_lanes(const LaneContext& at, const Lanes* y, Lanes* dydt) const {
  rhs(at, y, dydt);
}
bool Collagen::add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const {
  jacobian(at, y, n, J);
  return true;
}
void Collagen::add_jacobian_lanes(const LaneContext& at, const Lanes* y, int n, Lanes* J) const {
  jacobian(at, y, n, J);
}

bool Collagen::jacobian_pattern(int n, char* pattern) const {
  for (const int row : {collagen_I_, collagen_III_}) {
    for (const int col : {fibroblasts_, collagen_I_, collagen_III_, immune_})
      pattern[row * n + col] = 1;
    if (scar_ >= 0) pattern[row * n + scar_] = 1;
  }
  pattern[collagen_III_ * n + gf_] = 1;
  return true;
}

}  // namespace skinheal::models
