/// \file skin_model.hpp
/// \brief Assemble a skin-healing Simulation from plain configuration structs: grid with layers,
/// fields with per-layer baselines, transport, the healing processes, and one event per
/// treatment session (and per topical application).
///
/// Fields (the output contract; units in FieldInfo): damage, blood, fibrin, growth_factor,
/// immune, keratinocytes, barrier, fibroblasts, collagen_I, collagen_III, elastin, vessels,
/// topical. Processes: haemostasis, inflammation, reepithelialisation, fibroblasts, collagen,
/// elastin, angiogenesis, topical (one file each; equations and sources there). Transport (µm²/s,
/// no-flux walls unless stated): growth_factor D_g = 3.33 (Koppenol & Vermolen 2017 †, an
/// effective binding-hindered value); immune 1.0 below the stratum corneum († modelling choice);
/// keratinocytes 0.1 in the viable epidermis only (SCIENCE.md §8 test value †); fibroblasts 0.05
/// in the dermis and hypodermis (1e-10–1e-9 cm²/s = 0.01–0.1 µm²/s, SCIENCE.md §6 †) plus
/// optional chemotaxis up growth_factor (χ in µm²/s per ng/mL, saturating at 5 ng/mL; default 0:
/// the engine's taxis is not gated where D = 0 and, at χ = 0.1, carried fibroblasts into the
/// epidermis and cut the adaptive step by ~3×); topical per voxel (topical.hpp), recomputed after
/// every step from the channel openness: stratum corneum 1 − barrier, viable epidermis 1 −
/// keratinocytes, dermis damage.
///
/// Scar (optional, scar.hpp). With config.scar enabled a 14th field `scar` (volume fraction of
/// scar matrix) is added, set to the region's density (times the cell's overlap with the region),
/// and the normal collagen there is set to (1 − S) of the layer baselines.
///
/// 3D. With grid.length_um > 0 the grid is x–y–z (ny = length / dx, same lateral spacing) and each
/// session stamps every puncture of the pattern laid over the grid's own patch as a cone (or
/// cylinder) with exact sub-voxel coverage (channel_stamp.hpp), not as a slit.
///
/// Sessions. At each session time the device's channel (penetration.hpp) is stamped at every
/// puncture of the pattern (puncture_pattern.hpp) that the 2D section cuts, as a slit through
/// its axis (offset 0). The section keeps punctures within ±half_band of the plane; the default
/// half band 1/(2√ρ) (ρ the puncture density) gives the section √ρ channels per unit length, the
/// line density of a square lattice of density ρ (DESIGN.md: slits overstate damage per area).
/// With coverage c per voxel: damage = max(damage, c); barrier (stratum corneum), keratinocytes,
/// fibroblasts, vessels, collagen_I, collagen_III, elastin and scar are multiplied by 1 − c.
///
/// The topical diffusivity follows the channel openness: a pre-step hook
/// (Simulation::add_pre_step) sets it from the state at the start of every step. Fibroblast
/// chemotaxis stops at faces where their D = 0 (the epidermis; Transport::add_taxis).
///
/// r–z unit cell. With grid.geometry = axisymmetric the grid is Grid::make_rz: one puncture on
/// the axis, rings out to a no-flux outer radius R that gives each puncture its share of skin,
///   π R² = 1 / ρ,   R = 1 / √(π ρ)   (ρ the mean puncture density per session),
/// so per-layer means are per-area outcomes of a field of punctures (a hexagonal lattice's
/// Wigner–Seitz cell approximated by a disc of equal area). load_skin_scenario sets width = R and
/// dx = R / ceil(R / dx); a single needle keeps the width as R. Every session stamps its channel
/// at the axis again (the unit-cell idealisation: punctures of later sessions land anywhere in
/// the cell on average, which r–z cannot place off the axis). The stamp is the ring-volume
/// weighted sub-voxel coverage of the cone or cylinder (channel_stamp.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/simulation.hpp"
#include "models/angiogenesis.hpp"
#include "models/collagen.hpp"
#include "models/devices.hpp"
#include "models/elastin.hpp"
#include "models/fibroblasts.hpp"
#include "models/haemostasis.hpp"
#include "models/inflammation.hpp"
#include "models/puncture_pattern.hpp"
#include "models/reepithelialisation.hpp"
#include "models/scar.hpp"
#include "models/skin_sites.hpp"
#include "models/topical.hpp"

