/// \file collagen.hpp
/// \brief Collagen III deposition, conversion III → I, baseline turnover, MMP degradation during
/// inflammation and slow remodelling of the excess.
///
/// Fields (units): collagen_I, collagen_III in mg/cm³; fibroblasts relative (F₀ per layer);
/// growth_factor ng/mL; immune relative (inflammation.hpp).
///
/// Equations (per second), in layers with F₀ > 0 (dermis, hypodermis):
///   φ = F / F₀,   A = max(F − F₀, 0) / F₀ (activated excess),   s = g / (a_g + g)
///   E = max(C_I + C_III − C_I0 − C_III0, 0) (matrix above baseline)
///   d C_III/dt = δ₀ C_III0 φ + q_3 A + q_3g s φ − k_31 max(C_III − C_III0, 0)
///                − (δ₀ + k_m · immune) C_III − k_rem E · C_III / (C_I + C_III)
///   d C_I/dt   = δ₀ C_I0 φ + q_1 A + k_31 max(C_III − C_III0, 0)
///                − (δ₀ + k_m · immune) C_I − k_rem E · C_I / (C_I + C_III)
/// If a `scar` field S exists (scar.hpp), every C_I0 and C_III0 above is scaled by (1 − S): scar
/// matrix occupies that share of the voxel, so an untreated scar region (normal matrix at
/// (1 − S₀) of the baselines) is exactly at rest, and its target rises as the scar is replaced.
/// (max(x, 0) is smoothed over 2 % of F₀ and 1 % of the collagen baseline, see collagen.cpp.)
/// At rest (F = F₀, g = 0, immune = 0) both are exactly stationary: synthesis balances the
/// baseline turnover δ₀ (sources.md §11.3: set δ from the steady state). A needle destroys matrix
/// in proportion to its coverage (skin_model's session event). TGF-β-driven III first, then
/// conversion to I: Dale, Sherratt & Maini 1996 (form, sources.md §11.4).
///
/// Defaults and sources:
///  - C_I0 : C_III0 = 80 : 15 mg/cm³ in the papillary and reticular dermis (total dermal collagen
///    ≈ 0.1 g/cm³, Egberts 2021 †; type I 80 %, III 15 %, Adv Wound Care 2015 Table 1 †);
///    hypodermis 10 : 2 (septa, assumption); epidermis 0.
///  - δ₀ = ln 2 / 15 years (Verzijl et al. 2000 †, SCIENCE.md §4): 4.5 % turnover per year.
///  - k_31 = ln 2 / 21 days: no sourced value (sources.md §11.4); calibrated so that III dominates
///    new matrix in weeks 1–3 and I dominates from ~month 2.
///  - k_m = 3e-7 /s per unit immune: MMP degradation during inflammation († modelling choice).
///  - q_3g = 3.5e-6, q_3 = 0.7e-6, q_1 = 0.35e-6 mg/cm³/s; k_rem = ln 2 / 1 year: calibrated to
///    Lotfi et al. 2013 (papillary collagen +53 % 8 weeks after 5 monthly 1.5 mm sessions), with
///    collagen still rising at 6 months and remodelling through 12 months (SCIENCE.md §5, §8.7);
///    see docs/model.md for the calibration runs.
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct CollagenParams {
  std::vector<double> collagen_I_baseline = {0.0, 0.0, 80.0, 80.0, 10.0};   ///< mg/cm³
  std::vector<double> collagen_III_baseline = {0.0, 0.0, 15.0, 15.0, 2.0};  ///< mg/cm³
  std::vector<double> fibroblast_baseline = {0.0, 0.0, 1.0, 1.0, 0.3};      ///< F₀
  double turnover_per_s = 0.6931471805599453 / (15 * 365.25 * 86400.0);
  double growth_factor_half_saturation = 2.0;      ///< ng/mL
  double collagen_III_per_growth_factor = 3.5e-6;  ///< q_3g, mg/cm³/s
  double collagen_III_per_activation = 0.7e-6;     ///< q_3, mg/cm³/s
  double collagen_I_per_activation = 0.35e-6;      ///< q_1, mg/cm³/s
  double conversion_III_to_I_per_s = 0.6931471805599453 / (21 * 86400.0);
  double mmp_per_immune_per_s = 3e-7;
  double remodelling_per_s = 0.6931471805599453 / (365.25 * 86400.0);
};

void validate(const CollagenParams& params);

class Collagen final : public LanedTerm<Collagen> {
 public:
  Collagen(const FieldSet& fields, CollagenParams params);
  std::string name() const override { return "collagen"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Collagen>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  // What the rates and the Jacobian share at a voxel (collagen.cpp).
  template <class T>
  struct Matrix;
  template <class Context, class T>
  Matrix<T> matrix_at(const Context& at, const T* y) const;
  CollagenParams p_;
  int collagen_I_, collagen_III_, fibroblasts_, gf_, immune_;
  int scar_ = -1;  ///< scar field (scar.hpp) if present, else -1
};

}  // namespace skinheal::models
