/// \file time_scheme.hpp
/// \brief `[time] scheme` of a scenario file: which base step the time loop uses
/// (engine/simulation.hpp, TimeScheme). Shared by the skin and generic scenario readers.
#pragma once

#include <string>

#include "engine/input/toml_reader.hpp"
#include "engine/simulation.hpp"

namespace skinheal::models {

/// "split" (default: Lie splitting, ROS2 reactions then implicit transport) or
/// "linearly_implicit" (the W-method; keeps steady states at any step, see docs/numerics.md).
inline TimeScheme read_time_scheme(const TomlTable& time_table) {
  const std::string s = time_table.query_string("scheme", "split");
  if (s == "split") return TimeScheme::split;
  if (s == "linearly_implicit") return TimeScheme::linearly_implicit;
  time_table.fail("scheme",
                  "is \"" + s + "\"; valid: \"split\" (the default) or \"linearly_implicit\"");
}

}  // namespace skinheal::models
