/// \file validation.hpp
/// \brief The biology validated against published figures (SCIENCE.md; docs/science/sources.md):
/// each case runs the skin model at reduced size and measures quantities that must fall in a
/// literature window. One source of truth for the validation tests (tests/validation/) and
/// `skinheal validate`, which writes the same checks as a report.
///
/// Geometry of every case: a half unit cell of the 2D slit lattice (one channel on the left
/// no-flux wall, which mirrors it; width = half the channel spacing 1/√ρ of a 15-pass MF8
/// treatment) and a shallow domain. The channel is a single needle of 0.2 mm (penetration
/// 182 µm, surface diameter 84 µm), the shape of a 1.5 mm MF8 roller channel (185 µm,
/// penetration.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace skinheal {
class Simulation;
}

namespace skinheal::models {

/// \brief One measured quantity and the window it must fall in (lo ≤ measured ≤ hi).
struct ValidationCheck {
  std::string id;        ///< short identifier, e.g. "bleeding_stop_normal"
  std::string quantity;  ///< what is measured, in words
  std::string units;     ///< units of measured, lo and hi ("" for ratios)
  double measured = 0.0;
  double lo = 0.0;
  double hi = 0.0;
  std::string source;  ///< where the window comes from
  bool passed() const { return measured >= lo && measured <= hi; }
};

/// \brief A validation case: one simulation setting, several checks.
struct ValidationCase {
  std::string name;         ///< identifier, e.g. "haemostasis"
  std::string description;  ///< one sentence
  std::function<std::vector<ValidationCheck>()> run;
};

/// Every validation case, in a fixed order (each runs in seconds to tens of seconds).
const std::vector<ValidationCase>& validation_cases();
/// The case called `name`; throws InputError naming the valid cases.
const ValidationCase& validation_case(const std::string& name);

/// Volume integrals the cases measure, over the whole grid of a skin Simulation, each cell
/// weighted by Grid::volume_of_cell_um3 (x–z: per µm of y; 3D: µm³; r–z: rings 2π r dr dz, so
/// per unit cell). Total bleeding rate ∫ b dV in µm³ of blood per s (the haemostasis fields).
double total_bleeding_um3_per_s(const Simulation& sim);
/// Total scar matrix ∫ S dV in µm³ (the field "scar").
double scar_volume_um3(const Simulation& sim);

}  // namespace skinheal::models
