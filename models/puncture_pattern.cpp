#include "models/puncture_pattern.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

namespace {

/// Unit vectors along (u) and across (v) a pass direction; exact for the axes, √½ (correctly
/// rounded) for the diagonals.
void pass_axes(PassDirection direction, double u[2], double v[2]) {
  const double c = std::sqrt(0.5);
  switch (direction) {
    case PassDirection::vertical:
      u[0] = 0.0, u[1] = 1.0, v[0] = 1.0, v[1] = 0.0;
      return;
    case PassDirection::horizontal:
      u[0] = 1.0, u[1] = 0.0, v[0] = 0.0, v[1] = 1.0;
      return;
    case PassDirection::diagonal:
      u[0] = c, u[1] = c, v[0] = c, v[1] = -c;
      return;
    case PassDirection::antidiagonal:
      u[0] = c, u[1] = -c, v[0] = c, v[1] = c;
      return;
  }
}

bool inside(const Patch& patch, double x, double y) {
  return x >= 0.0 && x < patch.width_x_um && y >= 0.0 && y < patch.width_y_um;
}

void check_patch(const Patch& patch) {
  SKINHEAL_REQUIRE(std::isfinite(patch.width_x_um) && std::isfinite(patch.width_y_um) &&
                       patch.width_x_um > 0.0 && patch.width_y_um > 0.0,
                   "puncture pattern: the patch needs positive widths in µm");
}

}  // namespace

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform01() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::string to_string(PassDirection direction) {
  switch (direction) {
    case PassDirection::vertical:
      return "vertical";
    case PassDirection::horizontal:
      return "horizontal";
    case PassDirection::diagonal:
      return "diagonal";
    case PassDirection::antidiagonal:
      return "antidiagonal";
  }
  return "unknown";
}

PassDirection pass_direction(const std::string& name) {
  const std::vector<std::string> valid = {"vertical", "horizontal", "diagonal", "antidiagonal"};
  for (PassDirection d : {PassDirection::vertical, PassDirection::horizontal,
                          PassDirection::diagonal, PassDirection::antidiagonal}) {
    if (to_string(d) == name) return d;
  }
  std::string hint = suggest_nearest(name, valid);
  if (hint.rfind("; valid:", 0) != 0) hint += "; valid: " + join(valid, ", ");
  throw InputError("unknown pass direction '" + name + "'" + hint);
}

std::vector<Puncture> roller_pass(const Device& roller, const Patch& patch, PassDirection direction,
                                  SplitMix64& rng, int pass_index, double jitter_um) {
  SKINHEAL_REQUIRE(roller.kind == Device::Kind::roller,
                   "roller pass: device '" + roller.name + "' is not a roller");
  validate_device(roller);
  check_patch(patch);
  SKINHEAL_REQUIRE(std::isfinite(jitter_um) && jitter_um >= 0.0,
                   "roller pass: jitter_um must be >= 0");

  const double along_um = roller_needle_spacing_along_um(roller);  // a
  const double across_um = roller_ring_spacing_across_um(roller);  // b
  const double stroke_width_um = 1000.0 * roller.drum_width_mm;    // W
  const int rows = roller.rows;

  double u[2] = {0.0, 0.0}, v[2] = {0.0, 0.0};
  pass_axes(direction, u, v);
  // Extent of the patch in (s along u, t along v) coordinates.
  double s_min = 1e300, s_max = -1e300, t_min = 1e300, t_max = -1e300;
  for (double cx : {0.0, patch.width_x_um}) {
    for (double cy : {0.0, patch.width_y_um}) {
      const double s = cx * u[0] + cy * u[1];
      const double t = cx * v[0] + cy * v[1];
      s_min = std::min(s_min, s), s_max = std::max(s_max, s);
      t_min = std::min(t_min, t), t_max = std::max(t_max, t);
    }
  }

  std::vector<Puncture> out;
  const double expected = patch.area_cm2() * punctures_per_cm2_per_pass(roller);
  out.reserve(static_cast<std::size_t>(expected * 1.1) + 16);

  const double first_stroke_t = t_min - stroke_width_um * rng.uniform01();
  for (int stroke = 0;; ++stroke) {
    const double stroke_t = first_stroke_t + stroke * stroke_width_um;
    if (stroke_t >= t_max) break;
    const double phase = along_um * rng.uniform01();
    for (int r = 0; r < rows; ++r) {
      const double t = stroke_t + (r + 0.5) * across_um;
      const double s_start = s_min - 2.0 * along_um + phase + r * along_um / rows;
      for (long m = 0;; ++m) {
        const double s = s_start + static_cast<double>(m) * along_um;
        if (s >= s_max) break;
        double x = s * u[0] + t * v[0];
        double y = s * u[1] + t * v[1];
        if (jitter_um > 0.0) {
          x += rng.uniform(-jitter_um, jitter_um);
          y += rng.uniform(-jitter_um, jitter_um);
        }
        if (inside(patch, x, y)) out.push_back({x, y, pass_index});
      }
    }
  }
  return out;
}

