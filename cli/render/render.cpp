// `skinheal render`: per-snapshot cross-sections, a timeline and a movie (see render.hpp and
// docs/rendering.md).
#include "cli/render/render.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "cli/render/detail/canvas.hpp"
#include "cli/render/detail/pieces.hpp"
#include "cli/render/result_facts.hpp"
#include "cli/render/virtual_display.hpp"
#include "engine/error.hpp"
#include "engine/output/hdf5_reader.hpp"
#include "engine/strings.hpp"

namespace skinheal::render {

namespace {

using detail::Canvas;
using detail::PanelData;
using detail::PanelPlacement;
using detail::Rect;

/// Default panel: the four matrix/cell fields of a skin run, else every field of a generic run
/// (up to six), else the first.
std::vector<std::string> default_fields(const std::vector<std::string>& names) {
  const std::vector<std::string> skin = {"collagen_I", "collagen_III", "elastin", "fibroblasts"};
  if (std::all_of(skin.begin(), skin.end(), [&](const std::string& f) {
        return std::find(names.begin(), names.end(), f) != names.end();
      }))
    return skin;
  if (names.size() <= 6) return names;
  return {names.front()};
}

/// Isosurface candidates in order of preference: the clot or the channels (fibrin, damage, a
/// field named like channel/clot), then the first panel field.
std::vector<std::string> iso_candidates(const std::vector<std::string>& names,
                                        const std::string& first) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(names.begin(), names.end(), n) != names.end() &&
        std::find(out.begin(), out.end(), n) == out.end())
      out.push_back(n);
  };
  for (const char* candidate : {"fibrin", "damage", "channel", "clot"}) add(candidate);
  for (const std::string& n : names)
    if (n.find("channel") != std::string::npos || n.find("clot") != std::string::npos) add(n);
  add(first);
  return out;
}

/// True if `values` take more than one value (to a relative 1e-12).
bool varies(const std::vector<float>& values) {
  if (values.empty()) return false;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return *hi - *lo > 1e-12 * std::max(1.0, std::abs(double(*hi)));
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

/// One image's record for render.json (pixel rectangles with PNG rows, top left origin).
struct ImageRecord {
  std::string file, kind;
  std::size_t snapshot = 0;
  double time_s = 0;
  std::vector<PanelPlacement> panels;
  std::string iso_field;  ///< slices3d: the isosurface field ("" if none)
  double iso_level = 0;
  std::array<double, 2> iso_range{0.0, 0.0};  ///< that field's range in this snapshot
};

void write_manifest(const std::string& path, const std::string& input, int w, int h,
                    const std::vector<ImageRecord>& images, const std::string& movie) {
  std::ostringstream j;
  j << std::setprecision(10);
  j << "{\n  \"input\": \"" << json_escape(input) << "\",\n  \"width\": " << w
    << ",\n  \"height\": " << h << ",\n";
  if (!movie.empty()) j << "  \"movie\": \"" << json_escape(movie) << "\",\n";
  j << "  \"images\": [\n";
  for (std::size_t i = 0; i < images.size(); ++i) {
    const ImageRecord& im = images[i];
    j << "    {\"file\": \"" << json_escape(im.file) << "\", \"kind\": \"" << im.kind
      << "\", \"snapshot\": " << im.snapshot << ", \"time_s\": " << im.time_s << ", \"panels\": [";
    for (std::size_t p = 0; p < im.panels.size(); ++p) {
      const PanelPlacement& pl = im.panels[p];
      j << (p ? ", " : "") << "{\"title\": \"" << json_escape(pl.title) << "\", \"view\": \""
        << pl.view << "\", \"left_px\": " << pl.data.x
        << ", \"top_px\": " << h - (pl.data.y + pl.data.h) << ", \"width_px\": " << pl.data.w
        << ", \"height_px\": " << pl.data.h << ", \"u_um\": [" << pl.u0_um << ", " << pl.u1_um
        << "], \"v_um\": [" << pl.v0_um << ", " << pl.v1_um << "], \"range\": [" << pl.range[0]
        << ", " << pl.range[1] << "]}";
    }
    j << "]";
    if (!im.iso_field.empty())
      j << ", \"isosurface\": {\"field\": \"" << json_escape(im.iso_field)
        << "\", \"level\": " << im.iso_level << ", \"range\": [" << im.iso_range[0] << ", "
        << im.iso_range[1] << "]}";
    j << "}" << (i + 1 < images.size() ? "," : "") << "\n";
  }
  j << "  ]\n}\n";
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial);
    out << j.str();
    if (!out) throw Error(path + ": cannot write");
  }
  std::filesystem::rename(partial, path);
}

