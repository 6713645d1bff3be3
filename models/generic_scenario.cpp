#include "models/generic_scenario.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "engine/input/resources.hpp"
#include "engine/input/units.hpp"
#include "engine/strings.hpp"
#include "models/generic_kinetics.hpp"
#include "models/time_scheme.hpp"

namespace skinheal::models {
namespace {

constexpr double kDay = 86400.0;

// Defaults of the generic scenario, in one place.
struct Defaults {
  static constexpr int dim = 2;
  static constexpr double dz_surface_um = 2.0;  // resolves a 10–20 µm stratum corneum
  static constexpr double dz_max_um = 40.0;
  static constexpr double growth = 1.15;
  static constexpr double rtol = 1e-3;
  static constexpr double dt_initial_s = 1.0;
  static constexpr double dt_max_s = kDay;
  static constexpr double dt_after_event_s = 1.0;
};

Boundary read_boundary(const TomlTable& fields, const std::string& key) {
  if (!fields.has(key)) return Boundary::no_flux();
  const TomlTable b = fields.table(key);
  const std::string kind = b.get_string("kind");
  if (kind == "no_flux") return Boundary::no_flux();
  if (kind == "fixed") return Boundary::fixed(b.get_double("value"));
  if (kind == "permeable")
    return Boundary::permeable(b.get_velocity_um_per_s("permeability"), b.get_double("value"));
  b.fail("kind", "= '" + kind + "' is not a boundary kind" +
                     suggest_nearest(kind, {"no_flux", "fixed", "permeable"}));
}

std::vector<double> read_diffusivity_by_row(const TomlTable& field, const Grid& grid) {
  std::vector<double> by_layer(grid.layer_names().size(), 0.0);
  if (field.is_table("diffusivity")) {
    const TomlTable d = field.table("diffusivity");
    const double fallback = d.query_diffusivity_um2_per_s("default", 0.0);
    std::fill(by_layer.begin(), by_layer.end(), fallback);
    for (const std::string& key : d.keys()) {
      if (key == "default") continue;
      const auto& names = grid.layer_names();
      if (std::find(names.begin(), names.end(), key) == names.end())
        d.fail(key, "is not a layer" + suggest_nearest(key, names));
      const int id = grid.layer_id(key);
      by_layer[id] = d.get_diffusivity_um2_per_s(key);
    }
  } else if (field.has("diffusivity")) {
    std::fill(by_layer.begin(), by_layer.end(), field.get_diffusivity_um2_per_s("diffusivity"));
  }
  std::vector<double> rows(grid.nz());
  for (int k = 0; k < grid.nz(); ++k) rows[k] = by_layer[grid.layer_of_row(k)];
  return rows;
}

// A box [lo, hi) in µm along one axis; a missing key means the whole extent.
std::pair<double, double> read_range_um(const TomlTable& region, const std::string& key,
                                        double extent) {
  if (!region.has(key)) return {0.0, extent};
  const std::vector<double> r = region.get_quantity_list(key, dims::length);
  if (r.size() != 2 || !(r[0] < r[1]))
    region.fail(
        key, "must be [lower, upper] lengths with lower < upper, such as [\"0 um\", \"150 um\"]");
  return {r[0], r[1]};
}

}  // namespace

Grid read_layered_grid(const TomlTable& root) {
  const TomlTable g = root.table("grid");
  const int dim = g.query_int("dim", Defaults::dim);
  if (dim != 2 && dim != 3) g.fail("dim", "must be 2 or 3, got " + std::to_string(dim));
  std::vector<Layer> layers;
  for (const TomlTable& l : root.array_of_tables("layers")) {
    layers.push_back({l.get_string("name"), l.get_length_um("thickness")});
    if (!(layers.back().thickness_um > 0.0))
      l.fail("thickness", "must be positive, such as \"150 um\"");
    for (std::size_t i = 0; i + 1 < layers.size(); ++i)
      if (layers[i].name == layers.back().name)
        l.fail("name", "'" + layers.back().name + "' names two layers; layer names must differ");
  }
  if (layers.empty()) root.fail("layers", "needs at least one [[layers]] entry");
  if (layers.size() > 254) root.fail("layers", "has more than 254 layers");
  const double dx = g.get_length_um("dx");
  if (!(dx > 0.0)) g.fail("dx", "must be a positive length such as \"20 um\"");
  const double width = g.get_length_um("width");
  if (!(width >= dx))
    g.fail("width", "must be at least dx (" + format_quantity(dx, dims::length) + ")");
  const double dz_surface = g.query_length_um("dz_surface", Defaults::dz_surface_um);
  if (!(dz_surface > 0.0)) g.fail("dz_surface", "must be a positive length such as \"2 um\"");
  const double dz_max = g.query_length_um("dz_max", Defaults::dz_max_um);
  if (!(dz_max >= dz_surface))
    g.fail("dz_max",
           "must be at least dz_surface (" + format_quantity(dz_surface, dims::length) + ")");
  const double growth = g.query_double("growth", Defaults::growth);
  g.require_range("growth", growth, 1.0, 2.0);
  const double nx_real = std::round(width / dx);
  double ny_real = 1.0;
  if (dim == 3) {
    const double width_y = g.get_length_um("width_y");
    if (!(width_y >= dx))
      g.fail("width_y", "must be at least dx (" + format_quantity(dx, dims::length) + ")");
    ny_real = std::round(width_y / dx);
  }
  const std::size_t fields =
      root.has("fields") ? root.query_array_of_tables("fields").size() : std::size_t{1};
  const double limit = resource_limits().max_cells;
  const double plane = nx_real * ny_real;
  const std::string hint = "raise grid.dx or grid.dz_surface, or make the grid smaller";
  if (!(plane <= limit)) require_grid_fits(g, plane, static_cast<int>(fields), hint);
  const double nz = count_graded_cells(layers, dz_surface, dz_max, growth, limit / plane);
  require_grid_fits(g, plane * nz, static_cast<int>(std::max<std::size_t>(fields, 1)), hint);
  const auto faces = Grid::graded_faces(layers, dz_surface, dz_max, growth);
  const int nx = static_cast<int>(nx_real), ny = static_cast<int>(ny_real);
  Grid grid = dim == 2 ? Grid::make_2d(nx, dx, faces) : Grid::make_3d(nx, ny, dx, faces);
  grid.assign_layers(layers);
  return grid;
}

double read_time_control(const TomlTable& root, StepControl& control) {
  const TomlTable t = root.table("time");
  const double end = t.get_time_s("end");
  if (!(end > 0.0)) t.fail("end", "must be a positive time such as \"30 d\"");
  control.adaptive = t.query_bool("adaptive", true);
  control.rtol = t.query_double("rtol", Defaults::rtol);
  if (!(control.rtol > 0.0 && control.rtol < 1.0))
    t.fail("rtol", "must be between 0 and 1 (exclusive), such as 1e-2");
  control.scheme = read_time_scheme(t);
  control.dt_initial_s = t.query_time_s("dt_initial", Defaults::dt_initial_s);
  control.dt_max_s = t.query_time_s("dt_max", Defaults::dt_max_s);
  control.dt_after_event_s = t.query_time_s("dt_after_event", Defaults::dt_after_event_s);
  if (!(control.dt_initial_s > 0.0))
    t.fail("dt_initial", "must be a positive time such as \"1 s\"");
  if (!(control.dt_max_s >= control.dt_initial_s))
    t.fail("dt_max", "must be at least dt_initial (" + format_duration(control.dt_initial_s) + ")");
  return end;
}

std::vector<double> read_snapshot_times(const TomlTable& root, double end_time_s) {
  if (!root.has_table("output")) return {};
  const TomlTable t = root.table("output");
  if (!t.has("snapshots")) return {};
  std::vector<double> times = t.get_time_list_s("snapshots");
  if (times.empty())
    t.fail("snapshots",
           "is empty; list times such as [\"1 d\", \"30 d\"], or leave the key "
           "out for the default log-spaced list");
  const double tolerance = 1e-9 * std::max(1.0, end_time_s);
  std::size_t after_end = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const double s = times[i];
    if (s < 0.0)
      t.fail("snapshots", "[" + std::to_string(i) + "] = " + format_duration(s) +
                              " is negative: snapshots must lie between 0 and time.end");
    if (s > end_time_s + tolerance) ++after_end;
    if (i > 0 && !(s > times[i - 1]))
      t.fail("snapshots", "[" + std::to_string(i) + "] = " + format_duration(s) +
                              " is not after the snapshot before it; list snapshots in "
                              "increasing order");
  }
  // A shorter run (time.end set lower, e.g. by --set or a sweep) keeps the snapshots it reaches.
  if (after_end > 0) {
    t.warn("snapshots", std::to_string(after_end) + " of " + std::to_string(times.size()) +
                            " snapshot time(s) lie after time.end (" + format_duration(end_time_s) +
                            ") and are not written");
    times.resize(times.size() - after_end);
  }
  if (times.empty() || times.back() < end_time_s - tolerance) times.push_back(end_time_s);
  return times;
}

