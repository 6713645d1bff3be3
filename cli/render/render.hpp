/// \file render.hpp
/// \brief `skinheal render`: pictures and a movie of a result file (the only part of skinheal
/// that links VTK). What each image shows: docs/rendering.md.
#pragma once

#include <string>
#include <vector>

namespace skinheal::render {

/// \brief What to render and where.
struct RenderOptions {
  std::string input;                ///< result file (OUT.h5)
  std::string output_dir;           ///< created if missing
  std::vector<std::string> fields;  ///< panel fields; empty = default panel
  int width_px = 1600, height_px = 1200;
  bool movie = true;
  std::string snapshots = "all";  ///< "all", "first,last", or indices "0,3,7" (negative from end)
  double frames_per_second = 2.0;
  std::string iso_field;  ///< 3D: field of the isosurface; empty = clot/channel field or first
  bool verbose = true;    ///< print one line per file written
  /// Depth sections show only the top this many µm, cut to the matching width around the
  /// middle so that µm stay square (0: the whole depth).
  double zoom_depth_um = 0;
};

/// \brief What was written.
struct RenderReport {
  std::vector<std::string> files;  ///< in the order written
  std::string display;             ///< X display used
  bool started_xvfb = false;
  std::string movie_note;    ///< e.g. "ffmpeg not found: wrote movie.gif instead"
  std::string display_note;  ///< why a DISPLAY that was set is not used (empty if it is)
};

/// Render every requested snapshot, the timeline and the movie. The input is opened and
/// checked before anything is created (bad input → InputError, nothing written); each file
/// is written under a temporary name and renamed when complete. Throws InputError for an
/// unknown field or a bad snapshot list, Error if rendering fails.
RenderReport render_result(const RenderOptions& options);

/// Parse a snapshot selection ("all", "first,last", "0,2,-1") against `count` snapshots into
/// sorted unique indices; InputError on a bad or out-of-range entry.
std::vector<std::size_t> parse_snapshot_selection(const std::string& text, std::size_t count);

}  // namespace skinheal::render