/// Panels laid out on a grid of cells below a header strip.
/// The number of columns for n panels of sections `aspect` = width / height (µm / µm) in a
/// w × h image below a header_px strip: the usual grid (1, 2 or 3 columns), unless another
/// column count draws the sections at least 1.25 times larger (narrow r–z unit cells: one row).
/// aspect <= 0 (a zoomed section, which fills its cell): the usual grid.
int panel_columns(int n, int w, int h, int header_px, double aspect) {
  const int usual = n <= 1 ? 1 : n <= 4 ? 2 : 3;
  if (!(aspect > 0.0)) return usual;
  // The section's scale in a cell, with Canvas::panel's margins.
  auto scale = [&](int cols) {
    const int rows = (n + cols - 1) / cols;
    const int cw = w / cols, ch = (h - header_px) / rows;
    const int title_px = std::clamp(ch / 22, 11, 18);
    const int avail_w = std::max(cw - 8 - std::clamp(cw / 5, 70, 150), 8);
    const int avail_h = std::max(ch - (title_px + 10) - std::max(title_px + 14, 28), 8);
    return std::min(avail_w / aspect, static_cast<double>(avail_h));
  };
  int best = usual;
  for (int cols = 1; cols <= n; ++cols)
    if (scale(cols) > 1.25 * scale(best)) best = cols;
  return best;
}

std::vector<Rect> panel_cells(int n, int w, int h, int header_px, double aspect = 0.0) {
  const int cols = panel_columns(n, w, h, header_px, aspect);
  const int rows = (n + cols - 1) / cols;
  const int cw = w / cols, ch = (h - header_px) / rows;
  std::vector<Rect> cells;
  for (int i = 0; i < n; ++i) {
    const int r = i / cols, c = i % cols;
    cells.push_back({c * cw, h - header_px - (r + 1) * ch, cw, ch});
  }
  return cells;
}

struct Context {
  const Hdf5Result& result;
  const ResultGrid& grid;
  std::vector<double> times;
  std::vector<std::string> labels;
  double reference_s = 0;
  std::map<std::string, std::array<double, 2>> ranges;
  std::map<std::string, std::string> units, descriptions;
  double zoom_depth_um = 0;  ///< depth sections show only the top this many µm (0: all)
};

std::vector<std::pair<std::string, double>> layer_tops(const ResultGrid& g) {
  std::vector<std::pair<std::string, double>> tops;
  for (std::size_t l = 0; l < g.layer_names.size(); ++l)
    tops.emplace_back(g.layer_names[l], g.layer_bounds_um[l]);
  return tops;
}

std::vector<double> uniform_faces(double start, double step, int n) {
  std::vector<double> f(static_cast<std::size_t>(n) + 1);
  for (int i = 0; i <= n; ++i) f[i] = start + step * i;
  return f;
}

