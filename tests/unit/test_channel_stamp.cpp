// Unit tests of channel stamping (models/channel_stamp): exact disc–rectangle areas, stamped
// volume (3D) and section area (2D) against the analytic cone and cylinder, nothing below the
// channel depth, max-combination of overlapping channels.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <vector>

#include "engine/error.hpp"
#include "engine/grid.hpp"
#include "models/channel_stamp.hpp"

namespace skinheal {
namespace {

double stamped_volume_um3(const Grid& grid, const std::vector<double>& coverage) {
  double volume = 0.0;
  for (int k = 0; k < grid.nz(); ++k) {
    for (int j = 0; j < grid.ny(); ++j) {
      for (int i = 0; i < grid.nx(); ++i) {
        volume += coverage[grid.index(i, j, k)] * grid.cell_volume_um3(k);
      }
    }
  }
  return volume;
}

// Brute-force area of a disc ∩ rectangle by a fine midpoint grid.
double brute_area(double r, double x0, double x1, double y0, double y1, int n = 2000) {
  const double hx = (x1 - x0) / n, hy = (y1 - y0) / n;
  long inside = 0;
  for (int a = 0; a < n; ++a) {
    const double x = x0 + (a + 0.5) * hx;
    for (int b = 0; b < n; ++b) {
      const double y = y0 + (b + 0.5) * hy;
      inside += (x * x + y * y <= r * r);
    }
  }
  return inside * hx * hy;
}

TEST(ChannelStamp, DiscRectangleAreaIsExact) {
  const double r = 40.0, pi = std::numbers::pi;
  EXPECT_NEAR(disc_rectangle_area_um2(r, -100, 100, -100, 100), pi * r * r, 1e-9);
  EXPECT_NEAR(disc_rectangle_area_um2(r, 0, 100, 0, 100), 0.25 * pi * r * r, 1e-9);
  EXPECT_NEAR(disc_rectangle_area_um2(r, -100, 0, -100, 100), 0.5 * pi * r * r, 1e-9);
  EXPECT_NEAR(disc_rectangle_area_um2(r, -10, 10, -5, 20), 20.0 * 25.0, 1e-9);  // inside
  EXPECT_DOUBLE_EQ(disc_rectangle_area_um2(r, 50, 60, 0, 10), 0.0);
  EXPECT_DOUBLE_EQ(disc_rectangle_area_um2(r, 30, 40, 30, 40), 0.0);  // corner beyond r
  // Partial cells against a brute-force count.
  for (const auto& box : std::vector<std::array<double, 4>>{
           {25, 45, -10, 10}, {20, 35, 20, 35}, {-37, -17, 5, 25}, {-5, 15, -45, -25}}) {
    EXPECT_NEAR(disc_rectangle_area_um2(r, box[0], box[1], box[2], box[3]),
                brute_area(r, box[0], box[1], box[2], box[3]), 0.05)
        << box[0] << " " << box[2];
  }
}

TEST(ChannelStamp, ConeVolumeIn3DMatchesAnalytic) {
  // MF8-like channel (≈185 µm deep, 86 µm wide) on 10 µm voxels, graded in depth.
  const ChannelShape cone{184.9, 85.7, ChannelShape::Profile::cone};
  for (const std::vector<double>& faces :
       {Grid::uniform_faces(60, 5.0), Grid::mapped_faces(40, 400.0, 2.0)}) {
    const Grid grid = Grid::make_3d(30, 30, 10.0, faces);
    std::vector<double> coverage(grid.num_cells(), 0.0);
    stamp_channel(grid, cone, 147.3, 151.9, coverage);
    const double analytic = channel_volume_um3(cone);
    EXPECT_NEAR(analytic, std::numbers::pi * 42.85 * 42.85 * 184.9 / 3.0, 1e-6);
    EXPECT_NEAR(stamped_volume_um3(grid, coverage) / analytic, 1.0, 1e-6);
    for (int k = 0; k < grid.nz(); ++k) {
      for (std::size_t c = 0; c < grid.plane_size(); ++c) {
        const double value = coverage[k * grid.plane_size() + c];
        ASSERT_GE(value, 0.0);
        ASSERT_LE(value, 1.0);
        if (grid.z_faces_um()[k] >= cone.depth_um) {
          ASSERT_EQ(value, 0.0) << k;
        }
      }
    }
    // The cell on the axis right under the surface is fully open.
    EXPECT_DOUBLE_EQ(coverage[grid.index(14, 15, 0)], 1.0);
  }
}

TEST(ChannelStamp, CylinderVolumeIn3DMatchesAnalytic) {
  const ChannelShape cylinder{300.0, 250.0, ChannelShape::Profile::cylinder};
  const Grid grid = Grid::make_3d(40, 40, 20.0, Grid::mapped_faces(30, 600.0, 1.5));
  std::vector<double> coverage(grid.num_cells(), 0.0);
  stamp_channel(grid, cylinder, 401.0, 395.0, coverage);
  const double analytic = std::numbers::pi * 125.0 * 125.0 * 300.0;
  EXPECT_NEAR(channel_volume_um3(cylinder), analytic, 1e-6);
  EXPECT_NEAR(stamped_volume_um3(grid, coverage) / analytic, 1.0, 1e-9);
  for (int k = 0; k < grid.nz(); ++k) {
    if (grid.z_faces_um()[k] >= 300.0) {
      for (std::size_t c = 0; c < grid.plane_size(); ++c) {
        ASSERT_EQ(coverage[k * grid.plane_size() + c], 0.0);
      }
    }
  }
}

TEST(ChannelStamp, SectionAreaIn2DMatchesAnalytic) {
  const Grid grid = Grid::make_2d(60, 5.0, Grid::mapped_faces(50, 600.0, 1.0));
  for (const ChannelShape& shape : {ChannelShape{478.9, 222.0, ChannelShape::Profile::cone},
                                    ChannelShape{200.0, 70.0, ChannelShape::Profile::cylinder}}) {
    std::vector<double> coverage(grid.num_cells(), 0.0);
    stamp_channel(grid, shape, 152.3, 0.0, coverage);
    const double analytic = channel_axial_section_area_um2(shape);
    EXPECT_NEAR(stamped_volume_um3(grid, coverage) / analytic, 1.0, 1e-9);
    for (int k = 0; k < grid.nz(); ++k) {
      if (grid.z_faces_um()[k] >= shape.depth_um) {
        for (int i = 0; i < grid.nx(); ++i) ASSERT_EQ(coverage[grid.index(i, 0, k)], 0.0);
      }
    }
  }
  EXPECT_NEAR(channel_axial_section_area_um2({100.0, 50.0, ChannelShape::Profile::cone}), 2500.0,
              1e-9);
}

TEST(ChannelStamp, OffAxisSectionIn2DIsNarrower) {
  // Plane 20 µm from the axis of a cone of surface radius 50 µm, 200 µm deep: the cut is
  // {(x, z): (x − x0)² + 20² ≤ r(z)²}, area ∫ 2 √(r(z)² − 400) dz over r(z) > 20.
  const ChannelShape cone{200.0, 100.0, ChannelShape::Profile::cone};
  const double offset = 20.0;
  double exact = 0.0;
  const int n = 200000;
  for (int s = 0; s < n; ++s) {
    const double z = (s + 0.5) * cone.depth_um / n;
    const double r = cone.radius_at_um(z);
    if (r > offset) exact += 2.0 * std::sqrt(r * r - offset * offset) * cone.depth_um / n;
  }
  const Grid grid = Grid::make_2d(40, 5.0, Grid::uniform_faces(50, 5.0));
  std::vector<double> coverage(grid.num_cells(), 0.0);
  stamp_channel(grid, cone, 101.7, offset, coverage);
  EXPECT_NEAR(stamped_volume_um3(grid, coverage) / exact, 1.0, 1e-5);
  EXPECT_LT(exact, channel_axial_section_area_um2(cone));
  // Nothing where r(z) ≤ offset, i.e. below z = 200 · (1 − 20/50) = 120 µm.
  for (int k = 24; k < grid.nz(); ++k) {
    for (int i = 0; i < grid.nx(); ++i) ASSERT_EQ(coverage[grid.index(i, 0, k)], 0.0) << k;
  }
  // A plane beyond the surface radius cuts nothing.
  std::vector<double> none(grid.num_cells(), 0.0);
  stamp_channel(grid, cone, 101.7, 50.0, none);
  EXPECT_EQ(stamped_volume_um3(grid, none), 0.0);
}

TEST(ChannelStamp, OverlapTakesTheMaximumAndEdgesClip) {
  const Grid grid = Grid::make_3d(20, 20, 10.0, Grid::uniform_faces(30, 10.0));
  const ChannelShape cone{150.0, 80.0, ChannelShape::Profile::cone};
  std::vector<double> once(grid.num_cells(), 0.0);
  stamp_channel(grid, cone, 100.0, 100.0, once);
  std::vector<double> twice = once;
  stamp_channel(grid, cone, 100.0, 100.0, twice);
  EXPECT_EQ(once, twice);
  // Two overlapping channels: every cell holds the larger of the two single stamps.
  std::vector<double> other(grid.num_cells(), 0.0);
  stamp_channel(grid, cone, 130.0, 100.0, other);
  std::vector<double> both = once;
  stamp_channel(grid, cone, 130.0, 100.0, both);
  for (std::size_t c = 0; c < both.size(); ++c) ASSERT_EQ(both[c], std::max(once[c], other[c]));
  EXPECT_LT(stamped_volume_um3(grid, both), 2.0 * channel_volume_um3(cone));
  // Axis on the grid's edge x = 0: exactly half the cone lies inside.
  std::vector<double> edge(grid.num_cells(), 0.0);
  stamp_channel(grid, cone, 0.0, 100.0, edge);
  EXPECT_NEAR(stamped_volume_um3(grid, edge) / (0.5 * channel_volume_um3(cone)), 1.0, 1e-6);
  // Wrong size is an input error.
  std::vector<double> wrong(grid.num_cells() - 1, 0.0);
  EXPECT_THROW(stamp_channel(grid, cone, 0.0, 0.0, wrong), InputError);
}

}  // namespace
}  // namespace skinheal
