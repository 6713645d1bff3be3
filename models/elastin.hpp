/// \file elastin.hpp
/// \brief Elastin: very slow baseline turnover, deposition by activated fibroblasts, degradation
/// by inflammatory elastases.
///
/// Fields (units): elastin mg/cm³; fibroblasts relative (F₀ per layer); immune relative.
///
/// Equation (per second), in layers with F₀ > 0, with A = max(F − F₀, 0)/F₀ (activated excess):
///   d E/dt = δ_E E₀ F/F₀ + q_E A + k_Er A max(E₀ − E, 0) − (δ_E + k_E · immune) E
/// Exactly stationary at rest (A = 0). A needle destroys elastin in proportion to its coverage
/// (skin_model); the refill term k_Er lets activated fibroblasts rebuild the elastic network
/// that the needles destroyed, as the collagen process refills the channel's collagen (without
/// it a 2D pen section lost 69 % of its papillary elastin over 5 sessions, docs/validation.md).
///
/// Defaults and sources:
///  - E₀ = 4 mg/cm³ in the dermis (elastin ≈ 2–4 % of dermal dry weight against ~75 % collagen,
///    scaled to the 95 mg/cm³ collagen baseline; sources.md §7, † secondary), 0.5 in the
///    hypodermis (assumption).
///  - δ_E = ln 2 / 74 years: mature elastin is essentially not renewed in adults (Shapiro et al.
///    1991, J Clin Invest 87:1828, aspartate racemisation; quoted from memory †).
///  - q_E = 1e-8 mg/cm³/s, k_E = 2e-7 /s per unit immune: modelling choices so that total elastin
///    stays within a few % of baseline after treatment, between El-Domyati et al. 2015 (total
///    elastin down) and the Aesthet Surg J 2021 study (elastin protein unchanged) (sources.md §10).
///  - k_Er = 5e-8 /s per unit activation: refill half-time ln 2/(k_Er A) ≈ 57 days at the
///    activation of a freshly needled channel (A ≈ 2.8, F near F_max = 4), ≈ 160 days at A = 1.
///    Calibrated (†, modelling choice) between El-Domyati et al. 2015, J Clin Aesthet Dermatol
///    (total elastin still down 1 and 3 months from the start of 6 fortnightly sessions, with
///    new tropoelastin measured) and Aust et al. 2008, Plast Reconstr Surg 121:1421 ("considerable
///    increase in collagen and elastin deposition" at 6 months); SCIENCE.md §5: the refill is
///    incomplete at 1–3 months and complete by ~6 months.
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct ElastinParams {
  std::vector<double> baseline = {0.0, 0.0, 4.0, 4.0, 0.5};             ///< E₀, mg/cm³
  std::vector<double> fibroblast_baseline = {0.0, 0.0, 1.0, 1.0, 0.3};  ///< F₀
  double turnover_per_s = 0.6931471805599453 / (74 * 365.25 * 86400.0);
  double deposition_per_activation = 1e-8;  ///< q_E, mg/cm³/s
  double elastase_per_immune_per_s = 2e-7;
  double refill_per_activation_per_s = 5e-8;  ///< k_Er, /s per unit activation (see above)
};

void validate(const ElastinParams& params);

class Elastin final : public LanedTerm<Elastin> {
 public:
  Elastin(const FieldSet& fields, ElastinParams params);
  std::string name() const override { return "elastin"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Elastin>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  ElastinParams p_;
  int elastin_, fibroblasts_, immune_;
};

}  // namespace skinheal::models