/// A depth section (x–z at row `j` of y, or y–z at column `i` of x) of a snapshot.
PanelData depth_section(const Context& ctx, const std::string& field,
                        const std::vector<float>& values, char plane, int index) {
  const ResultGrid& g = ctx.grid;
  PanelData d;
  d.title = field;
  const std::string& desc = ctx.descriptions.at(field);
  if (!desc.empty()) d.title += " \u2014 " + desc;
  d.units = ctx.units.at(field);
  d.vertical_axis = "depth";
  d.zoom_depth_um = ctx.zoom_depth_um;
  d.rows = g.nz;
  d.v_faces_um = g.z_faces_um;
  d.layer_tops_um = layer_tops(g);
  d.range = ctx.ranges.at(field);
  d.du_um = g.dx_um;
  const std::size_t plane_size = static_cast<std::size_t>(g.nx) * g.ny;
  if (plane == 'x') {  // x–z at y row j (r–z: the radius)
    d.horizontal_axis = g.axisymmetric ? "r" : "x";
    d.cols = g.nx;
    d.u0_um = g.x_um.front() - 0.5 * g.dx_um;
    for (int k = 0; k < g.nz; ++k)
      for (int i = 0; i < g.nx; ++i)
        d.values.push_back(values[k * plane_size + static_cast<std::size_t>(index) * g.nx + i]);
  } else {  // y–z at x column i
    d.horizontal_axis = "y";
    d.cols = g.ny;
    d.u0_um = g.y_um.front() - 0.5 * g.dx_um;
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        d.values.push_back(values[k * plane_size + static_cast<std::size_t>(j) * g.nx + index]);
  }
  return d;
}

/// A plan view (x–y) of row k of depth.
PanelData plan_section(const Context& ctx, const std::string& field,
                       const std::vector<float>& values, int k) {
  const ResultGrid& g = ctx.grid;
  PanelData d;
  std::ostringstream t;
  t << field << " at depth " << std::lround(g.z_um[k]) << " \u00b5m";
  d.title = t.str();
  d.units = ctx.units.at(field);
  d.horizontal_axis = "x";
  d.vertical_axis = "y";
  d.cols = g.nx;
  d.rows = g.ny;
  d.u0_um = g.x_um.front() - 0.5 * g.dx_um;
  d.du_um = g.dx_um;
  d.v_faces_um = uniform_faces(g.y_um.front() - 0.5 * g.dx_um, g.dx_um, g.ny);
  d.range = ctx.ranges.at(field);
  const std::size_t plane_size = static_cast<std::size_t>(g.nx) * g.ny;
  d.values.assign(values.begin() + k * plane_size, values.begin() + (k + 1) * plane_size);
  return d;
}

/// The depth row where `values` varies most across the plane (for the plan view).
int most_varied_row(const ResultGrid& g, const std::vector<float>& values) {
  const std::size_t plane = static_cast<std::size_t>(g.nx) * g.ny;
  int best = g.nz / 4;
  double best_var = 0;
  for (int k = 0; k < g.nz; ++k) {
    double s = 0, s2 = 0;
    for (std::size_t p = 0; p < plane; ++p) {
      const double v = values[k * plane + p];
      s += v;
      s2 += v * v;
    }
    const double var = s2 / plane - (s / plane) * (s / plane);
    if (var > best_var * (1 + 1e-9)) {
      best_var = var;
      best = k;
    }
  }
  return best;
}

std::string header_text(const Context& ctx, std::size_t s) {
  std::ostringstream h;
  h << format_since(ctx.times[s] - ctx.reference_s);
  const std::string& label = s < ctx.labels.size() ? ctx.labels[s] : std::string();
  if (!label.empty() && label != "scheduled") h << " \u00b7 " << label;
  return h.str();
}

std::string header_detail(const Context& ctx, std::size_t s, const std::string& input) {
  std::ostringstream h;
  h << "snapshot " << s + 1 << "/" << ctx.times.size() << ", t = " << format_duration(ctx.times[s])
    << " \u00b7 " << std::filesystem::path(input).filename().string();
  return h.str();
}

