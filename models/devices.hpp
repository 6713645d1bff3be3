/// \file devices.hpp
/// \brief Microneedling devices: roller, pen and single needle; their geometry, presets and
/// range checks.
///
/// A roller is a drum of `rows` needle discs (rings) across its width, each ring carrying
/// needle_count / rows needles around the circumference. One pass over the skin lays one
/// drum surface of punctures per drum circumference travelled, hence
///
///   punctures per cm² per pass = needle_count / (π · drum_diameter · drum_width)
///
/// (SCIENCE.md §2: 192 / 12.57 cm² = 15.3 /cm² for the Dermaroller MF8). A pen stamps a
/// cartridge of needle_count needles perpendicularly into the skin at stamp_rate_per_s; a single
/// needle (or a pressed microneedle array, treated needle by needle) is inserted once.
///
/// Lengths carry their unit in the name: needle lengths and drum sizes in mm (as devices are
/// sold), diameters in µm. Every preset names its source in devices.cpp.
#pragma once

#include <string>
#include <vector>

namespace skinheal {

/// \brief Geometry of a microneedling device.
struct Device {
  /// \brief How the needles enter the skin: rolled obliquely, stamped or pressed perpendicularly.
  enum class Kind { roller, pen, single_needle };
  /// \brief Shape of the needle where it enters the skin: a sharp cone or a blunt cylinder.
  enum class Tip { cone, cylinder };

  Kind kind = Kind::roller;
  std::string name;
  int needle_count = 1;               ///< roller: on the drum; pen: per cartridge; single: 1
  int rows = 1;                       ///< roller: needle discs across the drum width
  double drum_diameter_mm = 0.0;      ///< roller only
  double drum_width_mm = 0.0;         ///< roller only
  double needle_length_mm = 1.0;      ///< nominal (sold) length, not the penetration depth
  double needle_diameter_um = 250.0;  ///< at the base of the needle
  Tip tip = Tip::cone;
  double stamp_rate_per_s = 0.0;       ///< pen only: stamps per second
  double cartridge_diameter_mm = 0.0;  ///< pen only: footprint of one stamp's needles

  double needle_length_um() const { return 1000.0 * needle_length_mm; }
};

/// "roller", "pen" or "single_needle".
std::string to_string(Device::Kind kind);
/// Parse a kind name; throws InputError naming the valid kinds.
Device::Kind device_kind(const std::string& name);

/// Names of the presets: mf8, home_0p25, roller_540, pen, single_needle.
std::vector<std::string> device_preset_names();
/// The preset called `name`; throws InputError naming the valid presets.
Device device_preset(const std::string& name);

/// Check a device. Throws InputError for impossible values (needle length outside 0.05–5 mm,
/// non-positive counts or sizes, a roller whose needles do not split evenly over its rows).
/// Returns warnings (not printed) for unusual but possible values: needle length outside the
/// 0.25–3 mm clinical range.
std::vector<std::string> validate_device(const Device& device);

/// Roller punctures per cm² of skin per pass, needle_count / (π · drum_diameter · drum_width).
/// Throws InputError for a device that is not a roller.
double punctures_per_cm2_per_pass(const Device& device);

/// Roller: spacing in µm of neighbouring needles of one ring along the rolling direction,
/// π · drum_diameter / (needle_count / rows).
double roller_needle_spacing_along_um(const Device& device);
/// Roller: spacing in µm of neighbouring rings across the rolling direction, drum_width / rows.
double roller_ring_spacing_across_um(const Device& device);

}  // namespace skinheal
