#include "models/angiogenesis.hpp"

#include <cmath>
#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

namespace {
/// Rate of return to V₀: regrowth below, regression above, blended smoothly over ±2 % of V₀
/// (a logistic switch keeps the right-hand side smooth for the step control). Returns k and dk/dv.
std::pair<double, double> return_rate(const AngiogenesisParams& p, double v, double v0) {
  const double w = 0.02 * v0;
  const double sig = 1.0 / (1.0 + std::exp(-(v0 - v) / w));  // 1 below V₀, 0 above
  const double k = p.regression_per_s + (p.regrowth_per_s - p.regression_per_s) * sig;
  const double dk = (p.regrowth_per_s - p.regression_per_s) * (-sig * (1.0 - sig) / w);
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

void Angiogenesis::add_rhs(const VoxelContext& at, const double* y, double* dydt) const {
  const double v0 = p_.baseline[at.layer];
  if (v0 <= 0.0) return;
  const double v = y[vessels_], g = y[gf_];
  const double s = g / (p_.growth_factor_half_saturation + g);
  const double k = return_rate(p_, v, v0).first;
  dydt[vessels_] +=
      k * (v0 - v) + p_.sprouting_per_s * s * v * (1.0 - v / (p_.capacity_factor * v0));
}

bool Angiogenesis::add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const {
  const double v0 = p_.baseline[at.layer];
  if (v0 <= 0.0) return true;
  const double v = y[vessels_], g = y[gf_], a = p_.growth_factor_half_saturation;
  const double s = g / (a + g), ds = a / ((a + g) * (a + g));
  const double cap = p_.capacity_factor * v0;
  const auto [k, dk] = return_rate(p_, v, v0);
  J[vessels_ * n + vessels_] += -k + dk * (v0 - v) + p_.sprouting_per_s * s * (1.0 - 2.0 * v / cap);
  J[vessels_ * n + gf_] += p_.sprouting_per_s * ds * v * (1.0 - v / cap);
  return true;
}

bool Angiogenesis::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] : {std::pair{vessels_, vessels_}, std::pair{vessels_, gf_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
