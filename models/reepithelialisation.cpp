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

void Reepithelialisation::add_rhs(const VoxelContext& at, const double* y, double* dydt) const {
  const double I = y[immune_];
  if (at.layer == p_.viable_epidermis_layer) {
    const double k = y[keratinocytes_];
    dydt[keratinocytes_] +=
        p_.keratinocyte_proliferation_per_s * k * (1.0 - k) / (1.0 + p_.inflammation_delay * I);
  } else if (at.layer == p_.stratum_corneum_layer) {
    dydt[barrier_] += p_.barrier_recovery_per_s * occlusion(at.t_s) *
                      (1.0 + p_.immune_on_barrier * I) * (1.0 - y[barrier_]);
  }
}

bool Reepithelialisation::add_jacobian(const VoxelContext& at, const double* y, int n,
                                       double* J) const {
  const double I = y[immune_];
  if (at.layer == p_.viable_epidermis_layer) {
    const double k = y[keratinocytes_], r = p_.keratinocyte_proliferation_per_s;
    const double m = 1.0 / (1.0 + p_.inflammation_delay * I);
    J[keratinocytes_ * n + keratinocytes_] += r * (1.0 - 2.0 * k) * m;
    J[keratinocytes_ * n + immune_] += -r * k * (1.0 - k) * p_.inflammation_delay * m * m;
  } else if (at.layer == p_.stratum_corneum_layer) {
    const double kb = p_.barrier_recovery_per_s * occlusion(at.t_s);
    J[barrier_ * n + barrier_] += -kb * (1.0 + p_.immune_on_barrier * I);
    J[barrier_ * n + immune_] += kb * p_.immune_on_barrier * (1.0 - y[barrier_]);
  }
  return true;
}

bool Reepithelialisation::jacobian_pattern(int n, char* pattern) const {
  for (const auto& [row, col] :
       {std::pair{keratinocytes_, keratinocytes_}, std::pair{keratinocytes_, immune_},
        std::pair{barrier_, barrier_}, std::pair{barrier_, immune_}})
    pattern[row * n + col] = 1;
  return true;
}

}  // namespace skinheal::models
