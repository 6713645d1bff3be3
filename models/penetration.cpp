#include "models/penetration.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"

namespace skinheal {

namespace {

// Derivations in penetration.hpp.
// Pen: mean slope 0.06 µm/µm between 1 and 2 mm (Dermatol Surg, Dec 2020), η = 1.
constexpr double kPenSaturation_um = 504.72;
// Roller: Kalluri, Kolli & Banga 2011, 770 µm → 152.5 µm, with the pen's saturation length.
constexpr double kRollerEfficiency = 0.38613;
// Single needle: Donnelly et al. 2010, 600 µm → 460 µm in vivo, η = 1.
constexpr double kSingleNeedleSaturation_um = 1076.79;
// Kalluri et al. 2011: 70.7 µm surface diameter at 152.5 µm depth.
constexpr double kSurfaceDiameterPerDepth = 70.7 / 152.5;

}  // namespace

double ChannelShape::radius_at_um(double z_um) const {
  if (z_um < 0.0 || z_um > depth_um || depth_um <= 0.0) return 0.0;
  const double surface_radius = 0.5 * surface_diameter_um;
  if (profile == Profile::cylinder) return surface_radius;
  return surface_radius * (1.0 - z_um / depth_um);
}

PenetrationModel penetration_model(Device::Kind kind) {
  PenetrationModel model;
  model.surface_diameter_per_depth = kSurfaceDiameterPerDepth;
  switch (kind) {
    case Device::Kind::roller:
      model.insertion_efficiency = kRollerEfficiency;
      model.saturation_length_um = kPenSaturation_um;
      break;
    case Device::Kind::pen:
      model.insertion_efficiency = 1.0;
      model.saturation_length_um = kPenSaturation_um;
      break;
    case Device::Kind::single_needle:
      model.insertion_efficiency = 1.0;
      model.saturation_length_um = kSingleNeedleSaturation_um;
      break;
  }
  return model;
}

double penetration_depth_um(Device::Kind kind, double needle_length_um, double pressure_factor) {
  SKINHEAL_REQUIRE(std::isfinite(needle_length_um) && needle_length_um >= 0.0,
                   "penetration: the needle length must be a non-negative length in µm");
  SKINHEAL_REQUIRE(
      std::isfinite(pressure_factor) && pressure_factor > 0.0 && pressure_factor <= 3.0,
      "penetration: pressure_factor must be in (0, 3]");
  const PenetrationModel model = penetration_model(kind);
  const double saturation = model.saturation_length_um;
  const double depth = pressure_factor * model.insertion_efficiency * saturation *
                       (-std::expm1(-needle_length_um / saturation));
  return std::min(needle_length_um, depth);
}

ChannelShape penetration(const Device& device, double pressure_factor) {
  ChannelShape shape;
  shape.depth_um = penetration_depth_um(device.kind, device.needle_length_um(), pressure_factor);
  if (device.tip == Device::Tip::cylinder) {
    shape.profile = ChannelShape::Profile::cylinder;
    shape.surface_diameter_um = device.needle_diameter_um;
  } else {
    shape.profile = ChannelShape::Profile::cone;
    shape.surface_diameter_um =
        std::min(device.needle_diameter_um,
                 penetration_model(device.kind).surface_diameter_per_depth * shape.depth_um);
  }
  return shape;
}

std::vector<std::pair<double, double>> penetration_curve(
    Device::Kind kind, const std::vector<double>& needle_lengths_um, double pressure_factor) {
  std::vector<std::pair<double, double>> curve;
  curve.reserve(needle_lengths_um.size());
  for (double length_um : needle_lengths_um) {
    curve.emplace_back(length_um, penetration_depth_um(kind, length_um, pressure_factor));
  }
  return curve;
}

}  // namespace skinheal
