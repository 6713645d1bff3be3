/// \file scenario_file.hpp
/// \brief Read a scenario (file or text), apply --set overrides, dispatch on [model] kind, and
/// check every key was used. Shared by the CLI and the Python bindings.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "models/generic_scenario.hpp"

namespace skinheal::models {

/// \brief A built scenario plus what the output records about it.
struct LoadedScenario {
  models::BuiltScenario built;
  std::string text;                                    ///< the scenario file as given
  std::vector<std::array<std::string, 3>> parameters;  ///< key, value, source ("file"/"default")
  std::vector<std::string> warnings;  ///< "file:line: 'key' ..." (also sent to the warning sink)
};

/// Where load_scenario* send each warning as it is found (a value outside its usual range, the
/// run goes on). Default: one line "skinheal: warning: <text>" on stderr; nullptr drops them.
using WarningSink = void (*)(const std::string& warning);
void set_warning_sink(WarningSink sink);

/// Load and build a scenario; throws InputError with file, line, key and reason. Every
/// InputError message starts with the file name (`name` for load_scenario_text). The grid is
/// checked against skinheal::resource_limits() (engine/input/resources.hpp) before it is
/// allocated.
/// `overrides` are "dotted.key=value" with a TOML value ("time.end=\"2 d\"", "grid.dx=...").
LoadedScenario load_scenario(const std::string& path,
                             const std::vector<std::string>& overrides = {});
/// As load_scenario, from scenario text held in memory; `name` stands for the file in messages.
LoadedScenario load_scenario_text(const std::string& text, const std::string& name,
                                  const std::vector<std::string>& overrides = {});
/// Apply "a.b.c=value" overrides (TOML values) to scenario text; returns the text with them
/// applied, as recorded in outputs (TomlReader::effective_text).
std::string apply_overrides(const std::string& text, const std::string& name,
                            const std::vector<std::string>& overrides);

}  // namespace skinheal::models
