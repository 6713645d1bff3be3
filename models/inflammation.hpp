/// \file inflammation.hpp
/// \brief Immune-cell recruitment by damage and clot, clearance of damage and fibrin, growth-factor
/// release, resolution over days.
///
/// Fields (units):
///   immune        — inflammatory cells (neutrophils + macrophages lumped), relative to a fully
///                   inflamed wound (1 = I_max), dimensionless
///   damage, fibrin — fractions 0–1 (haemostasis.hpp)
///   vessels       — vessel density relative to the intact layer, 0–1 (angiogenesis.hpp)
///   growth_factor — PDGF/TGF-β lumped, ng/mL
///
/// Equations (per second):
///
///   d immune/dt = k_rec (ν₀ + vessels)(damage + fibrin / f_ref)(1 − immune / I_max)
///                 − k_res (immune − I₀(layer))
///   d damage/dt = − (k_dc · immune + k_d0) · damage
///   d fibrin/dt = − (k_fc · immune + k_f0) · fibrin
///   d growth_factor/dt = s_gi · immune + s_gp · fibrin − δ_g · growth_factor
///
/// Cells enter from vessels (ν₀ stands for resident cells and capillaries just outside the
/// voxel, which the 2D voxel cannot see), then move by random motility (registered as transport
/// by skin_model, D = 1 µm²/s †). The signal decay δ_g is the growth factor's only sink; it lives
/// here, or in the transport when skin_model solves it with the diffusion
/// (`[time] growth_factor_solve = "coupled"`).
///
/// Defaults and sources (calibration to SCIENCE.md §4: peak at hours–1 day, resolved by 3–5 days):
///  - k_res = 1.5 /day (t½ 11 h): between the tissue neutrophil t½ 8–10 h († sources.md §4) and
///    the macrophage removal 0.6 /day of Jin et al. 2011, BMC Syst Biol 5:60 (confirmed for that
///    non-skin model); calibrated so that immune falls below ~30 % of its peak by day 4–5.
///  - k_rec = 1/(1 h), ν₀ = 0.3, f_ref = 1, I_max = 1: modelling choices calibrated so that the
///    immune peak falls at ~0.5–1 day and immune is below 25 % of peak by day 4 (SCIENCE.md §4,
///    Liebl & Kloth 2012: inflammation hours to 2–5 days).
///  - k_dc = 2e-4 /s per unit immune (damage t½ ≈ 5–10 h at immune 0.1–0.2), k_d0 = ln 2 / 2 d,
///    k_fc = 5e-6 /s, k_f0 = ln 2 / 1 d (fibrinolysis): modelling choices †.
///  - δ_g = ln 2 / 2 h: order of the chemical-factor decay of Jin et al. 2011 (15 /day, t½ 1.1 h)
///    († for skin). s_gi = 2e-3 ng/mL/s and s_gp = 0.01 ng/mL/s: calibrated to a wound-level
///    growth factor of ~5–20 ng/mL (modelling choice †).
///  - I₀ = 0 (normal skin); the "inflamed" skin state raises it in the dermis (skin_model).
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct InflammationParams {
  double recruitment_per_s = 1.0 / 3600.0;
  double vessel_access_floor = 0.3;
  double fibrin_reference = 1.0;
  double immune_max = 1.0;
  double resolution_per_s = 1.5 / 86400.0;
  std::vector<double> immune_baseline = {0.0, 0.0, 0.0, 0.0, 0.0};  ///< I₀ per layer
  double damage_clearance_per_immune_per_s = 2e-4;
  double damage_decay_per_s = 0.6931471805599453 / (2 * 86400.0);
  double fibrin_clearance_per_immune_per_s = 5e-6;
  double fibrinolysis_per_s = 0.6931471805599453 / (1 * 86400.0);
  double growth_factor_per_immune = 2e-3;  ///< ng/mL/s at immune = 1
  double growth_factor_per_fibrin = 0.01;  ///< ng/mL/s at fibrin = 1
  double growth_factor_decay_per_s = 0.6931471805599453 / 7200.0;
  /// true: δ_g is solved by the transport together with the signal's diffusion
  /// (Transport::set_coupled_decay; skin_model decides) and left out here.
  bool growth_factor_decay_in_transport = false;
};

void validate(const InflammationParams& params);

class Inflammation final : public LanedTerm<Inflammation> {
 public:
  Inflammation(const FieldSet& fields, InflammationParams params);
  std::string name() const override { return "inflammation"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Inflammation>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  InflammationParams p_;
  int damage_, fibrin_, immune_, vessels_, gf_;
};

}  // namespace skinheal::models
