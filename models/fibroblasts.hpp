/// \file fibroblasts.hpp
/// \brief Fibroblast proliferation under growth factor, apoptosis back to the resting density,
/// and growth-factor secretion by fibroblasts sensing missing matrix.
///
/// Fields (units):
///   fibroblasts   — fibroblast (+ myofibroblast) density relative to the resting reticular/
///                   papillary dermis (1 = resting dermal density; F₀ per layer), dimensionless
///   growth_factor — ng/mL
///   collagen_I, collagen_III — mg/cm³ (collagen.hpp)
///
/// Equations (per second):
///   d F/dt = r_F · g/(a_g + g) · F (1 − F/F_max) − δ_F (F − F₀(layer))
///   d g/dt = s_gF · F · max(0, 1 − (C_I + C_III)/C₀(layer))
/// With a `scar` field S (scar.hpp) the matrix counted is C_I + C_III + S·C₀: scar matrix is
/// matrix (the deficit is max(0, 1 − (C_I + C_III)/C₀ − S)), so an untreated scar is at rest.
/// The second line is the proliferative-phase signal: fibroblasts in a matrix-depleted channel
/// keep secreting TGF-β until the matrix is rebuilt (Menon et al. 2012's fibroblast → signal
/// loops, lumped; form † modelling choice). It sets the fibroblast peak at 1–2 weeks. Random
/// motility (D_F) and chemotaxis up growth_factor (χ_F) are transport (skin_model, TaxisTerm).
///
/// Defaults and sources (sources.md §6; all † unverified in the primary tables):
///  - r_F = 0.83 /day (Koppenol & Vermolen 2017; Egberts et al. 2021).
///  - δ_F = 0.02 /day (t½ 35 day; (myo)fibroblast apoptosis, same sources). This slow return is
///    what keeps neocollagenesis going for months (SCIENCE.md §5). With r_F/δ_F ≈ 40 a residual
///    growth factor above ~0.1 ng/mL (from a local matrix deficit) keeps F near F_max: after five
///    monthly sessions F is still ~3× resting 8 weeks after the last and ~1.1× at 12 months
///    (docs/validation.md, "Calibration look"; not yet validated against a source).
///  - a_g = 2 ng/mL, F_max = 4, s_gF = 5e-4 ng/mL/s: modelling choices calibrated to a fibroblast
///    peak 1–2 weeks after a session (SCIENCE.md §4, proliferation day 2 to week 3).
///  - F₀: 1 in the papillary and reticular dermis, 0.3 in the hypodermis († assumption), 0 in the
///    epidermis; C₀ = collagen baseline per layer (collagen.hpp).
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct FibroblastParams {
  double proliferation_per_s = 0.83 / 86400.0;
  double growth_factor_half_saturation = 2.0;  ///< a_g, ng/mL
  double capacity = 4.0;                       ///< F_max, relative
  double apoptosis_per_s = 0.02 / 86400.0;
  double growth_factor_per_matrix_deficit = 5e-4;            ///< s_gF, ng/mL/s per unit F
  std::vector<double> baseline = {0.0, 0.0, 1.0, 1.0, 0.3};  ///< F₀ per layer
  std::vector<double> collagen_baseline = {0.0, 0.0, 95.0, 95.0, 12.0};  ///< C₀, mg/cm³
};

void validate(const FibroblastParams& params);

class Fibroblasts final : public LanedTerm<Fibroblasts> {
 public:
  Fibroblasts(const FieldSet& fields, FibroblastParams params);
  std::string name() const override { return "fibroblasts"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Fibroblasts>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  /// 1 − (C_I + C_III)/C₀ − S (S the scar fraction, 0 without a scar field).
  template <class T>
  T matrix_deficit(const T* y, T c0) const;
  FibroblastParams p_;
  int fibroblasts_, gf_, collagen_I_, collagen_III_;
  int scar_ = -1;  ///< scar field (scar.hpp) if present, else -1
};

}  // namespace skinheal::models
