/// \file topical.hpp
/// \brief A topical agent: permeability of intact stratum corneum (Potts–Guy), the diffusivities
/// of intact and opened tissue, and clearance by dermal vessels.
///
/// Field (units): topical — agent concentration in tissue, µg/cm³; vessels relative (angiogenesis).
///
/// Transport (registered by skin_model, per-voxel diffusivity recomputed every step from the
/// channel openness o ∈ [0, 1] of each voxel):
///   ∂u/∂t = ∇·(D ∇u) − k_cl · vessels · u,     D = (1 − o) D_tissue(layer) + o D_channel
/// (open pores and intact tissue conduct in parallel within a voxel). The surface takes a
/// permeable (Robin) condition with the vehicle concentration while the agent is applied.
///
/// Permeability of intact stratum corneum (Potts & Guy 1992, Pharm Res 9:663; † unverified in the
/// primary, coefficients consistent across secondary sources, sources.md §9):
///   log10 k_p [cm/h] = −2.7 + 0.71 log10 K_ow − 0.0061 MW [Da]
/// With no partition coefficient at the SC interface (the engine has none; K_SC,w = 1,
/// assumption), a stratum corneum of thickness h with D_SC = k_p · h has steady flux k_p · ΔC,
/// so D_SC = k_p [µm/s] · h [µm] (sources.md §11.8, derived).
///
/// Defaults and sources:
///  - D_channel = 150 µm²/s: free diffusivity of small proteins in a fibrin gel, 121–159 µm²/s
///    (Nauman et al. 2007, Biophys J 92:4444, confirmed); an upper bound for small molecules.
///  - D_tissue viable epidermis/dermis = 50 µm²/s († reviews: ~1e-6 cm²/s = 100 µm²/s in viable
///    tissue, halved for tortuosity, modelling choice).
///  - k_cl = ln 2 / 30 min per unit vessel density: dermal capillary clearance († modelling
///  choice).
#pragma once

#include <string>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

/// Potts–Guy permeability coefficient of intact stratum corneum in cm/h. Throws InputError for a
/// non-positive or non-finite molecular weight or a non-finite log K_ow.
double potts_guy_kp_cm_per_h(double molecular_weight_da, double log10_kow);

/// Effective stratum corneum diffusivity in µm²/s from k_p (cm/h) and the SC thickness (µm):
/// D_SC = k_p · h (K_SC,w = 1).
double stratum_corneum_diffusivity_um2_per_s(double kp_cm_per_h, double sc_thickness_um);

/// Diffusivity of a voxel with channel openness o: (1 − o) D_tissue + o D_channel.
double channel_mixed_diffusivity_um2_per_s(double tissue_um2_per_s, double channel_um2_per_s,
                                           double openness);

struct TopicalParams {
  double vessel_clearance_per_s = 0.6931471805599453 / 1800.0;
  double channel_diffusivity_um2_per_s = 150.0;
  double tissue_diffusivity_um2_per_s = 50.0;
};

void validate(const TopicalParams& params);

/// \brief Vascular clearance of the agent (the transport part lives in skin_model).
class Topical final : public LanedTerm<Topical> {
 public:
  Topical(const FieldSet& fields, TopicalParams params);
  std::string name() const override { return "topical"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Topical>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  TopicalParams p_;
  int topical_, vessels_;
};

}  // namespace skinheal::models
