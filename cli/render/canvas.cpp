// Offscreen VTK canvas: panels with colour bars, text, PNG output (see detail/canvas.hpp).
#include "cli/render/detail/canvas.hpp"

#include <vtkActor.h>
#include <vtkActor2D.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkCoordinate.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkImageActor.h>
#include <vtkImageData.h>
#include <vtkImageMapper3D.h>
#include <vtkImageProperty.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataMapper2D.h>
#include <vtkProperty.h>
#include <vtkProperty2D.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartPointer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "engine/error.hpp"

namespace skinheal::render::detail {

Rgb viridis(double t) {
  static const double stops[][3] = {
      {0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530}, {0.207, 0.372, 0.553},
      {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551}, {0.135, 0.659, 0.518}, {0.267, 0.749, 0.441},
      {0.478, 0.821, 0.318}, {0.741, 0.873, 0.150}, {0.993, 0.906, 0.144}};
  constexpr int n = 11;
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * (n - 1);
  const int i = std::min(static_cast<int>(t), n - 2);
  const double f = t - i;
  return {stops[i][0] + f * (stops[i + 1][0] - stops[i][0]),
          stops[i][1] + f * (stops[i + 1][1] - stops[i][1]),
          stops[i][2] + f * (stops[i + 1][2] - stops[i][2])};
}

double nice_length_um(double target_um) {
  if (!(target_um > 0)) return 1.0;
  const double p = std::pow(10.0, std::floor(std::log10(target_um)));
  double best = p;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p <= target_um * 1.3) best = m * p;
  return best;
}

std::vector<double> nice_ticks(double lo, double hi, int max_count, double* step_out) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) {
    if (step_out != nullptr) *step_out = 1.0;
    return {lo};
  }
  // The smallest round step (1, 2, 2.5, 5 × 10^k) that gives at most max_count ticks.
  const double raw = (hi - lo) / std::max(1, max_count);
  double step = 0;
  for (double p = std::pow(10.0, std::floor(std::log10(raw))); step == 0; p *= 10)
    for (double m : {1.0, 2.0, 2.5, 5.0})
      if (step == 0 &&
          std::floor(hi / (m * p) + 1e-9) - std::ceil(lo / (m * p) - 1e-9) + 1 <= max_count)
        step = m * p;
  std::vector<double> ticks;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k += 1)
    ticks.push_back(k == 0 ? 0.0 : k * step);
  if (step_out != nullptr) *step_out = step;
  return ticks;
}

std::string tick_format(double step, double largest_magnitude) {
  if (!(step > 0) || largest_magnitude >= 1e5 || step < 1e-4) return "%.3g";
  const double e = std::floor(std::log10(step) + 1e-9);
  const double mantissa = step / std::pow(10.0, e);
  int decimals = std::max(0, static_cast<int>(-e));
  if (e <= 0 && std::abs(mantissa - 2.5) < 1e-6) ++decimals;  // 2.5, 0.25: one more
  return "%." + std::to_string(decimals) + "f";
}

struct Canvas::Impl {
  vtkNew<vtkRenderWindow> window;
  vtkNew<vtkRenderer> overlay;
  std::vector<vtkSmartPointer<vtkRenderer>> renderers;
  int w = 0, h = 0;

  std::array<double, 4> viewport(const Rect& r) const {
    return {static_cast<double>(r.x) / w, static_cast<double>(r.y) / h,
            static_cast<double>(r.x + r.w) / w, static_cast<double>(r.y + r.h) / h};
  }
};

Canvas::Canvas(int width_px, int height_px) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.w = width_px;
  m.h = height_px;
  m.window->SetOffScreenRendering(1);
  m.window->SetSize(width_px, height_px);
  m.window->SetMultiSamples(0);
  m.overlay->SetBackground(0.97, 0.97, 0.97);
  m.overlay->SetViewport(0, 0, 1, 1);
  m.overlay->InteractiveOff();
  m.window->AddRenderer(m.overlay);
}

Canvas::~Canvas() = default;

int Canvas::width() const {
  return impl_->w;
}
int Canvas::height() const {
  return impl_->h;
}

