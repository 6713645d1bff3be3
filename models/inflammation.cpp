#include "models/inflammation.hpp"

#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

void validate(const InflammationParams& p) {
  SKINHEAL_REQUIRE(p.recruitment_per_s >= 0.0 && p.resolution_per_s > 0.0 &&
                       p.damage_clearance_per_immune_per_s >= 0.0 && p.damage_decay_per_s >= 0.0 &&
                       p.fibrin_clearance_per_immune_per_s >= 0.0 && p.fibrinolysis_per_s >= 0.0 &&
                       p.growth_factor_per_immune >= 0.0 && p.growth_factor_per_fibrin >= 0.0 &&
                       p.growth_factor_decay_per_s > 0.0,
                   "inflammation: rates must be >= 0 (resolution and decay > 0)");
  SKINHEAL_REQUIRE(p.immune_max > 0.0 && p.fibrin_reference > 0.0 && p.vessel_access_floor >= 0.0,
                   "inflammation: immune_max and fibrin_reference must be > 0");
  for (double b : p.immune_baseline)
    SKINHEAL_REQUIRE(b >= 0.0 && b < p.immune_max, "inflammation: baseline must be in [0, I_max)");
}

Inflammation::Inflammation(const FieldSet& fields, InflammationParams params)
    : p_(std::move(params)),
      damage_(fields.index("damage")),
      fibrin_(fields.index("fibrin")),
      immune_(fields.index("immune")),
      vessels_(fields.index("vessels")),
      gf_(fields.index("growth_factor")) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.immune_baseline.size() >= fields.grid().layer_names().size(),
                   "inflammation: one immune baseline per layer needed");
}

template <class Context, class T>
void Inflammation::rhs(const Context& at, const T* y, T* dydt) const {
  const T I = y[immune_], d = y[damage_], f = y[fibrin_];
  const T access = p_.vessel_access_floor + y[vessels_];
  const T signal = d + f / p_.fibrin_reference;
  dydt[immune_] += p_.recruitment_per_s * access * signal * (1.0 - I / p_.immune_max) -
                   p_.resolution_per_s * (I - layer_value(at, p_.immune_baseline));
  dydt[damage_] -= (p_.damage_clearance_per_immune_per_s * I + p_.damage_decay_per_s) * d;
  dydt[fibrin_] -= (p_.fibrin_clearance_per_immune_per_s * I + p_.fibrinolysis_per_s) * f;
  dydt[gf_] += p_.growth_factor_per_immune * I + p_.growth_factor_per_fibrin * f;
  if (!p_.growth_factor_decay_in_transport) dydt[gf_] -= p_.growth_factor_decay_per_s * y[gf_];
}

template <class Context, class T>
void Inflammation::jacobian(const Context&, const T* y, int n, T* J) const {
  const T I = y[immune_], d = y[damage_], f = y[fibrin_];
  const T access = p_.vessel_access_floor + y[vessels_];
  const T signal = d + f / p_.fibrin_reference;
  const T sat = 1.0 - I / p_.immune_max;
  const double kr = p_.recruitment_per_s;
  auto at = [&](int r, int c) -> T& { return J[r * n + c]; };
  at(immune_, immune_) += -kr * access * signal / p_.immune_max - p_.resolution_per_s;
  at(immune_, damage_) += kr * access * sat;
  at(immune_, fibrin_) += kr * access * sat / p_.fibrin_reference;
  at(immune_, vessels_) += kr * signal * sat;
  at(damage_, damage_) -= p_.damage_clearance_per_immune_per_s * I + p_.damage_decay_per_s;
  at(damage_, immune_) -= p_.damage_clearance_per_immune_per_s * d;
  at(fibrin_, fibrin_) -= p_.fibrin_clearance_per_immune_per_s * I + p_.fibrinolysis_per_s;
  at(fibrin_, immune_) -= p_.fibrin_clearance_per_immune_per_s * f;
  at(gf_, immune_) += p_.growth_factor_per_immune;
  at(gf_, fibrin_) += p_.growth_factor_per_fibrin;
  if (!p_.growth_factor_decay_in_transport) at(gf_, gf_) -= p_.growth_factor_decay_per_s;
}

SKINHEAL_INSTANTIATE_LANED_TERM(Inflammation);

bool Inflammation::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] :
       {std::pair{immune_, immune_}, std::pair{immune_, damage_}, std::pair{immune_, fibrin_},
        std::pair{immune_, vessels_}, std::pair{damage_, damage_}, std::pair{damage_, immune_},
        std::pair{fibrin_, fibrin_}, std::pair{fibrin_, immune_}, std::pair{gf_, immune_},
        std::pair{gf_, fibrin_}, std::pair{gf_, gf_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
