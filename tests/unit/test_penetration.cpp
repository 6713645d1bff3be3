// Unit tests of the penetration model (models/penetration): the calibration anchors of
// SCIENCE.md §2 and §8 check 5, monotone saturating curves, pens deeper than rollers, channel
// shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/error.hpp"
#include "models/penetration.hpp"
#include "models/skin_sites.hpp"

namespace skinheal {
namespace {

using Kind = Device::Kind;

TEST(Penetration, RollerHitsKalluri770To152) {
  // Kalluri, Kolli & Banga 2011: 770 µm Dermaroller needle → 152.5 ± 9.6 µm (rat).
  const double depth = penetration_depth_um(Kind::roller, 770.0);
  EXPECT_NEAR(depth, 152.5, 9.6);
  EXPECT_NEAR(depth, 152.5, 0.1);  // calibrated through the anchor, not merely inside the bar
}

TEST(Penetration, SingleNeedleHitsDonnelly600To460) {
  // Donnelly et al. 2010: 600 µm needle in vivo (human, OCT) → about 460 µm.
  EXPECT_NEAR(penetration_depth_um(Kind::single_needle, 600.0), 460.0, 1.0);
}

TEST(Penetration, PenSlopeIsSixHundredthsBetweenOneAndTwoMillimetres) {
  // Dermatol Surg Dec 2020 (ex vivo human): ~0.06 mm deeper per +1 mm of needle.
  const double slope =
      (penetration_depth_um(Kind::pen, 2000.0) - penetration_depth_um(Kind::pen, 1000.0)) / 1000.0;
  EXPECT_NEAR(slope, 0.06, 0.002);
}

TEST(Penetration, CurvesAreMonotoneSaturatingAndBelowTheNeedleLength) {
  for (Kind kind : {Kind::roller, Kind::pen, Kind::single_needle}) {
    double previous_depth = 0.0, previous_slope = 2.0;
    for (double length = 50.0; length <= 5000.0; length += 50.0) {
      const double depth = penetration_depth_um(kind, length);
      EXPECT_LE(depth, length) << to_string(kind) << " " << length;
      EXPECT_GT(depth, previous_depth) << to_string(kind) << " " << length;
      const double slope = (depth - previous_depth) / 50.0;
      if (length > 50.0) {
        EXPECT_LT(slope, previous_slope) << to_string(kind) << " " << length;
      }
      previous_depth = depth;
      previous_slope = slope;
    }
    EXPECT_DOUBLE_EQ(penetration_depth_um(kind, 0.0), 0.0);
  }
}

TEST(Penetration, PensReachDeeperThanRollers) {
  for (double length = 250.0; length <= 3000.0; length += 250.0) {
    EXPECT_GT(penetration_depth_um(Kind::pen, length),
              2.0 * penetration_depth_um(Kind::roller, length))
        << length;
  }
  // A 3 mm roller stays shallow (≈ 194 µm): the saturation the ex vivo study reports.
  EXPECT_LT(penetration_depth_um(Kind::roller, 3000.0), 200.0);
}

TEST(Penetration, KalluriChannelShape) {
  // The Kalluri needle: 770 µm long, 140 µm base, sharp tip → 70.7 ± 9.9 µm at the surface.
  Device needle = device_preset("mf8");
  needle.needle_length_mm = 0.77;
  needle.needle_diameter_um = 140.0;
  const ChannelShape channel = penetration(needle);
  EXPECT_EQ(channel.profile, ChannelShape::Profile::cone);
  EXPECT_NEAR(channel.depth_um, 152.5, 0.1);
  EXPECT_NEAR(channel.surface_diameter_um, 70.7, 0.1);
  EXPECT_NEAR(channel.radius_at_um(0.5 * channel.depth_um), 0.25 * 70.7, 0.05);
  EXPECT_DOUBLE_EQ(channel.radius_at_um(channel.depth_um + 1.0), 0.0);
}

TEST(Penetration, PresetChannels) {
  // MF8 (1.5 mm roller): ≈ 185 µm deep, through the avascular facial epidermis → bleeds.
  const ChannelShape mf8 = penetration(device_preset("mf8"));
  EXPECT_NEAR(mf8.depth_um, 184.9, 0.5);
  EXPECT_NEAR(mf8.surface_diameter_um, 0.4636 * 184.9, 0.5);
  EXPECT_GT(mf8.depth_um, skin_site("face_cheek").vascular_depth_um());
  // Home roller: 0.25 mm → ≈ 76 µm, diameter capped by nothing (35 µm < 70 µm needle).
  const ChannelShape home = penetration(device_preset("home_0p25"));
  EXPECT_NEAR(home.depth_um, 76.1, 0.5);
  EXPECT_LT(home.surface_diameter_um, 70.0);
  // Pen 1.5 mm: ≈ 479 µm; a 300 µm needle caps the width at depth > 647 µm only.
  const ChannelShape pen = penetration(device_preset("pen"));
  EXPECT_NEAR(pen.depth_um, 478.9, 0.5);
  // Cylindrical (blunt) tips leave a cylinder of the needle's diameter.
  Device blunt = device_preset("single_needle");
  blunt.tip = Device::Tip::cylinder;
  const ChannelShape cylinder = penetration(blunt);
  EXPECT_EQ(cylinder.profile, ChannelShape::Profile::cylinder);
  EXPECT_DOUBLE_EQ(cylinder.surface_diameter_um, blunt.needle_diameter_um);
  EXPECT_DOUBLE_EQ(cylinder.radius_at_um(0.9 * cylinder.depth_um), 0.5 * blunt.needle_diameter_um);
  // Surface diameter capped at the needle's base diameter.
  Device thin = device_preset("pen");
  thin.needle_diameter_um = 100.0;
  EXPECT_DOUBLE_EQ(penetration(thin).surface_diameter_um, 100.0);
}

TEST(Penetration, PressureFactorScalesDepthUpToTheNeedleLength) {
  const double base = penetration_depth_um(Kind::roller, 1500.0);
  EXPECT_NEAR(penetration_depth_um(Kind::roller, 1500.0, 2.0), 2.0 * base, 1e-9);
  EXPECT_NEAR(penetration_depth_um(Kind::roller, 1500.0, 0.5), 0.5 * base, 1e-9);
  EXPECT_DOUBLE_EQ(penetration_depth_um(Kind::pen, 300.0, 3.0), 300.0);  // capped at L
  EXPECT_THROW(penetration_depth_um(Kind::pen, 300.0, 0.0), InputError);
  EXPECT_THROW(penetration_depth_um(Kind::pen, 300.0, 3.5), InputError);
  EXPECT_THROW(penetration_depth_um(Kind::pen, -1.0), InputError);
}

TEST(Penetration, CurveForPlotting) {
  const std::vector<double> lengths = {250.0, 500.0, 1000.0, 1500.0, 2000.0, 3000.0};
  const auto curve = penetration_curve(Kind::roller, lengths);
  ASSERT_EQ(curve.size(), lengths.size());
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    EXPECT_DOUBLE_EQ(curve[i].first, lengths[i]);
    EXPECT_DOUBLE_EQ(curve[i].second, penetration_depth_um(Kind::roller, lengths[i]));
  }
  const PenetrationModel roller = penetration_model(Kind::roller);
  EXPECT_LE(roller.insertion_efficiency, 1.0);
  EXPECT_NEAR(roller.insertion_efficiency * roller.saturation_length_um, 194.9, 0.5);
}

}  // namespace
}  // namespace skinheal
