/// \file haemostasis.hpp
/// \brief Bleeding from severed vessels and clotting of the shed blood into a fibrin clot.
///
/// Fields (units):
///   damage  — fraction of the voxel's tissue destroyed by a needle, 0–1 (dimensionless)
///   blood   — shed (extravasated, unclotted) blood, volume fraction of the voxel, 0–1
///   fibrin  — fibrin clot, volume fraction of the voxel, 0–1
///
/// Equations (rates per second), in vascular layers only (the epidermis is avascular, SCIENCE.md
/// §1):
///
///   bleed      = k_bleed · φ_b(layer) · damage · f_s² / (f_s² + fibrin²)
///   d blood/dt = bleed − a · k_clot · blood − k_resorb · blood
///   d fibrin/dt = a · k_clot · blood
///
/// φ_b is the blood volume fraction of the layer, k_bleed the rate at which a severed channel
/// fills with blood, f_s the clot fraction at which the plug halves the bleeding, k_clot the
/// clotting rate (blood → fibrin, 1:1 by volume) and a ≤ 1 the anticoagulation factor of the
/// skin state (1 normal). Blood and fibrin neither diffuse nor flow. Fibrin is cleared by
/// fibrinolysis and phagocytes in inflammation.hpp. With k_resorb = 0, blood + fibrin gains exactly
/// what bleeds (conservation, tested).
///
/// Defaults and sources:
///  - φ_b: papillary 0.04, reticular 0.04, hypodermis 0.05, epidermis 0: the layered optical stack
///    of Meglinski & Matcher 2002 as copied by third-party codes († unverified, sources.md §1);
///    the upper plexus (0.30) is folded into the papillary/reticular value (modelling choice).
///  - k_clot = ln 2 / 60 s (clot t½ 1 min) and f_s = 0.01: modelling choices calibrated so that
///    bleeding falls below 10 % of its peak within ~2–5 min, inside the Ivy bleeding time 2–7 min
///    († unverified clinical reference ranges, sources.md §3).
///  - k_bleed = 0.05 /s: a 40 µm-wide channel fills with its blood volume fraction in ~20 s
///    (modelling choice, no source).
///  - anticoagulated state a = 0.25: clotting 4× slower, so bleeding lasts ~3× longer
///    (modelling choice; direction from classical haemostasis).
///  - k_resorb = ln 2 / 1 day: resorption of unclotted blood (modelling choice †).
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

/// \brief Parameters of bleeding and clotting (SI-like internal units: 1/s, fractions).
struct HaemostasisParams {
  std::vector<double> blood_volume_fraction = {0.0, 0.0, 0.04, 0.04, 0.05};  ///< per layer
  double bleed_rate_per_s = 0.05;
  double clot_rate_per_s = 0.6931471805599453 / 60.0;
  double clot_seal_fraction = 0.01;
  double anticoagulation_factor = 1.0;  ///< a in (0, 1]; 0.25 for the anticoagulated state
  double blood_resorption_per_s = 0.6931471805599453 / 86400.0;
};

/// Throws InputError for negative rates, a factor outside (0, 1], or fractions outside [0, 1].
void validate(const HaemostasisParams& params);

/// \brief Bleeding and clotting (see the file comment).
class Haemostasis final : public LanedTerm<Haemostasis> {
 public:
  Haemostasis(const FieldSet& fields, HaemostasisParams params);
  std::string name() const override { return "haemostasis"; }
  bool jacobian_pattern(int n, char* pattern) const override;
  /// Bleeding rate (blood volume fraction per s) at a voxel state.
  double bleeding_rate(int layer, const double* y) const;

 private:
  friend class LanedTerm<Haemostasis>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  HaemostasisParams p_;
  int damage_, blood_, fibrin_;
};

}  // namespace skinheal::models
