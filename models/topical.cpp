#include "models/topical.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

double potts_guy_kp_cm_per_h(double molecular_weight_da, double log10_kow) {
  SKINHEAL_REQUIRE(std::isfinite(molecular_weight_da) && molecular_weight_da > 0.0,
                   "topical: molecular weight must be a positive number of Da");
  SKINHEAL_REQUIRE(std::isfinite(log10_kow), "topical: log10 Kow must be finite");
  return std::pow(10.0, -2.7 + 0.71 * log10_kow - 0.0061 * molecular_weight_da);
}

double stratum_corneum_diffusivity_um2_per_s(double kp_cm_per_h, double sc_thickness_um) {
  SKINHEAL_REQUIRE(kp_cm_per_h >= 0.0 && sc_thickness_um > 0.0,
                   "topical: k_p must be >= 0 and the SC thickness > 0");
  const double kp_um_per_s = kp_cm_per_h * 1e4 / 3600.0;
  return kp_um_per_s * sc_thickness_um;
}

double channel_mixed_diffusivity_um2_per_s(double tissue_um2_per_s, double channel_um2_per_s,
                                           double openness) {
  const double o = std::clamp(openness, 0.0, 1.0);
  return (1.0 - o) * tissue_um2_per_s + o * channel_um2_per_s;
}

void validate(const TopicalParams& p) {
  SKINHEAL_REQUIRE(p.vessel_clearance_per_s >= 0.0, "topical: clearance must be >= 0");
  SKINHEAL_REQUIRE(p.channel_diffusivity_um2_per_s > 0.0 && p.tissue_diffusivity_um2_per_s > 0.0,
                   "topical: diffusivities must be > 0");
}

Topical::Topical(const FieldSet& fields, TopicalParams params)
    : p_(params), topical_(fields.index("topical")), vessels_(fields.index("vessels")) {
  validate(p_);
}

template <class Context, class T>
void Topical::rhs(const Context&, const T* y, T* dydt) const {
  dydt[topical_] -= p_.vessel_clearance_per_s * y[vessels_] * y[topical_];
}

template <class Context, class T>
void Topical::jacobian(const Context&, const T* y, int n, T* J) const {
  J[topical_ * n + topical_] -= p_.vessel_clearance_per_s * y[vessels_];
  J[topical_ * n + vessels_] -= p_.vessel_clearance_per_s * y[topical_];
}

SKINHEAL_INSTANTIATE_LANED_TERM(Topical);

bool Topical::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] : {std::pair{topical_, topical_}, std::pair{topical_, vessels_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
