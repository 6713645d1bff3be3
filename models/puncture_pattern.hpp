/// \file puncture_pattern.hpp
/// \brief Where the needles enter: puncture positions (x, y in µm) on a lateral patch for roller
/// passes and pen stamping, and the channels a 2D x–z section cuts.
///
/// Patch: the half-open rectangle [0, width_x_um) × [0, width_y_um) of skin surface; a puncture
/// is kept when its axis lies inside.
///
/// Roller pass. The drum (width W, `rows` rings, needle_count / rows needles per ring) rolls in a
/// straight line along the pass direction u; its needles land on a lattice with spacing
/// a = π D / (needle_count / rows) along u and b = W / rows across. Ring r is staggered by
/// r · a / rows along u (assumption: the disc phases of the MF8 are not published; an even
/// stagger is the least clustered choice). The patch is covered by parallel strokes of width W
/// laid side by side without overlap; each pass draws a random offset of the strokes across u,
/// and each stroke a random phase along u (the operator lifts and re-places the roller between
/// strokes). Punctures per area per pass are therefore exactly needle_count / (π D W) on
/// average (SCIENCE.md §2, 15.3 /cm² for the MF8), and 15 passes give ≈ 229 /cm² counting
/// coincident holes separately. A finite patch adds an edge error of at most about one lattice
/// line per pass: ±0.3% on a 10 cm patch whose sides are multiples of the ring spacing, ±1% on
/// a 5–7 cm patch that is not. Optional hand jitter moves every puncture by a uniform offset in
/// [−jitter_um, jitter_um] per axis. Directions cycle through the protocol's list (vertical =
/// rolling along y, horizontal = along x, diagonal = along (1, 1), antidiagonal = along (1, −1)).
///
/// Pen stamping. A pen is moved continuously while it stamps; we place stamp centres on a
/// jittered (stratified) grid of cell size s = √(needle_count / target density), one centre
/// uniformly at random in each cell, over the patch widened by the cartridge radius, so the mean
/// puncture density is exactly the target. Each stamp lays the cartridge's needles (a fixed
/// hexagonal layout filling the cartridge footprint) rotated by a random angle.
///
/// Reproducibility: all randomness comes from SplitMix64 (Steele, Lea & Flood 2014, OOPSLA),
/// with uniforms built from the top 53 bits, and rotations from rejection-sampled unit vectors
/// (no trigonometric calls): the same seed gives bitwise the same pattern on every platform.
///
/// 2D sections. An x–z run is the plane y = y0. section_channels() returns the punctures whose
/// axes lie within half_band_um of that plane, with their signed distance from it:
///  - half_band_um = the channel's surface radius gives the channels a histological section
///    through y0 really cuts (stamp each with its offset: an off-axis cut is narrower);
///  - any other band, stamped with offset 0, treats each needle as a slit along y through its
///    axis (DESIGN.md: this overstates damage per area; the r–z unit cell avoids that).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/devices.hpp"

namespace skinheal {

/// \brief SplitMix64: a small, fully specified 64-bit generator (Steele, Lea & Flood 2014).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  /// Next 64 random bits.
  std::uint64_t next();
  /// Uniform in [0, 1): the top 53 bits of next() times 2⁻⁵³.
  double uniform01();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

 private:
  std::uint64_t state_;
};

/// \brief A puncture: needle axis position on the surface in µm, and the roller pass it came
/// from (0 for a pen).
struct Puncture {
  double x_um = 0.0;
  double y_um = 0.0;
  int pass = 0;
};

/// \brief The treated skin surface: [0, width_x_um) × [0, width_y_um).
struct Patch {
  double width_x_um = 10000.0;
  double width_y_um = 10000.0;
  double area_cm2() const { return width_x_um * width_y_um * 1e-8; }
};

/// \brief Direction a roller pass travels in.
enum class PassDirection { vertical, horizontal, diagonal, antidiagonal };

/// \brief A roller treatment: number of passes, directions cycled in order, seed, hand jitter.
struct RollerProtocol {
  int passes = 15;  ///< 15–20 in clinical protocols
  std::vector<PassDirection> directions = {PassDirection::vertical, PassDirection::horizontal,
                                           PassDirection::diagonal, PassDirection::antidiagonal};
  std::uint64_t seed = 1;
  double jitter_um = 0.0;  ///< uniform hand jitter per axis, µm (0: none)
};

/// \brief A pen treatment: target puncture density and seed.
struct PenProtocol {
  double target_density_per_cm2 = 250.0;  ///< 250–300 /cm² (PRIME 2015, SCIENCE.md §2)
  std::uint64_t seed = 1;
};

/// "vertical", "horizontal", "diagonal", "antidiagonal".
std::string to_string(PassDirection direction);
/// Parse a direction name; throws InputError naming the valid ones.
PassDirection pass_direction(const std::string& name);

/// Punctures of one roller pass over the patch (pass index `pass_index` recorded), drawing its
/// offsets from `rng`.
std::vector<Puncture> roller_pass(const Device& roller, const Patch& patch, PassDirection direction,
                                  SplitMix64& rng, int pass_index = 0, double jitter_um = 0.0);

/// All punctures of a roller treatment, pass after pass (adding passes keeps earlier ones).
std::vector<Puncture> roller_pattern(const Device& roller, const Patch& patch,
                                     const RollerProtocol& protocol);

/// Needle offsets (µm, relative to the stamp centre) of a pen cartridge: a hexagonal layout of
/// needle_count points, scaled so the outermost needle's edge touches the cartridge footprint.
std::vector<Puncture> pen_cartridge_layout(const Device& pen);

/// All punctures of a pen treatment at the protocol's target density.
std::vector<Puncture> pen_pattern(const Device& pen, const Patch& patch,
                                  const PenProtocol& protocol);

/// Time in s a pen needs to reach density_per_cm2 over area_cm2:
/// density · area / (needle_count · stamp_rate_per_s).
double pen_treatment_time_s(const Device& pen, double area_cm2, double density_per_cm2);

/// Punctures per cm² of a pattern over its patch.
double puncture_density_per_cm2(const std::vector<Puncture>& punctures, const Patch& patch);

/// Radius in µm of the axisymmetric r–z unit cell of a puncture field of the given density:
/// the disc of area 1/density, r = 1/√(π · density).
double unit_cell_radius_um(double density_per_cm2);

/// \brief A channel cut by a 2D section plane: its x, and the signed distance of its axis from
/// the plane (y − y0).
struct SectionChannel {
  double x_um = 0.0;
  double offset_y_um = 0.0;
};

/// Channels whose axes lie within half_band_um of the plane y = y0_um, sorted by x.
std::vector<SectionChannel> section_channels(const std::vector<Puncture>& punctures, double y0_um,
                                             double half_band_um);

}  // namespace skinheal
