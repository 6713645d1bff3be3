#include "models/devices.hpp"

#include <cmath>
#include <numbers>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

namespace {

std::string hint_with_valid(const std::string& word, const std::vector<std::string>& valid) {
  std::string hint = suggest_nearest(word, valid);
  if (hint.rfind("; valid:", 0) != 0) hint += "; valid: " + join(valid, ", ");
  return hint;
}

std::vector<Device> presets() {
  std::vector<Device> devices;

  // Dermaroller MF8: 192 needles in 8 rows, 0.25 mm diameter, 1.5 mm long; drum 2 cm diameter ×
  // 2 cm wide (Schwarz & Laaff 2011, Plast Reconstr Surg 127:146e; SCIENCE.md §2).
  {
    Device d;
    d.kind = Device::Kind::roller;
    d.name = "mf8";
    d.needle_count = 192;
    d.rows = 8;
    d.drum_diameter_mm = 20.0;
    d.drum_width_mm = 20.0;
    d.needle_length_mm = 1.5;
    d.needle_diameter_um = 250.0;
    d.tip = Device::Tip::cone;
    devices.push_back(d);
  }

  // Home roller: 192 needles, 70 µm diameter (Doddaballapur 2009, J Cutan Aesthet Surg;
  // SCIENCE.md §2). The paper's needles are 0.2 mm long; this preset uses 0.25 mm, the shortest
  // length sold for home use and the lower end of the 0.25–3 mm range without a warning. The
  // drum is not given there: assumption, the MF8 drum (2 cm × 2 cm, 8 rows), which carries the
  // same 192 needles.
  {
    Device d;
    d.kind = Device::Kind::roller;
    d.name = "home_0p25";
    d.needle_count = 192;
    d.rows = 8;
    d.drum_diameter_mm = 20.0;
    d.drum_width_mm = 20.0;
    d.needle_length_mm = 0.25;
    d.needle_diameter_um = 70.0;
    d.tip = Device::Tip::cone;
    devices.push_back(d);
  }

  // 540-needle roller: typical commercial geometry, no published source in SCIENCE.md.
  // Assumptions: 12 rings of 45 needles on a drum of the MF8's size (2 cm × 2 cm), 0.25 mm
  // needles as on the MF8, 1.0 mm long. Gives 540 / 12.57 cm² = 43.0 punctures/cm² per pass.
  {
    Device d;
    d.kind = Device::Kind::roller;
    d.name = "roller_540";
    d.needle_count = 540;
    d.rows = 12;
    d.drum_diameter_mm = 20.0;
    d.drum_width_mm = 20.0;
    d.needle_length_mm = 1.0;
    d.needle_diameter_um = 250.0;
    d.tip = Device::Tip::cone;
    devices.push_back(d);
  }

  // Microneedling pen: needles 0.2–0.4 mm thick, 50–150 stamps/s, target 250–300 punctures/cm²
  // (PRIME 2015; SCIENCE.md §2). Preset: the middle of both ranges, 300 µm and 100 stamps/s.
  // Assumptions (not in SCIENCE.md): a 12-needle cartridge with a 4 mm footprint, 1.5 mm
  // needles (the MF8's length, so the presets compare device kinds at equal nominal length).
  {
    Device d;
    d.kind = Device::Kind::pen;
    d.name = "pen";
    d.needle_count = 12;
    d.rows = 1;
    d.needle_length_mm = 1.5;
    d.needle_diameter_um = 300.0;
    d.tip = Device::Tip::cone;
    d.stamp_rate_per_s = 100.0;
    d.cartridge_diameter_mm = 4.0;
    devices.push_back(d);
  }

  // Single needle pressed perpendicularly: the geometry of the in vivo human OCT study of
  // Donnelly et al. 2010, Pharm Res (600 µm microneedles; SCIENCE.md §2). The 300 µm base width
  // is quoted from memory of that paper († unverified).
  {
    Device d;
    d.kind = Device::Kind::single_needle;
    d.name = "single_needle";
    d.needle_count = 1;
    d.rows = 1;
    d.needle_length_mm = 0.6;
    d.needle_diameter_um = 300.0;
    d.tip = Device::Tip::cone;
    devices.push_back(d);
  }
  return devices;
}

}  // namespace

std::string to_string(Device::Kind kind) {
  switch (kind) {
    case Device::Kind::roller:
      return "roller";
    case Device::Kind::pen:
      return "pen";
    case Device::Kind::single_needle:
      return "single_needle";
  }
  return "unknown";
}

