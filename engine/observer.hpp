/// \file observer.hpp
/// \brief Observers of the time loop: output, progress, summaries, checkpoints.
///
/// The time loop never opens a file: it notifies observers, which may also ask the loop to
/// land exactly on times they need (snapshot times).
#pragma once

#include <string>
#include <vector>

namespace skinheal {

class Simulation;

/// \brief What the loop reports after each accepted step.
struct StepInfo {
  double t_s = 0.0;         ///< time at the end of the step
  double dt_s = 0.0;        ///< the accepted step
  double error_norm = 0.0;  ///< scaled error estimate (≤ 1 accepted)
  long accepted = 0;        ///< accepted steps so far
  long rejected = 0;        ///< rejected attempts so far
  int monotone_fallbacks = 0;
};

/// \brief Base class of every observer; all hooks are optional.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_start(const Simulation& sim) {}
  virtual void on_step(const Simulation& sim, const StepInfo& info) {}
  /// Called just before (`after == false`) and just after an event is applied at sim.time_s().
  virtual void on_event(const Simulation& sim, const std::string& event_name, bool after) {}
  virtual void on_end(const Simulation& sim) {}
  /// Times (s) the loop must land on exactly, e.g. snapshot times.
  virtual std::vector<double> requested_times_s() const { return {}; }
};

}  // namespace skinheal
