#include "models/skin_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "engine/error.hpp"
#include "engine/strings.hpp"
#include "models/channel_stamp.hpp"
#include "models/penetration.hpp"
#include "models/puncture_pattern.hpp"

namespace skinheal::models {

namespace {

constexpr double kDay = 86400.0;

/// Lateral patch of the 2D section: the grid width by 10 mm, the section plane in its middle.
constexpr double kPatchDepthY_um = 10000.0;

/// Sets the topical diffusivity from the channel openness (a pre-step hook: each step sees the
/// openness at its start).
void update_topical_diffusivity(Simulation& sim, const std::vector<double>& tissue_D_per_layer,
                                double channel_D) {
  const int f = sim.fields().index("topical");
  Diffusivity& D = sim.transport().diffusivity(f);
  const std::vector<double> open = channel_openness(sim);
  std::vector<double>& values = D.values();
  const Grid& g = sim.grid();
  for (std::size_t c = 0; c < values.size(); ++c)
    values[c] =
        channel_mixed_diffusivity_um2_per_s(tissue_D_per_layer[g.layer_of(c)], channel_D, open[c]);
}

void stamp_session(Simulation& sim, const SkinModelConfig& config, int session) {
  const Grid& g = sim.grid();
  const ChannelShape shape = penetration(config.device, config.pattern.pressure_factor);
  std::vector<double> coverage(g.num_cells(), 0.0);
  if (g.is_axisymmetric()) {
    stamp_channel(g, shape, 0.0, 0.0, coverage);  // one channel on the axis, every session
  } else if (g.dim() == 3) {
    for (const Puncture& p : session_punctures_3d(config, session))
      stamp_channel(g, shape, p.x_um, p.y_um, coverage);
  } else {
    for (double x : session_channel_x_um(config, session))
      stamp_channel(g, shape, x, 0.0, coverage);
  }
  FieldSet& f = sim.fields();
  const int sc = g.layer_id("stratum_corneum");
  FieldView damage = f.view("damage"), barrier = f.view("barrier");
  std::vector<FieldView> destroyed = {f.view("keratinocytes"), f.view("fibroblasts"),
                                      f.view("vessels"),       f.view("collagen_I"),
                                      f.view("collagen_III"),  f.view("elastin")};
  if (f.contains("scar")) destroyed.push_back(f.view("scar"));
  for (std::size_t c = 0; c < coverage.size(); ++c) {
    const double cov = coverage[c];
    if (cov <= 0.0) continue;
    damage[c] = std::max(damage[c], cov);
    if (g.layer_of(c) == sc) barrier[c] *= 1.0 - cov;
    for (FieldView& v : destroyed) v[c] *= 1.0 - cov;
  }
}

/// The session's punctures over a patch of the given size (roller or pen; not single needle).
std::vector<Puncture> pattern_punctures(const SkinModelConfig& c, const Patch& patch, int session) {
  const std::uint64_t seed = c.pattern.seed + static_cast<std::uint64_t>(session);
  if (c.device.kind == Device::Kind::roller) {
    RollerProtocol protocol;
    protocol.passes = c.pattern.passes;
    protocol.seed = seed;
    protocol.jitter_um = c.pattern.jitter_um;
    return roller_pattern(c.device, patch, protocol);
  }
  PenProtocol protocol;
  protocol.target_density_per_cm2 = c.pattern.pen_density_per_cm2;
  protocol.seed = seed;
  return pen_pattern(c.device, patch, protocol);
}

}  // namespace

double mean_puncture_density_per_cm2(const SkinModelConfig& c) {
  switch (c.device.kind) {
    case Device::Kind::roller:
      return punctures_per_cm2_per_pass(c.device) * c.pattern.passes;
    case Device::Kind::pen:
      return c.pattern.pen_density_per_cm2;
    case Device::Kind::single_needle:
      return 0.0;
  }
  return 0.0;
}

double unit_cell_radius_um(double density_per_cm2) {
  SKINHEAL_REQUIRE(density_per_cm2 > 0.0 && std::isfinite(density_per_cm2),
                   "r-z unit cell: the puncture density must be > 0 per cm²");
  return 1e4 / std::sqrt(std::numbers::pi * density_per_cm2);  // 1 cm = 1e4 µm
}

std::string to_string(SkinState state) {
  switch (state) {
    case SkinState::normal:
      return "normal";
    case SkinState::anticoagulated:
      return "anticoagulated";
    case SkinState::inflamed:
      return "inflamed";
  }
  return "normal";
}

SkinState skin_state(const std::string& name) {
  if (name == "normal") return SkinState::normal;
  if (name == "anticoagulated") return SkinState::anticoagulated;
  if (name == "inflamed") return SkinState::inflamed;
  throw InputError("unknown skin state '" + name + "'" +
                   suggest_nearest(name, {"normal", "anticoagulated", "inflamed"}));
}

StepControl default_skin_step_control() {
  StepControl c;
  c.adaptive = true;
  c.dt_initial_s = 1.0;
  c.dt_after_event_s = 1.0;
  c.dt_min_s = 1e-6;
  c.dt_max_s = 7 * kDay;
  c.rtol = 3e-2;
  c.max_growth = 2.0;
  return c;
}

void validate(const SkinModelConfig& c) {
  validate_skin_site(c.site);
  validate_device(c.device);
  const GridSettings& g = c.grid;
  SKINHEAL_REQUIRE(g.width_um > 0.0 && g.depth_um > 0.0 && g.dx_um > 0.0 && g.dz_surface_um > 0.0 &&
                       g.dz_max_um >= g.dz_surface_um && g.growth >= 1.0,
                   "skin model: grid sizes must be > 0, dz_max >= dz_surface, growth >= 1");
  SKINHEAL_REQUIRE(g.width_um / g.dx_um >= 1.0 && g.width_um / g.dx_um <= 100000.0,
                   "skin model: width / dx must give 1 to 100000 cells");
  SKINHEAL_REQUIRE(g.length_um >= 0.0 && g.length_um / g.dx_um <= 100000.0,
                   "skin model: length (y extent) must be >= 0 (0: 2D) and give <= 100000 cells");
  SKINHEAL_REQUIRE(!(g.is_rz() && g.is_3d()),
                   "skin model: an r-z unit cell (geometry = \"rz\") has no y extent; set length "
                   "to 0 or use the x-z geometry");
  validate(c.scar);
  SKINHEAL_REQUIRE(c.pattern.passes >= 1, "skin model: passes must be >= 1");
  SKINHEAL_REQUIRE(c.pattern.pen_density_per_cm2 > 0.0, "skin model: pen density must be > 0");
  SKINHEAL_REQUIRE(c.pattern.section_half_band_um >= 0.0, "skin model: half band must be >= 0");
  SKINHEAL_REQUIRE(c.end_time_s > 0.0, "skin model: end time must be > 0");
  for (double t : c.sessions_s)
    SKINHEAL_REQUIRE(t >= 0.0 && t <= c.end_time_s, "skin model: sessions must lie in [0, end]");
  SKINHEAL_REQUIRE(c.occlusion_after_session_s >= 0.0, "skin model: occlusion time must be >= 0");
  if (c.topical.enabled) {
    potts_guy_kp_cm_per_h(c.topical.molecular_weight_da, c.topical.log10_kow);
    SKINHEAL_REQUIRE(c.topical.concentration_ug_per_cm3 >= 0.0 && c.topical.duration_s > 0.0 &&
                         c.topical.start_after_session_s >= 0.0 &&
                         c.topical.vehicle_permeability_um_per_s > 0.0,
                     "skin model: topical concentration >= 0, duration > 0, start >= 0");
  }
}

std::vector<Layer> layers_to_depth(const SkinSite& site, double depth_um) {
  std::vector<Layer> out;
  double top = 0.0;
  for (std::size_t l = 0; l < site.layers.size() && top < depth_um; ++l) {
    Layer layer = site.layers[l];
    const bool last = l + 1 == site.layers.size();
    if (top + layer.thickness_um > depth_um || last) layer.thickness_um = depth_um - top;
    out.push_back(layer);
    top += layer.thickness_um;
  }
  return out;
}

std::vector<std::string> grid_depth_warnings(const SkinModelConfig& config) {
  std::vector<std::string> out;
  const double depth = config.grid.depth_um;
  const std::vector<Layer>& layers = config.site.layers;
  // The site's layers the grid keeps (layers_to_depth), and those it leaves out.
  const std::size_t kept = layers_to_depth(config.site, depth).size();
  std::vector<std::string> missing;
  double first_missing_top = 0.0, needed = 0.0;  // needed: the top of the last layer
  for (std::size_t l = 0; l < layers.size(); ++l) {
    if (l >= kept) missing.push_back(layers[l].name);
    if (l < kept) first_missing_top += layers[l].thickness_um;
    if (l + 1 < layers.size()) needed += layers[l].thickness_um;
  }
  char buf[400];
  if (!missing.empty()) {
    std::snprintf(buf, sizeof buf,
                  "grid.depth = %.0f um leaves out the %s of site '%s' (from %.0f um down): "
                  "their outcome columns stay empty; set grid.depth above %.0f um to include them",
                  depth, join(missing, ", ").c_str(), config.site.name.c_str(), first_missing_top,
                  needed);
    out.emplace_back(buf);
  }
  const double channel = penetration(config.device, config.pattern.pressure_factor).depth_um;
  if (channel >= depth) {
    std::snprintf(buf, sizeof buf,
                  "the needles' channels reach %.0f um (device '%s', needle %.3g mm) but the grid "
                  "ends at grid.depth = %.0f um, so they are cut off there; set grid.depth above "
                  "%.0f um",
                  channel, config.device.name.c_str(), config.device.needle_length_mm, depth,
                  channel);
    out.emplace_back(buf);
  }
  return out;
}

std::vector<double> session_channel_x_um(const SkinModelConfig& c, int session) {
  const int nx = static_cast<int>(std::lround(c.grid.width_um / c.grid.dx_um));
  const double width = nx * c.grid.dx_um;
  std::vector<double> xs;
  if (c.device.kind == Device::Kind::single_needle) {
    if (c.pattern.single_needle_x_um.empty()) return {0.5 * width};
    return c.pattern.single_needle_x_um;
  }
  Patch patch;
  patch.width_x_um = width;
  patch.width_y_um = kPatchDepthY_um;
  const std::vector<Puncture> punctures = pattern_punctures(c, patch, session);
  double half_band = c.pattern.section_half_band_um;
  if (half_band <= 0.0)
    half_band = 0.5e4 / std::sqrt(mean_puncture_density_per_cm2(c));  // 1/(2√ρ), µm
  for (const SectionChannel& s : section_channels(punctures, 0.5 * kPatchDepthY_um, half_band))
    xs.push_back(s.x_um);
  return xs;
}

std::vector<Puncture> session_punctures_3d(const SkinModelConfig& c, int session) {
  Patch patch;
  patch.width_x_um = c.grid.nx() * c.grid.dx_um;
  patch.width_y_um = c.grid.ny() * c.grid.dx_um;
  if (c.device.kind == Device::Kind::single_needle) {
    std::vector<Puncture> out;
    if (c.pattern.single_needle_x_um.empty())
      out.push_back({0.5 * patch.width_x_um, 0.5 * patch.width_y_um, 0});
    for (double x : c.pattern.single_needle_x_um) out.push_back({x, 0.5 * patch.width_y_um, 0});
    return out;
  }
  return pattern_punctures(c, patch, session);
}

int GridSettings::nx() const {
  return std::max(1, static_cast<int>(std::lround(width_um / dx_um)));
}

int GridSettings::ny() const {
  return is_3d() ? std::max(1, static_cast<int>(std::lround(length_um / dx_um))) : 1;
}

std::vector<double> channel_openness(const Simulation& sim) {
  const Grid& g = sim.grid();
  const FieldSet& f = sim.fields();
  const int sc = g.layer_id("stratum_corneum"), ve = g.layer_id("viable_epidermis");
  ConstFieldView barrier = f.view("barrier"), kerat = f.view("keratinocytes"),
                 damage = f.view("damage");
  std::vector<double> open(g.num_cells());
  for (std::size_t c = 0; c < open.size(); ++c) {
    const int layer = g.layer_of(c);
    const double o = layer == sc ? 1.0 - barrier[c] : layer == ve ? 1.0 - kerat[c] : damage[c];
    open[c] = std::clamp(o, 0.0, 1.0);
  }
  return open;
}

std::unique_ptr<Simulation> build_skin_model(const SkinModelConfig& config) {
  validate(config);
  const std::vector<Layer> layers = layers_to_depth(config.site, config.grid.depth_um);
  const GridSettings& gs = config.grid;
  std::vector<double> z_faces =
      Grid::graded_faces(layers, gs.dz_surface_um, gs.dz_max_um, gs.growth);
  Grid grid = gs.is_rz()   ? Grid::make_rz(gs.nx(), gs.width_um / gs.nx(), std::move(z_faces))
              : gs.is_3d() ? Grid::make_3d(gs.nx(), gs.ny(), gs.dx_um, std::move(z_faces))
                           : Grid::make_2d(gs.nx(), gs.dx_um, std::move(z_faces));
  grid.assign_layers(layers);
  auto sim = std::make_unique<Simulation>(std::move(grid));
  const Grid& g = sim->grid();
  const int n_layers = static_cast<int>(g.layer_names().size());
  // Layer ids in the grid follow the site's order; parameters are indexed the same way.
  for (int l = 0; l < n_layers; ++l)
    SKINHEAL_REQUIRE(g.layer_names()[l] == skin_layer_names()[l],
                     "skin model: layers must follow the contract order");

  ProcessParams p = config.params;
  if (config.state == SkinState::anticoagulated)
    p.haemostasis.anticoagulation_factor = p.anticoagulation_factor;
  if (config.state == SkinState::inflamed)
    for (int l = 2; l < static_cast<int>(p.inflammation.immune_baseline.size()); ++l)
      p.inflammation.immune_baseline[l] = p.inflamed_immune_baseline;
  // Occlusion windows: a dressing after each session, and an occluded topical application.
  for (double t : config.sessions_s) {
    if (config.occlusion_after_session_s > 0.0)
      p.reepithelialisation.occluded_windows_s.push_back({t, t + config.occlusion_after_session_s});
    if (config.topical.enabled && config.topical.occluded) {
      const double t0 = t + config.topical.start_after_session_s;
      p.reepithelialisation.occluded_windows_s.push_back({t0, t0 + config.topical.duration_s});
    }
  }
  p.reepithelialisation.stratum_corneum_layer = g.layer_id("stratum_corneum");
  p.reepithelialisation.viable_epidermis_layer = g.layer_id("viable_epidermis");

  // Fields, in contract order, with units and absolute tolerances for the step control.
  FieldSet& f = sim->fields();
  f.reserve(config.scar.enabled ? 14 : 13);
  f.add({"damage", "1", false, true, 1e-3, "tissue destroyed by needles, fraction of voxel"});
  f.add({"blood", "1", false, true, 1e-4, "shed unclotted blood, volume fraction"});
  f.add({"fibrin", "1", false, true, 1e-4, "fibrin clot, volume fraction"});
  f.add({"growth_factor", "ng/mL", true, true, 5e-2, "PDGF/TGF-beta lumped"});
  f.add({"immune", "1", true, true, 1e-3, "inflammatory cells relative to a full wound"});
  f.add({"keratinocytes", "1", true, true, 1e-3, "viable epidermis relative to intact"});
  f.add({"barrier", "1", false, true, 1e-3, "stratum corneum barrier integrity (1 intact)"});
  f.add({"fibroblasts", "1", true, true, 1e-2, "fibroblasts relative to resting dermis"});
  f.add({"collagen_I", "mg/cm^3", false, true, 0.1, "type I collagen"});
  f.add({"collagen_III", "mg/cm^3", false, true, 0.1, "type III collagen"});
  f.add({"elastin", "mg/cm^3", false, true, 1e-2, "elastin"});
  f.add({"vessels", "1", false, true, 1e-3, "vessel density relative to intact layer"});
  f.add({"topical", "ug/cm^3", config.topical.enabled, true, 1e-2, "topical agent"});
  if (config.scar.enabled)
    f.add({"scar", "1", false, true, 1e-3, "scar matrix (dense disordered collagen), fraction"});

  for (const auto& [name, atol] : config.abs_tolerances) {
    if (!f.contains(name))
      throw InputError("[time.atol] " + name + ": no such field" +
                       suggest_nearest(name, f.names()) + " (fields: " + join(f.names(), ", ") +
                       ")");
    f.set_abs_tolerance(f.index(name), atol);
  }

  // Per-layer baselines.
  const int ve = g.layer_id("viable_epidermis");
  for (std::size_t c = 0; c < g.num_cells(); ++c) {
    const int l = g.layer_of(c);
    f.view("immune")[c] = p.inflammation.immune_baseline[l];
    f.view("keratinocytes")[c] = l == ve ? 1.0 : 0.0;
    f.view("barrier")[c] = 1.0;
    f.view("fibroblasts")[c] = p.fibroblasts.baseline[l];
    f.view("collagen_I")[c] = p.collagen.collagen_I_baseline[l];
    f.view("collagen_III")[c] = p.collagen.collagen_III_baseline[l];
    f.view("elastin")[c] = p.elastin.baseline[l];
    f.view("vessels")[c] = p.angiogenesis.baseline[l];
  }
  if (config.scar.enabled) {
    // Scar fraction by overlap of each cell with the region; normal matrix fills the rest.
    p.scar.collagen_I_baseline = p.collagen.collagen_I_baseline;
    p.scar.collagen_III_baseline = p.collagen.collagen_III_baseline;
    p.scar.fibroblast_baseline = p.collagen.fibroblast_baseline;
    FieldView scar = f.view("scar"), c1 = f.view("collagen_I"), c3 = f.view("collagen_III");
    const std::vector<double>& zf = g.z_faces_um();
    const double dx = g.dx_um();
    for (int k = 0; k < g.nz(); ++k)
      for (int j = 0; j < g.ny(); ++j)
        for (int i = 0; i < g.nx(); ++i) {
          const std::size_t c = g.index(i, j, k);
          const double y0 = g.dim() == 3 ? j * dx : 0.0, y1 = g.dim() == 3 ? y0 + dx : 0.0;
          const double s0 =
              scar_initial_fraction(config.scar, i * dx, (i + 1) * dx, y0, y1, zf[k], zf[k + 1]);
          scar[c] = s0;
          c1[c] *= 1.0 - s0;
          c3[c] *= 1.0 - s0;
        }
  }

  // Transport.
  const TransportParams& tp = p.transport;
  Transport& tr = sim->transport();
  const int sc = g.layer_id("stratum_corneum");
  std::vector<double> D_immune(g.nz()), D_kerat(g.nz()), D_fibro(g.nz()), F_rest(g.nz());
  for (int k = 0; k < g.nz(); ++k) {
    const int l = g.layer_of_row(k);
    D_immune[k] = l == sc ? 0.0 : tp.immune_um2_per_s;
    D_kerat[k] = l == ve ? tp.keratinocytes_um2_per_s : 0.0;
    D_fibro[k] = l > ve ? tp.fibroblasts_um2_per_s : 0.0;
    F_rest[k] = p.fibroblasts.baseline[static_cast<std::size_t>(l)];
  }
  tr.set_diffusion(f.index("growth_factor"), Diffusivity::uniform(tp.growth_factor_um2_per_s));
  if (config.growth_factor_solve == GrowthFactorSolve::coupled) {
    tr.set_coupled_decay(f.index("growth_factor"), p.inflammation.growth_factor_decay_per_s);
    p.inflammation.growth_factor_decay_in_transport = true;
  }
  tr.set_diffusion(f.index("immune"), Diffusivity::by_depth(D_immune));
  tr.set_diffusion(f.index("keratinocytes"), Diffusivity::by_depth(D_kerat));
  tr.set_diffusion(f.index("fibroblasts"), Diffusivity::by_depth(D_fibro));
  // Fibroblasts rest at F₀ per layer (1 in the dermis, 0.3 in the hypodermis): their random
  // motility keeps that profile instead of levelling it (which would activate the hypodermis
  // of untreated skin and starve the dermis).
  tr.set_resting_profile(f.index("fibroblasts"), F_rest);
  if (tp.fibroblast_chemotaxis_um2_per_s_per_ng_ml > 0.0) {
    TaxisTerm taxis;
    taxis.cell_field = f.index("fibroblasts");
    taxis.signal_field = f.index("growth_factor");
    taxis.chi_um2_per_s_per_signal = tp.fibroblast_chemotaxis_um2_per_s_per_ng_ml;
    taxis.signal_saturation = tp.chemotaxis_saturation_ng_ml;
    tr.add_taxis(taxis);
  }

  // Reactions.
  Reactions& r = sim->reactions();
  r.add(std::make_shared<Haemostasis>(f, p.haemostasis));
  r.add(std::make_shared<Inflammation>(f, p.inflammation));
  r.add(std::make_shared<Reepithelialisation>(f, p.reepithelialisation));
  r.add(std::make_shared<Fibroblasts>(f, p.fibroblasts));
  r.add(std::make_shared<Collagen>(f, p.collagen));
  r.add(std::make_shared<Elastin>(f, p.elastin));
  r.add(std::make_shared<Angiogenesis>(f, p.angiogenesis));
  r.add(std::make_shared<Topical>(f, p.topical));
  if (config.scar.enabled) r.add(std::make_shared<Scar>(f, p.scar));
  sim->control() = config.control;
  r.options().rtol = 1e-3;
  // With its decay in the transport, the growth factor is lagged in the reactions: the other
  // processes see its value at the start of each reaction sub-step, not its sources piling up
  // without their decay (docs/numerics.md, "The lagged growth factor").
  if (config.growth_factor_solve == GrowthFactorSolve::coupled)
    r.options().lagged_fields = {f.index("growth_factor")};

  // Sessions.
  for (std::size_t s = 0; s < config.sessions_s.size(); ++s) {
    const int session = static_cast<int>(s);
    sim->add_event({config.sessions_s[s], "session_" + std::to_string(s + 1),
                    [config, session](Simulation& sm) { stamp_session(sm, config, session); }});
  }
  // Occlusion edges are events too, so the loop lands on them.
  for (const auto& w : p.reepithelialisation.occluded_windows_s)
    if (w.second <= config.end_time_s)
      sim->add_event({w.second, "occlusion_end", [](Simulation&) {}});

  // Topical agent.
  if (config.topical.enabled) {
    const TopicalApplication& ta = config.topical;
    const int u = f.index("topical");
    const double kp = potts_guy_kp_cm_per_h(ta.molecular_weight_da, ta.log10_kow);
    std::vector<double> tissue_D(n_layers, p.topical.tissue_diffusivity_um2_per_s);
    tissue_D[sc] = stratum_corneum_diffusivity_um2_per_s(kp, config.site.layers[sc].thickness_um);
    std::vector<double> D0(g.num_cells());
    for (std::size_t c = 0; c < D0.size(); ++c) D0[c] = tissue_D[g.layer_of(c)];
    tr.set_diffusion(u, Diffusivity::per_voxel(D0));
    for (std::size_t s = 0; s < config.sessions_s.size(); ++s) {
      const double t0 = config.sessions_s[s] + ta.start_after_session_s;
      const double t1 = t0 + ta.duration_s;
      if (t0 <= config.end_time_s)
        sim->add_event({t0, "topical_on_" + std::to_string(s + 1), [u, ta](Simulation& sm) {
                          sm.transport().set_boundaries(
                              u,
                              Boundary::permeable(ta.vehicle_permeability_um_per_s,
                                                  ta.concentration_ug_per_cm3),
                              Boundary::no_flux());
                        }});
      if (t1 <= config.end_time_s)
        sim->add_event({t1, "topical_off_" + std::to_string(s + 1), [u](Simulation& sm) {
                          sm.transport().set_boundaries(u, Boundary::no_flux(),
                                                        Boundary::no_flux());
                        }});
    }
    sim->add_pre_step([tissue_D, channel_D = p.topical.channel_diffusivity_um2_per_s](
                          Simulation& sm) { update_topical_diffusivity(sm, tissue_D, channel_D); });
  }
  return sim;
}

}  // namespace skinheal::models
