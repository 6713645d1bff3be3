#include "models/haemostasis.hpp"

#include <cmath>
#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

void validate(const HaemostasisParams& p) {
  for (double f : p.blood_volume_fraction)
    SKINHEAL_REQUIRE(f >= 0.0 && f <= 1.0, "haemostasis: blood volume fraction must be in [0, 1]");
  SKINHEAL_REQUIRE(
      p.bleed_rate_per_s >= 0.0 && p.clot_rate_per_s > 0.0 && p.blood_resorption_per_s >= 0.0,
      "haemostasis: rates must be >= 0 (clotting > 0)");
  SKINHEAL_REQUIRE(p.clot_seal_fraction > 0.0, "haemostasis: clot seal fraction must be > 0");
  SKINHEAL_REQUIRE(p.anticoagulation_factor > 0.0 && p.anticoagulation_factor <= 1.0,
                   "haemostasis: anticoagulation factor must be in (0, 1]");
}

Haemostasis::Haemostasis(const FieldSet& fields, HaemostasisParams params)
    : p_(std::move(params)),
      damage_(fields.index("damage")),
      blood_(fields.index("blood")),
      fibrin_(fields.index("fibrin")) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.blood_volume_fraction.size() >= fields.grid().layer_names().size(),
                   "haemostasis: one blood volume fraction per layer needed");
}

double Haemostasis::bleeding_rate(int layer, const double* y) const {
  const double phi = p_.blood_volume_fraction[layer];
  if (phi <= 0.0) return 0.0;
  const double fs2 = p_.clot_seal_fraction * p_.clot_seal_fraction;
  const double f = y[fibrin_];
  return p_.bleed_rate_per_s * phi * y[damage_] * fs2 / (fs2 + f * f);
}

template <class Context, class T>
void Haemostasis::rhs(const Context& at, const T* y, T* dydt) const {
  // Bleeding where the layer has blood (φ = 0: none; the same as bleeding_rate).
  const T phi = layer_value(at, p_.blood_volume_fraction);
  const double fs2 = p_.clot_seal_fraction * p_.clot_seal_fraction;
  const T f = y[fibrin_];
  const T bleeding =
      select(phi > 0.0, p_.bleed_rate_per_s * phi * y[damage_] * fs2 / (fs2 + f * f), T{});
  const T clot = p_.anticoagulation_factor * p_.clot_rate_per_s * y[blood_];
  dydt[blood_] += bleeding - clot - p_.blood_resorption_per_s * y[blood_];
  dydt[fibrin_] += clot;
}

template <class Context, class T>
void Haemostasis::jacobian(const Context& at, const T* y, int n, T* J) const {
  const double kc = p_.anticoagulation_factor * p_.clot_rate_per_s;
  J[blood_ * n + blood_] += -kc - p_.blood_resorption_per_s;
  J[fibrin_ * n + blood_] += kc;
  const T phi = layer_value(at, p_.blood_volume_fraction);
  const auto bleeds = phi > 0.0;
  const double fs2 = p_.clot_seal_fraction * p_.clot_seal_fraction;
  const T f = y[fibrin_];
  const T g = fs2 / (fs2 + f * f);
  const T kb = p_.bleed_rate_per_s * phi;
  J[blood_ * n + damage_] += select(bleeds, kb * g, T{});
  J[blood_ * n + fibrin_] +=
      select(bleeds, kb * y[damage_] * (-2.0 * f * fs2) / ((fs2 + f * f) * (fs2 + f * f)), T{});
}

SKINHEAL_INSTANTIATE_LANED_TERM(Haemostasis);

bool Haemostasis::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] : {std::pair{blood_, blood_}, std::pair{fibrin_, blood_},
                                 std::pair{blood_, damage_}, std::pair{blood_, fibrin_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
