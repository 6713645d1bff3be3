/// \file canvas.hpp
/// \brief Internal: an offscreen VTK window to lay out panels, text and colour bars on, and
/// save as PNG. Pixel rectangles have their origin at the bottom left (VTK display
/// coordinates); the manifest converts them to PNG rows (top left).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

class vtkRenderer;
class vtkRenderWindow;

namespace skinheal::render::detail {

/// A rectangle in pixels, origin bottom left.
struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

using Rgb = std::array<double, 3>;

/// \brief One scalar picture: rows × cols values on a horizontal axis with uniform spacing
/// and a vertical axis with (possibly graded) faces, row 0 at the top.
struct PanelData {
  std::string title;            ///< e.g. "collagen_I — type I collagen"
  std::string units;            ///< colour bar title
  std::string horizontal_axis;  ///< "x", "y" or "r" (r–z grids)
  std::string vertical_axis;    ///< "depth" or "y"
  int cols = 0, rows = 0;
  std::vector<float> values;       ///< rows · cols, row-major, row 0 = top
  double u0_um = 0, du_um = 1;     ///< left edge and spacing of columns
  std::vector<double> v_faces_um;  ///< rows + 1, increasing downwards
  /// Layer name and top depth (µm) for boundaries and labels; empty for plan views.
  std::vector<std::pair<std::string, double>> layer_tops_um;
  std::array<double, 2> range{0.0, 1.0};  ///< colour range
  /// If positive: show only the top `zoom_depth_um` of the vertical axis and, so that µm stay
  /// square, the whole columns of the matching width around the middle.
  double zoom_depth_um = 0;
};

/// Where a panel's data landed (for the manifest and tests).
struct PanelPlacement {
  std::string title, view;
  Rect data;  ///< the image area, pixels (bottom-left origin)
  double u0_um = 0, u1_um = 0, v0_um = 0, v1_um = 0;
  std::array<double, 2> range{0.0, 1.0};
};

/// \brief An offscreen render window of a fixed size with a background renderer for 2D
/// annotations; panels add their own renderers.
class Canvas {
 public:
  Canvas(int width_px, int height_px);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  int width() const;
  int height() const;
  /// Text at pixel (x, y) (bottom-left of the text unless `right`/`centre`).
  void text(const std::string& s, int x, int y, int size_px, const Rgb& colour = {0.1, 0.1, 0.1},
            bool bold = false, int justification = 0 /* 0 left, 1 centre, 2 right */);
  /// A filled rectangle behind everything else.
  void box(const Rect& r, const Rgb& colour);
  /// Draw a panel into `cell`: title, image with layer boundaries and labels, colour bar and
  /// scale bar. Returns where the image went.
  PanelPlacement panel(const Rect& cell, const PanelData& data);
  /// A renderer restricted to `r` (caller adds props); owned by the canvas.
  vtkRenderer* add_renderer(const Rect& r, const Rgb& background);
  /// Render and write a PNG (to `path` + ".partial", then renamed). Throws Error on failure.
  void save_png(const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Render `window` and write it as a PNG (to `path` + ".partial", then renamed). When
/// `expect_w`/`expect_h` are positive, an image of another size is an Error. Throws Error on
/// failure and leaves no partial file.
void write_window_png(vtkRenderWindow* window, const std::string& path, int expect_w = 0,
                      int expect_h = 0);

/// The viridis colour map at t ∈ [0, 1].
Rgb viridis(double t);

/// Round tick values inside [lo, hi]: the smallest step of 1, 2, 2.5 or 5 × 10^k that gives at
/// most `max_count` of them; the step is stored in `step_out` if given.
std::vector<double> nice_ticks(double lo, double hi, int max_count, double* step_out = nullptr);

/// A printf format for ticks `step` apart: just the decimals the step needs ("%.0f" for 25,
/// "%.1f" for 0.5 or 2.5), "%.3g" for very large or very small values.
std::string tick_format(double step, double largest_magnitude);

/// Estimated width in pixels of `s` at font size `size_px` (VTK's default sans font).
double text_width_px(const std::string& s, int size_px);

/// A "nice" scale-bar length (1, 2, 2.5, 5 × 10^k µm) close to `target_um`.
double nice_length_um(double target_um);

}  // namespace skinheal::render::detail
