/// \file simulation.hpp
/// \brief The time loop: split reaction–transport steps, Richardson extrapolation with adaptive
/// step-size control, events landed on exactly, observers notified.
///
/// The base step is the Lie splitting L(h) = T(h) ∘ R(h): R the per-voxel stiff reaction
/// integrator (ROS2), T backward-Euler LOD transport (monotone, mass-conserving, L-stable).
/// L is first order with a smooth error expansion, so each step is taken once with h
/// (coarse) and twice with h/2 (fine) and extrapolated, u = 2·fine − coarse: second order and
/// L-stable (R(z) = 2/(1 − z/2)² − 1/(1 − z) → 0 as z → −∞), unlike Crank–Nicolson, whose
/// undamped stiff modes ring after every puncture (Hairer & Wanner, Solving ODEs II, IV.9;
/// Richardson extrapolation of splitting: Csomós & Faragó 2008, Comput Math Appl 55:2128).
/// The scaled max-norm of fine − coarse estimates the fine solution's local error and
/// drives the next step h · min(growth, max(0.2, 0.9 · err^(−1/2))) within [dt_min, dt_max];
/// a step with err > 1 is rejected. For non-negative fields the extrapolation is limited by
/// one factor φ ∈ [0, 1] per field, u = fine + φ (fine − coarse), the largest keeping every
/// voxel ≥ 0: positivity and mass are both kept. Fixed steps (adaptive = false) use the same
/// extrapolated scheme without rejection.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/observer.hpp"
#include "engine/reaction.hpp"
#include "engine/transport.hpp"

namespace skinheal {

/// \brief The base step that Richardson extrapolation and the controller are built on.
enum class TimeScheme {
  /// Lie splitting T(h) ∘ R(h): per-voxel ROS2 reactions, then backward-Euler LOD transport.
  /// Robust and positive, but its fixed point is not the steady state: a species that
  /// equilibrates fast (decay and diffusion) holds the step near its relaxation time.
  split,
  /// Linearly implicit Euler in delta form (a W-method, Hundsdorfer & Verwer 2003, IV.5):
  ///   (I − h J_R)(I − h L_x)(I − h L_y)(I − h L_z) Δ = h (R(u) + L(u)),  u⁺ = u + Δ,
  /// with J_R the per-voxel reaction Jacobian and L_a the transport operator of axis a, each
  /// factor solved exactly (per-voxel LU; tridiagonal sweeps). The full right-hand side is
  /// evaluated unsplit, so steady states are kept exactly at any step and quiet months take
  /// long steps; stiff in one factor it is L-stable. A non-negative field that would go below
  /// zero is clipped, and the clipped amount counts in the step's error estimate.
  linearly_implicit,
};

/// \brief Step-size control settings (all times in seconds).
struct StepControl {
  TimeScheme scheme = TimeScheme::split;
  bool adaptive = true;       ///< false: fixed steps of dt_initial_s (landing on events)
  double dt_initial_s = 1.0;  ///< first step, and fixed step when not adaptive
  double dt_min_s = 1e-6;     ///< a step below this is a NumericalError
  double dt_max_s = 7 * 86400.0;
  double dt_after_event_s = 1.0;  ///< step right after an event (adaptive only)
  double rtol = 1e-3;             ///< relative tolerance of the step error estimate
  double max_growth = 2.0;        ///< largest step growth factor per accepted step
};

/// \brief Something applied at a time: a treatment session, a topical application.
struct Event {
  double time_s = 0.0;
  std::string name;
  std::function<void(Simulation&)> apply;  ///< may change fields, diffusivities, boundaries
};

/// \brief The time loop's own state: everything besides fields and transport that decides
/// what the next step does (saved and restored by checkpoints; see output/checkpoint.hpp).
struct SimulationState {
  double t_s = 0.0;
  double next_dt_s = -1.0;        ///< the step the controller will try next (≤ 0: not chosen)
  StepInfo last_step;             ///< accepted/rejected counts and the last step's info
  std::vector<char> events_done;  ///< one flag per event, in events() order
};

/// \brief Wall time and work per stage of the time loop, accumulated since construction (or the
/// last reset_stage_times()). Cheap: a steady_clock read at each stage boundary. Transport
/// includes taxis (solved inside the same sweeps); error control is the step-doubling error
/// norm, extrapolation, positivity limiter and finiteness check.
struct StageTimes {
  double reactions_s = 0.0;
  double transport_s = 0.0;
  double error_control_s = 0.0;
  double events_s = 0.0;        ///< session stamping, topical on/off (Event::apply)
  double observers_s = 0.0;     ///< on_step / on_event / on_start / on_end (output, progress, ...)
  double total_s = 0.0;         ///< inside step() and run_until() altogether
  long steps = 0;               ///< accepted steps
  long rejected = 0;            ///< rejected attempts
  long split_steps = 0;         ///< reaction + transport passes (3 per attempt: h, h/2, h/2)
  std::size_t voxel_steps = 0;  ///< voxels × split steps (work of the transport sweeps)
  std::size_t reaction_substeps = 0;  ///< ROS2 sub-steps over all voxels and split steps
  std::size_t reaction_skipped = 0;   ///< voxel integrations skipped as quiescent
  std::size_t reaction_dense = 0;     ///< ROS2 sub-steps factorised densely (not sparse)
  /// Per field (FieldSet order): accepted steps whose next size was set by that field's error
  /// (not by the growth cap, dt_max or a landing time). The clipping error counts as its own
  /// entry, `clip_limited`. Tells which process holds the step size down.
  std::vector<long> limited_by_field;
  long clip_limited = 0;
};

/// \brief Owns the grid, fields, transport and reactions of one run, and steps them.
class Simulation {
 public:
  explicit Simulation(Grid grid);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const Grid& grid() const { return *grid_; }
  FieldSet& fields() { return fields_; }
  const FieldSet& fields() const { return fields_; }
  Transport& transport() { return transport_; }
  const Transport& transport() const { return transport_; }
  Reactions& reactions() { return reactions_; }
  StepControl& control() { return control_; }
  const StepControl& control() const { return control_; }

