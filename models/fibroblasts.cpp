#include "models/fibroblasts.hpp"

#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

void validate(const FibroblastParams& p) {
  SKINHEAL_REQUIRE(p.proliferation_per_s >= 0.0 && p.apoptosis_per_s >= 0.0 &&
                       p.growth_factor_per_matrix_deficit >= 0.0,
                   "fibroblasts: rates must be >= 0");
  SKINHEAL_REQUIRE(p.growth_factor_half_saturation > 0.0 && p.capacity > 0.0,
                   "fibroblasts: half saturation and capacity must be > 0");
  for (double b : p.baseline)
    SKINHEAL_REQUIRE(b >= 0.0 && b <= p.capacity, "fibroblasts: baseline must be in [0, F_max]");
  for (double c : p.collagen_baseline)
    SKINHEAL_REQUIRE(c >= 0.0, "fibroblasts: collagen baseline must be >= 0");
}

Fibroblasts::Fibroblasts(const FieldSet& fields, FibroblastParams params)
    : p_(std::move(params)),
      fibroblasts_(fields.index("fibroblasts")),
      gf_(fields.index("growth_factor")),
      collagen_I_(fields.index("collagen_I")),
      collagen_III_(fields.index("collagen_III")),
      scar_(fields.contains("scar") ? fields.index("scar") : -1) {
  validate(p_);
  const std::size_t layers = fields.grid().layer_names().size();
  SKINHEAL_REQUIRE(p_.baseline.size() >= layers && p_.collagen_baseline.size() >= layers,
                   "fibroblasts: one baseline per layer needed");
}

template <class T>
T Fibroblasts::matrix_deficit(const T* y, T c0) const {
  const T scar = scar_ >= 0 ? y[scar_] : T{};  // scar matrix fills its share (scar.hpp)
  return 1.0 - (y[collagen_I_] + y[collagen_III_]) / c0 - scar;
}

template <class Context, class T>
void Fibroblasts::rhs(const Context& at, const T* y, T* dydt) const {
  const T F = y[fibroblasts_], g = y[gf_];
  const T s = g / (p_.growth_factor_half_saturation + g);
  dydt[fibroblasts_] += p_.proliferation_per_s * s * F * (1.0 - F / p_.capacity) -
                        p_.apoptosis_per_s * (F - layer_value(at, p_.baseline));
  // Growth factor from the matrix deficit, where the layer has a collagen baseline (c0 > 0).
  const T c0 = layer_value(at, p_.collagen_baseline);
  const T deficit = matrix_deficit(y, c0);
  dydt[gf_] +=
      select(c0 > 0.0 && deficit > 0.0, p_.growth_factor_per_matrix_deficit * F * deficit, T{});
}

template <class Context, class T>
void Fibroblasts::jacobian(const Context& at, const T* y, int n, T* J) const {
  const T F = y[fibroblasts_], g = y[gf_];
  const double a = p_.growth_factor_half_saturation;
  const T s = g / (a + g), ds = a / ((a + g) * (a + g));
  const double r = p_.proliferation_per_s;
  J[fibroblasts_ * n + fibroblasts_] += r * s * (1.0 - 2.0 * F / p_.capacity) - p_.apoptosis_per_s;
  J[fibroblasts_ * n + gf_] += r * ds * F * (1.0 - F / p_.capacity);
  const T c0 = layer_value(at, p_.collagen_baseline);
  const T deficit = matrix_deficit(y, c0);
  const auto source = c0 > 0.0 && deficit > 0.0;
  const double k = p_.growth_factor_per_matrix_deficit;
  J[gf_ * n + fibroblasts_] += select(source, k * deficit, T{});
  J[gf_ * n + collagen_I_] += select(source, -k * F / c0, T{});
  J[gf_ * n + collagen_III_] += select(source, -k * F / c0, T{});
  if (scar_ >= 0) J[gf_ * n + scar_] += select(source, -k * F, T{});
}

SKINHEAL_INSTANTIATE_LANED_TERM(Fibroblasts);

bool Fibroblasts::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] :
       {std::pair{fibroblasts_, fibroblasts_}, std::pair{fibroblasts_, gf_},
        std::pair{gf_, fibroblasts_}, std::pair{gf_, collagen_I_}, std::pair{gf_, collagen_III_}})
    pattern[row * n + col] = 1;
  if (scar_ >= 0) pattern[gf_ * n + scar_] = 1;
  return true;
}

}  // namespace skinheal::models