BuiltScenario build_generic_scenario(const TomlTable& root) {
  BuiltScenario out;
  out.simulation = std::make_unique<Simulation>(read_layered_grid(root));
  Simulation& sim = *out.simulation;
  const Grid& grid = sim.grid();
  out.end_time_s = read_time_control(root, sim.control());
  out.snapshot_times_s = read_snapshot_times(root, out.end_time_s);

  std::vector<FieldKinetics> kinetics;
  for (const TomlTable& f : root.array_of_tables("fields")) {
    FieldInfo info;
    info.name = f.get_string("name");
    info.units = f.query_string("units", "1");
    info.description = f.query_string("description", "");
    info.abs_tolerance = f.query_double("abs_tolerance", 1e-6);
    if (info.name.empty()) f.fail("name", "must not be empty");
    if (sim.fields().contains(info.name))
      f.fail("name", "'" + info.name + "' names two fields; field names must differ");
    if (!(info.abs_tolerance > 0.0)) f.fail("abs_tolerance", "must be positive, such as 1e-6");
    const std::vector<double> D = read_diffusivity_by_row(f, grid);
    info.diffuses = std::any_of(D.begin(), D.end(), [](double d) { return d > 0.0; });
    const int id = sim.fields().add(info, f.query_double("initial", 0.0));
    if (info.diffuses)
      sim.transport().set_diffusion(id, Diffusivity::by_depth(D), read_boundary(f, "surface"),
                                    read_boundary(f, "bottom"));
    FieldKinetics k;
    k.field = id;
    k.production_per_s = f.query_rate_per_s("production", 0.0);  // field units per time
    k.decay_per_s = f.query_rate_per_s("decay", 0.0);
    k.growth_per_s = f.query_rate_per_s("growth", 0.0);
    k.capacity = f.query_double("capacity", 0.0);
    if (k.decay_per_s < 0.0) f.fail("decay", "must not be negative, such as \"1/d\"");
    if (k.growth_per_s < 0.0) f.fail("growth", "must not be negative, such as \"0.5/d\"");
    if (k.capacity < 0.0) f.fail("capacity", "must not be negative");
    if (k.growth_per_s > 0.0 && !(k.capacity > 0.0))
      f.fail("capacity", "must be positive when growth is set (logistic growth u(1 - u/capacity))");
    if (k.production_per_s != 0.0 || k.decay_per_s != 0.0 || k.growth_per_s != 0.0)
      kinetics.push_back(k);
  }
  if (sim.fields().num_fields() == 0) root.fail("fields", "needs at least one [[fields]] entry");
  if (!kinetics.empty()) sim.reactions().add(std::make_shared<GenericKinetics>(kinetics));

  for (const TomlTable& e : root.query_array_of_tables("events")) {
    const double t = e.get_time_s("time");
    if (t < 0.0 || t > out.end_time_s)
      e.fail("time", "= " + format_duration(t) +
                         " is outside the run: events must lie between 0 "
                         "and time.end (" +
                         format_duration(out.end_time_s) + ")");
    const std::string name = e.query_string("name", "event");
    const std::string field_name = e.get_string("field");
    if (!sim.fields().contains(field_name))
      e.fail("field", "= '" + field_name + "' is not a field" +
                          suggest_nearest(field_name, sim.fields().names()));
    const int field = sim.fields().index(field_name);
    const double value = e.get_double("set");
    const TomlTable region = e.table("region");
    const auto xr = read_range_um(region, "x", grid.width_x_um());
    const auto yr = read_range_um(region, "y", grid.width_y_um());
    const auto zr = read_range_um(region, "z", grid.depth_um());
    sim.add_event({t, name, [=](Simulation& s) {
                     const Grid& g = s.grid();
                     FieldView v = s.fields().view(field);
                     for (int k = 0; k < g.nz(); ++k) {
                       const double z = g.z_centres_um()[k];
                       if (z < zr.first || z >= zr.second) continue;
                       for (int j = 0; j < g.ny(); ++j) {
                         const double y = g.dim() == 3 ? g.y_centre_um(j) : 0.0;
                         if (g.dim() == 3 && (y < yr.first || y >= yr.second)) continue;
                         for (int i = 0; i < g.nx(); ++i) {
                           const double x = g.x_centre_um(i);
                           if (x >= xr.first && x < xr.second) v[g.index(i, j, k)] = value;
                         }
                       }
                     }
                   }});
  }
  out.description = "generic reaction-diffusion, " + std::to_string(sim.fields().num_fields()) +
                    " field(s), " + std::to_string(grid.num_cells()) + " cells, to " +
                    format_duration(out.end_time_s);
  return out;
}

}  // namespace skinheal::models
