/// \file scenario_loader.hpp
/// \brief Read a scenario file, dispatch on [model] kind, and check every key was used.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "models/generic_scenario.hpp"

namespace skinheal::cli {

/// \brief A built scenario plus what the output records about it.
struct LoadedScenario {
  models::BuiltScenario built;
  std::string text;                                    ///< the scenario file as given
  std::vector<std::array<std::string, 3>> parameters;  ///< key, value, source ("file"/"default")
};

/// Load and build a scenario; throws InputError with file, line, key and reason.
/// `overrides` are "dotted.key=value" with a TOML value ("time.end=\"2 d\"", "grid.dx=...").
LoadedScenario load_scenario(const std::string& path,
                             const std::vector<std::string>& overrides = {});

}  // namespace skinheal::cli
