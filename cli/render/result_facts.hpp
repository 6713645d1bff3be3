/// \file result_facts.hpp
/// \brief Facts about a result file that `skinheal info` and `skinheal render` both print:
/// human-readable durations, the treatment sessions (events) found in the snapshot labels,
/// and the reference time "since the first session". No VTK here.
#pragma once

#include <string>
#include <vector>

namespace skinheal::render {

/// A duration in the largest fitting unit, e.g. "0 s", "45 s", "10 min", "6 h", "3 d",
/// "14 d", "365 d". Negative durations get a leading "−".
std::string format_duration(double seconds);

/// Time since the reference as a picture caption: "0 s", "10 min", "6 h" below one day,
/// then "day 1", "day 14", "day 365" (whole days, rounded down).
std::string format_since(double seconds);

/// \brief An event found in /snapshot_label ("before NAME" / "after NAME").
struct EventMark {
  std::string name;
  double time_s = 0.0;
  bool is_session = false;  ///< name starts with "session"
};

/// Events in time order (each once), from the snapshot times and labels.
std::vector<EventMark> events_from_labels(const std::vector<double>& times_s,
                                          const std::vector<std::string>& labels);

/// The time pictures count from: the first session if there is one, else the first event,
/// else the first snapshot (0 if there is none).
double reference_time_s(const std::vector<EventMark>& events, const std::vector<double>& times_s);

/// The events to mark on a timeline: the sessions if there are any, else every event.
std::vector<EventMark> marked_events(const std::vector<EventMark>& events);

}  // namespace skinheal::render
