/// \file scar.hpp
/// \brief Scar matrix: an initial region of dense, disordered collagen (an atrophic acne scar's
/// fibrotic base) that needling breaks up and remodelling replaces with normal dermal matrix.
///
/// Field (units): scar S in 1, the volume fraction of the voxel occupied by scar matrix, in
/// [0, 1]. The normal matrix (collagen_I, collagen_III, collagen.hpp) fills the rest: where a
/// scar is configured the collagen baselines are scaled by (1 − S₀) and the collagen process's
/// baseline synthesis by (1 − S), so an untreated scar region is exactly at rest. Collagen
/// inside the scar is not counted in collagen_I/III (they are the organised matrix).
///
/// Equations (per second), in layers with F₀ > 0 (dermis, hypodermis):
///   A = max(F − F₀, 0) / F₀  (activated fibroblast excess, smoothed as in collagen.cpp)
///   R = (k_s0 + k_si · immune + k_sf · A) · S       (scar degradation)
///   d S/dt     = −R
///   d C_I/dt  += C_I0 · (k_si · immune + k_sf · A) · S     (replacement by organised matrix)
///   d C_III/dt += C_III0 · (k_si · immune + k_sf · A) · S
/// A session multiplies S by 1 − c (c the channel coverage of the voxel, skin_model.hpp), as it
/// does every matrix field: needling breaks the scar up, and the wound response refills the
/// channel with new (normal) matrix. S only decreases, so it stays in [0, S₀] ⊂ [0, 1].
///
/// Defaults and sources (all † until checked against the primary papers):
///  - k_s0 = 0: an untreated mature scar is taken as stable over the run († modelling choice;
///    atrophic acne scars persist for years without treatment, which is why they are treated).
///  - k_si = 3e-7 /s per unit immune: the same MMP activity the collagen process uses for its
///    inflammatory degradation (collagen.hpp, † modelling choice), acting on scar matrix too.
///  - k_sf = 5e-9 /s per unit activated fibroblast excess (≈ 4.3e-4 /day): remodelling by
///    activated fibroblasts (MMP-1, phagocytosis of disordered fibrils). Calibrated (docs/
///    model.md, "Scar") per unit area: after 5 monthly 1.5 mm pen sessions, eight weeks after the
///    last, the scar fraction of the treated region should be down by about a third, the order
///    of the clinical improvement after 3–5 sessions: Dogra et al. 2014, J Cosmet Dermatol 13:180
///    († ~31 % improvement of the Goodman–Baron score after 5 monthly sessions); Majid 2009,
///    J Cutan Aesthet Surg 2:26 († most patients with a good-to-excellent response after 3
///    sessions); Fabbrocini et al. 2009 († significant score reduction after 2 sessions 8 weeks
///    apart). Per area, the needles themselves remove ≈ 17 % (250 cones/cm² of π R² d / 3 ≈
///    6e6 µm³ each, over a 420 µm thick scar, 5 sessions); k_sf supplies the other ≈ 19 % through
///    the fibroblast activation of the 2D run (whose collagen response is calibrated to Lotfi
///    2013, the same protocol in post-acne scars, SCIENCE.md §5). A score is not a volume
///    fraction: the mapping is a modelling choice. 2D slits overstate the needling part (see
///    docs/model.md).
///  - The replacement matrix is laid down in the layer's resting I:III proportions († modelling
///    choice: the collagen process already gives the wound response its collagen III first).
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct ScarParams {
  std::vector<double> collagen_I_baseline = {0.0, 0.0, 80.0, 80.0, 10.0};   ///< collagen.hpp
  std::vector<double> collagen_III_baseline = {0.0, 0.0, 15.0, 15.0, 2.0};  ///< collagen.hpp
  std::vector<double> fibroblast_baseline = {0.0, 0.0, 1.0, 1.0, 0.3};      ///< F₀
  double turnover_per_s = 0.0;                     ///< k_s0 († modelling choice)
  double degradation_per_immune_per_s = 3e-7;      ///< k_si (collagen.hpp k_m †)
  double degradation_per_activation_per_s = 5e-9;  ///< k_sf (calibrated, see above)
};

void validate(const ScarParams& params);

/// \brief Where the scar is at the start and how dense: the box [x_min, x_max) × [y_min, y_max)
/// × [depth_top, depth_bottom) (µm; y ignored in 2D), filled with scar fraction `density` (cells
/// cut by the box get density times their overlap fraction).
struct ScarRegion {
  bool enabled = false;
  double depth_top_um = 100.0;     ///< below the face's epidermis (SCIENCE.md §1)
  double depth_bottom_um = 600.0;  ///< papillary and upper reticular dermis († modelling choice)
  double x_min_um = 0.0;
  double x_max_um = 1e9;  ///< clipped to the grid
  double y_min_um = 0.0;
  double y_max_um = 1e9;
  double density = 0.8;  ///< S₀ († modelling choice: a dense fibrotic base)
};

void validate(const ScarRegion& region);

/// Initial scar fraction of the cell [x0, x1) × [y0, y1) × [z0, z1) (µm): density times the
/// cell's volume fraction inside the region (2D: pass y0 = y1 = 0 to ignore y).
double scar_initial_fraction(const ScarRegion& region, double x0, double x1, double y0, double y1,
                             double z0, double z1);

class Scar final : public LanedTerm<Scar> {
 public:
  Scar(const FieldSet& fields, ScarParams params);
  std::string name() const override { return "scar"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<Scar>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  ScarParams p_;
  int scar_, collagen_I_, collagen_III_, fibroblasts_, immune_;
};

}  // namespace skinheal::models
