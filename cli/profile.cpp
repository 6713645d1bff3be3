// `--profile` output: see profile.hpp.
#include "cli/profile.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "engine/parallel.hpp"
#include "engine/simulation.hpp"

namespace skinheal::cli {

void print_profile(std::ostream& out, const Simulation& sim) {
  const StageTimes& s = sim.stage_times();
  const double total = s.total_s;
  const double known =
      s.reactions_s + s.transport_s + s.error_control_s + s.events_s + s.observers_s;
  const struct {
    const char* name;
    double seconds;
  } rows[] = {{"reactions", s.reactions_s},
              {"transport (diffusion + taxis)", s.transport_s},
              {"error control (norm, extrapolation)", s.error_control_s},
              {"events (punctures, topical)", s.events_s},
              {"observers (output, progress)", s.observers_s},
              {"other (step bookkeeping)", std::max(0.0, total - known)}};
  char line[160];
  out << "profile (" << parallel::num_threads() << " threads)\n";
  std::snprintf(line, sizeof line, "  %-38s %10s %7s\n", "stage", "wall s", "share");
  out << line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "  %-38s %10.3f %6.1f%%\n", r.name, r.seconds,
                  total > 0.0 ? 100.0 * r.seconds / total : 0.0);
    out << line;
  }
  std::snprintf(line, sizeof line, "  %-38s %10.3f\n", "total", total);
  out << line;
  const double integrated =
      static_cast<double>(s.voxel_steps) - static_cast<double>(s.reaction_skipped);
  std::snprintf(line, sizeof line,
                "  steps %ld accepted, %ld rejected; %ld split steps; %.3g voxel-steps "
                "(%.3g M/s)\n",
                s.steps, s.rejected, s.split_steps, static_cast<double>(s.voxel_steps),
                total > 0.0 ? 1e-6 * static_cast<double>(s.voxel_steps) / total : 0.0);
  out << line;
  std::snprintf(line, sizeof line,
                "  reactions: %.1f%% of voxel integrations skipped as quiescent; %.2f ROS2 "
                "sub-steps per integrated voxel, %.1f%% of them factorised densely\n",
                s.voxel_steps > 0 ? 100.0 * static_cast<double>(s.reaction_skipped) /
                                        static_cast<double>(s.voxel_steps)
                                  : 0.0,
                integrated > 0.0 ? static_cast<double>(s.reaction_substeps) / integrated : 0.0,
                s.reaction_substeps > 0 ? 100.0 * static_cast<double>(s.reaction_dense) /
                                              static_cast<double>(s.reaction_substeps)
                                        : 0.0);
  out << line;
  // Which fields' error set the step size (most often first).
  std::vector<std::pair<long, std::string>> limits;
  for (std::size_t f = 0; f < s.limited_by_field.size(); ++f)
    if (s.limited_by_field[f] > 0)
      limits.emplace_back(s.limited_by_field[f], sim.fields().info(static_cast<int>(f)).name);
  if (s.clip_limited > 0) limits.emplace_back(s.clip_limited, "(positivity clipping)");
  std::sort(limits.begin(), limits.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (!limits.empty()) {
    std::string text = "  step size set by the error of:";
    for (std::size_t i = 0; i < limits.size() && i < 4; ++i)
      text += (i ? ", " : " ") + limits[i].second + " " + std::to_string(limits[i].first);
    out << text << " (accepted steps)\n";
  }
}

}  // namespace skinheal::cli