void Canvas::text(const std::string& s, int x, int y, int size_px, const Rgb& colour, bool bold,
                  int justification) {
  vtkNew<vtkTextActor> t;
  t->SetInput(s.c_str());
  t->SetDisplayPosition(x, y);
  vtkTextProperty* p = t->GetTextProperty();
  p->SetFontSize(size_px);
  p->SetColor(colour[0], colour[1], colour[2]);
  p->SetBold(bold);
  p->SetJustification(justification);
  impl_->overlay->AddActor2D(t);
}

namespace {

vtkSmartPointer<vtkActor2D> polyline_2d(const std::vector<std::array<double, 2>>& points,
                                        const Rgb& colour, double width, bool closed_fill) {
  vtkNew<vtkPoints> pts;
  for (const auto& p : points) pts->InsertNextPoint(p[0], p[1], 0.0);
  vtkNew<vtkCellArray> cells;
  const vtkIdType n = static_cast<vtkIdType>(points.size());
  cells->InsertNextCell(n);
  for (vtkIdType i = 0; i < n; ++i) cells->InsertCellPoint(i);
  vtkNew<vtkPolyData> poly;
  poly->SetPoints(pts);
  if (closed_fill)
    poly->SetPolys(cells);
  else
    poly->SetLines(cells);
  vtkNew<vtkPolyDataMapper2D> mapper;
  mapper->SetInputData(poly);
  auto actor = vtkSmartPointer<vtkActor2D>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(colour[0], colour[1], colour[2]);
  actor->GetProperty()->SetLineWidth(static_cast<float>(width));
  return actor;
}

}  // namespace

void Canvas::box(const Rect& r, const Rgb& colour) {
  impl_->overlay->AddActor2D(polyline_2d({{double(r.x), double(r.y)},
                                          {double(r.x + r.w), double(r.y)},
                                          {double(r.x + r.w), double(r.y + r.h)},
                                          {double(r.x), double(r.y + r.h)}},
                                         colour, 1.0, true));
}

vtkRenderer* Canvas::add_renderer(const Rect& r, const Rgb& background) {
  auto ren = vtkSmartPointer<vtkRenderer>::New();
  const auto vp = impl_->viewport(r);
  ren->SetViewport(vp[0], vp[1], vp[2], vp[3]);
  ren->SetBackground(background[0], background[1], background[2]);
  impl_->window->AddRenderer(ren);
  impl_->renderers.push_back(ren);
  return ren;
}

