// Unit tests of puncture patterns (models/puncture_pattern): SCIENCE.md §8 check 4 (15.3 /cm²
// per MF8 pass, ≈ 229–250 /cm² after 15 passes, counted over a big patch), reproducibility,
// pen stamping density, unit-cell radius and 2D sections.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "engine/error.hpp"
#include "models/puncture_pattern.hpp"

namespace skinheal {
namespace {

// A 10 cm × 10 cm patch: 40 MF8 ring spacings (2.5 mm) each way, so axis-aligned passes have no
// edge error across the rolling direction, and ~1500 punctures per pass.
const Patch kBigPatch{100000.0, 100000.0};

TEST(SplitMix64, ReferenceSequenceAndUniforms) {
  // First outputs of SplitMix64 from state 0 (Vigna's reference splitmix64.c).
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  SplitMix64 uniform(42);
  double sum = 0.0, lo = 1.0, hi = 0.0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = uniform.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    lo = std::min(lo, u), hi = std::max(hi, u);
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
  EXPECT_LT(lo, 1e-3);
  EXPECT_GT(hi, 1.0 - 1e-3);
}

TEST(PuncturePattern, Mf8OnePassIsFifteenPointThreePerSquareCentimetre) {
  const Device mf8 = device_preset("mf8");
  for (PassDirection direction : {PassDirection::vertical, PassDirection::horizontal,
                                  PassDirection::diagonal, PassDirection::antidiagonal}) {
    for (std::uint64_t seed : {1ULL, 2ULL, 3ULL}) {
      SplitMix64 rng(seed);
      const std::vector<Puncture> pass = roller_pass(mf8, kBigPatch, direction, rng);
      const double density = puncture_density_per_cm2(pass, kBigPatch);
      EXPECT_NEAR(density, 15.3, 0.1) << to_string(direction) << " seed " << seed;
      EXPECT_NEAR(density, punctures_per_cm2_per_pass(mf8), 0.05) << to_string(direction);
      for (const Puncture& p : pass) {
        ASSERT_GE(p.x_um, 0.0);
        ASSERT_LT(p.x_um, kBigPatch.width_x_um);
        ASSERT_GE(p.y_um, 0.0);
        ASSERT_LT(p.y_um, kBigPatch.width_y_um);
      }
    }
  }
}

TEST(PuncturePattern, Mf8FifteenPassesGive229To250PerSquareCentimetre) {
  const Device mf8 = device_preset("mf8");
  RollerProtocol protocol;
  protocol.passes = 15;
  for (std::uint64_t seed : {7ULL, 8ULL, 9ULL}) {
    protocol.seed = seed;
    const std::vector<Puncture> all = roller_pattern(mf8, kBigPatch, protocol);
    const double density = puncture_density_per_cm2(all, kBigPatch);
    EXPECT_GE(density, 229.0) << seed;  // SCIENCE.md §8 check 4
    EXPECT_LE(density, 250.0) << seed;
    EXPECT_NEAR(density, 15.0 * punctures_per_cm2_per_pass(mf8), 0.2) << seed;
    EXPECT_EQ(all.back().pass, 14);
  }
}

TEST(PuncturePattern, NeedlesOfOnePassSitOnTheDrumLattice) {
  // A vertical pass: rings are 2.5 mm apart in x; along y, needles of one ring 2618 µm apart.
  const Device mf8 = device_preset("mf8");
  SplitMix64 rng(5);
  const Patch patch{20000.0, 30000.0};
  const std::vector<Puncture> pass = roller_pass(mf8, patch, PassDirection::vertical, rng);
  ASSERT_GT(pass.size(), 50u);
  const double along = roller_needle_spacing_along_um(mf8);
  int pairs = 0;
  for (std::size_t a = 0; a < pass.size(); ++a) {
    for (std::size_t b = a + 1; b < pass.size(); ++b) {
      if (std::abs(pass[a].x_um - pass[b].x_um) < 1e-6) {
        const double dy = std::abs(pass[a].y_um - pass[b].y_um) / along;
        EXPECT_NEAR(dy, std::round(dy), 1e-9);  // same ring: integer multiples of the spacing
        ++pairs;
      }
    }
  }
  EXPECT_GT(pairs, 100);
}

TEST(PuncturePattern, SameSeedSamePatternAndPassesAppend) {
  const Device mf8 = device_preset("mf8");
  const Patch patch{30000.0, 20000.0};
  RollerProtocol protocol;
  protocol.passes = 4;
  protocol.seed = 11;
  protocol.jitter_um = 30.0;
  const std::vector<Puncture> a = roller_pattern(mf8, patch, protocol);
  const std::vector<Puncture> b = roller_pattern(mf8, patch, protocol);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].x_um, b[i].x_um);  // bitwise
    ASSERT_EQ(a[i].y_um, b[i].y_um);
  }
  protocol.passes = 6;
  const std::vector<Puncture> longer = roller_pattern(mf8, patch, protocol);
  ASSERT_GT(longer.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(longer[i].x_um, a[i].x_um);
  protocol.passes = 4;
  protocol.seed = 12;
  const std::vector<Puncture> other = roller_pattern(mf8, patch, protocol);
  EXPECT_TRUE(other.size() != a.size() || other[0].x_um != a[0].x_um);
}