std::vector<Puncture> roller_pattern(const Device& roller, const Patch& patch,
                                     const RollerProtocol& protocol) {
  SKINHEAL_REQUIRE(protocol.passes >= 0, "roller protocol: passes must be >= 0");
  SKINHEAL_REQUIRE(!protocol.directions.empty(),
                   "roller protocol: give at least one pass direction");
  SplitMix64 rng(protocol.seed);
  std::vector<Puncture> all;
  for (int p = 0; p < protocol.passes; ++p) {
    const PassDirection direction = protocol.directions[p % protocol.directions.size()];
    std::vector<Puncture> pass = roller_pass(roller, patch, direction, rng, p, protocol.jitter_um);
    all.insert(all.end(), pass.begin(), pass.end());
  }
  return all;
}

std::vector<Puncture> pen_cartridge_layout(const Device& pen) {
  SKINHEAL_REQUIRE(pen.kind == Device::Kind::pen,
                   "pen layout: device '" + pen.name + "' is not a pen");
  validate_device(pen);
  const int n = pen.needle_count;
  // Hexagonal lattice points of unit pitch, nearest to the centre first (ties by y, then x).
  const double row_height = 0.5 * std::sqrt(3.0);
  int reach = 1;
  while (3 * reach * (reach + 1) + 1 < n) ++reach;  // hexagon of radius `reach` holds ≥ n
  struct Point {
    double x, y, r2;
  };
  // The n nearest points lie within distance `reach`; the parallelogram |j| ≤ 2·reach,
  // |i| ≤ 4·reach contains the disc of radius √3·reach ≥ reach.
  std::vector<Point> points;
  for (int j = -2 * reach; j <= 2 * reach; ++j) {
    for (int i = -4 * reach; i <= 4 * reach; ++i) {
      const double x = i + 0.5 * j;
      const double y = j * row_height;
      points.push_back({x, y, x * x + y * y});
    }
  }
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    if (a.r2 != b.r2) return a.r2 < b.r2;
    if (a.y != b.y) return a.y < b.y;
    return a.x < b.x;
  });
  points.resize(n);
  const double outer = std::sqrt(points.back().r2);
  const double footprint_radius_um =
      0.5 * 1000.0 * pen.cartridge_diameter_mm - 0.5 * pen.needle_diameter_um;
  SKINHEAL_REQUIRE(n == 1 || footprint_radius_um > 0.0,
                   "pen '" + pen.name + "': the cartridge is narrower than one needle");
  const double scale = (outer > 0.0) ? footprint_radius_um / outer : 0.0;
  std::vector<Puncture> layout;
  for (const Point& p : points) layout.push_back({p.x * scale, p.y * scale, 0});
  return layout;
}