namespace skinheal::models {

/// \brief Skin state before treatment.
enum class SkinState { normal, anticoagulated, inflamed };
std::string to_string(SkinState state);
/// Parse "normal", "anticoagulated" or "inflamed"; throws InputError.
SkinState skin_state(const std::string& name);

/// \brief Where the needles go.
struct PatternSettings {
  int passes = 15;                         ///< roller passes per session
  std::uint64_t seed = 1;                  ///< session s uses seed + s
  double jitter_um = 0.0;                  ///< roller hand jitter
  double pen_density_per_cm2 = 250.0;      ///< pen target density
  double pressure_factor = 1.0;            ///< penetration.hpp
  double section_half_band_um = 0.0;       ///< 0: 1/(2√ρ) (see the file comment)
  std::vector<double> single_needle_x_um;  ///< single needle: x of each needle (empty: centre)
};

/// \brief Grid: width (x), depth (z), lateral spacing, graded depth spacing; a y extent
/// `length_um` > 0 makes it 3D (x–y–z, ny = length / dx), 0 keeps the 2D x–z section;
/// `geometry` axisymmetric makes it the r–z unit cell (width = outer radius R, dx = dr; see the
/// file comment).
struct GridSettings {
  double width_um = 2000.0;
  double depth_um = 3000.0;
  double dx_um = 10.0;
  double dz_surface_um = 2.5;
  double dz_max_um = 50.0;
  double growth = 1.15;
  double length_um = 0.0;                   ///< y extent; 0: 2D
  Geometry geometry = Geometry::cartesian;  ///< axisymmetric: r–z unit cell (length must be 0)
  bool is_3d() const { return length_um > 0.0; }
  bool is_rz() const { return geometry == Geometry::axisymmetric; }
  int nx() const;
  int ny() const;  ///< 1 in 2D
};

/// \brief An agent applied on the surface after each session (optional).
struct TopicalApplication {
  bool enabled = false;
  double molecular_weight_da = 500.0;
  double log10_kow = 1.0;
  double concentration_ug_per_cm3 = 1000.0;  ///< in the vehicle
  double start_after_session_s = 0.0;
  double duration_s = 4 * 3600.0;
  bool occluded = false;  ///< occlusion during the application (slows barrier recovery)
  double vehicle_permeability_um_per_s = 1000.0;  ///< surface mass transfer (well mixed)
};

/// \brief Transport coefficients (µm²/s; see the file comment for sources).
struct TransportParams {
  double growth_factor_um2_per_s = 3.33;
  double immune_um2_per_s = 1.0;
  double keratinocytes_um2_per_s = 0.1;
  double fibroblasts_um2_per_s = 0.05;
  double fibroblast_chemotaxis_um2_per_s_per_ng_ml = 0.0;  ///< off by default: see file comment
  double chemotaxis_saturation_ng_ml = 5.0;
};

/// \brief Every process's parameters (defaults in each process header).
struct ProcessParams {
  HaemostasisParams haemostasis;
  InflammationParams inflammation;
  ReepithelialisationParams reepithelialisation;
  FibroblastParams fibroblasts;
  CollagenParams collagen;
  ElastinParams elastin;
  AngiogenesisParams angiogenesis;
  ScarParams scar;
  TopicalParams topical;
  TransportParams transport;
  /// Immune baseline in the dermis for the "inflamed" state (relative to I_max).
  double inflamed_immune_baseline = 0.1;
  /// Clotting slowdown of the "anticoagulated" state (haemostasis.hpp).
  double anticoagulation_factor = 0.25;
};

/// Step control of skin runs: adaptive, 1 s after each event, rtol 3e-2 (with the per-field
/// absolute tolerances of the FieldInfo), at most 7 days. Per-voxel reactions use rtol 1e-3.
/// With the default growth-factor solve the 12-month default scenario then takes about 330
/// steps and its day-365 dermal outcomes are within 1 % of a run converged in the step and the
/// tolerances (docs/numerics.md, "The lagged growth factor").
StepControl default_skin_step_control();

/// \brief How the growth factor's diffusion and decay are solved (`[time] growth_factor_solve`).
/// The default is `coupled`, with the growth factor lagged in the reactions
/// (ReactionOptions::lagged_fields): on the 12-month default scenario, against a run converged
/// in the step and the tolerances, +0.63 % on papillary collagen I and −0.82 % on fibroblasts
/// in about 330 steps. `sweeps` at the same steps is −6.9 % and −19 % (docs/numerics.md, "The
/// lagged growth factor").
enum class GrowthFactorSolve {
  sweeps,   ///< line sweeps for the diffusion, the decay among the reactions
  coupled,  ///< one implicit solve of diffusion + decay (Transport::set_coupled_decay), lagged
};

/// \brief A whole skin scenario.
struct SkinModelConfig {
  SkinSite site = skin_site("face_cheek");
  SkinState state = SkinState::normal;
  Device device = device_preset("mf8");
  PatternSettings pattern;
  GridSettings grid;
  std::vector<double> sessions_s = {0.0};
  double occlusion_after_session_s = 0.0;  ///< dressing after each session (0: none)
  TopicalApplication topical;
  ScarRegion scar;  ///< initial scar (disabled by default; enabled, it adds the `scar` field)
  double end_time_s = 365 * 86400.0;
  ProcessParams params;
  StepControl control = default_skin_step_control();
  GrowthFactorSolve growth_factor_solve = GrowthFactorSolve::coupled;
  /// `[time.atol]`: absolute tolerances that replace a field's default (field name → value in
  /// the field's units).
  std::vector<std::pair<std::string, double>> abs_tolerances;
};

/// Mean puncture density of one session in punctures per cm² (roller: per pass × passes; pen:
/// the target density; single needle: 0).
double mean_puncture_density_per_cm2(const SkinModelConfig& config);

/// Outer radius in µm of the r–z unit cell of a puncture density ρ (per cm²): π R² = 1/ρ.
/// Throws InputError if ρ <= 0.
double unit_cell_radius_um(double density_per_cm2);

/// Check a configuration; throws InputError.
void validate(const SkinModelConfig& config);

/// The site's layers cut (or extended) to depth_um.
std::vector<Layer> layers_to_depth(const SkinSite& site, double depth_um);

/// What the grid leaves out of the skin and needles of `config`, one sentence each (empty if
/// nothing): site layers below grid.depth (their outcome columns stay empty), and channels that
/// reach the bottom of the grid (cut off there). Not errors: a study of the upper dermis may
/// mean it; the scenario loader passes them to its warning sink.
std::vector<std::string> grid_depth_warnings(const SkinModelConfig& config);

/// Build the Simulation (grid, fields at baseline, transport, reactions, events, the topical
/// diffusivity observer). Call run_until(config.end_time_s) on it.
std::unique_ptr<Simulation> build_skin_model(const SkinModelConfig& config);

/// Channel x positions (µm) that session `session` stamps into the 2D section.
std::vector<double> session_channel_x_um(const SkinModelConfig& config, int session);

/// Puncture axes (x, y in µm) that session `session` stamps into a 3D grid: the pattern over the
/// grid's own x–y patch (single needle: needle_x at y = length / 2, or the patch centre).
std::vector<Puncture> session_punctures_3d(const SkinModelConfig& config, int session);

/// Channel openness of every voxel in [0, 1] (see the file comment).
std::vector<double> channel_openness(const Simulation& sim);

}  // namespace skinheal::models
