#include "models/scar.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.hpp"
#include "models/smooth_ramp.hpp"

namespace skinheal::models {

namespace {
/// Length of [a0, a1) ∩ [b0, b1).
double overlap(double a0, double a1, double b0, double b1) {
  return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
}
}  // namespace

void validate(const ScarParams& p) {
  SKINHEAL_REQUIRE(p.turnover_per_s >= 0.0 && p.degradation_per_immune_per_s >= 0.0 &&
                       p.degradation_per_activation_per_s >= 0.0,
                   "scar: rates must be >= 0");
  SKINHEAL_REQUIRE(p.collagen_I_baseline.size() == p.collagen_III_baseline.size() &&
                       p.collagen_I_baseline.size() == p.fibroblast_baseline.size(),
                   "scar: per-layer vectors must have the same size");
}

void validate(const ScarRegion& r) {
  if (!r.enabled) return;
  SKINHEAL_REQUIRE(r.density >= 0.0 && r.density <= 1.0, "scar: density must lie in [0, 1]");
  SKINHEAL_REQUIRE(r.depth_top_um >= 0.0 && r.depth_bottom_um > r.depth_top_um,
                   "scar: need 0 <= depth_top < depth_bottom");
  SKINHEAL_REQUIRE(r.x_max_um > r.x_min_um && r.y_max_um > r.y_min_um,
                   "scar: need x_min < x_max and y_min < y_max");
}

double scar_initial_fraction(const ScarRegion& r, double x0, double x1, double y0, double y1,
                             double z0, double z1) {
  if (!r.enabled || x1 <= x0 || z1 <= z0) return 0.0;
  double f = overlap(x0, x1, r.x_min_um, r.x_max_um) / (x1 - x0) *
             overlap(z0, z1, r.depth_top_um, r.depth_bottom_um) / (z1 - z0);
  if (y1 > y0) f *= overlap(y0, y1, r.y_min_um, r.y_max_um) / (y1 - y0);
  return r.density * std::clamp(f, 0.0, 1.0);
}

Scar::Scar(const FieldSet& fields, ScarParams params)
    : p_(std::move(params)),
      scar_(fields.index("scar")),
      collagen_I_(fields.index("collagen_I")),
      collagen_III_(fields.index("collagen_III")),
      fibroblasts_(fields.index("fibroblasts")),
      immune_(fields.index("immune")) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.fibroblast_baseline.size() >= fields.grid().layer_names().size(),
                   "scar: one baseline per layer needed");
}

template <class Context, class T>
void Scar::rhs(const Context& at, const T* y, T* dydt) const {
  // Only where the layer has resting fibroblasts (F₀ > 0) and there is scar (S > 0).
  const T F0 = layer_value(at, p_.fibroblast_baseline);
  const T S = y[scar_];
  const auto active = F0 > 0.0 && S > 0.0;
  const T act = smooth_ramp(y[fibroblasts_] - F0, 0.02 * F0) / F0;
  const T remodel = p_.degradation_per_immune_per_s * vmax(y[immune_], 0.0) +
                    p_.degradation_per_activation_per_s * vmax(act, 0.0);
  dydt[scar_] += select(active, -(p_.turnover_per_s + remodel) * S, T{});
  dydt[collagen_I_] += select(active, layer_value(at, p_.collagen_I_baseline) * remodel * S, T{});
  dydt[collagen_III_] +=
      select(active, layer_value(at, p_.collagen_III_baseline) * remodel * S, T{});
}

template <class Context, class T>
void Scar::jacobian(const Context& at, const T* y, int n, T* J) const {
  const T F0 = layer_value(at, p_.fibroblast_baseline);
  const T S = y[scar_];
  const auto active = F0 > 0.0 && S > 0.0;
  const T act = smooth_ramp(y[fibroblasts_] - F0, 0.02 * F0) / F0;
  const T dact = select(act > 0.0, smooth_ramp_slope(y[fibroblasts_] - F0, 0.02 * F0) / F0, T{});
  const T dimm = select(y[immune_] > 0.0, T{} + p_.degradation_per_immune_per_s, T{});
  const T remodel = p_.degradation_per_immune_per_s * vmax(y[immune_], 0.0) +
                    p_.degradation_per_activation_per_s * vmax(act, 0.0);
  const T dF = p_.degradation_per_activation_per_s * dact;  // d remodel / d F
  auto d = [&](int row, int col, T value) { J[row * n + col] += select(active, value, T{}); };
  const T c10 = layer_value(at, p_.collagen_I_baseline);
  const T c30 = layer_value(at, p_.collagen_III_baseline);
  d(scar_, scar_, -(p_.turnover_per_s + remodel));
  d(scar_, immune_, -dimm * S);
  d(scar_, fibroblasts_, -dF * S);
  d(collagen_I_, scar_, c10 * remodel);
  d(collagen_I_, immune_, c10 * dimm * S);
  d(collagen_I_, fibroblasts_, c10 * dF * S);
  d(collagen_III_, scar_, c30 * remodel);
  d(collagen_III_, immune_, c30 * dimm * S);
  d(collagen_III_, fibroblasts_, c30 * dF * S);
}

SKINHEAL_INSTANTIATE_LANED_TERM(Scar);

bool Scar::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] :
       {std::pair{scar_, scar_}, std::pair{scar_, immune_}, std::pair{scar_, fibroblasts_},
        std::pair{collagen_I_, scar_}, std::pair{collagen_I_, immune_},
        std::pair{collagen_I_, fibroblasts_}, std::pair{collagen_III_, scar_},
        std::pair{collagen_III_, immune_}, std::pair{collagen_III_, fibroblasts_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
