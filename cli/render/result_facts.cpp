// Human-readable times and the events of a result file (see result_facts.hpp).
#include "cli/render/result_facts.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace skinheal::render {

namespace {

std::string number(double v) {
  std::ostringstream out;
  if (std::abs(v - std::round(v)) < 1e-9 * std::max(1.0, std::abs(v)))
    out << static_cast<long long>(std::llround(v));
  else
    out << std::setprecision(3) << v;
  return out.str();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 0) return "\u2212" + format_duration(-seconds);
  constexpr double minute = 60.0, hour = 3600.0, day = 86400.0;
  if (seconds < minute) return number(seconds) + " s";
  if (seconds < hour) return number(seconds / minute) + " min";
  if (seconds < day) return number(seconds / hour) + " h";
  return number(seconds / day) + " d";
}

std::string format_since(double seconds) {
  if (seconds < 86400.0) return format_duration(seconds);
  return "day " + std::to_string(static_cast<long long>(std::floor(seconds / 86400.0 + 1e-9)));
}

std::vector<EventMark> events_from_labels(const std::vector<double>& times_s,
                                          const std::vector<std::string>& labels) {
  std::vector<EventMark> events;
  const std::size_t n = std::min(times_s.size(), labels.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string name;
    for (const char* prefix : {"before ", "after "}) {
      const std::string p = prefix;
      if (labels[i].rfind(p, 0) == 0) name = labels[i].substr(p.size());
    }
    if (name.empty()) continue;
    const bool seen = std::any_of(events.begin(), events.end(), [&](const EventMark& e) {
      return e.name == name && e.time_s == times_s[i];
    });
    if (!seen) events.push_back({name, times_s[i], name.rfind("session", 0) == 0});
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const EventMark& a, const EventMark& b) { return a.time_s < b.time_s; });
  return events;
}

double reference_time_s(const std::vector<EventMark>& events, const std::vector<double>& times_s) {
  for (const EventMark& e : events)
    if (e.is_session) return e.time_s;
  if (!events.empty()) return events.front().time_s;
  return times_s.empty() ? 0.0 : times_s.front();
}

std::vector<EventMark> marked_events(const std::vector<EventMark>& events) {
  std::vector<EventMark> sessions;
  for (const EventMark& e : events)
    if (e.is_session) sessions.push_back(e);
  return sessions.empty() ? events : sessions;
}

}  // namespace skinheal::render
