// The time loop. See simulation.hpp for the scheme.
#include "engine/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace skinheal {
namespace {
// Adds the wall time of its scope to a StageTimes entry (steady_clock: ~20 ns per read).
class StageTimer {
 public:
  explicit StageTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() {
    total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

// Two times closer than this (relative to the time scale) are the same instant.
double same_instant_tolerance(double t) {
  return 1e-9 * std::max(1.0, std::abs(t));
}
}  // namespace

Simulation::Simulation(Grid grid)
    : grid_(std::make_unique<Grid>(std::move(grid))), fields_(*grid_), transport_(*grid_) {}

void Simulation::add_event(Event event) {
  SKINHEAL_REQUIRE(std::isfinite(event.time_s), "event '" + event.name + "': time must be finite");
  SKINHEAL_REQUIRE(event.time_s >= t_s_ - same_instant_tolerance(t_s_),
                   "event '" + event.name + "' is in the past");
  // Keep events sorted by time, stable for equal times (insertion order).
  auto pos = std::upper_bound(events_.begin(), events_.end(), event.time_s,
                              [](double t, const Event& e) { return t < e.time_s; });
  const auto index = pos - events_.begin();
  events_.insert(pos, std::move(event));
  event_done_.insert(event_done_.begin() + index, 0);
}

void Simulation::add_observer(std::shared_ptr<Observer> observer) {
  SKINHEAL_REQUIRE(observer != nullptr, "simulation: null observer");
  observers_.push_back(std::move(observer));
  if (!started_) return;  // ensure_started collects every observer's times
  try {
    observers_.back()->on_start(*this);
  } catch (...) {
    observers_.pop_back();  // an observer that could not start is not kept
    throw;
  }
  // Added mid-run: its requested times (those still ahead) join the landing times.
  for (double t : observers_.back()->requested_times_s())
    if (t > t_s_ + same_instant_tolerance(t_s_)) landing_times_.push_back(t);
  std::sort(landing_times_.begin(), landing_times_.end());
}

void Simulation::add_pre_step(std::function<void(Simulation&)> hook) {
  SKINHEAL_REQUIRE(static_cast<bool>(hook), "simulation: empty pre-step hook");
  pre_step_.push_back(std::move(hook));
}

void Simulation::restore_clock(double t_s, double next_dt_s, long accepted, long rejected) {
  t_s_ = t_s;
  dt_s_ = next_dt_s;
  last_.t_s = t_s;
  last_.accepted = accepted;
  last_.rejected = rejected;
  for (std::size_t e = 0; e < events_.size(); ++e)
    event_done_[e] = events_[e].time_s < t_s - same_instant_tolerance(t_s) ? 1 : 0;
}

// --- Checkpoint support ---------------------------------------------------------------------

SimulationState Simulation::state() const {
  SimulationState s;
  s.t_s = t_s_;
  s.next_dt_s = dt_s_;
  s.last_step = last_;
  s.events_done = event_done_;
  return s;
}

void Simulation::restore_state(const SimulationState& s) {
  SKINHEAL_REQUIRE(s.events_done.size() == events_.size(),
                   "simulation: the saved state has " + std::to_string(s.events_done.size()) +
                       " events, this simulation " + std::to_string(events_.size()));
  t_s_ = s.t_s;
  dt_s_ = s.next_dt_s;
  last_ = s.last_step;
  event_done_ = s.events_done;
}

// ---------------------------------------------------------------------------------------------

double Simulation::next_landing_time(double t_s) const {
  double next = std::numeric_limits<double>::infinity();
  const double tol = same_instant_tolerance(t_s);
  for (const Event& e : events_)
    if (e.time_s > t_s + tol) next = std::min(next, e.time_s);
  for (double t : landing_times_)
    if (t > t_s + tol) next = std::min(next, t);
  return next;
}

void Simulation::apply_events_at(double t_s) {
  const double tol = same_instant_tolerance(t_s);
  bool any = false;
  for (std::size_t e = 0; e < events_.size(); ++e) {
    if (event_done_[e] || std::abs(events_[e].time_s - t_s) > tol) continue;
    {
      const StageTimer timer(stage_times_.observers_s);
      for (auto& o : observers_) o->on_event(*this, events_[e].name, false);
    }
    if (events_[e].apply) {
      const StageTimer timer(stage_times_.events_s);
      events_[e].apply(*this);
    }
    event_done_[e] = 1;
    any = true;
    const StageTimer timer(stage_times_.observers_s);
    for (auto& o : observers_) o->on_event(*this, events_[e].name, true);
  }
  if (any && control_.adaptive) dt_s_ = control_.dt_after_event_s;
}

void Simulation::linearly_implicit_step(FieldSet& f, double t_s, double h) {
  if (!increments_ || increments_->num_fields() != f.num_fields()) {
    increments_ = std::make_unique<FieldSet>(*grid_);
    for (int i = 0; i < f.num_fields(); ++i) increments_->add(f.info(i));
  }
  std::vector<double>& r = increments_->storage();
  {
    const StageTimer timer(stage_times_.reactions_s);
    std::fill(r.begin(), r.end(), 0.0);
    reactions_.add_rates(f, t_s, h, r);
  }
  {
    const StageTimer timer(stage_times_.transport_s);
    transport_.add_operator(f, h, r);
  }
  {
    const StageTimer timer(stage_times_.reactions_s);
    reactions_.solve_linearised(f, t_s, h, r);
    stage_times_.reaction_substeps += f.num_cells();
  }
  {
    const StageTimer timer(stage_times_.transport_s);
    transport_.solve_increments(f, *increments_, h);
  }
  const StageTimer timer(stage_times_.transport_s);
  // u⁺ = u + Δ. A non-negative field that would go below zero is clipped, and the clipped
  // amount (in units of the error scale) joins the step's error estimate: clipping adds mass
  // that neither the coarse nor the fine solution would otherwise show.
  std::vector<double>& u = f.storage();
  const std::size_t N = f.num_cells();
  for (int i = 0; i < f.num_fields(); ++i) {
    const bool nonneg = f.info(i).non_negative;
    const double atol = f.info(i).abs_tolerance, rtol = control_.rtol;
    const std::size_t off = i * N;
    const double clipped = parallel::max(N, [&](std::size_t b, std::size_t e) {
      double worst = 0.0;
      for (std::size_t c = off + b; c < off + e; ++c) {
        const double v = u[c] + r[c];
        if (nonneg && v < 0.0) {
          worst = std::max(worst, -v / (atol + rtol * std::abs(u[c])));
          u[c] = 0.0;
        } else {
          u[c] = v;
        }
      }
      return worst;
    });
    clip_error_ = std::max(clip_error_, clipped);
  }
}

void Simulation::split_step(FieldSet& f, double t_s, double h, TransportStats& ts) {
  reactions_.set_default_rtol(control_.rtol);
  ++stage_times_.split_steps;
  stage_times_.voxel_steps += f.num_cells();
  if (control_.scheme == TimeScheme::linearly_implicit) {
    linearly_implicit_step(f, t_s, h);
    return;
  }
  if (!reactions_.empty()) {
    const StageTimer timer(stage_times_.reactions_s);
    const ReactionStats r = reactions_.advance(f, t_s, h);
    stage_times_.reaction_substeps += r.substeps;
    stage_times_.reaction_skipped += r.voxels_skipped;
    stage_times_.reaction_dense += r.dense_factorisations;
  }
  const StageTimer timer(stage_times_.transport_s);
  const TransportStats s = transport_.step(f, h, TransportScheme::lod_backward_euler);
  ts.monotone_fallbacks += s.monotone_fallbacks;
}

namespace {

// The finishing passes of a step run over fixed blocks of cells, all fields per block (the
// block's three solutions stay in cache), on the engine's threads. Results do not depend on
// the thread count: each block's partial results have their own slot.
constexpr std::size_t kFinishBlock = 4096;

std::size_t num_finish_blocks(std::size_t cells) {
  return (cells + kFinishBlock - 1) / kFinishBlock;
}

}  // namespace

void Simulation::compare_solutions(const std::vector<double>& coarse,
                                   const std::vector<double>& fine,
                                   const std::vector<double>& start, Comparison& out) const {
  const std::size_t N = fields_.num_cells();
  const int F = fields_.num_fields();
  const double rtol = control_.rtol;
  // Per block and field: the largest scaled error, and the limiter's largest −φ (−1: none).
  std::vector<double> partial(num_finish_blocks(N) * 2 * static_cast<std::size_t>(F));
  parallel::for_each_block(
      N, kFinishBlock,
      [&](std::size_t b, std::size_t e) {
        double* slot = partial.data() + b / kFinishBlock * 2 * F;
        for (int f = 0; f < F; ++f) {
          const double atol = fields_.info(f).abs_tolerance;
          const bool nonneg = fields_.info(f).non_negative;
          const std::size_t off = f * N;
          double worst = 0.0, limit = -1.0;
          for (std::size_t i = off + b; i < off + e; ++i) {
            const double scale = atol + rtol * std::max(std::abs(fine[i]), std::abs(start[i]));
            const double r = std::abs(fine[i] - coarse[i]) / scale;
            if (!(r <= worst)) worst = (r == r) ? r : std::numeric_limits<double>::infinity();
            // Largest φ ≤ 1 with fine + φ (fine − coarse) ≥ 0 (fine ≥ 0 already).
            const double d = fine[i] - coarse[i];
            if (nonneg && fine[i] + d < 0.0) limit = std::max(limit, -std::max(fine[i], 0.0) / -d);
          }
          slot[2 * f] = worst;
          slot[2 * f + 1] = limit;
        }
      },
      N * F);
  out.error = 0.0;
  out.worst_field = -1;
  out.phi.assign(static_cast<std::size_t>(F), 1.0);
  for (int f = 0; f < F; ++f) {
    double worst = 0.0, limit = -1.0;
    for (std::size_t blk = 0; blk < num_finish_blocks(N); ++blk) {
      worst = std::max(worst, partial[blk * 2 * F + 2 * f]);
      limit = std::max(limit, partial[blk * 2 * F + 2 * f + 1]);
    }
    if (fields_.info(f).non_negative) out.phi[static_cast<std::size_t>(f)] = -limit;
    if (worst > out.error) {
      out.error = worst;
      out.worst_field = f;
    }
  }
}

bool Simulation::extrapolate(const std::vector<double>& coarse, const std::vector<double>& phi) {
  const std::size_t N = fields_.num_cells();
  const int F = fields_.num_fields();
  std::vector<double>& u = fields_.storage();
  std::vector<char> bad(num_finish_blocks(N), 0);
  parallel::for_each_block(
      N, kFinishBlock,
      [&](std::size_t b, std::size_t e) {
        char any = 0;
        for (int f = 0; f < F; ++f) {
          const double p = phi[static_cast<std::size_t>(f)];
          const bool nonneg = fields_.info(f).non_negative;
          const double floor = -fields_.info(f).abs_tolerance;
          const std::size_t off = f * N;
          for (std::size_t i = off + b; i < off + e; ++i) {
            double v = u[i] + p * (u[i] - coarse[i]);
            // Bad values are left for check_finite to name; round-off negatives of
            // non-negative fields (above −abs_tolerance) are clipped to 0.
            if (!std::isfinite(v) || (nonneg && v < floor))
              any = 1;
            else if (nonneg && v < 0.0)
              v = 0.0;
            u[i] = v;
          }
        }
        bad[b / kFinishBlock] = any;
      },
      N * F);
  return std::find(bad.begin(), bad.end(), 1) == bad.end();
}

void Simulation::copy_state(const std::vector<double>& from, std::vector<double>& to) {
  if (to.size() != from.size()) to.resize(from.size());
  parallel::for_each_block(
      from.size(), kFinishBlock * 4,
      [&](std::size_t b, std::size_t e) {
        std::copy(from.begin() + b, from.begin() + e, to.begin() + b);
      },
      from.size() / 4);
}

void Simulation::check_finite(double t_s, double h) const {
  const std::size_t N = fields_.num_cells();
  const Grid& g = *grid_;
  for (int f = 0; f < fields_.num_fields(); ++f) {
    const ConstFieldView v = fields_.view(f);
    const bool nonneg = fields_.info(f).non_negative;
    const double floor = -fields_.info(f).abs_tolerance;
    // Index of the first bad value, or N: a deterministic (thread-independent) minimum.
    const double first = -parallel::max(N, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        if (!std::isfinite(v[i]) || (nonneg && v[i] < floor)) return -static_cast<double>(i);
      return -static_cast<double>(N);
    });
    if (first < static_cast<double>(N)) {
      const std::size_t c = static_cast<std::size_t>(first);
      const int k = static_cast<int>(c / g.plane_size());
      const int j = static_cast<int>((c % g.plane_size()) / g.nx());
      const int i = static_cast<int>(c % g.nx());
      std::ostringstream msg;
      msg << "field '" << fields_.info(f).name << "' became " << v[c] << " at voxel (i=" << i
          << ", j=" << j << ", k=" << k << "; depth " << g.z_centres_um()[k]
          << " um) at t = " << t_s << " s after a step of " << h << " s";
      throw NumericalError(msg.str());
    }
  }
}

void Simulation::ensure_started() {
  if (started_) return;
  started_ = true;
  landing_times_.clear();
  for (auto& o : observers_) {
    const auto times = o->requested_times_s();
    landing_times_.insert(landing_times_.end(), times.begin(), times.end());
  }
  std::sort(landing_times_.begin(), landing_times_.end());
  if (dt_s_ <= 0.0) dt_s_ = control_.dt_initial_s;
  {
    const StageTimer timer(stage_times_.observers_s);
    for (auto& o : observers_) o->on_start(*this);
  }
  apply_events_at(t_s_);
}

StepInfo Simulation::step(double t_limit_s) {
  const StageTimer total_timer(stage_times_.total_s);
  ensure_started();
  SKINHEAL_REQUIRE(control_.dt_min_s > 0.0 && control_.dt_max_s >= control_.dt_min_s,
                   "step control: need 0 < dt_min <= dt_max");
  const double target = std::min(t_limit_s, next_landing_time(t_s_));
  SKINHEAL_REQUIRE(target > t_s_, "simulation: nothing to do (already at the requested time)");
  for (auto& hook : pre_step_) hook(*this);

  const double proposed = control_.adaptive
                              ? std::clamp(dt_s_, control_.dt_min_s, control_.dt_max_s)
                              : control_.dt_initial_s;
  double h = proposed;
  bool lands = false;
  if (t_s_ + h >= target - same_instant_tolerance(target)) {
    h = target - t_s_;
    lands = true;
  }
  StepInfo info = last_;
  TransportStats ts;
  std::vector<double>& state = fields_.storage();

  copy_state(state, start_);
  for (;;) {
    clip_error_ = 0.0;
    split_step(fields_, t_s_, h, ts);
    coarse_.swap(state);
    copy_state(start_, state);
    split_step(fields_, t_s_, 0.5 * h, ts);
    split_step(fields_, t_s_ + 0.5 * h, 0.5 * h, ts);
    {
      const StageTimer timer(stage_times_.error_control_s);
      compare_solutions(coarse_, state, start_, comparison_);
    }
    if (!control_.adaptive) {
      info.error_norm = 0.0;
      break;
    }
    double err = comparison_.error;
    int worst_field = comparison_.worst_field;
    if (clip_error_ > err) {
      err = clip_error_;
      worst_field = -2;  // the positivity clipping
    }
    const double factor = err > 0.0 ? 0.9 / std::sqrt(err) : control_.max_growth;
    if (err <= 1.0) {
      info.error_norm = err;
      // A step cut short to land on a time keeps the proposal (capped at no growth).
      const double next = lands ? proposed * std::min(1.0, std::max(factor, 0.2))
                                : h * std::clamp(factor, 0.2, control_.max_growth);
      dt_s_ = std::clamp(next, control_.dt_min_s, control_.dt_max_s);
      if (!lands && factor < control_.max_growth && dt_s_ < control_.dt_max_s) {
        auto& by_field = stage_times_.limited_by_field;
        by_field.resize(static_cast<std::size_t>(fields_.num_fields()), 0);
        if (worst_field >= 0) ++by_field[static_cast<std::size_t>(worst_field)];
        if (worst_field == -2) ++stage_times_.clip_limited;
      }
      break;
    }
    ++info.rejected;
    ++stage_times_.rejected;
    const double shrunk = h * std::clamp(std::isfinite(factor) ? factor : 0.2, 0.2, 0.9);
    if (shrunk < control_.dt_min_s) {
      check_finite(t_s_ + h, h);  // names the field and voxel if a value went bad
      copy_state(start_, state);
      std::ostringstream msg;
      msg << "step size fell below the minimum " << control_.dt_min_s << " s at t = " << t_s_
          << " s (error estimate " << err << ")";
      throw NumericalError(msg.str());
    }
    copy_state(start_, state);
    h = shrunk;
    lands = false;
  }
  {
    const StageTimer timer(stage_times_.error_control_s);
    // One pass: u = fine + φ (fine − coarse), clipped; a bad value is named by check_finite.
    if (!extrapolate(coarse_, comparison_.phi)) check_finite(t_s_ + h, h);
  }
  t_s_ = lands ? target : t_s_ + h;
  ++info.accepted;
  info.t_s = t_s_;
  info.dt_s = h;
  info.monotone_fallbacks = ts.monotone_fallbacks;
  last_ = info;
  ++stage_times_.steps;
  {
    const StageTimer timer(stage_times_.observers_s);
    for (auto& o : observers_) o->on_step(*this, info);
  }
  apply_events_at(t_s_);
  return info;
}

void Simulation::run_until(double t_end_s) {
  SKINHEAL_REQUIRE(std::isfinite(t_end_s), "simulation: end time must be finite");
  ensure_started();
  while (t_s_ < t_end_s - same_instant_tolerance(t_end_s)) step(t_end_s);
  const StageTimer total_timer(stage_times_.total_s);
  const StageTimer timer(stage_times_.observers_s);
  for (auto& o : observers_) o->on_end(*this);
}

}  // namespace skinheal
