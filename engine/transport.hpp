/// \file transport.hpp
/// \brief Implicit diffusion and taxis by line sweeps (LOD), second order in space and time.
///
/// For each transported field u the semi-discrete finite-volume operator is
///   du/dt = ∇·(D ∇u) − ∇·(χ(s) u ∇s)
/// (with a resting profile r, set_resting_profile: ∇·(D r ∇(u/r)) in place of ∇·(D ∇u))
/// with D in µm²/s per voxel (harmonic-mean face coefficients, so flux is continuous across
/// layer interfaces), cell-centred on the graded grid (second order in space), and taxis
/// fluxes upwinded (positivity-preserving). One time step of length h solves, per axis, the
/// tridiagonal θ-scheme (I − θ h L_a) u⁺ = (I + (1 − θ) h L_a) u, composed symmetrically:
///   X(h/2) Y(h/2) Z(h) Y(h/2) X(h/2)   (3D),   X(h/2) Z(h) X(h/2)   (2D)
/// with θ = 1/2 (Crank–Nicolson): second order in time. Each directional solve is a Thomas
/// algorithm vectorised across neighbouring lines. If a Crank–Nicolson step would make a
/// non-negative field negative (steps far above the explicit limit on steep data), the field's
/// step is redone with θ = 1 (backward Euler: monotone, mass-conserving), and counted.
///
/// Axisymmetric (r–z) grids (Grid::make_rz): x lines are radial and use the finite-volume
/// r-metric, (1/r) ∂_r(r D ∂_r u) ≈ [r_{i+½} F_{i+½} − r_{i−½} F_{i−½}] / (r_i dr), with F the
/// Cartesian face flux (diffusion and upwinded taxis alike) and r_i = (i + ½) dr: the face at
/// the axis has zero area (no flux), the system stays tridiagonal, and Σ u_i r_i dr dz is
/// conserved exactly. z lines are unchanged (the ring volume cancels).
///
/// Boundaries: lateral faces are no-flux; the surface (z = 0) and the bottom take no-flux,
/// a fixed value, or a permeable (Robin) condition with flux into the skin
///   J = (c_out − u₀) / (1/P + Δz₀/(2 D₀))      [field units · µm/s]
/// (P permeability in µm/s, c_out the outside concentration).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "engine/fields.hpp"
#include "engine/grid.hpp"

namespace skinheal {

enum class Axis { x = 0, y = 1, z = 2 };

/// \brief Boundary condition at the surface or bottom of the domain for one field.
struct Boundary {
  enum class Kind { no_flux, value, permeable };
  Kind kind = Kind::no_flux;
  double value = 0.0;                  ///< fixed value, or outside concentration (field units)
  double permeability_um_per_s = 0.0;  ///< permeable only
  static Boundary no_flux() { return {}; }
  static Boundary fixed(double value) { return {Kind::value, value, 0.0}; }
  static Boundary permeable(double permeability_um_per_s, double outside_value) {
    return {Kind::permeable, outside_value, permeability_um_per_s};
  }
};

/// \brief Diffusivity of one field in µm²/s: uniform, one value per depth row, or per voxel.
class Diffusivity {
 public:
  enum class Kind { uniform, by_depth, per_voxel };
  Diffusivity() = default;
  static Diffusivity uniform(double D_um2_per_s);
  static Diffusivity by_depth(std::vector<double> D_um2_per_s_per_row);
  static Diffusivity per_voxel(std::vector<double> D_um2_per_s_per_cell);

  Kind kind() const { return kind_; }
  /// Values: size 1 (uniform), nz (by_depth) or num_cells (per_voxel). Writable, so a model can
  /// open a channel by raising D in the punctured voxels (switch to per_voxel first).
  std::vector<double>& values() { return values_; }
  const std::vector<double>& values() const { return values_; }
  /// D at a cell (i, j, k) of `grid`.
  double at(const Grid& grid, std::size_t cell, int k) const {
    return kind_ == Kind::uniform    ? values_[0]
           : kind_ == Kind::by_depth ? values_[k]
                                     : values_[cell];
  }
  /// Expand to one value per voxel (no-op if already per voxel).
  void make_per_voxel(const Grid& grid);

