/// \file progress.hpp
/// \brief Progress on long runs (an observer) and the end-of-run outcome summary.
#pragma once

#include <chrono>
#include <ostream>

#include "engine/observer.hpp"
#include "engine/simulation.hpp"

namespace skinheal::cli {

/// \brief Progress observer: an updating bar on a terminal, a plain line every few seconds
/// otherwise (stderr). Shows simulated time, step size, steps and an ETA.
class Progress final : public Observer {
 public:
  Progress(double end_time_s, bool quiet);
  void on_start(const Simulation& sim) override;
  void on_step(const Simulation& sim, const StepInfo& info) override;
  void on_event(const Simulation& sim, const std::string& name, bool after) override;
  /// End the bar's line (call once after the run or on interruption).
  void finish_line();

 private:
  void print(const Simulation& sim, const StepInfo& info, bool force);
  double end_s_;
  bool quiet_, tty_, open_line_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
};

/// Per-layer means of every field at the end of the run, as a small table.
void print_outcome_summary(std::ostream& out, const Simulation& sim);

}  // namespace skinheal::cli