std::vector<Puncture> pen_pattern(const Device& pen, const Patch& patch,
                                  const PenProtocol& protocol) {
  check_patch(patch);
  SKINHEAL_REQUIRE(
      std::isfinite(protocol.target_density_per_cm2) && protocol.target_density_per_cm2 > 0.0,
      "pen protocol: target_density_per_cm2 must be positive");
  const std::vector<Puncture> layout = pen_cartridge_layout(pen);
  const double density_per_um2 = protocol.target_density_per_cm2 * 1e-8;
  const double cell_um = std::sqrt(pen.needle_count / density_per_um2);
  const double reach_um = 0.5 * 1000.0 * pen.cartridge_diameter_mm;

  SplitMix64 rng(protocol.seed);
  const double x_origin = -reach_um - cell_um * rng.uniform01();
  const double y_origin = -reach_um - cell_um * rng.uniform01();
  std::vector<Puncture> out;
  for (long j = 0;; ++j) {
    const double cell_y = y_origin + static_cast<double>(j) * cell_um;
    if (cell_y >= patch.width_y_um + reach_um) break;
    for (long i = 0;; ++i) {
      const double cell_x = x_origin + static_cast<double>(i) * cell_um;
      if (cell_x >= patch.width_x_um + reach_um) break;
      const double centre_x = cell_x + cell_um * rng.uniform01();
      const double centre_y = cell_y + cell_um * rng.uniform01();
      // Random rotation from a rejection-sampled unit vector (no trigonometry).
      double c = 1.0, s = 0.0;
      for (;;) {
        const double a = rng.uniform(-1.0, 1.0);
        const double b = rng.uniform(-1.0, 1.0);
        const double r2 = a * a + b * b;
        if (r2 > 1e-4 && r2 <= 1.0) {
          const double r = std::sqrt(r2);
          c = a / r, s = b / r;
          break;
        }
      }
      for (const Puncture& needle : layout) {
        const double x = centre_x + c * needle.x_um - s * needle.y_um;
        const double y = centre_y + s * needle.x_um + c * needle.y_um;
        if (inside(patch, x, y)) out.push_back({x, y, 0});
      }
    }
  }
  return out;
}

double pen_treatment_time_s(const Device& pen, double area_cm2, double density_per_cm2) {
  SKINHEAL_REQUIRE(pen.kind == Device::Kind::pen,
                   "pen treatment time: device '" + pen.name + "' is not a pen");
  validate_device(pen);
  SKINHEAL_REQUIRE(area_cm2 >= 0.0 && density_per_cm2 >= 0.0,
                   "pen treatment time: area and density must be >= 0");
  return density_per_cm2 * area_cm2 / (pen.needle_count * pen.stamp_rate_per_s);
}

double puncture_density_per_cm2(const std::vector<Puncture>& punctures, const Patch& patch) {
  check_patch(patch);
  return static_cast<double>(punctures.size()) / patch.area_cm2();
}

double unit_cell_radius_um(double density_per_cm2) {
  SKINHEAL_REQUIRE(std::isfinite(density_per_cm2) && density_per_cm2 > 0.0,
                   "unit cell: the puncture density must be positive");
  return 1.0 / std::sqrt(std::numbers::pi * density_per_cm2 * 1e-8);
}

std::vector<SectionChannel> section_channels(const std::vector<Puncture>& punctures, double y0_um,
                                             double half_band_um) {
  SKINHEAL_REQUIRE(std::isfinite(half_band_um) && half_band_um >= 0.0,
                   "section: half_band_um must be >= 0");
  std::vector<SectionChannel> out;
  for (const Puncture& p : punctures) {
    const double offset = p.y_um - y0_um;
    if (std::abs(offset) <= half_band_um) out.push_back({p.x_um, offset});
  }
  std::stable_sort(out.begin(), out.end(), [](const SectionChannel& a, const SectionChannel& b) {
    return a.x_um < b.x_um;
  });
  return out;
}

}  // namespace skinheal