 private:
  Kind kind_ = Kind::uniform;
  std::vector<double> values_{0.0};
};

/// \brief A cell field moving up the gradient of a signal field:
/// flux = χ(s) · u · ∇s, χ(s) = chi / (1 + s/s_sat)² (receptor saturation; s_sat = 0: none).
struct TaxisTerm {
  int cell_field = -1;
  int signal_field = -1;
  double chi_um2_per_s_per_signal = 0.0;  ///< µm²/s per unit of the signal's concentration
  double signal_saturation = 0.0;         ///< signal units; 0 disables saturation
};

/// \brief How Transport::step composes the directional solves.
enum class TransportScheme {
  symmetric_cn,        ///< X(h/2)Y(h/2)Z(h)Y(h/2)X(h/2), θ = 1/2 with monotone fallback: order 2
  lod_backward_euler,  ///< X(h)Y(h)Z(h), θ = 1: order 1, monotone (BioFVM's scheme)
};

struct TransportStats {
  int monotone_fallbacks = 0;  ///< fields whose step was redone with θ = 1
};

/// \brief Implicit transport of every field registered with set_diffusion.
class Transport {
 public:
  explicit Transport(const Grid& grid);
  ~Transport();
  Transport(Transport&&) noexcept;
  Transport& operator=(Transport&&) noexcept;

  /// Register (or replace) the diffusion of a field.
  void set_diffusion(int field, Diffusivity D, Boundary surface = {}, Boundary bottom = {});
  void set_boundaries(int field, Boundary surface, Boundary bottom);
  bool transports(int field) const;
  /// The diffusivity of a registered field, writable (e.g. to open a channel).
  Diffusivity& diffusivity(int field);
  const Diffusivity& diffusivity(int field) const;
  const Boundary& surface_boundary(int field) const;
  const Boundary& bottom_boundary(int field) const;
  /// Solve this registered field's diffusion together with a first-order decay −k u (k in
  /// 1/s) in one sparse implicit solve over the whole grid (coupled_solver.hpp), instead of
  /// directional sweeps: its discrete steady state is kept at any step, which line sweeps and
  /// a reaction–transport split both lose for a fast signal in balance between decay and
  /// diffusion. The decay then belongs to the transport (leave it out of the reactions), and
  /// if other reaction terms read the field, lag it there (ReactionOptions::lagged_fields):
  /// otherwise they see it accumulate its sources without its decay over the reaction sub-step.
  /// Backward Euler under lod_backward_euler; Crank–Nicolson with the monotone fallback under
  /// symmetric_cn. Cost: with a uniform D, dense 1D transforms per solve (fast
  /// diagonalisation, any geometry); otherwise one sparse Cholesky per distinct step size
  /// (cached), cheap on 2D grids, expensive on large 3D ones. Not for fields that move by taxis.
  void set_coupled_decay(int field, double decay_per_s);
  bool is_coupled(int field) const;
  double coupled_decay_per_s(int field) const;
  /// Let a registered field's random motility keep a resting profile: one positive density per
  /// depth row (field units; a field at rest in each layer at its own level, e.g. fibroblasts
  /// 1 in the dermis and 0.3 in the hypodermis). The depth flux becomes −D r ∇(u/r), so any
  /// u = c·r is at rest while mass is still conserved; discretely, across the face between rows
  /// p and q the flux is g (√(r_q/r_p) u_p − √(r_p/r_q) u_q), the usual g (u_p − u_q) wherever
  /// r does not change (within a layer). Rows where the field does not move (D = 0) may hold
  /// any value. Without it, plain diffusion levels the layers' resting densities out.
  /// Not for fields solved with set_coupled_decay (that solve needs a symmetric operator).
  void set_resting_profile(int field, std::vector<double> by_depth_row);
  /// Add a taxis term; the cell field must be registered with set_diffusion. Taxis acts only
  /// across faces where the cell field's D > 0 on both sides (cells are not motile where D = 0).
  void add_taxis(const TaxisTerm& term);

  /// Advance every transported field by dt_s seconds.
  TransportStats step(FieldSet& fields, double dt_s,
                      TransportScheme scheme = TransportScheme::symmetric_cn);
  /// out += scale · L(u): the explicit transport operator (diffusion, taxis, boundary sources;
  /// field units per second) of every transported field. `out` is laid out like
  /// fields.storage(); untransported fields are left as they are.
  void add_operator(const FieldSet& fields, double scale, std::vector<double>& out) const;
  /// Solve (I − h L_x)(I − h L_y)(I − h L_z) Δ = r in place for every transported field of
  /// `increments` (r in, Δ out): the approximate factorisation of the linearly implicit step
  /// (simulation.hpp). Boundary data are homogeneous for increments; taxis velocities are
  /// taken from `state`.
  void solve_increments(const FieldSet& state, FieldSet& increments, double dt_s);
  /// One directional θ-scheme solve of one field (building block, for tests and benchmarks).
  void sweep(FieldSet& fields, int field, Axis axis, double dt_s, double theta);

  /// The explicit (forward Euler) stability limit min over voxels of 1/(2 Σ_a D/Δ_a²), in s.
  double explicit_limit_s() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skinheal
