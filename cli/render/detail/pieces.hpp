/// \file pieces.hpp
/// \brief Internal: the timeline plot, the 3D view and the movie, called by render.cpp.
#pragma once

#include <string>
#include <vector>

#include "cli/render/detail/canvas.hpp"
#include "cli/render/result_facts.hpp"
#include "engine/output/hdf5_reader.hpp"

namespace skinheal::render::detail {

/// The timeline PNG: per-layer curves of the summary against time since `reference_s` (axis
/// proportional to its fourth root), healing phases shaded, `marks` drawn as vertical lines,
/// the layer colours and the phases keyed in the header.
void write_timeline(const std::string& path, const ResultSummary& summary,
                    const std::vector<std::string>& field_names, double reference_s,
                    const std::vector<EventMark>& marks, int width_px, int height_px,
                    const std::string& subtitle);

/// The columns the timeline plots, with a display name and units, in panel order.
struct TimelineQuantity {
  std::string title, units;
  std::vector<double> mean;  ///< (step, layer), like ResultSummary::mean
};
std::vector<TimelineQuantity> timeline_quantities(const ResultSummary& summary,
                                                  const std::vector<std::string>& field_names);

/// A 3D view (outline, isosurface of `values` at `iso`) into `rect` of `canvas`.
/// `values` in (z, y, x) order, x fastest.
void add_isosurface_view(Canvas& canvas, const Rect& rect, const ResultGrid& grid,
                         const std::vector<float>& values, double iso, const std::string& caption);

/// Encode `frames` (PNG files, equal size) as an MP4 with ffmpeg (argument vector) or, if
/// ffmpeg is missing or fails, as an animated GIF. Returns the file written; `note` says
/// which and why.
std::string write_movie(const std::string& dir, const std::vector<std::string>& frames,
                        double frames_per_second, std::string& note);

}  // namespace skinheal::render::detail