TEST(PuncturePattern, PenStampsAtTheTargetDensity) {
  const Device pen = device_preset("pen");
  const Patch patch{50000.0, 50000.0};
  for (double target : {250.0, 300.0}) {  // PRIME 2015: 250–300 /cm²
    PenProtocol protocol;
    protocol.target_density_per_cm2 = target;
    protocol.seed = 3;
    const std::vector<Puncture> punctures = pen_pattern(pen, patch, protocol);
    EXPECT_NEAR(puncture_density_per_cm2(punctures, patch), target, 0.02 * target) << target;
  }
  // 12 needles × 100 stamps/s: 250 /cm² over 100 cm² takes 20.8 s.
  EXPECT_NEAR(pen_treatment_time_s(pen, 100.0, 250.0), 250.0 * 100.0 / 1200.0, 1e-9);
  EXPECT_THROW(pen_pattern(device_preset("mf8"), patch, PenProtocol{}), InputError);
}

TEST(PuncturePattern, CartridgeLayoutFitsTheFootprint) {
  const Device pen = device_preset("pen");
  const std::vector<Puncture> layout = pen_cartridge_layout(pen);
  ASSERT_EQ(layout.size(), static_cast<std::size_t>(pen.needle_count));
  const double limit = 0.5 * 1000.0 * pen.cartridge_diameter_mm - 0.5 * pen.needle_diameter_um;
  double outermost = 0.0;
  for (std::size_t a = 0; a < layout.size(); ++a) {
    outermost = std::max(outermost, std::hypot(layout[a].x_um, layout[a].y_um));
    for (std::size_t b = a + 1; b < layout.size(); ++b) {
      EXPECT_GT(std::hypot(layout[a].x_um - layout[b].x_um, layout[a].y_um - layout[b].y_um),
                pen.needle_diameter_um);
    }
  }
  EXPECT_NEAR(outermost, limit, 1e-9);
}

TEST(PuncturePattern, UnitCellRadius) {
  // 229 /cm² → one puncture per 0.437 mm², a disc of radius 373 µm.
  const double r = unit_cell_radius_um(229.2);
  EXPECT_NEAR(std::numbers::pi * r * r * 229.2e-8, 1.0, 1e-12);
  EXPECT_NEAR(r, 372.7, 0.1);
  EXPECT_THROW(unit_cell_radius_um(0.0), InputError);
}

TEST(PuncturePattern, SectionKeepsChannelsNearThePlane) {
  const Device mf8 = device_preset("mf8");
  RollerProtocol protocol;
  protocol.passes = 15;
  const std::vector<Puncture> all = roller_pattern(mf8, kBigPatch, protocol);
  const double y0 = 50000.0, half_band = 500.0;
  const std::vector<SectionChannel> cut = section_channels(all, y0, half_band);
  for (std::size_t i = 0; i < cut.size(); ++i) {
    EXPECT_LE(std::abs(cut[i].offset_y_um), half_band);
    if (i > 0) {
      EXPECT_LE(cut[i - 1].x_um, cut[i].x_um);
    }
  }
  // Expected: density × band width × section length = 229.2e-8 × 1000 × 1e5 ≈ 229.
  const double expected =
      puncture_density_per_cm2(all, kBigPatch) * 1e-8 * 2 * half_band * kBigPatch.width_x_um;
  EXPECT_NEAR(static_cast<double>(cut.size()), expected, 0.25 * expected);
  int brute = 0;
  for (const Puncture& p : all) brute += std::abs(p.y_um - y0) <= half_band;
  EXPECT_EQ(static_cast<int>(cut.size()), brute);
}

TEST(PuncturePattern, DirectionNames) {
  EXPECT_EQ(pass_direction("diagonal"), PassDirection::diagonal);
  EXPECT_EQ(to_string(PassDirection::antidiagonal), "antidiagonal");
  EXPECT_THROW(pass_direction("verticle"), InputError);
}

}  // namespace
}  // namespace skinheal
