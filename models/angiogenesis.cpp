#include "models/angiogenesis.hpp"

#include <cmath>
#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

namespace {
/// Rate of return to V₀: regrowth below, regression above, blended smoothly over ±2 % of V₀
/// (a logistic switch keeps the right-hand side smooth for the step control). Returns k and dk/dv.
// The return rate k(V) toward V₀ (regrowth below V₀, regression above, switching smoothly)
// and dk/dV.
template <class T>
std::pair<T, T> return_rate(const AngiogenesisParams& p, T v, T v0) {
  const T w = 0.02 * v0;
  const T sig = 1.0 / (1.0 + vexp(-(v0 - v) / w));  // 1 below V₀, 0 above
  const T k = p.regression_per_s + (p.regrowth_per_s - p.regression_per_s) * sig;
  const T dk = (p.regrowth_per_s - p.regression_per_s) * (-sig * (1.0 - sig) / w);
  return {k, dk};
}
}  // namespace

void validate(const AngiogenesisParams& p) {
  SKINHEAL_REQUIRE(p.regrowth_per_s >= 0.0 && p.sprouting_per_s >= 0.0 && p.regression_per_s >= 0.0,
                   "angiogenesis: rates must be >= 0");
  SKINHEAL_REQUIRE(p.growth_factor_half_saturation > 0.0 && p.capacity_factor >= 1.0,
                   "angiogenesis: half saturation must be > 0 and capacity factor >= 1");
  for (double b : p.baseline) SKINHEAL_REQUIRE(b >= 0.0, "angiogenesis: baseline must be >= 0");
}

Angiogenesis::Angiogenesis(const FieldSet& fields, AngiogenesisParams params)
    : p_(std::move(params)), vessels_(fields.index("vessels")), gf_(fields.index("growth_factor")) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.baseline.size() >= fields.grid().layer_names().size(),
                   "angiogenesis: one baseline per layer needed");
}

template <class Context, class T>
void Angiogenesis::rhs(const Context& at, const T* y, T* dydt) const {
  // Only where the layer has vessels (V₀ > 0).
  const T v0 = layer_value(at, p_.baseline);
  const T v = y[vessels_], g = y[gf_];
  const T s = g / (p_.growth_factor_half_saturation + g);
  const T k = return_rate(p_, v, v0).first;
  dydt[vessels_] += select(
      v0 > 0.0, k * (v0 - v) + p_.sprouting_per_s * s * v * (1.0 - v / (p_.capacity_factor * v0)),
      T{});
}

template <class Context, class T>
void Angiogenesis::jacobian(const Context& at, const T* y, int n, T* J) const {
  const T v0 = layer_value(at, p_.baseline);
  const auto has_vessels = v0 > 0.0;
  const T v = y[vessels_], g = y[gf_];
  const double a = p_.growth_factor_half_saturation;
  const T s = g / (a + g), ds = a / ((a + g) * (a + g));
  const T cap = p_.capacity_factor * v0;
  const auto [k, dk] = return_rate(p_, v, v0);
  J[vessels_ * n + vessels_] +=
      select(has_vessels, -k + dk * (v0 - v) + p_.sprouting_per_s * s * (1.0 - 2.0 * v / cap), T{});
  J[vessels_ * n + gf_] += select(has_vessels, p_.sprouting_per_s * ds * v * (1.0 - v / cap), T{});
}

SKINHEAL_INSTANTIATE_LANED_TERM(Angiogenesis);

bool Angiogenesis::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] : {std::pair{vessels_, vessels_}, std::pair{vessels_, gf_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
