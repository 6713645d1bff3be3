/// \file simulation.hpp
/// \brief The time loop: Strang splitting of reactions and transport, adaptive step-size
/// control by step doubling, events landed on exactly, observers notified.
///
/// One step of length h is S(h) = R(h/2) ∘ T(h) ∘ R(h/2) (Strang 1968), R the per-voxel stiff
/// reaction integrator, T the symmetric implicit transport step; S is second order. With
/// adaptive control the step is taken once with h and twice with h/2; the scaled max-norm
/// difference / (2² − 1) estimates the local error of the two half steps (Richardson; Hairer,
/// Nørsett & Wanner, Solving ODEs I, II.4), which are accepted when the estimate is ≤ 1; the
/// next step is h · min(growth, max(0.2, 0.9 · err^(−1/3))), within [dt_min, dt_max].
#pragma once

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

/// \brief Step-size control settings (all times in seconds).
struct StepControl {
  bool adaptive = true;       ///< false: fixed steps of dt_initial_s (landing on events)
  double dt_initial_s = 1.0;  ///< first step, and fixed step when not adaptive
  double dt_min_s = 1e-6;     ///< a step below this is a NumericalError
  double dt_max_s = 7 * 86400.0;
  double dt_after_event_s = 1.0;  ///< step right after an event (adaptive only)
  double rtol = 1e-3;             ///< relative tolerance of the step error estimate
  double max_growth = 2.0;        ///< largest step growth factor per accepted step
  TransportScheme scheme = TransportScheme::symmetric_cn;
};

/// \brief Something applied at a time: a treatment session, a topical application.
struct Event {
  double time_s = 0.0;
  std::string name;
  std::function<void(Simulation&)> apply;  ///< may change fields, diffusivities, boundaries
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
  void add_observer(std::shared_ptr<Observer> observer);
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

  /// Restore time and controller state (used by checkpoints).
  void restore_clock(double t_s, double next_dt_s, long accepted, long rejected);

 private:
  void ensure_started();
  void split_step(FieldSet& f, double t_s, double h, TransportStats& ts);
  double error_norm(const std::vector<double>& coarse, const std::vector<double>& fine,
                    const std::vector<double>& start) const;
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
  std::vector<double> landing_times_;
  std::vector<char> event_done_;
  double t_s_ = 0.0;
  double dt_s_ = -1.0;
  bool started_ = false;
  StepInfo last_;
  std::vector<double> start_, coarse_;  // step-doubling scratch
};

}  // namespace skinheal
