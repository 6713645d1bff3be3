// `skinheal info OUT.h5`: what a result file holds — scenario summary, grid and layers, fields
// with units, snapshot times, events and headline per-layer outcomes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/render/result_facts.hpp"
#include "engine/output/hdf5_reader.hpp"

namespace skinheal::cli {
namespace {

struct InfoOptions {
  std::string path;
  bool all_snapshots = false;
};

/// The scenario's opening comment block (its description), without the "# " markers; stops
/// at the first blank comment line after some text, or at the first non-comment line.
std::vector<std::string> scenario_description(const std::string& text, std::size_t max_lines) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line) && lines.size() < max_lines;) {
    const auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] != '#') break;
    std::string body = line.substr(b + 1);
    if (!body.empty() && body[0] == ' ') body.erase(0, 1);
    if (body.find_first_not_of(" \t") == std::string::npos) {
      if (lines.empty()) continue;
      break;
    }
    lines.push_back(body);
  }
  return lines;
}

std::string fmt(double v) {
  char buf[32];
  if (!std::isfinite(v)) return "n/a";
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

int info_command(const InfoOptions& o) {
  const Hdf5Result result(o.path);
  // Read everything first so a damaged file fails before anything is printed.
  const std::map<std::string, std::string> prov = result.provenance();
  const ResultGrid g = result.read_grid();
  const std::vector<std::string> fields = result.field_names();
  const std::vector<double> times = result.snapshot_times_s();
  const std::vector<std::string> labels = result.snapshot_labels();
  const ResultSummary summary = result.read_summary();
  const std::string scenario = result.scenario_text();
  const std::vector<std::array<std::string, 3>> parameters = result.parameters();
  std::vector<std::array<std::string, 3>> units_desc;
  for (const std::string& f : fields)
    units_desc.push_back({f, result.field_units(f), result.field_description(f)});
  auto get = [&](const char* key) {
    const auto it = prov.find(key);
    return it == prov.end() ? std::string("?") : it->second;
  };

  std::ostringstream out;
  out << o.path << ": skinheal result, status " << get("status") << "; skinheal " << get("version")
      << " (" << get("git_commit") << "), " << get("threads") << " thread(s), wall time "
      << fmt(std::atof(get("wall_time_s").c_str())) << " s, ended " << get("end_time") << "\n";

  out << "\nscenario:\n";
  const std::vector<std::string> desc = scenario_description(scenario, 8);
  if (desc.empty())
    out << "  (no description" << (scenario.empty() ? ", built in code" : "") << ")\n";
  for (const std::string& l : desc) out << "  " << l << "\n";
  // The headline settings, when the run has them (full list: /parameters).
  std::string key_settings;
  for (const char* key :
       {"model.kind", "skin.site", "skin.state", "device.preset", "device.needle_length",
        "pattern.passes", "treatment.sessions", "time.end"})
    for (const auto& p : parameters)
      if (p[0] == key) key_settings += (key_settings.empty() ? "" : ", ") + p[0] + " = " + p[1];
  if (!key_settings.empty()) out << "  settings: " << key_settings << "\n";
  out << "  (" << parameters.size() << " effective parameters in /parameters)\n";

  const double width_um = g.nx * g.dx_um;
  const double depth_um = g.z_faces_um.back() - g.z_faces_um.front();
  double dz_min = 1e300, dz_max = 0;
  for (int k = 0; k < g.nz; ++k) {
    const double dz = g.z_faces_um[k + 1] - g.z_faces_um[k];
    dz_min = std::min(dz_min, dz);
    dz_max = std::max(dz_max, dz);
  }
  out << "\ngrid: " << g.dim << "D, ";
  if (g.axisymmetric)
    out << "r-z unit cell, " << g.nx << " rings x " << g.nz << " cells (r, z)";
  else if (g.dim == 3)
    out << g.nx << " x " << g.ny << " x " << g.nz << " cells (x, y, z)";
  else
    out << g.nx << " x " << g.nz << " cells (x, z)";
  out << " = " << static_cast<long long>(g.nx) * g.ny * g.nz << "; "
      << (g.axisymmetric ? "outer radius R " : "width ") << fmt(width_um) << " um";
  if (g.dim == 3) out << ", length " << fmt(g.ny * g.dx_um) << " um";
  out << ", depth " << fmt(depth_um) << " um; dx = " << fmt(g.dx_um) << " um; dz = " << fmt(dz_min)
      << (dz_max > dz_min * 1.0001 ? " .. " + fmt(dz_max) + " um (graded)" : " um") << "\n";
  out << "layers (depth below the surface, um):\n";
  for (std::size_t l = 0; l < g.layer_names.size(); ++l) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-20s %8.1f .. %8.1f\n", g.layer_names[l].c_str(),
                  g.layer_bounds_um[l], g.layer_bounds_um[l + 1]);
    out << line;
  }

  out << "\nfields (" << fields.size() << "):\n";
  for (const auto& [name, units, description] : units_desc) {
    char line[256];
    std::snprintf(line, sizeof line, "  %-16s [%s]", name.c_str(), units.c_str());
    out << line << (description.empty() ? "" : "  " + description) << "\n";
  }

  const std::vector<render::EventMark> events = render::events_from_labels(times, labels);
  const double reference = render::reference_time_s(events, times);
  out << "\nsnapshots (" << times.size() << "), time since start";
  out << ":\n ";
  std::size_t shown = 0;
  for (std::size_t s = 0; s < times.size(); ++s) {
    if (!o.all_snapshots && times.size() > 24 && s >= 10 && s + 10 < times.size()) {
      if (shown++ == 0) out << " ...";
      continue;
    }
    std::string item = render::format_duration(times[s]);
    if (s < labels.size() && labels[s] != "scheduled") item += " (" + labels[s] + ")";
    out << (s ? ", " : " ") << item;
  }
  out << "\n";
  if (!events.empty()) {
    out << "events:";
    for (std::size_t i = 0; i < events.size(); ++i)
      out << (i ? "," : "") << " " << events[i].name << " at "
          << render::format_duration(events[i].time_s);
    out << "\n";
  }

  // Headline outcomes: per-layer means at the end vs the start.
  std::vector<std::string> main_fields;
  for (const char* f : {"collagen_I", "collagen_III", "collagen_total", "elastin", "fibroblasts",
                        "immune", "vessels", "scar"})
    if (summary.has(f)) main_fields.push_back(f);
  if (main_fields.size() < 3) main_fields = fields;
  const std::size_t rows = summary.num_steps(), L = summary.layer_names.size();
  if (rows >= 1) {
    out << "\noutcomes: per-layer means, initial -> final ("
        << render::format_since(summary.time_s.back() - reference)
        << ", t = " << render::format_duration(summary.time_s.back()) << ", " << rows
        << " rows in /summary)\n";
    for (const std::string& f : main_fields) {
      if (!summary.has(f)) continue;
      const auto u = summary.units.find(f);
      out << "  " << f << " [" << (u != summary.units.end() ? u->second : "") << "]\n";
      for (std::size_t l = 0; l < L; ++l) {
        const double a = summary.at(f, 0, l), b = summary.at(f, rows - 1, l);
        if (!std::isfinite(a) && !std::isfinite(b)) continue;
        char line[200];
        std::string change = "";
        if (std::isfinite(a) && std::isfinite(b) && std::abs(a) > 1e-12)
          change = (b >= a ? "+" : "") + fmt(100.0 * (b - a) / a) + " %";
        std::snprintf(line, sizeof line, "    %-20s %10s -> %-10s %s\n",
                      summary.layer_names[l].c_str(), fmt(a).c_str(), fmt(b).c_str(),
                      change.c_str());
        out << line;
      }
    }
  }
  std::cout << out.str();
  return kExitOk;
}

CommandAction add_info(CLI::App& app) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "info",
      "Describe a result file: scenario, grid and layers, fields and units, snapshot times,\n"
      "events and per-layer outcomes (initial vs final means).\n"
      "Example: skinheal info out/roller.h5");
  cmd->add_option("file", o->path, "Result file (OUT.h5)")->required();
  cmd->add_flag("--all-snapshots", o->all_snapshots, "List every snapshot time");
  cmd->footer(kExitCodesHelp);
  return [o] { return info_command(*o); };
}

const bool registered = register_command({"info", 60, add_info});

}  // namespace
}  // namespace skinheal::cli
