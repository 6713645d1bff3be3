#include "models/elastin.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.hpp"
#include "models/smooth_ramp.hpp"

namespace skinheal::models {

void validate(const ElastinParams& p) {
  SKINHEAL_REQUIRE(p.turnover_per_s >= 0.0 && p.deposition_per_activation >= 0.0 &&
                       p.elastase_per_immune_per_s >= 0.0 && p.refill_per_activation_per_s >= 0.0,
                   "elastin: rates must be >= 0");
  SKINHEAL_REQUIRE(p.baseline.size() == p.fibroblast_baseline.size(),
                   "elastin: per-layer vectors must have the same size");
  for (std::size_t l = 0; l < p.baseline.size(); ++l)
    SKINHEAL_REQUIRE(p.baseline[l] >= 0.0 && p.fibroblast_baseline[l] >= 0.0,
                     "elastin: baselines must be >= 0");
}

Elastin::Elastin(const FieldSet& fields, ElastinParams params)
    : p_(std::move(params)),
      elastin_(fields.index("elastin")),
      fibroblasts_(fields.index("fibroblasts")),
      immune_(fields.index("immune")) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.baseline.size() >= fields.grid().layer_names().size(),
                   "elastin: one baseline per layer needed");
}

void Elastin::add_rhs(const VoxelContext& at, const double* y, double* dydt) const {
  const double F0 = p_.fibroblast_baseline[at.layer];
  if (F0 <= 0.0) return;
  const double F = y[fibroblasts_];
  const double x = F - F0, w = 0.02 * F0;
  const double act = smooth_ramp(x, w) / F0;                                  // smooth max(x, 0)
  const double missing = std::max(p_.baseline[at.layer] - y[elastin_], 0.0);  // E₀ − E, ≥ 0
  dydt[elastin_] += p_.turnover_per_s * p_.baseline[at.layer] * F / F0 +
                    p_.deposition_per_activation * act +
                    p_.refill_per_activation_per_s * act * missing -
                    (p_.turnover_per_s + p_.elastase_per_immune_per_s * y[immune_]) * y[elastin_];
}

bool Elastin::add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const {
  const double F0 = p_.fibroblast_baseline[at.layer];
  if (F0 <= 0.0) return true;
  const double F = y[fibroblasts_];
  const double x = F - F0, w = 0.02 * F0;
  const double act = smooth_ramp(x, w) / F0;
  const double dact = smooth_ramp_slope(x, w) / F0;
  const double missing = std::max(p_.baseline[at.layer] - y[elastin_], 0.0);
  const double k = p_.refill_per_activation_per_s;
  J[elastin_ * n + fibroblasts_] += p_.turnover_per_s * p_.baseline[at.layer] / F0 +
                                    p_.deposition_per_activation * dact + k * dact * missing;
  J[elastin_ * n + elastin_] -= p_.turnover_per_s + p_.elastase_per_immune_per_s * y[immune_];
  if (missing > 0.0) J[elastin_ * n + elastin_] -= k * act;
  J[elastin_ * n + immune_] -= p_.elastase_per_immune_per_s * y[elastin_];
  return true;
}

bool Elastin::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] : {std::pair{elastin_, fibroblasts_}, std::pair{elastin_, elastin_},
                                 std::pair{elastin_, immune_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
