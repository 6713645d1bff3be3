/// \file angiogenesis.hpp
/// \brief Vessel regrowth after needling, growth-factor-driven sprouting above baseline, and
/// regression of the excess.
///
/// Fields (units): vessels — vessel density relative to the intact layer (V₀ = 1 in vascular
/// layers, 0 in the avascular epidermis); growth_factor ng/mL.
///
/// Equation (per second), in layers with V₀ > 0:
///   d v/dt = k(v) (V₀ − v)   k = k_r below V₀ (regrowth of severed capillaries), k_reg above
///                            (regression of the excess), blended smoothly over ±2 % of V₀
///          + k_a · g/(a_g + g) · v (1 − v/(v_cap V₀))   (VEGF/PDGF-driven sprouting)
///
/// Defaults and sources (no capillary regrowth rate was found, sources.md §8: all †):
///  - k_r = ln 2 / 2 days, k_a = 0.3 /day, a_g = 2 ng/mL, v_cap = 1.5, k_reg = ln 2 / 14 days:
///    modelling choices giving a transient hypervascular granulation phase during the first two
///    weeks and a return to baseline within ~2 months. (The Aesthet Surg J 2021 perfusion
///    decrease after 4 sessions, −26 % on the face, is not reproduced: a known limitation.)
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct AngiogenesisParams {
  std::vector<double> baseline = {0.0, 0.0, 1.0, 1.0, 1.0};  ///< V₀ per layer
  double regrowth_per_s = 0.6931471805599453 / (2 * 86400.0);
  double sprouting_per_s = 0.3 / 86400.0;
  double growth_factor_half_saturation = 2.0;
  double capacity_factor = 1.5;
  double regression_per_s = 0.6931471805599453 / (14 * 86400.0);
};

void validate(const AngiogenesisParams& params);

class Angiogenesis final : public LanedTerm<Angiogenesis> {
 public:
  Angiogenesis(const FieldSet& fields, AngiogenesisParams params);
  std::string name() const override { return "angiogenesis"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Angiogenesis>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  AngiogenesisParams p_;
  int vessels_, gf_;
};

}  // namespace skinheal::models
