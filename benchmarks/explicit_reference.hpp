/// \file explicit_reference.hpp
/// \brief The obvious alternative to skinheal's implicit split scheme, for the issue-7 comparison:
/// forward Euler on the whole semi-discrete system at its stable step, built only from the
/// engine's public API (no engine changes).
///
/// One step, for every voxel v and field i (all fields at once, u⁺ = u + Δt·F(u)):
///   F_i(v) = R_i(u(v), t)                      Reactions::rhs at the voxel
///          + Σ_faces g_face (u_nb − u_v)/Δ_v    diffusion, finite volumes on the graded grid
///          + boundary fluxes / Δz               surface and bottom (value, permeable)
/// with the engine's discretisation of D: harmonic-mean face coefficients,
/// x faces D_f/Δx², z faces 2/(Δz_k/D_k + Δz_{k+1}/D_{k+1}) divided by Δz_k; lateral faces
/// no-flux; a fixed value u_b at the surface adds 2D₀/Δz₀·(u_b − u₀)/Δz₀; a permeable surface adds
/// (c_out − u₀)/(1/P + Δz₀/(2D₀))/Δz₀ (transport.hpp). Non-negative fields are clipped at zero,
/// as the engine's reaction integrator does.
///
/// Stable step: Gershgorin on the full Jacobian. For row i at voxel v the leftmost point of
/// its disc is J_ii − Σ_{j≠i}|J_ij| − 2Σ_faces g − g_boundary, so with
///   ρ(v) = max_i (−J_ii + Σ_{j≠i}|J_ij| + 2Σ g + g_b),   Δt = safety · 2 / max_v ρ(v)
/// every real eigenvalue λ ∈ [−ρ, 0] satisfies |1 + Δt λ| ≤ 1. For pure diffusion this is
/// 1/(2 Σ_a D/Δ_a²), Transport::explicit_limit_s. J comes from each term's add_jacobian where it
/// has one, otherwise by forward differences of its add_rhs. The bound is recomputed every
/// `bound_every` steps (its cost is timed apart: it is what makes the step *safe*, not the
/// step itself).
///
/// Not covered: taxis (Transport does not expose its TaxisTerms; the default scenario has none)
/// and diffusivities that change between events (the skin model changes D only at events, and
/// its topical D only when a topical agent is applied). The horizon must hold no event.
#pragma once

#include <string>
#include <vector>

#include "engine/simulation.hpp"

namespace skinheal::bench {

struct ExplicitOptions {
  double horizon_s = 3600.0;    ///< simulated time to cover at most
  double wall_budget_s = 10.0;  ///< stop early after this much wall time (the pace is measured)
  int bound_every = 100;        ///< steps between recomputations of the stable step
  double safety = 0.9;          ///< fraction of the Gershgorin step taken
};

struct ExplicitResult {
  double start_s = 0.0;       ///< simulated time at the start
  double simulated_s = 0.0;   ///< simulated time covered
  double wall_s = 0.0;        ///< wall seconds in the steps themselves
  double bound_wall_s = 0.0;  ///< wall seconds computing the stable step
  long steps = 0;
  double dt_min_s = 0.0, dt_max_s = 0.0;  ///< smallest and largest step used
  double dt_diffusion_s = 0.0;  ///< the same bound without the reactions (diffusion alone)
};

/// Integrate the fields of `sim` explicitly from sim.time_s(), using its grid, reactions and
/// transport coefficients; `state` starts as a copy of sim.fields().storage() and holds the result
/// (sim itself is not changed). Runs in parallel with skinheal::parallel (the engine's threads).
ExplicitResult explicit_integrate(Simulation& sim, std::vector<double>& state,
                                  const ExplicitOptions& options);

/// The stable forward-Euler step of diffusion alone with this discretisation, 2 / max_v max_i
/// (2 Σ_faces g + g_b), in s (Transport::explicit_limit_s uses cell values instead of face means).
double explicit_diffusion_limit_s(const Simulation& sim);

/// Largest relative difference between two states of `sim`'s fields,
/// max_cells |a − b| / max(max_cells |b|, abs_tolerance), over fields; `worst` names the field.
double max_relative_difference(const Simulation& sim, const std::vector<double>& a,
                               const std::vector<double>& b, std::string& worst);

}  // namespace skinheal::bench