Device::Kind device_kind(const std::string& name) {
  for (Device::Kind kind : {Device::Kind::roller, Device::Kind::pen, Device::Kind::single_needle}) {
    if (to_string(kind) == name) return kind;
  }
  throw InputError("unknown device kind '" + name + "'" +
                   hint_with_valid(name, {"roller", "pen", "single_needle"}));
}

std::vector<std::string> device_preset_names() {
  std::vector<std::string> names;
  for (const Device& d : presets()) names.push_back(d.name);
  return names;
}

Device device_preset(const std::string& name) {
  for (Device& d : presets()) {
    if (d.name == name) return d;
  }
  throw InputError("unknown device preset '" + name + "'" +
                   hint_with_valid(name, device_preset_names()));
}

std::vector<std::string> validate_device(const Device& device) {
  const std::string who = "device '" + device.name + "': ";
  const double length_mm = device.needle_length_mm;
  SKINHEAL_REQUIRE(
      std::isfinite(length_mm) && length_mm >= 0.05 && length_mm <= 5.0,
      who + "needle_length_mm = " + std::to_string(length_mm) + " is outside 0.05–5 mm");
  SKINHEAL_REQUIRE(std::isfinite(device.needle_diameter_um) && device.needle_diameter_um > 0.0 &&
                       device.needle_diameter_um <= 2000.0,
                   who + "needle_diameter_um must be in (0, 2000] µm");
  SKINHEAL_REQUIRE(device.needle_count >= 1, who + "needle_count must be at least 1");
  switch (device.kind) {
    case Device::Kind::roller:
      SKINHEAL_REQUIRE(device.rows >= 1, who + "a roller needs at least one row");
      SKINHEAL_REQUIRE(device.needle_count % device.rows == 0,
                       who + "needle_count (" + std::to_string(device.needle_count) +
                           ") must split evenly over rows (" + std::to_string(device.rows) + ")");
      SKINHEAL_REQUIRE(std::isfinite(device.drum_diameter_mm) && device.drum_diameter_mm > 0.0,
                       who + "a roller needs drum_diameter_mm > 0");
      SKINHEAL_REQUIRE(std::isfinite(device.drum_width_mm) && device.drum_width_mm > 0.0,
                       who + "a roller needs drum_width_mm > 0");
      break;
    case Device::Kind::pen:
      SKINHEAL_REQUIRE(std::isfinite(device.stamp_rate_per_s) && device.stamp_rate_per_s > 0.0,
                       who + "a pen needs stamp_rate_per_s > 0");
      SKINHEAL_REQUIRE(
          std::isfinite(device.cartridge_diameter_mm) && device.cartridge_diameter_mm > 0.0,
          who + "a pen needs cartridge_diameter_mm > 0");
      break;
    case Device::Kind::single_needle:
      SKINHEAL_REQUIRE(device.needle_count == 1, who + "a single needle has needle_count = 1");
      break;
  }
  std::vector<std::string> warnings;
  if (length_mm < 0.25 || length_mm > 3.0) {
    warnings.push_back(who + "needle_length_mm = " + std::to_string(length_mm) +
                       " is outside the usual 0.25–3 mm range");
  }
  if (device.kind == Device::Kind::pen &&
      (device.stamp_rate_per_s < 50.0 || device.stamp_rate_per_s > 150.0)) {
    warnings.push_back(who + "stamp_rate_per_s = " + std::to_string(device.stamp_rate_per_s) +
                       " is outside the 50–150 /s of PRIME 2015");
  }
  return warnings;
}

double punctures_per_cm2_per_pass(const Device& device) {
  SKINHEAL_REQUIRE(device.kind == Device::Kind::roller,
                   "punctures per pass: device '" + device.name + "' is not a roller");
  const double drum_area_cm2 =
      std::numbers::pi * (0.1 * device.drum_diameter_mm) * (0.1 * device.drum_width_mm);
  return device.needle_count / drum_area_cm2;
}

double roller_needle_spacing_along_um(const Device& device) {
  SKINHEAL_REQUIRE(device.kind == Device::Kind::roller && device.rows >= 1,
                   "needle spacing: device '" + device.name + "' is not a roller");
  const double per_ring = static_cast<double>(device.needle_count) / device.rows;
  return std::numbers::pi * 1000.0 * device.drum_diameter_mm / per_ring;
}

double roller_ring_spacing_across_um(const Device& device) {
  SKINHEAL_REQUIRE(device.kind == Device::Kind::roller && device.rows >= 1,
                   "ring spacing: device '" + device.name + "' is not a roller");
  return 1000.0 * device.drum_width_mm / device.rows;
}

}  // namespace skinheal
