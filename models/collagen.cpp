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

void Collagen::add_rhs(const VoxelContext& at, const double* y, double* dydt) const {
  const double F0 = p_.fibroblast_baseline[at.layer];
  if (F0 <= 0.0) return;
  const double c1 = y[collagen_I_], c3 = y[collagen_III_];
  const double b1 = p_.collagen_I_baseline[at.layer], b3 = p_.collagen_III_baseline[at.layer];
  const double wc = 0.01 * (b1 + b3);
  // Share of the voxel not occupied by scar matrix (scar.hpp): the normal matrix's baselines.
  const double normal = scar_ >= 0 ? 1.0 - y[scar_] : 1.0;
  const double c10 = normal * b1, c30 = normal * b3;
  const double phi = y[fibroblasts_] / F0;
  const double act = smooth_ramp(y[fibroblasts_] - F0, 0.02 * F0) / F0;
  const double g = y[gf_];
  const double s = g / (p_.growth_factor_half_saturation + g);
  const double conv = p_.conversion_III_to_I_per_s * smooth_ramp(c3 - c30, wc);
  const double loss = p_.turnover_per_s + p_.mmp_per_immune_per_s * y[immune_];
  const double total = c1 + c3;
  const double excess = smooth_ramp(total - c10 - c30, wc);
  const double remodel = total > 0.0 ? p_.remodelling_per_s * excess / total : 0.0;
  dydt[collagen_III_] += p_.turnover_per_s * c30 * phi + p_.collagen_III_per_activation * act +
                         p_.collagen_III_per_growth_factor * s * phi - conv - (loss + remodel) * c3;
  dydt[collagen_I_] += p_.turnover_per_s * c10 * phi + p_.collagen_I_per_activation * act + conv -
                       (loss + remodel) * c1;
}

bool Collagen::add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const {
  const double F0 = p_.fibroblast_baseline[at.layer];
  if (F0 <= 0.0) return true;
  const double c1 = y[collagen_I_], c3 = y[collagen_III_];
  const double b1 = p_.collagen_I_baseline[at.layer], b3 = p_.collagen_III_baseline[at.layer];
  const double wc = 0.01 * (b1 + b3);
  const double normal = scar_ >= 0 ? 1.0 - y[scar_] : 1.0;
  const double c10 = normal * b1, c30 = normal * b3;
  const double phi = y[fibroblasts_] / F0;
  const double dact = smooth_ramp_slope(y[fibroblasts_] - F0, 0.02 * F0) / F0;  // d A / d F
  const double g = y[gf_], a = p_.growth_factor_half_saturation;
  const double s = g / (a + g), ds = a / ((a + g) * (a + g));
  const double dconv =
      p_.conversion_III_to_I_per_s * smooth_ramp_slope(c3 - c30, wc);  // d conv / d C_III
  const double loss = p_.turnover_per_s + p_.mmp_per_immune_per_s * y[immune_];
  const double total = c1 + c3;
  const double excess = smooth_ramp(total - c10 - c30, wc);
  const double excess_slope = smooth_ramp_slope(total - c10 - c30, wc);
  double remodel = 0.0, dremodel = 0.0;  // k_rem E / total and its derivative in C_I (= in C_III)
  double dremodel_dscar = 0.0;
  if (total > 0.0) {
    remodel = p_.remodelling_per_s * excess / total;
    dremodel = p_.remodelling_per_s * (excess_slope * total - excess) / (total * total);
    dremodel_dscar = p_.remodelling_per_s * excess_slope * (b1 + b3) / total;
  }
  auto d = [&](int row, int col) -> double& { return J[row * n + col]; };
  if (scar_ >= 0) {  // c10, c30 fall with S: d c_x0 / d S = −b_x
    const double dconv_dscar = dconv * b3;
    d(collagen_III_, scar_) += -p_.turnover_per_s * b3 * phi - dconv_dscar - dremodel_dscar * c3;
    d(collagen_I_, scar_) += -p_.turnover_per_s * b1 * phi + dconv_dscar - dremodel_dscar * c1;
  }
  d(collagen_III_, fibroblasts_) += p_.turnover_per_s * c30 / F0 +
                                    p_.collagen_III_per_activation * dact +
                                    p_.collagen_III_per_growth_factor * s / F0;
  d(collagen_III_, gf_) += p_.collagen_III_per_growth_factor * ds * phi;
  d(collagen_III_, collagen_III_) += -dconv - (loss + remodel) - dremodel * c3;
  d(collagen_III_, collagen_I_) += -dremodel * c3;
  d(collagen_III_, immune_) += -p_.mmp_per_immune_per_s * c3;
  d(collagen_I_, fibroblasts_) +=
      p_.turnover_per_s * c10 / F0 + p_.collagen_I_per_activation * dact;
  d(collagen_I_, collagen_III_) += dconv - dremodel * c1;
  d(collagen_I_, collagen_I_) += -(loss + remodel) - dremodel * c1;
  d(collagen_I_, immune_) += -p_.mmp_per_immune_per_s * c1;
  return true;
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
