/// \file skin_sites.hpp
/// \brief Body-site presets: the layered skin stack (thicknesses in µm) and which layers are
/// vascular.
///
/// Every site is a stack of five horizontal layers, from the surface down, whose names are part
/// of the output contract:
///
///   stratum_corneum · viable_epidermis · papillary_dermis · reticular_dermis · hypodermis
///
/// The epidermis (stratum corneum + viable epidermis) is avascular; capillary loops sit in the
/// papillary dermis, so a channel bleeds only where it reaches the papillary dermis or deeper
/// (SCIENCE.md §1). Thickness sources are given per site in skin_sites.cpp; figures marked †
/// are unverified (quoted from a review or assumed) and must be checked before they become
/// calibrated defaults. The hypodermis thickness is that of the modelled slab: no channel reaches
/// it (penetration.hpp), and the domain bottom is a boundary, not anatomy.
#pragma once

#include <string>
#include <vector>

#include "engine/grid.hpp"

namespace skinheal {

/// \brief A body site: its layer stack and per-layer descriptors.
///
/// `layers` can be handed to Grid::graded_faces and Grid::assign_layers as is. `vascular` has
/// one entry per layer.
struct SkinSite {
  std::string name;            ///< preset name, e.g. "face_cheek"
  std::vector<Layer> layers;   ///< surface first; thickness in µm
  std::vector<bool> vascular;  ///< per layer: contains blood vessels (capillaries or larger)
  std::string source;          ///< one-line citation summary of the thickness figures

  /// Sum of the layer thicknesses in µm.
  double total_thickness_um() const;
  /// Index of the layer called `layer_name`; throws InputError naming the valid layers.
  int layer_index(const std::string& layer_name) const;
  /// Depth of the top of a layer below the surface, in µm.
  double layer_top_um(const std::string& layer_name) const;
  /// Depth of the bottom of a layer below the surface, in µm.
  double layer_bottom_um(const std::string& layer_name) const;
  /// Depth of the top of the first vascular layer in µm: a channel shallower than this does not
  /// bleed (the epidermis is avascular).
  double vascular_depth_um() const;
};

/// The five layer names of the output contract, surface first.
const std::vector<std::string>& skin_layer_names();

/// Names of the site presets: face_cheek, forehead, forearm, abdomen, back.
std::vector<std::string> skin_site_names();

/// The preset called `name`; throws InputError naming the valid sites (and the nearest one).
SkinSite skin_site(const std::string& name);

/// Check a (possibly user-edited) site: the five contract layers in order, positive finite
/// thicknesses, one vascular flag per layer, the epidermis avascular. Throws InputError.
void validate_skin_site(const SkinSite& site);

}  // namespace skinheal