namespace {

/// Characters of a UTF-8 string (for estimating text widths).
std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

double text_width_px(const std::string& s, int size_px) {
  return 0.6 * size_px * utf8_length(s);
}

namespace {

/// `d` cut to its top `depth_um` and, so that µm stay square in `avail_w` × `avail_h` pixels,
/// to the whole columns of the matching width around the middle (from the axis in r–z, where
/// the puncture is).
PanelData zoomed(const PanelData& in, double depth_um, int avail_w, int avail_h) {
  const double v_top = in.v_faces_um.front();
  if (!(depth_um > 0) || depth_um >= in.v_faces_um.back() - v_top) return in;
  PanelData d = in;
  int rows = 0;
  while (rows < in.rows && in.v_faces_um[rows] < v_top + depth_um) ++rows;
  d.rows = std::max(rows, 1);
  d.v_faces_um.assign(in.v_faces_um.begin(), in.v_faces_um.begin() + d.rows + 1);
  d.v_faces_um.back() = v_top + depth_um;
  const double width_um = depth_um * avail_w / std::max(avail_h, 1);
  d.cols = std::clamp(static_cast<int>(std::lround(width_um / in.du_um)), 1, in.cols);
  const int c0 = in.horizontal_axis == "r" ? 0 : (in.cols - d.cols) / 2;
  d.u0_um = in.u0_um + c0 * in.du_um;
  d.values.clear();
  for (int r = 0; r < d.rows; ++r)
    for (int c = c0; c < c0 + d.cols; ++c)
      d.values.push_back(in.values[static_cast<std::size_t>(r) * in.cols + c]);
  return d;
}

}  // namespace

PanelPlacement Canvas::panel(const Rect& cell, const PanelData& data_in) {
  Impl& m = *impl_;
  const int title_px = std::clamp(cell.h / 22, 11, 18);
  int top_margin = title_px + 10;
  const int bottom_margin = std::max(title_px + 14, 28);
  const int right_margin = std::clamp(cell.w / 5, 70, 150);
  const int left_margin = 8;
  const int avail_w = std::max(cell.w - left_margin - right_margin, 8);
  int avail_h = std::max(cell.h - top_margin - bottom_margin, 8);
  PanelData d = zoomed(data_in, data_in.zoom_depth_um, avail_w, avail_h);
  const double world_w = d.cols * d.du_um;
  const double world_h = d.v_faces_um.back() - d.v_faces_um.front();
  int dw = avail_w, dh = avail_h;
  auto fit = [&] {
    dw = avail_w;
    dh = avail_h;
    if (avail_w * world_h > avail_h * world_w)
      dw = std::max(1, static_cast<int>(std::lround(avail_h * world_w / world_h)));
    else
      dh = std::max(1, static_cast<int>(std::lround(avail_w * world_h / world_w)));
  };
  fit();
  // A narrow image (an r–z unit cell): the title would run into the colour bar's units. It
  // keeps the field name only ("name — description"), and if that is still too wide it goes
  // one line higher.
  if (const auto dash = d.title.find(" \u2014 ");
      dash != std::string::npos && text_width_px(d.title, title_px) > dw + 8)
    d.title.resize(dash);
  if (text_width_px(d.title, title_px) > dw + 8) {
    top_margin += title_px + 6;
    avail_h = std::max(cell.h - top_margin - bottom_margin, 8);
    fit();
  }
  Rect data{cell.x + left_margin, cell.y + bottom_margin + (avail_h - dh), dw, dh};

  // Title above the image.
  text(d.title, data.x, data.y + data.h + 5 + (top_margin - title_px - 10), title_px,
       {0.1, 0.1, 0.1}, true);

  // Colour map.
  vtkNew<vtkLookupTable> lut;
  lut->SetNumberOfTableValues(256);
  double lo = d.range[0], hi = d.range[1];
  if (!(hi > lo)) hi = lo + (lo != 0 ? std::abs(lo) * 1e-3 : 1.0);
  lut->SetTableRange(lo, hi);
  for (int i = 0; i < 256; ++i) {
    const Rgb c = viridis(i / 255.0);
    lut->SetTableValue(i, c[0], c[1], c[2], 1.0);
  }
  lut->SetNanColor(0.6, 0.6, 0.6, 1.0);
  lut->Build();

  // Resample the graded vertical axis onto uniform image rows (two per pixel at least).
  const double v_top = d.v_faces_um.front();
  const int image_rows = std::max(2 * dh, d.rows);
  const double dv = world_h / image_rows;
  vtkNew<vtkImageData> image;
  image->SetDimensions(d.cols, image_rows, 1);
  image->SetSpacing(d.du_um, dv, 1.0);
  // Image row 0 is the bottom (world y = −depth); its centre is half a row above the bottom.
  image->SetOrigin(d.u0_um + 0.5 * d.du_um, -(v_top + world_h) + 0.5 * dv, 0.0);
  vtkNew<vtkFloatArray> scalars;
  scalars->SetNumberOfTuples(static_cast<vtkIdType>(d.cols) * image_rows);
  for (int r = 0; r < image_rows; ++r) {
    const double depth = v_top + world_h - (r + 0.5) * dv;
    const auto it = std::upper_bound(d.v_faces_um.begin(), d.v_faces_um.end(), depth);
    const int row = std::clamp(static_cast<int>(it - d.v_faces_um.begin()) - 1, 0, d.rows - 1);
    for (int c = 0; c < d.cols; ++c)
      scalars->SetValue(static_cast<vtkIdType>(r) * d.cols + c,
                        d.values[static_cast<std::size_t>(row) * d.cols + c]);
  }
  image->GetPointData()->SetScalars(scalars);
  vtkNew<vtkImageActor> actor;
  actor->SetInputData(image);
  actor->GetMapper()->BorderOn();  // show the edge columns whole, not to their centres
  actor->GetProperty()->SetLookupTable(lut);
  actor->GetProperty()->UseLookupTableScalarRangeOn();
  actor->GetProperty()->SetInterpolationTypeToNearest();

  vtkRenderer* ren = add_renderer(data, {0, 0, 0});
  ren->AddActor(actor);
  // Layer boundaries (white lines) and names.
  for (std::size_t l = 1; l < d.layer_tops_um.size(); ++l) {
    const double z = d.layer_tops_um[l].second;
    if (z <= v_top || z >= v_top + world_h) continue;
    vtkNew<vtkPoints> pts;
    pts->InsertNextPoint(d.u0_um, -z, 0.5);
    pts->InsertNextPoint(d.u0_um + world_w, -z, 0.5);
    vtkNew<vtkCellArray> line;
    line->InsertNextCell(2);
    line->InsertCellPoint(0);
    line->InsertCellPoint(1);
    vtkNew<vtkPolyData> poly;
    poly->SetPoints(pts);
    poly->SetLines(line);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputData(poly);
    vtkNew<vtkActor> a;
    a->SetMapper(mapper);
    a->GetProperty()->SetColor(1, 1, 1);
    a->GetProperty()->SetOpacity(0.85);
    a->GetProperty()->SetLineWidth(1.5f);
    a->GetProperty()->SetLighting(false);
    ren->AddActor(a);
  }
  const int label_px = std::clamp(dh / 30, 9, 13);
  for (std::size_t l = 0; l < d.layer_tops_um.size(); ++l) {
    const double top = std::max(d.layer_tops_um[l].second, v_top);
    const double bottom = l + 1 < d.layer_tops_um.size()
                              ? std::min(d.layer_tops_um[l + 1].second, v_top + world_h)
                              : v_top + world_h;
    const double px_top = dh * (1.0 - (top - v_top) / world_h);
    const double px_bottom = dh * (1.0 - (bottom - v_top) / world_h);
    if (px_top - px_bottom < label_px + 4) continue;
    vtkNew<vtkTextActor> t;
    t->SetInput(d.layer_tops_um[l].first.c_str());
    t->SetPosition(4, px_top - label_px - 3);
    t->GetTextProperty()->SetFontSize(label_px);
    t->GetTextProperty()->SetColor(1, 1, 1);
    t->GetTextProperty()->ShadowOn();
    ren->AddActor2D(t);
  }
  vtkCamera* cam = ren->GetActiveCamera();
  cam->ParallelProjectionOn();
  const double cx = d.u0_um + 0.5 * world_w, cy = -(v_top + 0.5 * world_h);
  cam->SetFocalPoint(cx, cy, 0.0);
  cam->SetPosition(cx, cy, 10.0 * (world_w + world_h));
  cam->SetViewUp(0, 1, 0);
  // Fit the width exactly (the panel has the image's aspect to within a pixel).
  cam->SetParallelScale(0.5 * world_w * dh / dw);
  ren->ResetCameraClippingRange();

  // Colour bar right of the image.
  vtkNew<vtkScalarBarActor> bar;
  bar->SetLookupTable(lut);
  bar->SetTitle(d.units.empty() ? "1" : d.units.c_str());
  // Labels at round values (0, 25, 50, ...), all with the decimals their step needs.
  double step = 1.0;
  const std::vector<double> ticks = nice_ticks(lo, hi, 6, &step);
  vtkNew<vtkDoubleArray> tick_values;
  for (double t : ticks) tick_values->InsertNextValue(t);
  bar->SetCustomLabels(tick_values);
  bar->UseCustomLabelsOn();
  bar->SetLabelFormat(tick_format(step, std::max(std::abs(lo), std::abs(hi))).c_str());
  bar->UnconstrainedFontSizeOn();
  const int bar_w = std::min(right_margin - 12, 110);
  // The units above the bar, smaller where they would not fit over it (narrow cells).
  const std::string units = d.units.empty() ? "1" : d.units;
  const int units_px =
      std::clamp(static_cast<int>(bar_w / std::max(text_width_px(units, 1), 1.0)), 9, title_px);
  bar->GetTitleTextProperty()->SetFontSize(units_px);
  bar->GetTitleTextProperty()->SetColor(0.1, 0.1, 0.1);
  bar->GetTitleTextProperty()->ItalicOff();
  bar->GetTitleTextProperty()->ShadowOff();
  bar->GetLabelTextProperty()->SetFontSize(std::max(9, title_px - 3));
  bar->GetLabelTextProperty()->SetColor(0.1, 0.1, 0.1);
  bar->GetLabelTextProperty()->ItalicOff();
  bar->GetLabelTextProperty()->ShadowOff();
  bar->GetPositionCoordinate()->SetCoordinateSystemToDisplay();
  bar->GetPosition2Coordinate()->SetCoordinateSystemToDisplay();
  bar->SetPosition(data.x + data.w + 8, data.y);
  bar->SetPosition2(bar_w, std::max(data.h, 60));
  bar->SetMaximumWidthInPixels(bar_w);
  bar->SetBarRatio(0.25);
  m.overlay->AddActor2D(bar);

  // Scale bar below the image.
  const double bar_um = nice_length_um(0.25 * world_w);
  const double bar_px = bar_um * dw / world_w;
  const double y = data.y - 10;
  m.overlay->AddActor2D(
      polyline_2d({{double(data.x), y}, {data.x + bar_px, y}}, {0.1, 0.1, 0.1}, 3.0, false));
  char label[64];
  std::snprintf(label, sizeof label, "%g \u00b5m", bar_um);
  const int scale_px = std::max(9, title_px - 2), hint_px = std::max(9, title_px - 4);
  text(label, static_cast<int>(data.x + bar_px + 6), static_cast<int>(y) - title_px / 2, scale_px);
  // Axis hint at the right end of the scale-bar row, or, if the image is too narrow for both,
  // under the colour bar. (The font has no arrow glyphs.)
  // In a cell too narrow for either, the hint is shortened to what fits, or left out.
  std::string hint = d.horizontal_axis + " across, " + d.vertical_axis + " down";
  const double label_end = data.x + bar_px + 6 + text_width_px(label, scale_px);
  if (label_end + 10 + text_width_px(hint, hint_px) <= data.x + data.w) {
    text(hint, data.x + data.w, static_cast<int>(y) - title_px / 2, hint_px, {0.4, 0.4, 0.4}, false,
         2);
  } else {
    const double x0 = std::max(data.x + data.w + 8.0, label_end + 10);
    const double room = cell.x + cell.w - 4 - x0;
    if (text_width_px(hint, hint_px) > room) hint = d.horizontal_axis + " across";
    if (text_width_px(hint, hint_px) <= room)
      text(hint, static_cast<int>(x0), static_cast<int>(y) - title_px / 2, hint_px,
           {0.4, 0.4, 0.4});
  }

  PanelPlacement p;
  p.title = d.title;
  p.view = d.horizontal_axis + "-" + d.vertical_axis;
  p.data = data;
  p.u0_um = d.u0_um;
  p.u1_um = d.u0_um + world_w;
  p.v0_um = v_top;
  p.v1_um = v_top + world_h;
  p.range = {lo, hi};
  return p;
}

void Canvas::save_png(const std::string& path) {
  write_window_png(impl_->window, path, impl_->w, impl_->h);
}

void write_window_png(vtkRenderWindow* window, const std::string& path, int expect_w,
                      int expect_h) {
  window->Render();
  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->Update();
  int* dims = grab->GetOutput()->GetDimensions();
  if (expect_w > 0 && expect_h > 0 && (dims[0] != expect_w || dims[1] != expect_h))
    throw Error(path + ": the render window came out " + std::to_string(dims[0]) + "x" +
                std::to_string(dims[1]) + " instead of " + std::to_string(expect_w) + "x" +
                std::to_string(expect_h));
  const std::string partial = path + ".partial";
  vtkNew<vtkPNGWriter> writer;
  writer->SetFileName(partial.c_str());
  writer->SetInputConnection(grab->GetOutputPort());
  writer->Write();
  std::error_code ec;
  if (writer->GetErrorCode() != 0 || !std::filesystem::exists(partial, ec)) {
    std::filesystem::remove(partial, ec);
    throw Error(path + ": cannot write the PNG");
  }
  std::filesystem::rename(partial, path, ec);
  if (ec) throw Error(path + ": cannot rename the finished PNG into place: " + ec.message());
}

}  // namespace skinheal::render::detail
