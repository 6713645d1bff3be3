#include "models/channel_stamp.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "engine/error.hpp"

namespace skinheal {

namespace {

/// ∫_0^x √(r² − t²) dt for |x| ≤ r.
double half_chord_integral(double r, double x) {
  x = std::clamp(x, -r, r);
  return 0.5 * (x * std::sqrt(std::max(0.0, r * r - x * x)) + r * r * std::asin(x / r));
}

/// H(Y) = ∫_a^b clamp(Y, −s(x), s(x)) dx, s(x) = √(r² − x²), with −r ≤ a < b ≤ r.
/// Then area(disc ∩ [a, b] × [y0, y1]) = H(y1) − H(y0).
double clipped_column_integral(double r, double a, double b, double y) {
  const double sign = (y > 0.0) ? 1.0 : (y < 0.0 ? -1.0 : 0.0);
  double h = sign * (half_chord_integral(r, b) - half_chord_integral(r, a));
  if (std::abs(y) < r) {
    const double c = std::sqrt(r * r - y * y);  // |x| < c ⇔ |y| < s(x)
    const double lo = std::max(a, -c);
    const double hi = std::min(b, c);
    if (lo < hi) {
      h += y * (hi - lo) - sign * (half_chord_integral(r, hi) - half_chord_integral(r, lo));
    }
  }
  return h;
}

/// Length of [−h, h] ∩ [lo, hi].
double interval_overlap(double h, double lo, double hi) {
  return std::max(0.0, std::min(h, hi) - std::max(-h, lo));
}

/// 3-point Gauss–Legendre nodes and weights on [−1, 1].
constexpr std::array<double, 3> kGaussNodes = {-0.7745966692414834, 0.0, 0.7745966692414834};
constexpr std::array<double, 3> kGaussWeights = {5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};

/// ∫_{za}^{zb} f(z) dz, splitting at the given break depths and using Gauss–Legendre on each
/// smooth piece (two sub-pieces each).
template <class F>
double integrate_depth(double za, double zb, std::vector<double>& breaks, F&& f) {
  breaks.push_back(za);
  breaks.push_back(zb);
  std::sort(breaks.begin(), breaks.end());
  double total = 0.0;
  double previous = za;
  for (double z : breaks) {
    if (z <= previous || z > zb) continue;
    const double piece = z - previous;
    for (int sub = 0; sub < 2; ++sub) {
      const double lo = previous + 0.5 * sub * piece;
      const double half = 0.25 * piece;
      const double mid = lo + half;
      for (int g = 0; g < 3; ++g) total += kGaussWeights[g] * half * f(mid + half * kGaussNodes[g]);
    }
    previous = z;
  }
  return total;
}

/// Depth at which a cone of the given shape has radius `radius`, if inside (za, zb).
void add_break(const ChannelShape& channel, double radius, double za, double zb,
               std::vector<double>& breaks) {
  const double surface_radius = 0.5 * channel.surface_diameter_um;
  if (channel.profile != ChannelShape::Profile::cone || surface_radius <= 0.0) return;
  const double z = channel.depth_um * (1.0 - radius / surface_radius);
  if (z > za && z < zb) breaks.push_back(z);
}

/// The part of depth row k the channel reaches: [za, zb] within the row (of height dz), and the
/// channel's radius at its top and bottom.
struct ChannelRow {
  int k;
  double za, zb, dz, r_top, r_bottom;
};

/// Call fn(ChannelRow) for every depth row the channel reaches, from the surface down.
template <class Fn>
void for_each_channel_row(const Grid& grid, const ChannelShape& channel, Fn&& fn) {
  const std::vector<double>& faces = grid.z_faces_um();
  for (int k = 0; k < grid.nz(); ++k) {
    const double za = std::max(0.0, faces[k]);
    const double zb = std::min(channel.depth_um, faces[k + 1]);
    if (za >= channel.depth_um) break;
    if (za >= zb) continue;
    fn(ChannelRow{k, za, zb, faces[k + 1] - faces[k], channel.radius_at_um(za),
                  channel.radius_at_um(zb)});
  }
}

/// r–z grids: the channel's axis is the grid's axis; ring i of row k gets
///   coverage = ∫ ½ (min(r(z), r_{i+1})² − r_i²)₊ dz / (r_c dr dz),  r_c = (i + ½) dr,
/// the fraction of the ring's volume inside the channel (the integrand is piecewise quadratic in z
/// for a cone, with kinks where r(z) crosses r_i or r_{i+1}: Gauss–Legendre is exact).
void stamp_channel_axisymmetric(const Grid& grid, const ChannelShape& channel, double x0_um,
                                double y0_um, std::span<double> coverage) {
  SKINHEAL_REQUIRE(x0_um == 0.0 && y0_um == 0.0,
                   "stamp_channel: on an r-z grid the channel's axis is the grid's axis (x0 = y0 = "
                   "0 µm), got x0 = " +
                       std::to_string(x0_um) + " µm, y0 = " + std::to_string(y0_um) + " µm");
  const double radius = 0.5 * channel.surface_diameter_um;
  const double dr = grid.dx_um();
  const int i_hi = std::min(grid.nx() - 1, static_cast<int>(std::floor(radius / dr)));
  std::vector<double> breaks;
  for_each_channel_row(grid, channel, [&](const ChannelRow& row) {
    const auto [k, za, zb, dz, r_top, r_bottom] = row;
    for (int i = 0; i <= i_hi; ++i) {
      const double r_in = i * dr, r_out = r_in + dr;
      if (r_in >= r_top) break;
      const double ring_area = 0.5 * (r_out * r_out - r_in * r_in);  // = r_c dr
      auto inside = [&](double r) {
        const double rc = std::min(r, r_out);
        return rc > r_in ? 0.5 * (rc * rc - r_in * r_in) : 0.0;
      };
      double fraction = 0.0;
      if (r_out <= r_bottom) {
        fraction = (zb - za) / dz;
      } else if (channel.profile == ChannelShape::Profile::cylinder) {
        fraction = inside(radius) * (zb - za) / (ring_area * dz);
      } else {
        breaks.clear();
        add_break(channel, r_in, za, zb, breaks);
        add_break(channel, r_out, za, zb, breaks);
        const double integral = integrate_depth(
            za, zb, breaks, [&](double z) { return inside(channel.radius_at_um(z)); });
        fraction = integral / (ring_area * dz);
      }
      fraction = std::clamp(fraction, 0.0, 1.0);
      double& value = coverage[grid.index(i, 0, k)];
      value = std::max(value, fraction);
    }
  });
}

}  // namespace

double disc_rectangle_area_um2(double radius_um, double x_lo, double x_hi, double y_lo,
                               double y_hi) {
  if (radius_um <= 0.0 || x_hi <= x_lo || y_hi <= y_lo) return 0.0;
  const double a = std::max(x_lo, -radius_um);
  const double b = std::min(x_hi, radius_um);
  if (a >= b) return 0.0;
  const double area = clipped_column_integral(radius_um, a, b, y_hi) -
                      clipped_column_integral(radius_um, a, b, y_lo);
  return std::max(0.0, area);
}

double channel_volume_um3(const ChannelShape& channel) {
  const double r = 0.5 * channel.surface_diameter_um;
  const double cylinder = std::numbers::pi * r * r * channel.depth_um;
  return channel.profile == ChannelShape::Profile::cone ? cylinder / 3.0 : cylinder;
}

double channel_axial_section_area_um2(const ChannelShape& channel) {
  const double r = 0.5 * channel.surface_diameter_um;
  return channel.profile == ChannelShape::Profile::cone ? r * channel.depth_um
                                                        : 2.0 * r * channel.depth_um;
}

void stamp_channel(const Grid& grid, const ChannelShape& channel, double x0_um, double y0_um,
                   std::span<double> coverage) {
  SKINHEAL_REQUIRE(coverage.size() == grid.num_cells(),
                   "stamp_channel: coverage has " + std::to_string(coverage.size()) +
                       " values, the grid " + std::to_string(grid.num_cells()) + " cells");
  SKINHEAL_REQUIRE(std::isfinite(channel.depth_um) && channel.depth_um >= 0.0 &&
                       std::isfinite(channel.surface_diameter_um) &&
                       channel.surface_diameter_um >= 0.0,
                   "stamp_channel: depth and surface diameter must be >= 0 µm");
  SKINHEAL_REQUIRE(std::isfinite(x0_um) && std::isfinite(y0_um),
                   "stamp_channel: the axis position must be finite");
  const double radius = 0.5 * channel.surface_diameter_um;
  if (radius <= 0.0 || channel.depth_um <= 0.0) return;

  if (grid.is_axisymmetric()) {
    stamp_channel_axisymmetric(grid, channel, x0_um, y0_um, coverage);
    return;
  }
  const bool is3d = grid.dim() == 3;
  const double dx = grid.dx_um();
  const double offset2d = is3d ? 0.0 : y0_um;  // 2D: distance of the axis from the plane
  if (!is3d && std::abs(offset2d) >= radius) return;

  const int i_lo = std::max(0, static_cast<int>(std::floor((x0_um - radius) / dx)));
  const int i_hi = std::min(grid.nx() - 1, static_cast<int>(std::floor((x0_um + radius) / dx)));
  const int j_lo = is3d ? std::max(0, static_cast<int>(std::floor((y0_um - radius) / dx))) : 0;
  const int j_hi =
      is3d ? std::min(grid.ny() - 1, static_cast<int>(std::floor((y0_um + radius) / dx))) : 0;
  if (i_lo > i_hi || j_lo > j_hi) return;

  std::vector<double> breaks;
  for_each_channel_row(grid, channel, [&](const ChannelRow& row) {
    const auto [k, za, zb, dz, r_top, r_bottom] = row;
    for (int j = j_lo; j <= j_hi; ++j) {
      for (int i = i_lo; i <= i_hi; ++i) {
        // Cell rectangle relative to the axis.
        const double xl = i * dx - x0_um, xr = xl + dx;
        double fraction = 0.0;
        if (is3d) {
          const double yl = j * dx - y0_um, yr = yl + dx;
          const double near_x = std::max({xl, -xr, 0.0}), near_y = std::max({yl, -yr, 0.0});
          const double far_x = std::max(std::abs(xl), std::abs(xr));
          const double far_y = std::max(std::abs(yl), std::abs(yr));
          const double near = std::hypot(near_x, near_y), far = std::hypot(far_x, far_y);
          if (near >= r_top) continue;
          const double cell_area = dx * dx;
          if (far <= r_bottom) {
            fraction = (zb - za) / dz;
          } else if (channel.profile == ChannelShape::Profile::cylinder) {
            fraction =
                disc_rectangle_area_um2(radius, xl, xr, yl, yr) * (zb - za) / (cell_area * dz);
          } else {
            breaks.clear();
            for (double d : {std::abs(xl), std::abs(xr), std::abs(yl), std::abs(yr)}) {
              add_break(channel, d, za, zb, breaks);
            }
            for (double cx : {xl, xr}) {
              for (double cy : {yl, yr}) add_break(channel, std::hypot(cx, cy), za, zb, breaks);
            }
            const double integral = integrate_depth(za, zb, breaks, [&](double z) {
              return disc_rectangle_area_um2(channel.radius_at_um(z), xl, xr, yl, yr);
            });
            fraction = integral / (cell_area * dz);
          }
        } else {
          auto half_chord = [&](double r) {
            return std::sqrt(std::max(0.0, r * r - offset2d * offset2d));
          };
          const double h_top = half_chord(r_top);
          const double h_bottom = half_chord(r_bottom);
          const double near_x = std::max({xl, -xr, 0.0});
          const double far_x = std::max(std::abs(xl), std::abs(xr));
          if (near_x >= h_top) continue;
          if (far_x <= h_bottom) {
            fraction = (zb - za) / dz;
          } else if (channel.profile == ChannelShape::Profile::cylinder) {
            fraction = interval_overlap(h_top, xl, xr) * (zb - za) / (dx * dz);
          } else {
            breaks.clear();
            for (double d : {std::abs(xl), std::abs(xr)}) {
              add_break(channel, std::hypot(d, offset2d), za, zb, breaks);
            }
            add_break(channel, std::abs(offset2d), za, zb, breaks);
            const double integral = integrate_depth(za, zb, breaks, [&](double z) {
              return interval_overlap(half_chord(channel.radius_at_um(z)), xl, xr);
            });
            fraction = integral / (dx * dz);
          }
        }
        fraction = std::clamp(fraction, 0.0, 1.0);
        double& value = coverage[grid.index(i, j, k)];
        value = std::max(value, fraction);
      }
    }
  });
}

}  // namespace skinheal
