/// \file generic_scenario.hpp
/// \brief A plain reaction–diffusion scenario on layered skin, read from TOML (no biology).
///
/// `[model] kind = "generic"` scenarios declare their own fields with per-layer diffusivity,
/// kinetics (production, decay, logistic growth), boundary conditions, initial values and
/// events that set a field in a box. The format is documented in scenarios/demo_diffusion.toml
/// (and [output] in docs/output-format.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/input/toml_reader.hpp"
#include "engine/simulation.hpp"

namespace skinheal::models {

/// \brief What a scenario builds: the simulation, its end time and its snapshot times.
struct BuiltScenario {
  std::unique_ptr<Simulation> simulation;
  double end_time_s = 0.0;
  std::vector<double> snapshot_times_s;  ///< empty: the writer's default log-spaced list
  std::string description;               ///< one line for progress output
};

/// Build a generic scenario from the root table of a scenario file. Throws InputError naming
/// the file, line and key for any bad or missing value.
BuiltScenario build_generic_scenario(const TomlTable& root);

/// The shared [grid] + [[layers]] reading: layers and a graded grid (2D or 3D).
Grid read_layered_grid(const TomlTable& root);

/// The shared [time] reading into a StepControl; returns the end time in s.
double read_time_control(const TomlTable& root, StepControl& control);

/// The shared [output] reading: `snapshots`, times in increasing order from 0; those after
/// end_time_s are dropped with a warning (a run shortened by --set keeps the ones it reaches),
/// and the end of the run is appended if the list stops before it (the final state is always
/// written). Empty without the key: the writer's default log-spaced list. Any other key in
/// [output] is left unread, so the reader's check_all_used() reports it with the nearest name.
std::vector<double> read_snapshot_times(const TomlTable& root, double end_time_s);

}  // namespace skinheal::models