/// \brief Removes the output directory again if this run created it and did not finish (so a
/// failure leaves nothing half-written behind); a directory that existed is left alone.
class OutputDirectory {
 public:
  explicit OutputDirectory(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path p = fs::absolute(fs::path(path), ec);
    if (ec) p = path;
    // The topmost component that does not exist yet is what this run creates.
    // If that cannot be told for sure, nothing will be removed.
    for (fs::path q = p; !q.empty(); q = q.parent_path()) {
      const bool exists = fs::exists(q, ec);
      if (ec) {
        created_.clear();
        break;
      }
      if (exists || q == q.parent_path()) break;
      created_ = q;
    }
    fs::create_directories(p, ec);
    if (ec || !fs::is_directory(p))
      throw InputError(path + ": cannot create the output directory (" +
                       (ec ? ec.message() : std::string("it is not a directory")) + ")");
  }
  ~OutputDirectory() {
    if (done_ || created_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(created_, ec);
  }
  OutputDirectory(const OutputDirectory&) = delete;
  OutputDirectory& operator=(const OutputDirectory&) = delete;
  void keep() { done_ = true; }

 private:
  std::filesystem::path created_;
  bool done_ = false;
};

/// After a successful render into a directory that held an earlier one: remove the files the
/// earlier render.json lists (its images and movie) that this render did not write again, so
/// that the directory holds one render. Only names that manifest lists are touched.
void remove_stale_outputs(const std::filesystem::path& dir, const std::string& previous_manifest,
                          const std::vector<std::string>& written) {
  namespace fs = std::filesystem;
  std::set<std::string> keep;
  for (const std::string& f : written) keep.insert(fs::path(f).filename().string());
  std::set<std::string> old;
  static const std::regex listed(R"re("(?:file|movie)": "([A-Za-z0-9_]+\.(?:png|mp4|gif))")re");
  for (std::sregex_iterator it(previous_manifest.begin(), previous_manifest.end(), listed), end;
       it != end; ++it)
    old.insert((*it)[1].str());
  std::error_code ec;
  for (const std::string& name : old)
    if (!keep.count(name) && fs::is_regular_file(dir / name, ec)) fs::remove(dir / name, ec);
}

char numbered_buf[64];
std::string numbered(const std::string& stem, std::size_t s) {
  std::snprintf(numbered_buf, sizeof numbered_buf, "%s_%03zu.png", stem.c_str(), s);
  return numbered_buf;
}

}  // namespace

