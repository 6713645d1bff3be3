#include "models/scenario_file.hpp"

#include <cctype>
#include <iostream>
#include <sstream>
#include <toml.hpp>

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

/// One part of an override key: "fields[1]" is {"fields", 1}; "end" is {"end", -1}.
struct KeyPart {
  std::string name;
  long index = -1;
};

/// Splits "fields[0].decay" into parts; empty when the key is malformed.
std::vector<KeyPart> split_override_key(const std::string& key) {
  std::vector<KeyPart> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = key.find('.', start);
    const std::string text = key.substr(start, dot == std::string::npos ? dot : dot - start);
    KeyPart part;
    std::size_t i = 0;
    while (i < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '-'))
      ++i;
    part.name = text.substr(0, i);
    if (part.name.empty()) return {};
    if (i < text.size()) {
      if (text[i] != '[' || text.back() != ']' || text.size() - i < 3 || text.size() - i > 8)
        return {};
      const std::string digits = text.substr(i + 1, text.size() - i - 2);
      if (digits.find_first_not_of("0123456789") != std::string::npos) return {};
      part.index = std::stol(digits);
    }
    parts.push_back(part);
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

}  // namespace

void set_warning_sink(WarningSink sink) {
  g_warning_sink = sink;
}

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
      throw InputError(path + ": --set " + o +
                       ": expected KEY=VALUE, e.g. --set 'time.end=\"2 d\"'");
    const std::string key = o.substr(0, eq);
    const std::vector<KeyPart> parts = split_override_key(key);
    if (parts.empty())
      throw InputError(path + ": --set " + o + ": '" + key +
                       "' is not a dotted key of letters, digits, '_' and '-' (such as "
                       "time.end, or fields[0].decay for an array of tables)");
    toml::value parsed;
    try {
      std::istringstream in("v = " + o.substr(eq + 1));
      parsed = toml::parse(in, "--set " + key);
    } catch (const std::exception&) {
      throw InputError(path + ": --set " + o +
                       ": the value is not valid TOML (quote strings with units: " + key +
                       "='\"1.5 mm\"')");
    }
    const toml::value value = parsed.as_table().at("v");
    toml::value* node = &doc;
    std::string done;  // the key so far, for messages
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const KeyPart& part = parts[i];
      const bool last = i + 1 == parts.size();
      if (!node->is_table())
        throw InputError(path + ": --set " + key + ": '" + done + "' is not a table");
      auto& table = node->as_table();
      done += (done.empty() ? "" : ".") + part.name;
      if (part.index < 0) {
        if (last) {
          table[part.name] = value;
          break;
        }
        if (!table.count(part.name)) table[part.name] = toml::table{};
        node = &table[part.name];
        continue;
      }
      const auto it = table.find(part.name);
      if (it == table.end() || !it->second.is_array())
        throw InputError(path + ": --set " + key + ": '" + done +
                         "' is not an array in the scenario, so it has no [" +
                         std::to_string(part.index) + "]");
      auto& items = it->second.as_array();
      if (static_cast<std::size_t>(part.index) >= items.size())
        throw InputError(path + ": --set " + key + ": '" + done + "' has " +
                         std::to_string(items.size()) + " entries; the index must be below " +
                         std::to_string(items.size()));
      done += "[" + std::to_string(part.index) + "]";
      if (last) {
        items[part.index] = value;
        break;
      }
      node = &items[part.index];
    }
  }
  std::ostringstream out;
  out << "# " << path << " with --set " << join(overrides, " --set ") << "\n" << doc;
  return out.str();
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
  out.warnings = reader.warnings();
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
