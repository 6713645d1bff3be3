#include "models/scenario_file.hpp"

#include <sstream>
#include <toml.hpp>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"
#include "engine/strings.hpp"
#include "models/skin_model.hpp"
#include "models/skin_scenario.hpp"

namespace skinheal::models {

std::string apply_overrides(const std::string& text, const std::string& path,
                            const std::vector<std::string>& overrides) {
  if (overrides.empty()) return text;
  toml::value doc;
  try {
    std::istringstream in(text);
    doc = toml::parse(in, path);
  } catch (const std::exception&) {
    TomlReader::from_string(text, path);  // reports the syntax error in the usual form
    throw;
  }
  for (const std::string& o : overrides) {
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--set " + o + ": expected KEY=VALUE, e.g. --set 'time.end=\"2 d\"'");
    const std::string key = o.substr(0, eq);
    toml::value parsed;
    try {
      std::istringstream in("v = " + o.substr(eq + 1));
      parsed = toml::parse(in, "--set " + key);
    } catch (const std::exception&) {
      throw InputError("--set " + o + ": the value is not valid TOML (quote strings with units: " +
                       key + "='\"1.5 mm\"')");
    }
    toml::value* node = &doc;
    std::size_t start = 0;
    for (;;) {
      const auto dot = key.find('.', start);
      const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
      if (!node->is_table())
        throw InputError("--set " + key + ": '" + part + "' is not in a table");
      if (dot == std::string::npos) {
        node->as_table()[part] = parsed.as_table().at("v");
        break;
      }
      auto& table = node->as_table();
      if (!table.count(part)) table[part] = toml::table{};
      node = &table[part];
      start = dot + 1;
    }
  }
  std::ostringstream out;
  out << "# " << path << " with --set " << join(overrides, " --set ") << "\n" << doc;
  return out.str();
}

namespace {

LoadedScenario build(TomlReader reader, const std::string& path) {
  const TomlTable root = reader.root();
  const std::vector<std::string> kinds{"generic", "skin"};
  const std::string kind = root.table("model").get_string("kind");
  LoadedScenario out;
  if (kind == "generic") {
    out.built = build_generic_scenario(root);
  } else if (kind == "skin") {
    const SkinModelConfig config = load_skin_scenario(root);
    out.built.simulation = build_skin_model(config);
    out.built.end_time_s = config.end_time_s;
    if (root.has_table("output") && root.table("output").has("snapshots"))
      out.built.snapshot_times_s = root.table("output").get_time_list_s("snapshots");
    const Grid& g = out.built.simulation->grid();
    out.built.description = "skin model, " + config.site.name + ", " + config.device.name + ", " +
                            std::to_string(config.sessions_s.size()) + " session(s), " +
                            std::to_string(g.nx()) + " x " + std::to_string(g.nz()) + " cells";
  } else {
    throw InputError(path + ": [model] kind = '" + kind + "' is not known" +
                     suggest_nearest(kind, kinds));
  }
  reader.check_all_used();
  out.text = reader.text();
  for (const TomlEntry& e : reader.effective_parameters())
    out.parameters.push_back({e.key, e.value, e.from_default ? "default" : "file"});
  return out;
}

}  // namespace

LoadedScenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  TomlReader reader = TomlReader::from_file(path);
  if (!overrides.empty())
    reader = TomlReader::from_string(apply_overrides(reader.text(), path, overrides), path);
  return build(std::move(reader), path);
}

LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& overrides) {
  return build(TomlReader::from_string(
                   overrides.empty() ? text : apply_overrides(text, name, overrides), name),
               name);
}

}  // namespace skinheal::models