  void add_event(Event event);
  /// Add an observer. Added after the time loop started, it is started at once (and dropped
  /// again if its on_start throws), and the steps land on its requested times still ahead.
  void add_observer(std::shared_ptr<Observer> observer);
  /// A hook run at the start of every step(), at the current state and before the step is
  /// attempted (once per step, not per rejected attempt), in the order added: for coefficients
  /// that follow the state, such as a diffusivity that depends on how open the channels are.
  /// Observers only read; a pre-step hook may change transport coefficients (not fields).
  void add_pre_step(std::function<void(Simulation&)> hook);
  const std::vector<Event>& events() const { return events_; }

  double time_s() const { return t_s_; }
  /// The step the controller will try next.
  double next_dt_s() const { return dt_s_; }
  const StepInfo& last_step() const { return last_; }

  /// Advance to t_end_s, applying events and notifying observers. Observers' on_start is
  /// called on the first run; on_end when t_end_s is reached.
  void run_until(double t_end_s);
  /// Take one accepted step, not past t_limit_s (events and requested times are landed on).
  /// Returns the step's info.
  StepInfo step(double t_limit_s);

  /// Time and work per stage (see StageTimes).
  const StageTimes& stage_times() const { return stage_times_; }
  void reset_stage_times() { stage_times_ = StageTimes{}; }

  /// Restore time and controller state (used by checkpoints).
  void restore_clock(double t_s, double next_dt_s, long accepted, long rejected);

  // --- Checkpoint support: the controller's state, exactly. -----------------------------------
  /// The loop's state now. Between steps (after step() returns) it is complete: with the fields
  /// and the transport coefficients it determines the rest of the run bitwise.
  SimulationState state() const;
  /// Restore a state() taken from a simulation built the same way (same events, in order).
  /// Unlike restore_clock, events at the restored instant keep their recorded flags, so none is
  /// applied twice. Throws InputError if the number of events differs.
  void restore_state(const SimulationState& state);

 private:
  void ensure_started();
  void split_step(FieldSet& f, double t_s, double h, TransportStats& ts);
  void linearly_implicit_step(FieldSet& f, double t_s, double h);
  /// What step doubling learns from its two solutions, in one pass over them.
  struct Comparison {
    double error = 0.0;       ///< the scaled error norm (≤ 1: accept)
    int worst_field = -1;     ///< the field that attains it
    std::vector<double> phi;  ///< per field, the extrapolation's positivity limiter in [0, 1]
  };
  void compare_solutions(const std::vector<double>& coarse, const std::vector<double>& fine,
                         const std::vector<double>& start, Comparison& out) const;
  /// u ← fine + φ (fine − coarse) with round-off negatives clipped; false if a value is bad
  /// (not finite, or below −abs_tolerance in a non-negative field).
  bool extrapolate(const std::vector<double>& coarse, const std::vector<double>& phi);
  /// to ← from, on the engine's threads.
  static void copy_state(const std::vector<double>& from, std::vector<double>& to);
  void check_finite(double t_s, double h) const;
  double next_landing_time(double t_s) const;
  void apply_events_at(double t_s);

  std::unique_ptr<Grid> grid_;
  FieldSet fields_;
  Transport transport_;
  Reactions reactions_;
  StepControl control_;
  std::vector<Event> events_;
  std::vector<std::shared_ptr<Observer>> observers_;
  std::vector<std::function<void(Simulation&)>> pre_step_;
  std::vector<double> landing_times_;
  std::vector<char> event_done_;
  double t_s_ = 0.0;
  double dt_s_ = -1.0;
  bool started_ = false;
  StepInfo last_;
  std::vector<double> start_, coarse_;  // step-doubling scratch
  Comparison comparison_;
  std::unique_ptr<FieldSet> increments_;  // linearly implicit step scratch
  double clip_error_ = 0.0;  // largest clipped undershoot of this attempt (error-scale units)
  StageTimes stage_times_;
};

}  // namespace skinheal