std::vector<std::size_t> parse_snapshot_selection(const std::string& text, std::size_t count) {
  std::vector<std::size_t> out;
  if (count == 0) throw InputError("the result has no snapshots");
  const std::string all = trim(text);
  if (all.empty() || all == "all") {
    for (std::size_t i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  std::istringstream in(all);
  for (std::string item; std::getline(in, item, ',');) {
    item = trim(item);
    long long index = 0;
    if (item == "first") {
      index = 0;
    } else if (item == "last") {
      index = static_cast<long long>(count) - 1;
    } else {
      std::size_t used = 0;
      try {
        index = std::stoll(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != item.size())
        throw InputError("--snapshots: '" + item +
                         "' is not a snapshot index (use all, first, last or numbers like 0,3,-1)");
      if (index < 0) index += static_cast<long long>(count);
    }
    if (index < 0 || index >= static_cast<long long>(count))
      throw InputError("--snapshots: '" + item + "' is out of range (the result has " +
                       std::to_string(count) + " snapshots, 0.." + std::to_string(count - 1) + ")");
    out.push_back(static_cast<std::size_t>(index));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

RenderReport render_result(const RenderOptions& o) {
  // 1. Open and check everything before creating anything.
  if (o.width_px < 200 || o.height_px < 150 || o.width_px > 8192 || o.height_px > 8192)
    throw InputError("--size must be between 200x150 and 8192x8192");
  Hdf5Result result(o.input);
  const ResultGrid grid = result.read_grid();
  const std::vector<std::string> names = result.field_names();
  if (names.empty()) throw InputError(o.input + ": the result has no fields");
  std::vector<std::string> fields = o.fields.empty() ? default_fields(names) : o.fields;
  for (const std::string& f : fields)
    if (std::find(names.begin(), names.end(), f) == names.end())
      throw InputError(o.input + ": no field '" + f + "'" + suggest_nearest(f, names));
  Context ctx{result, grid, result.snapshot_times_s(), result.snapshot_labels(), 0, {}, {}, {}};
  const std::vector<std::size_t> snaps = parse_snapshot_selection(o.snapshots, ctx.times.size());
  if (o.zoom_depth_um != 0) {
    const double full_um = grid.z_faces_um.back() - grid.z_faces_um.front();
    if (!(o.zoom_depth_um > 0) || !(o.zoom_depth_um <= full_um)) {
      std::ostringstream msg;
      msg << "--depth-um " << o.zoom_depth_um
          << ": expected a depth in um above 0 and at most the grid's depth (" << full_um << " um)";
      throw InputError(msg.str());
    }
    ctx.zoom_depth_um = o.zoom_depth_um;
  }
  const std::vector<EventMark> events = events_from_labels(ctx.times, ctx.labels);
  ctx.reference_s = reference_time_s(events, ctx.times);
  // The isosurface field: --iso-field, else per snapshot the first candidate that is not
  // uniform in that snapshot (fibrin is still 0 everywhere right after a session).
  if (!o.iso_field.empty() && std::find(names.begin(), names.end(), o.iso_field) == names.end())
    throw InputError(o.input + ": no field '" + o.iso_field + "' for --iso-field" +
                     suggest_nearest(o.iso_field, names));
  const std::vector<std::string> iso_fields = o.iso_field.empty()
                                                  ? iso_candidates(names, fields.front())
                                                  : std::vector<std::string>{o.iso_field};
  std::vector<std::string> needed = fields;
  if (grid.dim == 3)
    for (const std::string& f : iso_fields)
      if (std::find(needed.begin(), needed.end(), f) == needed.end()) needed.push_back(f);
  for (const std::string& f : needed) {
    ctx.ranges[f] = result.field_range(f);
    ctx.units[f] = result.field_units(f);
    ctx.descriptions[f] = result.field_description(f);
  }
  const ResultSummary summary = result.read_summary();
  {
    std::error_code ec;
    if (std::filesystem::exists(o.output_dir, ec) && !std::filesystem::is_directory(o.output_dir))
      throw InputError(o.output_dir + ": exists and is not a directory (-o names a directory)");
  }

  // 2. A display to render on (Xvfb if none); stopped when this function returns or throws.
  // Started before the output directory is created, so a display failure leaves nothing behind.
  // If this run created the directory and then fails, the directory is removed again.
  VirtualDisplay display(o.width_px, o.height_px);
  OutputDirectory output_directory(o.output_dir);
  const std::filesystem::path dir(o.output_dir);
  // An earlier render in the same directory: its files not written again go at the end.
  std::optional<std::string> previous_manifest;
  if (std::ifstream in(dir / "render.json"); in) {
    std::ostringstream text;
    text << in.rdbuf();
    previous_manifest = text.str();
  }
  RenderReport report;
  report.display = display.display();
  report.started_xvfb = display.started();
  report.display_note = display.note();
  if (o.verbose && !report.display_note.empty())
    std::cerr << "skinheal render: " << report.display_note << "\n";

  auto wrote = [&](const std::string& file) {
    report.files.push_back(file);
    if (o.verbose) std::cout << "wrote " << file << "\n";
  };

  std::vector<ImageRecord> images;
  std::vector<std::string> frames;
  const int header_px = std::clamp(o.height_px / 14, 30, 70);
  for (std::size_t s : snaps) {
    display.require_running();  // VTK aborts if it cannot connect: fail with a message instead
    std::map<std::string, std::vector<float>> data;
    for (const std::string& f : needed)
      if (!data.count(f)) data[f] = result.read_snapshot(f, s);
    // Cross-section panel (3D: x–z at the middle y row).
    {
      Canvas canvas(o.width_px, o.height_px);
      canvas.text(header_text(ctx, s), 12, o.height_px - header_px / 2 - header_px / 5,
                  std::max(12, header_px * 2 / 5), {0.05, 0.05, 0.05}, true);
      canvas.text(header_detail(ctx, s, o.input), o.width_px - 12,
                  o.height_px - header_px / 2 - header_px / 6, std::max(10, header_px / 4),
                  {0.35, 0.35, 0.35}, false, 2);
      const double aspect =
          o.zoom_depth_um > 0.0
              ? 0.0
              : grid.nx * grid.dx_um / (grid.z_faces_um.back() - grid.z_faces_um.front());
      const std::vector<Rect> cells =
          panel_cells(static_cast<int>(fields.size()), o.width_px, o.height_px, header_px, aspect);
      ImageRecord rec{numbered("section", s), "section", s, ctx.times[s], {}};
      for (std::size_t i = 0; i < fields.size(); ++i)
        rec.panels.push_back(canvas.panel(
            cells[i], depth_section(ctx, fields[i], data[fields[i]], 'x', grid.ny / 2)));
      const std::string path = (dir / rec.file).string();
      canvas.save_png(path);
      wrote(path);
      frames.push_back(path);
      images.push_back(std::move(rec));
    }
    if (grid.dim == 3) {  // orthogonal slices of the first field plus the isosurface view
      Canvas canvas(o.width_px, o.height_px);
      const std::string& f = fields.front();
      canvas.text(header_text(ctx, s), 12, o.height_px - header_px / 2 - header_px / 5,
                  std::max(12, header_px * 2 / 5), {0.05, 0.05, 0.05}, true);
      canvas.text(header_detail(ctx, s, o.input), o.width_px - 12,
                  o.height_px - header_px / 2 - header_px / 6, std::max(10, header_px / 4),
                  {0.35, 0.35, 0.35}, false, 2);
      const std::vector<Rect> cells = panel_cells(4, o.width_px, o.height_px, header_px);
      ImageRecord rec{numbered("slices3d", s), "slices3d", s, ctx.times[s], {}};
      rec.panels.push_back(
          canvas.panel(cells[0], depth_section(ctx, f, data[f], 'x', grid.ny / 2)));
      rec.panels.push_back(
          canvas.panel(cells[1], depth_section(ctx, f, data[f], 'y', grid.nx / 2)));
      rec.panels.push_back(
          canvas.panel(cells[2], plan_section(ctx, f, data[f], most_varied_row(grid, data[f]))));
      std::string iso = iso_fields.front();
      for (const std::string& candidate : iso_fields)
        if (varies(data[candidate])) {
          iso = candidate;
          break;
        }
      // The level is the middle of this snapshot's range, so the surface exists whenever the
      // field is not uniform.
      const std::vector<float>& iv = data[iso];
      const auto [lo, hi] = std::minmax_element(iv.begin(), iv.end());
      const double level = 0.5 * (double(*lo) + double(*hi));
      std::ostringstream caption;
      const std::string units = result.field_units(iso);
      caption << "isosurface " << iso << " = " << std::setprecision(3) << level
              << (units.empty() || units == "1" ? "" : " " + units);
      if (varies(iv)) {
        rec.iso_field = iso;
        rec.iso_level = level;
        rec.iso_range = {double(*lo), double(*hi)};
      } else {
        caption.str(iso_fields.size() > 1 ? "no isosurface: " + iso +
                                                " and the other candidates "
                                                "are uniform in this snapshot"
                                          : iso + " is uniform: no isosurface");
      }
      detail::add_isosurface_view(canvas, cells[3], grid, iv, level, caption.str());
      const std::string path = (dir / rec.file).string();
      canvas.save_png(path);
      wrote(path);
      images.push_back(std::move(rec));
    }
  }

  // 3. Timeline from /summary.
  {
    display.require_running();
    const std::string path = (dir / "timeline.png").string();
    std::string subtitle = std::filesystem::path(o.input).filename().string();
    detail::write_timeline(path, summary, names, ctx.reference_s, marked_events(events), o.width_px,
                           o.height_px, subtitle);
    wrote(path);
    images.push_back({"timeline.png", "timeline", 0, 0, {}});
  }
  // 4. Movie of the cross-sections.
  std::string movie_name;
  if (o.movie && frames.size() >= 2) {
    const std::string movie =
        detail::write_movie(o.output_dir, frames, o.frames_per_second, report.movie_note);
    wrote(movie);
    movie_name = std::filesystem::path(movie).filename().string();
  } else if (o.movie) {
    report.movie_note = "one snapshot only: no movie";
  }
  // The new manifest first: if writing it fails, the earlier one still lists only files that
  // are there (nothing has been removed yet).
  const std::string manifest = (dir / "render.json").string();
  write_manifest(manifest, o.input, o.width_px, o.height_px, images, movie_name);
  wrote(manifest);
  if (previous_manifest) remove_stale_outputs(dir, *previous_manifest, report.files);
  output_directory.keep();
  return report;
}

}  // namespace skinheal::render
