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

template <class Context, class T>
void Elastin::rhs(const Context& at, const T* y, T* dydt) const {
  // Only where the layer has resting fibroblasts (F₀ > 0); elsewhere nothing.
  const T F0 = layer_value(at, p_.fibroblast_baseline);
  const T E0 = layer_value(at, p_.baseline);
  const T F = y[fibroblasts_];
  const T act = smooth_ramp(F - F0, 0.02 * F0) / F0;  // smooth max(x, 0)
  const T missing = vmax(E0 - y[elastin_], 0.0);      // E₀ − E, ≥ 0
  dydt[elastin_] +=
      select(F0 > 0.0,
             p_.turnover_per_s * E0 * F / F0 + p_.deposition_per_activation * act +
                 p_.refill_per_activation_per_s * act * missing -
                 (p_.turnover_per_s + p_.elastase_per_immune_per_s * y[immune_]) * y[elastin_],
             T{});
}

template <class Context, class T>
void Elastin::jacobian(const Context& at, const T* y, int n, T* J) const {
  const T F0 = layer_value(at, p_.fibroblast_baseline);
  const auto dermis = F0 > 0.0;
  const T E0 = layer_value(at, p_.baseline);
  const T F = y[fibroblasts_];
  const T x = F - F0, w = 0.02 * F0;
  const T act = smooth_ramp(x, w) / F0;
  const T dact = smooth_ramp_slope(x, w) / F0;
  const T missing = vmax(E0 - y[elastin_], 0.0);
  const double k = p_.refill_per_activation_per_s;
  J[elastin_ * n + fibroblasts_] += select(
      dermis,
      p_.turnover_per_s * E0 / F0 + p_.deposition_per_activation * dact + k * dact * missing, T{});
  J[elastin_ * n + elastin_] +=
      select(dermis, -(p_.turnover_per_s + p_.elastase_per_immune_per_s * y[immune_]), T{});
  J[elastin_ * n + elastin_] += select(dermis && missing > 0.0, -k * act, T{});
  J[elastin_ * n + immune_] += select(dermis, -p_.elastase_per_immune_per_s * y[elastin_], T{});
}

SKINHEAL_INSTANTIATE_LANED_TERM(Elastin);

bool Elastin::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] : {std::pair{elastin_, fibroblasts_}, std::pair{elastin_, elastin_},
                                 std::pair{elastin_, immune_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
