// Unit tests of the device presets (models/devices): MF8 geometry and puncture density per pass
// (SCIENCE.md §2 and §8 check 4), range checks and warnings, lookup errors.
#include <gtest/gtest.h>

#include <numbers>
#include <string>

#include "engine/error.hpp"
#include "models/devices.hpp"

namespace skinheal {
namespace {

TEST(Devices, Mf8MatchesSchwarzAndLaaff) {
  const Device mf8 = device_preset("mf8");
  EXPECT_EQ(mf8.kind, Device::Kind::roller);
  EXPECT_EQ(mf8.needle_count, 192);
  EXPECT_EQ(mf8.rows, 8);
  EXPECT_DOUBLE_EQ(mf8.needle_diameter_um, 250.0);
  EXPECT_DOUBLE_EQ(mf8.needle_length_mm, 1.5);
  EXPECT_DOUBLE_EQ(mf8.needle_length_um(), 1500.0);
  EXPECT_DOUBLE_EQ(mf8.drum_diameter_mm, 20.0);
  EXPECT_DOUBLE_EQ(mf8.drum_width_mm, 20.0);
}

TEST(Devices, Mf8GivesFifteenPointThreePuncturesPerSquareCentimetrePerPass) {
  const Device mf8 = device_preset("mf8");
  const double per_pass = punctures_per_cm2_per_pass(mf8);
  EXPECT_NEAR(per_pass, 192.0 / (std::numbers::pi * 2.0 * 2.0), 1e-12);
  EXPECT_NEAR(per_pass, 15.3, 0.05);
  // SCIENCE.md §8 check 4: 15 passes ≈ 229–250 /cm².
  EXPECT_GE(15.0 * per_pass, 229.0);
  EXPECT_LE(15.0 * per_pass, 250.0);
  // Lattice spacings: 24 needles per ring around a 62.8 mm circumference, 8 rings over 20 mm.
  EXPECT_NEAR(roller_needle_spacing_along_um(mf8), std::numbers::pi * 20000.0 / 24.0, 1e-9);
  EXPECT_NEAR(roller_ring_spacing_across_um(mf8), 2500.0, 1e-12);
  // One drum surface per revolution: density = 1 / (along · across).
  EXPECT_NEAR(per_pass,
              1e8 / (roller_needle_spacing_along_um(mf8) * roller_ring_spacing_across_um(mf8)),
              1e-9);
}

TEST(Devices, OtherPresets) {
  const Device home = device_preset("home_0p25");
  EXPECT_EQ(home.needle_count, 192);
  EXPECT_DOUBLE_EQ(home.needle_diameter_um, 70.0);  // Doddaballapur 2009
  EXPECT_DOUBLE_EQ(home.needle_length_mm, 0.25);
  const Device r540 = device_preset("roller_540");
  EXPECT_EQ(r540.needle_count, 540);
  EXPECT_NEAR(punctures_per_cm2_per_pass(r540), 42.97, 0.01);
  const Device pen = device_preset("pen");
  EXPECT_EQ(pen.kind, Device::Kind::pen);
  EXPECT_GE(pen.stamp_rate_per_s, 50.0);  // PRIME 2015: 50–150 /s
  EXPECT_LE(pen.stamp_rate_per_s, 150.0);
  EXPECT_GE(pen.needle_diameter_um, 200.0);  // PRIME 2015: 0.2–0.4 mm
  EXPECT_LE(pen.needle_diameter_um, 400.0);
  EXPECT_THROW(punctures_per_cm2_per_pass(pen), InputError);
  const Device single = device_preset("single_needle");
  EXPECT_EQ(single.kind, Device::Kind::single_needle);
  EXPECT_EQ(single.needle_count, 1);
  EXPECT_DOUBLE_EQ(single.needle_length_mm, 0.6);  // Donnelly 2010

  const std::vector<std::string> names = device_preset_names();
  EXPECT_EQ(names.size(), 5u);
  for (const std::string& name : names) {
    const std::vector<std::string> warnings = validate_device(device_preset(name));
    EXPECT_TRUE(warnings.empty()) << name << ": " << (warnings.empty() ? "" : warnings[0]);
  }
}

TEST(Devices, NeedleLengthRangeIsCheckedWithErrorsAndWarnings) {
  Device d = device_preset("mf8");
  d.needle_length_mm = 5.5;
  EXPECT_THROW(validate_device(d), InputError);
  d.needle_length_mm = 0.04;
  EXPECT_THROW(validate_device(d), InputError);
  d.needle_length_mm = 0.1;  // possible but unusual: one warning, not printed
  std::vector<std::string> warnings = validate_device(d);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("0.25–3 mm"), std::string::npos) << warnings[0];
  d.needle_length_mm = 3.5;
  EXPECT_EQ(validate_device(d).size(), 1u);
  d.needle_length_mm = 3.0;
  EXPECT_TRUE(validate_device(d).empty());
  d.needle_length_mm = 0.25;
  EXPECT_TRUE(validate_device(d).empty());
}

TEST(Devices, ImpossibleGeometryIsAnInputError) {
  Device d = device_preset("mf8");
  d.rows = 7;  // 192 needles do not split over 7 rings
  EXPECT_THROW(validate_device(d), InputError);
  d = device_preset("mf8");
  d.drum_width_mm = 0.0;
  EXPECT_THROW(validate_device(d), InputError);
  d = device_preset("pen");
  d.stamp_rate_per_s = 0.0;
  EXPECT_THROW(validate_device(d), InputError);
  d = device_preset("pen");
  d.stamp_rate_per_s = 200.0;
  EXPECT_EQ(validate_device(d).size(), 1u);
  d = device_preset("single_needle");
  d.needle_count = 3;
  EXPECT_THROW(validate_device(d), InputError);
}

TEST(Devices, UnknownNamesAreInputErrorsThatHelp) {
  try {
    device_preset("mf9");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("did you mean 'mf8'"), std::string::npos) << what;
    EXPECT_NE(what.find("roller_540"), std::string::npos) << what;
  }
  EXPECT_EQ(device_kind("pen"), Device::Kind::pen);
  EXPECT_EQ(device_kind(to_string(Device::Kind::single_needle)), Device::Kind::single_needle);
  EXPECT_THROW(device_kind("rollr"), InputError);
}

}  // namespace
}  // namespace skinheal
