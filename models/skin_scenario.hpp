/// \file skin_scenario.hpp
/// \brief Read a skin scenario (TOML, `[model] kind = "skin"`) into a SkinModelConfig.
///
/// Tables and keys (all optional unless marked; defaults are the SkinModelConfig defaults,
/// listed with their sources in skin_scenario.cpp, kept in one place):
///
///   [model]     kind = "skin"                       (required; read by the CLI's dispatcher too)
///   [skin]      site = "face_cheek" | forehead | forearm | abdomen | back;
///               state = "normal" | "anticoagulated" | "inflamed"
///   [device]    preset = "mf8" | home_0p25 | roller_540 | pen | single_needle;
///               needle_length = "1.5 mm"; needle_diameter = "250 um"; pressure_factor = 1.0
///   [pattern]   passes = 15; seed = 1; jitter = "0 um"; pen_density = 250.0 (per cm²);
///               section_half_band = "0 um" (0: 1/(2√density)); needle_x = ["1000 um"] (single)
///   [grid]      width = "2 mm"; depth = "1.5 mm"; dx = "20 um"; dz_surface = "2.5 um";
///               dz_max = "50 um"; growth = 1.15; length = "0 um" (y extent; > 0: a 3D x–y–z
///               grid with ny = length / dx, punctures stamped as cones, skin_model.hpp);
///               geometry = "xz" | "rz" ("rz": the axisymmetric unit cell, one puncture on the
///               axis, outer radius R = 1/√(πρ) set by the puncture density, width not allowed
///               except for a single needle, where width is R; dx becomes R / ceil(R / dx))
///   [treatment] sessions = ["0 d", "42 d", "84 d"]; occlusion_after_session = "0 h"
///   [topical]   molecular_weight = 500.0 (Da); log_kow = 1.0; concentration = 1000.0 (µg/cm³);
///               start_after_session = "0 h"; duration = "4 h"; occluded = false
///               (the table's presence enables the application)
///   [scar]      depth_top = "100 um"; depth_bottom = "600 um"; x_min = "0 um"; x_max = grid width;
///               y_min = "0 um"; y_max = grid length (3D); density = 0.8 (scar fraction);
///               enabled = true (the table's presence adds the `scar` field, scar.hpp)
///   [time]      end = "365 d"; rtol = 0.03
///   [output]    snapshots (read by read_snapshot_times, generic_scenario.hpp, not here)
///
/// Unknown keys are reported by the reader's check_all_used (the caller's job, after every
/// table has been read).
#pragma once

#include "engine/input/toml_reader.hpp"
#include "models/skin_model.hpp"

namespace skinheal::models {

/// The configuration of a skin scenario. Throws InputError (with file:line) for bad values.
SkinModelConfig load_skin_scenario(const TomlTable& root);

}  // namespace skinheal::models
