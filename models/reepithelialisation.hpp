/// \file reepithelialisation.hpp
/// \brief Keratinocytes close the epidermal part of a channel (Fisher–KPP front); the stratum
/// corneum barrier recovers; occlusion slows barrier recovery; inflammation modulates both.
///
/// Fields (units):
///   keratinocytes — viable-epidermis cell density relative to intact epidermis, 0–1 (1 in the
///                   viable epidermis at rest, 0 elsewhere)
///   barrier       — stratum corneum barrier integrity relative to intact, 0–1 (1 intact; the
///                   channel openness of the stratum corneum is 1 − barrier). 1 outside the
///                   stratum corneum (inert there).
///   immune        — inflammation.hpp
///
/// Equations (per second):
///   viable epidermis:  d k/dt = r_k · k (1 − k) / (1 + c_I · immune)            (+ ∇·(D_k ∇k))
///   stratum corneum:   d b/dt = k_b · ω(t) · (1 + β · immune) · (1 − b)
/// with ω(t) = ω_occ while the site is occluded, 1 otherwise. Motility D_k is transport
/// (skin_model registers it in the viable epidermis only, 0 elsewhere: the faces to the dermis and
/// stratum corneum then carry no flux). Front speed c = 2 √(D_k r_k) (Sherratt & Murray 1990;
/// Maini, McElwain & Leavesley 2004, Tissue Eng 10:475 — form confirmed, sources.md §11.1).
///
/// Defaults and sources:
///  - r_k = 1 /day, D_k = 0.1 µm²/s: the Fisher–KPP test values of SCIENCE.md §8 (c = 186 µm/day;
///    no measured in-vivo keratinocyte speed found, sources.md §5.3 †). A 40–45 µm half-width
///    epidermal gap closes in ~0.5–1.5 day: inside "epidermis restored by day 5" (Schmitt 2018).
///  - c_I = 1: strong, prolonged inflammation delays re-epithelialisation (Menon et al. 2012,
///    Proc R Soc B 279:3329: prolonged inflammation → abnormal healing; strength † modelling
///    choice).
///  - k_b = ln 2 / 20 min: calibrated so that barrier recovers ≥ 90 % within 2 h when not
///    occluded (Gupta et al. 2011, human impedance, confirmed; SCIENCE.md §3).
///  - ω_occ = 1/40: occluded barrier t½ ≈ 13 h, > 90 % by ~45–60 h, calibrated to the occluded
///    human closure of 58–63 h (PMC8259462; closure t½ 20–26 h; sources.md §5.1).
///  - β = 0.5: inflammation speeds barrier/pore closure, diclofenac delays it (Brogden et al.
///    2012, J Control Release 163:220, direction confirmed; strength † modelling choice).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct ReepithelialisationParams {
  int stratum_corneum_layer = 0;
  int viable_epidermis_layer = 1;
  double keratinocyte_proliferation_per_s = 1.0 / 86400.0;
  double inflammation_delay = 1.0;  ///< c_I
  double barrier_recovery_per_s = 0.6931471805599453 / 1200.0;
  double occlusion_factor = 1.0 / 40.0;  ///< ω_occ in (0, 1]
  double immune_on_barrier = 0.5;        ///< β ≥ 0
  /// Time windows [start, end) in s during which the site is occluded.
  std::vector<std::pair<double, double>> occluded_windows_s;
};

void validate(const ReepithelialisationParams& params);

class Reepithelialisation final : public LanedTerm<Reepithelialisation> {
 public:
  Reepithelialisation(const FieldSet& fields, ReepithelialisationParams params);
  std::string name() const override { return "reepithelialisation"; }
  bool jacobian_pattern(int n, char* pattern) const override;
  /// ω(t): the occlusion factor at time t_s.
  double occlusion(double t_s) const;

 private:
  friend class LanedTerm<Reepithelialisation>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  /// occlusion() at the voxel(s)' time.
  template <class Context>
  auto occlusion_at(const Context& at) const;
  ReepithelialisationParams p_;
  int keratinocytes_, barrier_, immune_;
};

}  // namespace skinheal::models
