#include "models/skin_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/error.hpp"
#include "engine/input/resources.hpp"
#include "engine/strings.hpp"
#include "models/time_scheme.hpp"

namespace skinheal::models {

namespace {

constexpr double kDay = 86400.0;

/// Runs `parse` (skin_site, device_preset, ...) and reports its InputError at `key` of `t`.
template <class Parse>
auto named_at(const TomlTable& t, const std::string& key, Parse parse) {
  try {
    return parse();
  } catch (const InputError& e) {
    t.fail(key, std::string("is invalid: ") + e.what());
  }
}

/// Every scenario default, in one place (sources in the comments).
struct ScenarioDefaults {
  // Site and state: face, the commonest treatment site (Ablon 2018; Lotfi 2013 treated faces).
  static constexpr const char* site = "face_cheek";
  static constexpr const char* state = "normal";
  // Device: Dermaroller MF8, 1.5 mm (Schwarz & Laaff 2011; Lotfi 2013's protocol).
  static constexpr const char* device = "mf8";
  static constexpr double pressure_factor = 1.0;  // penetration.hpp calibration pressure
  // Pattern: 15 passes (Doddaballapur 2009: 15 passes ≈ 250 holes/cm²).
  static constexpr int passes = 15;
  static constexpr int seed = 1;
  static constexpr double pen_density_per_cm2 = 250.0;  // PRIME 2015, SCIENCE.md §2
  // Grid: 2 mm × 1.5 mm section (the dermis of the face is ~1 mm, SCIENCE.md §1); dx = 20 µm
  // keeps the default 12-month run in about a minute (modelling choice; 10 µm for pictures).
  static constexpr double width_um = 2000.0;
  static constexpr double depth_um = 1500.0;
  static constexpr double dx_um = 20.0;
  static constexpr double dz_surface_um = 2.5;  // ≥ 4 cells across an 11 µm stratum corneum
  static constexpr double dz_max_um = 50.0;
  static constexpr double growth = 1.15;
  static constexpr double length_um = 0.0;  // 0: a 2D x–z section (the default geometry)
  // Geometry: the x–z cross-section (DESIGN.md, "What a 2D run means"; docs/model.md, geometry).
  static constexpr const char* geometry = "xz";
  // Scar: an atrophic acne scar's fibrotic base below the epidermis, through the papillary and
  // upper reticular dermis (modelling choice; see scar.hpp), 80 % scar matrix.
  static constexpr double scar_depth_top_um = 100.0;
  static constexpr double scar_depth_bottom_um = 600.0;
  static constexpr double scar_density = 0.8;
  // Treatment: 3 sessions 6 weeks apart (clinical collagen-induction protocols, DESIGN.md).
  static constexpr double session_gap_s = 42 * kDay;
  // Topical: a 500 Da, log Kow 1 agent at 1 mg/cm³ for 4 h, unoccluded (illustrative).
  static constexpr double molecular_weight_da = 500.0;
  static constexpr double log_kow = 1.0;
  static constexpr double concentration_ug_per_cm3 = 1000.0;
  static constexpr double duration_s = 4 * 3600.0;
  // Time: 12 months (SCIENCE.md §5 outcomes); step tolerance 3 % (docs/model.md, performance).
  static constexpr double end_s = 365 * kDay;
  static constexpr double rtol = 0.03;
};

/// A number with 4 significant digits, for messages.
std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

}  // namespace

SkinModelConfig load_skin_scenario(const TomlTable& root) {
  using D = ScenarioDefaults;
  SkinModelConfig c;
  if (root.has("layers"))
    root.fail("layers", "is not read by skin scenarios: their layers come from skin.site (" +
                            join(skin_site_names(), " | ") + ") and grid.depth cuts the stack");
  if (root.has_table("model")) {
    const TomlTable model = root.table("model");
    const std::string kind = model.get_string("kind");
    if (kind != "skin") model.fail("kind", "must be \"skin\" for a skin scenario");
  }

  // [skin]
  if (root.has_table("skin")) {
    const TomlTable t = root.table("skin");
    const std::string site = t.query_string("site", D::site);
    const std::string state = t.query_string("state", D::state);
    c.site = named_at(t, "site", [&] { return skin_site(site); });
    c.state = named_at(t, "state", [&] { return skin_state(state); });
  } else {
    c.site = skin_site(D::site);
    c.state = skin_state(D::state);
  }

  // [device]
  {
    std::string preset = D::device;
    if (root.has_table("device")) {
      const TomlTable t = root.table("device");
      preset = t.query_string("preset", D::device);
      c.device = named_at(t, "preset", [&] { return device_preset(preset); });
      const double len_um = t.query_length_um("needle_length", c.device.needle_length_um());
      t.require_range("needle_length", len_um, 50.0, 5000.0, dims::length);
      if (t.has("needle_length") && (len_um < 250.0 || len_um > 3000.0))
        t.warn("needle_length", "= " + format_quantity(len_um, dims::length) +
                                    " is outside 0.25-3 mm, the range of microneedling devices "
                                    "the penetration model was calibrated on");
      c.device.needle_length_mm = len_um / 1000.0;
      c.device.needle_diameter_um =
          t.query_length_um("needle_diameter", c.device.needle_diameter_um);
      t.require_range("needle_diameter", c.device.needle_diameter_um, 10.0, 2000.0, dims::length);
      c.pattern.pressure_factor = t.query_double("pressure_factor", D::pressure_factor);
      t.require_range("pressure_factor", c.pattern.pressure_factor, 0.1, 3.0);
    } else {
      c.device = device_preset(preset);
    }
  }

  // [pattern]
  c.pattern.passes = D::passes;
  c.pattern.seed = D::seed;
  c.pattern.pen_density_per_cm2 = D::pen_density_per_cm2;
  if (root.has_table("pattern")) {
    const TomlTable t = root.table("pattern");
    c.pattern.passes = t.query_int("passes", D::passes);
    t.require_range("passes", c.pattern.passes, 1, 100);
    const int seed = t.query_int("seed", D::seed);
    t.require_range("seed", seed, 0, 2147483647.0);
    c.pattern.seed = static_cast<std::uint64_t>(seed);
    c.pattern.jitter_um = t.query_length_um("jitter", 0.0);
    t.require_range("jitter", c.pattern.jitter_um, 0.0, 1e4, dims::length);
    c.pattern.pen_density_per_cm2 = t.query_double("pen_density", D::pen_density_per_cm2);
    t.require_range("pen_density", c.pattern.pen_density_per_cm2, 1.0, 5000.0);
    c.pattern.section_half_band_um = t.query_length_um("section_half_band", 0.0);
    t.require_range("section_half_band", c.pattern.section_half_band_um, 0.0, 1e5, dims::length);
    if (t.has("needle_x"))
      c.pattern.single_needle_x_um = t.get_quantity_list("needle_x", dims::length);
  }

  // [grid]
  GridSettings& g = c.grid;
  g = GridSettings{D::width_um,  D::depth_um, D::dx_um,    D::dz_surface_um,
                   D::dz_max_um, D::growth,   D::length_um};
  if (root.has_table("grid")) {
    const TomlTable t = root.table("grid");
    const std::string geometry = t.query_string("geometry", D::geometry);
    if (geometry == "rz") {
      g.geometry = Geometry::axisymmetric;
    } else if (geometry != "xz") {
      t.fail("geometry", "= \"" + geometry +
                             "\" is not a geometry; valid values: \"xz\" (cross-section, the "
                             "default), \"rz\" (axisymmetric unit cell); 3D is chosen by "
                             "grid.length");
    }
    if (g.is_rz() && t.has("length"))
      t.fail("length",
             "cannot be combined with geometry = \"rz\" (an r-z unit cell has no y "
             "extent); remove one of them");
    if (g.is_rz() && c.device.kind != Device::Kind::single_needle) {
      // The unit cell's outer radius: π R² = 1/ρ (skin_model.hpp); width is not an input.
      const double density = mean_puncture_density_per_cm2(c);
      const double radius = unit_cell_radius_um(density);
      if (t.has("width"))
        t.fail("width",
               "is set by the puncture density in an r-z unit cell: R = 1/sqrt(pi rho) = " +
                   format_quantity(radius, dims::length) + " for rho = " + format_number(density) +
                   " /cm^2; remove grid.width");
      g.width_um = radius;
    } else {
      g.width_um = t.query_length_um("width", D::width_um);
      t.require_range("width", g.width_um, 50.0, 1e5, dims::length);
    }
    g.depth_um = t.query_length_um("depth", D::depth_um);
    g.dx_um = t.query_length_um("dx", D::dx_um);
    g.dz_surface_um = t.query_length_um("dz_surface", D::dz_surface_um);
    g.dz_max_um = t.query_length_um("dz_max", D::dz_max_um);
    g.growth = t.query_double("growth", D::growth);
    if (!g.is_rz()) {
      g.length_um = t.query_length_um("length", D::length_um);
      if (t.has("length")) t.require_range("length", g.length_um, 50.0, 1e5, dims::length);
    }
    t.require_range("depth", g.depth_um, 100.0, 2e4, dims::length);
    t.require_range("dx", g.dx_um, 1.0, 200.0, dims::length);
    t.require_range("dz_surface", g.dz_surface_um, 0.5, 50.0, dims::length);
    t.require_range("growth", g.growth, 1.0, 2.0);
    if (g.is_rz()) {
      // dr = R / ceil(R / dx): whole rings, no ring wider than the requested spacing.
      const double rings = std::max(1.0, std::ceil(g.width_um / g.dx_um - 1e-9));
      g.dx_um = g.width_um / rings;
    }
    if (!(g.dz_max_um >= g.dz_surface_um))
      t.fail("dz_max", "must be at least dz_surface (" +
                           format_quantity(g.dz_surface_um, dims::length) + ")");
    // Refuse a grid that would not fit before anything is allocated.
    // skin_model.hpp: the output contract, plus `scar` when a scar is configured.
    const int kSkinFields = root.has_table("scar") ? 14 : 13;
    const double nx = std::round(g.width_um / g.dx_um) * (g.is_3d() ? g.ny() : 1);
    const double nz =
        count_graded_cells(layers_to_depth(c.site, g.depth_um), g.dz_surface_um, g.dz_max_um,
                           g.growth, resource_limits().max_cells / std::max(nx, 1.0));
    require_grid_fits(t, nx * nz, kSkinFields,
                      "raise grid.dx or grid.dz_surface, or make the grid smaller");
  }

  // [time]
  c.end_time_s = D::end_s;
  c.control.rtol = D::rtol;
  if (root.has_table("time")) {
    const TomlTable t = root.table("time");
    c.end_time_s = t.query_time_s("end", D::end_s);
    t.require_range("end", c.end_time_s, 1.0, 5 * 365 * kDay, dims::time);
    c.control.rtol = t.query_double("rtol", D::rtol);
    t.require_range("rtol", c.control.rtol, 1e-5, 0.2);
    c.control.scheme = read_time_scheme(t);
    c.control.dt_max_s = t.query_time_s("dt_max", c.control.dt_max_s);
    t.require_range("dt_max", c.control.dt_max_s, 1.0, 30 * kDay, dims::time);
    if (t.has_table("atol")) {
      const TomlTable a = t.table("atol");
      for (const std::string& name : a.keys()) {
        const double v = a.get_double(name);
        if (!(v > 0.0) || !std::isfinite(v))
          a.fail(name, "must be a finite absolute tolerance > 0, in the field's units");
        c.abs_tolerances.emplace_back(name, v);
      }
    }
    const std::string gf = t.query_string("growth_factor_solve", "coupled");
    if (gf == "sweeps")
      c.growth_factor_solve = GrowthFactorSolve::sweeps;
    else if (gf != "coupled")
      t.fail("growth_factor_solve", "is \"" + gf +
                                        "\"; valid: \"coupled\" (the default) or \"sweeps\" "
                                        "(docs/numerics.md)");
  }

  // [treatment]
  c.sessions_s = {0.0, D::session_gap_s, 2 * D::session_gap_s};
  if (root.has_table("treatment")) {
    const TomlTable t = root.table("treatment");
    c.sessions_s = t.query_time_list_s("sessions", c.sessions_s);
    c.occlusion_after_session_s = t.query_time_s("occlusion_after_session", 0.0);
    if (c.sessions_s.empty())
      t.fail("sessions", "needs at least one session time, such as [\"0 d\"]");
    for (std::size_t i = 0; i < c.sessions_s.size(); ++i) {
      const double s = c.sessions_s[i];
      if (s < 0.0 || s > c.end_time_s)
        t.fail("sessions", "[" + std::to_string(i) + "] = " + format_duration(s) +
                               " is outside the run: every session must lie between 0 and "
                               "time.end (" +
                               format_duration(c.end_time_s) + ")");
      if (i > 0 && !(s > c.sessions_s[i - 1]))
        t.fail("sessions", "[" + std::to_string(i) + "] = " + format_duration(s) +
                               " is not after the session before it; list sessions in "
                               "increasing order");
    }
    t.require_range("occlusion_after_session", c.occlusion_after_session_s, 0.0, 365 * kDay,
                    dims::time);
  }

  if (!root.has_table("treatment") && root.has_table("time") && c.end_time_s < c.sessions_s.back())
    root.table("time").fail("end", "= " + format_duration(c.end_time_s) +
                                       " ends before the default sessions (0, 42 and 84 d); "
                                       "set [treatment] sessions or a later end");

  // [topical]
  if (root.has_table("topical")) {
    const TomlTable t = root.table("topical");
    TopicalApplication& a = c.topical;
    a.enabled = true;
    a.molecular_weight_da = t.query_double("molecular_weight", D::molecular_weight_da);
    t.require_range("molecular_weight", a.molecular_weight_da, 10.0, 1e6);
    a.log10_kow = t.query_double("log_kow", D::log_kow);
    t.require_range("log_kow", a.log10_kow, -10.0, 10.0);
    a.concentration_ug_per_cm3 = t.query_double("concentration", D::concentration_ug_per_cm3);
    t.require_range("concentration", a.concentration_ug_per_cm3, 0.0, 1e9);
    a.start_after_session_s = t.query_time_s("start_after_session", 0.0);
    t.require_range("start_after_session", a.start_after_session_s, 0.0, 365 * kDay, dims::time);
    a.duration_s = t.query_time_s("duration", D::duration_s);
    t.require_range("duration", a.duration_s, 1.0, 365 * kDay, dims::time);
    a.occluded = t.query_bool("occluded", false);
  }
  // [scar]
  if (root.has_table("scar")) {
    const TomlTable t = root.table("scar");
    ScarRegion& r = c.scar;
    r.enabled = t.query_bool("enabled", true);
    r.depth_top_um = t.query_length_um("depth_top", D::scar_depth_top_um);
    r.depth_bottom_um = t.query_length_um("depth_bottom", D::scar_depth_bottom_um);
    t.require_range("depth_top", r.depth_top_um, 0.0, 2e4, dims::length);
    t.require_range("depth_bottom", r.depth_bottom_um, 0.0, 2e4, dims::length);
    if (!(r.depth_bottom_um > r.depth_top_um))
      t.fail("depth_bottom", "must be deeper than depth_top (" +
                                 format_quantity(r.depth_top_um, dims::length) + ")");
    const double width = g.nx() * g.dx_um, length = g.is_3d() ? g.ny() * g.dx_um : 0.0;
    r.x_min_um = t.query_length_um("x_min", 0.0);
    r.x_max_um = t.query_length_um("x_max", width);
    if (!(r.x_max_um > r.x_min_um)) t.fail("x_max", "must be larger than x_min");
    r.y_min_um = t.query_length_um("y_min", 0.0);
    r.y_max_um = t.query_length_um("y_max", length);  // 2D: y is ignored
    if (!g.is_3d()) {
      r.y_min_um = 0.0;
      r.y_max_um = 1e9;
    } else if (!(r.y_max_um > r.y_min_um)) {
      t.fail("y_max", "must be larger than y_min");
    }
    r.density = t.query_double("density", D::scar_density);
    t.require_range("density", r.density, 0.0, 1.0);
  }
  // [output] is read by read_snapshot_times (generic_scenario.hpp), after the model.
  try {
    validate(c);
  } catch (const InputError& e) {
    throw InputError(root.file_name() + ": " + e.what());
  }
  return c;
}

}  // namespace skinheal::models
