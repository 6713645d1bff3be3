// The timeline PNG: per-layer summary curves against time since the first session (fourth-root
// axis), healing phases shaded, sessions marked (see detail/pieces.hpp and docs/rendering.md).
#include <vtkActor2D.h>
#include <vtkAxis.h>
#include <vtkBrush.h>
#include <vtkCellArray.h>
#include <vtkChartXY.h>
#include <vtkContextScene.h>
#include <vtkContextView.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkNew.h>
#include <vtkPen.h>
#include <vtkPlot.h>
#include <vtkPlotLine.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper2D.h>
#include <vtkProperty2D.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkStringArray.h>
#include <vtkTable.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cli/render/detail/pieces.hpp"
#include "engine/error.hpp"

namespace skinheal::render::detail {

namespace {

constexpr double kMinute = 60, kHour = 3600, kDay = 86400;

/// Healing phases after a session (times since it, s) and their shading colours.
struct Phase {
  const char* name;
  double from_s, to_s;
  unsigned char r, g, b;
};
const Phase kPhases[] = {
    {"haemostasis", 0, 2 * kHour, 214, 39, 40},
    {"inflammation", 2 * kHour, 4 * kDay, 255, 127, 14},
    {"proliferation", 4 * kDay, 21 * kDay, 44, 160, 44},
    {"remodelling", 21 * kDay, std::numeric_limits<double>::infinity(), 31, 119, 180}};

const unsigned char kLayerColours[][3] = {{230, 159, 0},   {86, 180, 233}, {0, 158, 115},
                                          {204, 121, 167}, {0, 114, 178},  {213, 94, 0},
                                          {120, 120, 120}, {0, 0, 0}};

std::string pretty(const std::string& name) {
  if (name == "collagen_I") return "collagen I";
  if (name == "collagen_III") return "collagen III";
  if (name == "immune") return "immune cells";
  std::string s = name;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

}  // namespace

std::vector<TimelineQuantity> timeline_quantities(const ResultSummary& summary,
                                                  const std::vector<std::string>& field_names) {
  std::vector<TimelineQuantity> out;
  auto add = [&](const std::string& column, const std::string& title) {
    if (!summary.has(column)) return false;
    const auto u = summary.units.find(column);
    out.push_back({title, u != summary.units.end() ? u->second : "", summary.mean.at(column)});
    return true;
  };
  const bool skin = summary.has("collagen_I") && summary.has("fibroblasts");
  if (!skin) {  // generic runs: every field, up to six
    for (const std::string& f : field_names)
      if (out.size() < 6) add(f, pretty(f));
    return out;
  }
  for (const char* f : {"collagen_I", "collagen_III", "elastin", "fibroblasts", "immune"})
    add(f, pretty(f));
  if (!add("open_channels", "open channels") && !add("open_fraction", "open fraction")) {
    // Derived from the layer means as skin_model.cpp defines openness: 1 − barrier in the
    // stratum corneum, 1 − keratinocytes in the viable epidermis, damage below.
    if (summary.has("barrier") && summary.has("keratinocytes") && summary.has("damage")) {
      const std::size_t L = summary.layer_names.size(), n = summary.num_steps();
      std::vector<double> open(n * L);
      for (std::size_t s = 0; s < n; ++s)
        for (std::size_t l = 0; l < L; ++l) {
          const std::string& layer = summary.layer_names[l];
          const double v = layer == "stratum_corneum"    ? 1.0 - summary.at("barrier", s, l)
                           : layer == "viable_epidermis" ? 1.0 - summary.at("keratinocytes", s, l)
                                                         : summary.at("damage", s, l);
          open[s * L + l] = std::clamp(v, 0.0, 1.0);
        }
      out.push_back({"open channels (mean openness)", "1", std::move(open)});
    }
  }
  return out;
}

void write_timeline(const std::string& path, const ResultSummary& summary,
                    const std::vector<std::string>& field_names, double reference_s,
                    const std::vector<EventMark>& marks, int width_px, int height_px,
                    const std::string& subtitle) {
  const std::vector<TimelineQuantity> qs = timeline_quantities(summary, field_names);
  const std::size_t L = summary.layer_names.size(), n = summary.num_steps();
  // x = (time since the reference / 1 s)^(1/4); rows before the reference are left out. A log
  // axis gave the first minutes as much room as the months after them (a year's remodelling
  // got the last 15 % of the width); the fourth root gives each healing phase of a year's run
  // about its share (haemostasis 12 %, inflammation 20 %, proliferation 17 %, remodelling
  // 51 %) and still spreads minutes and hours apart.
  std::vector<std::size_t> rows;
  double t_end = 1.0;
  for (std::size_t s = 0; s < n; ++s)
    if (summary.time_s[s] >= reference_s) {
      rows.push_back(s);
      t_end = std::max(t_end, summary.time_s[s] - reference_s);
    }
  auto scale = [](double since_s) { return std::pow(std::max(since_s, 0.0), 0.25); };
  const double x_min = 0.0, x_max = scale(std::max(t_end, 10.0));
  auto to_x = [&](double t) { return scale(t - reference_s); };

  vtkNew<vtkContextView> view;
  view->GetRenderWindow()->SetOffScreenRendering(1);
  view->GetRenderWindow()->SetSize(width_px, height_px);
  view->GetRenderer()->SetBackground(1, 1, 1);

  // Header: the title, a key to the layer colours and a key to the phase shading.
  const int title_px = std::clamp(height_px / 45, 12, 26);
  const int key_px = std::clamp(height_px / 70, 10, 18);
  const int header_px = 8 + title_px + 10 + key_px + 8 + key_px + 10;
  const int cols = qs.size() <= 1 ? 1 : qs.size() <= 4 ? 2 : 3;
  const int nrows = std::max<int>(1, (static_cast<int>(qs.size()) + cols - 1) / cols);
  const float cw = static_cast<float>(width_px) / cols;
  const float ch = static_cast<float>(height_px - header_px) / nrows;

  // Ticks in human units, the most telling first; one is kept only if its label clears the
  // labels already kept (estimated widths at the axis font), so labels never overlap.
  const int tick_font_px = std::clamp(height_px / 85, 9, 13);
  const double plot_px = std::max(50.0, cw - 3.5 * tick_font_px - 30);
  const std::pair<double, const char*> ticks[] = {{0, "0"},
                                                  {kHour, "1 h"},
                                                  {kDay, "1 d"},
                                                  {7 * kDay, "1 wk"},
                                                  {30 * kDay, "1 mo"},
                                                  {91 * kDay, "3 mo"},
                                                  {182 * kDay, "6 mo"},
                                                  {365 * kDay, "1 yr"},
                                                  {730 * kDay, "2 yr"},
                                                  {10 * kMinute, "10 min"},
                                                  {6 * kHour, "6 h"},
                                                  {61 * kDay, "2 mo"},
                                                  {273 * kDay, "9 mo"},
                                                  {kMinute, "1 min"},
                                                  {4 * kDay, "4 d"},
                                                  {14 * kDay, "2 wk"},
                                                  {10, "10 s"},
                                                  {2 * kHour, "2 h"},
                                                  {21 * kDay, "3 wk"},
                                                  {548 * kDay, "18 mo"}};
  std::vector<std::pair<double, std::string>> kept;  // (x in pixels, label)
  for (const auto& [t, label] : ticks) {
    const double xs = scale(t);
    if (xs > x_max + 1e-9) continue;
    const double px = (xs - x_min) / (x_max - x_min) * plot_px;
    const double half = 0.5 * text_width_px(label, tick_font_px);
    bool clear = true;
    for (const auto& [kx, kl] : kept)
      clear = clear && std::abs(kx - px) >= half + 0.5 * text_width_px(kl, tick_font_px) + 8;
    if (clear) kept.emplace_back(px, label);
  }
  std::sort(kept.begin(), kept.end());
  vtkNew<vtkDoubleArray> tick_pos;
  vtkNew<vtkStringArray> tick_label;
  for (const auto& [px, label] : kept) {
    tick_pos->InsertNextValue(x_min + px / plot_px * (x_max - x_min));
    tick_label->InsertNextValue(label);
  }

  std::vector<std::pair<vtkAxis*, vtkAxis*>> axes;  // (x, y) of each chart
  for (std::size_t q = 0; q < qs.size(); ++q) {
    const int r = static_cast<int>(q) / cols, c = static_cast<int>(q) % cols;
    vtkNew<vtkChartXY> chart;
    chart->SetAutoSize(false);
    chart->SetSize(vtkRectf(c * cw, height_px - header_px - (r + 1) * ch, cw, ch));
    chart->SetTitle((qs[q].title + (qs[q].units.empty() ? "" : " [" + qs[q].units + "]")).c_str());
    chart->GetTitleProperties()->SetFontSize(std::clamp(height_px / 60, 11, 18));
    chart->GetTitleProperties()->SetBold(true);
    view->GetScene()->AddItem(chart);

    // The curves.
    vtkNew<vtkTable> table;
    vtkNew<vtkDoubleArray> xs;
    xs->SetName("(t/s)^(1/4)");
    table->AddColumn(xs);
    std::vector<std::size_t> layers;
    double y_lo = std::numeric_limits<double>::infinity(), y_hi = -y_lo;
    for (std::size_t l = 0; l < L; ++l) {
      bool finite = false;
      for (std::size_t s : rows) {
        const double v = qs[q].mean[s * L + l];
        if (std::isfinite(v)) {
          finite = true;
          y_lo = std::min(y_lo, v);
          y_hi = std::max(y_hi, v);
        }
      }
      if (!finite) continue;
      layers.push_back(l);
      vtkNew<vtkDoubleArray> ys;
      ys->SetName(summary.layer_names[l].c_str());
      table->AddColumn(ys);
    }
    if (!(y_hi >= y_lo)) y_lo = 0, y_hi = 1;
    if (y_hi - y_lo < 1e-12 * std::max(1.0, std::abs(y_hi))) {
      y_lo -= 0.5 * std::max(std::abs(y_lo) * 0.1, 1e-6);
      y_hi += 0.5 * std::max(std::abs(y_hi) * 0.1, 1e-6);
    }
    const double pad = 0.05 * (y_hi - y_lo);
    y_lo -= pad;
    y_hi += pad;
    table->SetNumberOfRows(static_cast<vtkIdType>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      table->SetValue(static_cast<vtkIdType>(i), 0, to_x(summary.time_s[rows[i]]));
      for (std::size_t j = 0; j < layers.size(); ++j)
        table->SetValue(static_cast<vtkIdType>(i), static_cast<vtkIdType>(j + 1),
                        qs[q].mean[rows[i] * L + layers[j]]);
    }

    for (std::size_t j = 0; j < layers.size(); ++j) {
      vtkPlot* line = chart->AddPlot(vtkChart::LINE);
      line->SetInputData(table, 0, static_cast<vtkIdType>(j + 1));
      const unsigned char* col = kLayerColours[layers[j] % 8];
      line->SetColor(col[0], col[1], col[2], 255);
      line->SetWidth(2.0f);
      line->SetLabel(summary.layer_names[layers[j]]);
    }
    // Sessions (or events) as dashed vertical lines.
    for (const EventMark& e : marks) {
      const double x = to_x(e.time_s);
      if (x < x_min || x > x_max) continue;
      vtkNew<vtkTable> mark;
      vtkNew<vtkDoubleArray> mx, my;
      mx->SetName("x");
      my->SetName(e.name.c_str());
      mark->AddColumn(mx);
      mark->AddColumn(my);
      mark->SetNumberOfRows(2);
      mark->SetValue(0, 0, x);
      mark->SetValue(1, 0, x);
      mark->SetValue(0, 1, y_lo);
      mark->SetValue(1, 1, y_hi);
      vtkNew<vtkPlotLine> ml;
      ml->SetInputData(mark, 0, 1);
      ml->SetColor(0, 0, 0, 200);
      ml->SetWidth(1.5f);
      ml->GetPen()->SetLineType(vtkPen::DASH_LINE);
      ml->SetLabel(e.name);
      chart->AddPlot(ml);
    }

    vtkAxis* xa = chart->GetAxis(vtkAxis::BOTTOM);
    axes.push_back({xa, chart->GetAxis(vtkAxis::LEFT)});
    xa->SetBehavior(vtkAxis::FIXED);
    xa->SetRange(x_min, x_max);
    xa->SetCustomTickPositions(tick_pos, tick_label);
    xa->SetTitle("time since the first session (fourth-root scale)");
    xa->GetTitleProperties()->SetFontSize(std::clamp(height_px / 75, 9, 14));
    xa->GetLabelProperties()->SetFontSize(tick_font_px);
    vtkAxis* ya = chart->GetAxis(vtkAxis::LEFT);
    ya->SetBehavior(vtkAxis::FIXED);
    ya->SetRange(y_lo, y_hi);
    ya->SetTitle("");
    ya->SetNotation(vtkAxis::PRINTF_NOTATION);
    ya->SetLabelFormat("%.3g");
    ya->GetLabelProperties()->SetFontSize(tick_font_px);
    chart->SetShowLegend(false);  // the layer colours are keyed once, in the header
  }

  auto add_text = [&](const std::string& s, int x, int y, int size, const unsigned char* rgb,
                      bool bold) {
    vtkNew<vtkTextActor> t;
    t->SetInput(s.c_str());
    t->SetDisplayPosition(x, y);
    t->GetTextProperty()->SetFontSize(size);
    t->GetTextProperty()->SetBold(bold);
    t->GetTextProperty()->SetColor(rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    view->GetRenderer()->AddActor2D(t);
  };
  const unsigned char dark[3] = {20, 20, 20}, grey[3] = {90, 90, 90};
  const int title_y = height_px - 8 - title_px;
  add_text("Per-layer means vs time since the first session \u2014 " + subtitle, 12, title_y,
           title_px, dark, true);
  auto key_width = [&](const std::string& s) {
    return static_cast<int>(key_px * 0.62 * (s.size() + 2));
  };
  const int layers_y = title_y - 10 - key_px, phases_y = layers_y - 8 - key_px;
  int x = 12;
  add_text("layers:", x, layers_y, key_px, grey, false);
  x += key_px * 5;
  for (std::size_t l = 0; l < L; ++l) {
    const std::string label = "\u2014 " + summary.layer_names[l];
    add_text(label, x, layers_y, key_px, kLayerColours[l % 8], true);
    x += key_width(label);
  }
  x = 12;
  add_text("phases:", x, phases_y, key_px, grey, false);
  x += key_px * 5;
  for (const Phase& ph : kPhases) {
    const unsigned char rgb[3] = {ph.r, ph.g, ph.b};
    add_text(ph.name, x, phases_y, key_px, rgb, true);
    x += key_width(ph.name);
  }
  add_text(
      marks.size() && marks.front().is_session ? "dashed lines: sessions" : "dashed lines: events",
      x + key_px, phases_y, key_px, grey, false);

  // Phase shading: translucent bands over each chart's plot area, placed from the axes' pixel
  // ends once the charts are laid out (vtkPlotArea draws nothing in VTK 9.1 here).
  view->GetRenderWindow()->Render();
  for (const auto& [xa, ya] : axes) {
    const double px0 = xa->GetPoint1()[0], px1 = xa->GetPoint2()[0];
    const double py0 = ya->GetPoint1()[1], py1 = ya->GetPoint2()[1];
    auto to_px = [&](double x) { return px0 + (x - x_min) / (x_max - x_min) * (px1 - px0); };
    for (const Phase& ph : kPhases) {
      const double a = std::max(x_min, scale(ph.from_s));
      const double b = std::min(x_max, std::isfinite(ph.to_s) ? scale(ph.to_s) : x_max);
      if (!(b > a)) continue;
      vtkNew<vtkPoints> pts;
      pts->InsertNextPoint(to_px(a), py0, 0);
      pts->InsertNextPoint(to_px(b), py0, 0);
      pts->InsertNextPoint(to_px(b), py1, 0);
      pts->InsertNextPoint(to_px(a), py1, 0);
      vtkNew<vtkCellArray> quad;
      const vtkIdType ids[4] = {0, 1, 2, 3};
      quad->InsertNextCell(4, ids);
      vtkNew<vtkPolyData> poly;
      poly->SetPoints(pts);
      poly->SetPolys(quad);
      vtkNew<vtkPolyDataMapper2D> mapper;
      mapper->SetInputData(poly);
      vtkNew<vtkActor2D> band;
      band->SetMapper(mapper);
      band->GetProperty()->SetColor(ph.r / 255.0, ph.g / 255.0, ph.b / 255.0);
      band->GetProperty()->SetOpacity(0.13);
      view->GetRenderer()->AddActor2D(band);
    }
  }
  write_window_png(view->GetRenderWindow(), path);
}

}  // namespace skinheal::render::detail
