/// \file profile.hpp
/// \brief `--profile`: time and work per stage of a finished (or running) Simulation.
///
/// Reads Simulation::stage_times() (engine/simulation.hpp) and prints one table: wall seconds
/// and share per stage (reactions, transport incl. taxis, error control, events, observers,
/// other), then the work counters (accepted and rejected steps, split steps, voxel-steps and
/// voxel-steps per second, ROS2 sub-steps per integrated voxel, share of voxel integrations
/// skipped as quiescent).
#pragma once

#include <ostream>

namespace skinheal {
class Simulation;
}

namespace skinheal::cli {

/// Print the per-stage profile of `sim` to `out`.
void print_profile(std::ostream& out, const Simulation& sim);

}  // namespace skinheal::cli
