#include "models/reepithelialisation.hpp"

#include <utility>

#include "engine/error.hpp"

namespace skinheal::models {

void validate(const ReepithelialisationParams& p) {
  SKINHEAL_REQUIRE(p.keratinocyte_proliferation_per_s >= 0.0 && p.barrier_recovery_per_s >= 0.0,
                   "reepithelialisation: rates must be >= 0");
  SKINHEAL_REQUIRE(p.inflammation_delay >= 0.0 && p.immune_on_barrier >= 0.0,
                   "reepithelialisation: inflammation couplings must be >= 0");
  SKINHEAL_REQUIRE(p.occlusion_factor > 0.0 && p.occlusion_factor <= 1.0,
                   "reepithelialisation: occlusion factor must be in (0, 1]");
  for (const auto& w : p.occluded_windows_s)
    SKINHEAL_REQUIRE(w.second >= w.first, "reepithelialisation: occlusion window end < start");
}

Reepithelialisation::Reepithelialisation(const FieldSet& fields, ReepithelialisationParams params)
    : p_(std::move(params)),
      keratinocytes_(fields.index("keratinocytes")),
      barrier_(fields.index("barrier")),
      immune_(fields.index("immune")) {
  validate(p_);
}

double Reepithelialisation::occlusion(double t_s) const {
  for (const auto& w : p_.occluded_windows_s)
    if (t_s >= w.first && t_s < w.second) return p_.occlusion_factor;
  return 1.0;
}

template <class Context>
auto Reepithelialisation::occlusion_at(const Context& at) const {
  return per_voxel(at, [&](const VoxelContext& v) { return occlusion(v.t_s); });
}

template <class Context, class T>
void Reepithelialisation::rhs(const Context& at, const T* y, T* dydt) const {
  const T I = y[immune_];
  const T k = y[keratinocytes_];
  dydt[keratinocytes_] += select(
      in_layer(at, p_.viable_epidermis_layer),
      p_.keratinocyte_proliferation_per_s * k * (1.0 - k) / (1.0 + p_.inflammation_delay * I), T{});
  const T occluded = occlusion_at(at);
  dydt[barrier_] += select(
      in_layer(at, p_.stratum_corneum_layer),
      p_.barrier_recovery_per_s * occluded * (1.0 + p_.immune_on_barrier * I) * (1.0 - y[barrier_]),
      T{});
}

template <class Context, class T>
void Reepithelialisation::jacobian(const Context& at, const T* y, int n, T* J) const {
  const T I = y[immune_];
  const auto ve = in_layer(at, p_.viable_epidermis_layer);
  const T k = y[keratinocytes_];
  const double r = p_.keratinocyte_proliferation_per_s;
  const T m = 1.0 / (1.0 + p_.inflammation_delay * I);
  J[keratinocytes_ * n + keratinocytes_] += select(ve, r * (1.0 - 2.0 * k) * m, T{});
  J[keratinocytes_ * n + immune_] +=
      select(ve, -r * k * (1.0 - k) * p_.inflammation_delay * m * m, T{});
  const auto sc = in_layer(at, p_.stratum_corneum_layer);
  const T kb = p_.barrier_recovery_per_s * occlusion_at(at);
  J[barrier_ * n + barrier_] += select(sc, -kb * (1.0 + p_.immune_on_barrier * I), T{});
  J[barrier_ * n + immune_] += select(sc, kb * p_.immune_on_barrier * (1.0 - y[barrier_]), T{});
}

SKINHEAL_INSTANTIATE_LANED_TERM(Reepithelialisation);

bool Reepithelialisation::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] :
       {std::pair{keratinocytes_, keratinocytes_}, std::pair{keratinocytes_, immune_},
        std::pair{barrier_, barrier_}, std::pair{barrier_, immune_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
