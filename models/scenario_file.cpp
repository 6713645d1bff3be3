#include "models/scenario_file.hpp"

#include <cstdio>
#include <iostream>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"
#include "engine/strings.hpp"
#include "models/skin_model.hpp"
#include "models/skin_scenario.hpp"

namespace skinheal::models {

namespace {

void print_warning(const std::string& warning) {
  std::cerr << "skinheal: warning: " << warning << "\n";
}
WarningSink g_warning_sink = print_warning;

}  // namespace

void set_warning_sink(WarningSink sink) {
  g_warning_sink = sink;
}

std::string apply_overrides(const std::string& text, const std::string& name,
                            const std::vector<std::string>& overrides) {
  if (overrides.empty()) return text;
  TomlReader reader = TomlReader::from_string(text, name);
  reader.apply_overrides(overrides);
  return reader.effective_text();
}

namespace {

LoadedScenario build_checked(TomlReader reader, const std::string& path) {
  const TomlTable root = reader.root();
  const std::vector<std::string> kinds{"generic", "skin"};
  const TomlTable model = root.table("model");
  const std::string kind = model.get_string("kind");
  if (kind != "generic" && kind != "skin")
    model.fail("kind", "= '" + kind + "' is not a model kind" + suggest_nearest(kind, kinds));
  LoadedScenario out;
  std::vector<std::string> model_warnings;
  if (kind == "generic") {
    out.built = build_generic_scenario(root);
  } else if (kind == "skin") {
    const SkinModelConfig config = load_skin_scenario(root);
    model_warnings = grid_depth_warnings(config);
    out.built.simulation = build_skin_model(config);
    out.built.end_time_s = config.end_time_s;
    out.built.snapshot_times_s = read_snapshot_times(root, config.end_time_s);
    const Grid& g = out.built.simulation->grid();
    out.built.description =
        "skin model, " + config.site.name + ", " + config.device.name + ", " +
        std::to_string(config.sessions_s.size()) + " session(s), " + std::to_string(g.nx()) +
        " x " + (g.dim() == 3 ? std::to_string(g.ny()) + " x " : std::string()) +
        std::to_string(g.nz()) + " cells" + (config.scar.enabled ? ", scar region" : "");
    if (g.is_axisymmetric()) {
      char radius[160];
      std::snprintf(radius, sizeof radius,
                    ", r-z unit cell: outer radius R = %.1f um (pi R^2 = 1/rho), %d rings of "
                    "%.2f um",
                    g.outer_radius_um(), g.nx(), g.dx_um());
      out.built.description += radius;
    }
  } else {
    throw InputError(path + ": [model] kind = '" + kind + "' is not known" +
                     suggest_nearest(kind, kinds));
  }
  reader.check_all_used();
  out.text = reader.effective_text();
  for (const TomlEntry& e : reader.effective_parameters())
    out.parameters.push_back({e.key, e.value, e.from_default ? "default" : "file"});
  out.warnings = reader.warnings();
  for (const std::string& w : model_warnings) out.warnings.push_back(root.file_name() + ": " + w);
  return out;
}

/// build_checked, with every InputError made to start with the file name (messages from the
/// engine's own checks, such as a field view or the grid, do not know it).
LoadedScenario build(TomlReader reader, const std::string& path) {
  LoadedScenario out;
  try {
    out = build_checked(std::move(reader), path);
  } catch (const InputError& e) {
    const std::string message = e.what();
    if (message.rfind(path + ":", 0) == 0) throw;
    throw InputError(path + ": " + message);
  }
  if (g_warning_sink)
    for (const std::string& w : out.warnings) g_warning_sink(w);
  return out;
}

}  // namespace

LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  TomlReader reader = TomlReader::from_file(path);
  reader.apply_overrides(overrides);
  return build(std::move(reader), path);
}

LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& overrides) {
  TomlReader reader = TomlReader::from_string(text, name);
  reader.apply_overrides(overrides);
  return build(std::move(reader), name);
}

}  // namespace skinheal::models
