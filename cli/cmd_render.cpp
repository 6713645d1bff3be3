// `skinheal render OUT.h5 -o DIR`: cross-section PNGs, a timeline PNG and a movie (VTK;
// starts Xvfb when there is no DISPLAY). What each image shows: docs/rendering.md.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <regex>

#include "cli/commands.hpp"
#include "cli/render/render.hpp"
#include "engine/error.hpp"

namespace skinheal::cli {
namespace {

struct RenderCommandOptions {
  render::RenderOptions render;
  std::string size = "1600x1200";
  bool no_movie = false;
  bool quiet = false;
};

int render_command(RenderCommandOptions& o) {
  const std::regex size_re(R"(^\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*$)");
  std::smatch m;
  if (!std::regex_match(o.size, m, size_re))
    throw InputError("--size '" + o.size + "': expected WIDTHxHEIGHT in pixels, e.g. 1600x1200");
  o.render.width_px = std::stoi(m[1].str());
  o.render.height_px = std::stoi(m[2].str());
  o.render.movie = !o.no_movie;
  o.render.verbose = !o.quiet;
  const auto start = std::chrono::steady_clock::now();
  const render::RenderReport report = render::render_result(o.render);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.quiet) {
    if (!report.movie_note.empty()) std::cout << "movie: " << report.movie_note << "\n";
    std::printf("rendered %zu files into %s in %.1f s (display %s%s)\n", report.files.size(),
                o.render.output_dir.c_str(), seconds, report.display.c_str(),
                report.started_xvfb ? ", Xvfb started for this run" : "");
  }
  return kExitOk;
}

CommandAction add_render(CLI::App& app) {
  auto o = std::make_shared<RenderCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "render",
      "Render a result file: a cross-section PNG per snapshot (layer boundaries, colour bar,\n"
      "scale bar, time since the first session), a timeline PNG of the per-layer summaries, a\n"
      "movie (MP4 via ffmpeg, GIF if ffmpeg is missing) and, for 3D runs, orthogonal slices\n"
      "with an isosurface. Works without a display (starts Xvfb itself).\n"
      "Example: skinheal render out/roller.h5 -o out/roller_pictures --snapshots first,last");
  cmd->add_option("file", o->render.input, "Result file (OUT.h5)")->required();
  cmd->add_option("-o,--output", o->render.output_dir, "Directory for the images (created)")
      ->required();
  cmd->add_option("--field", o->render.fields,
                  "Field(s) for the cross-section panel (repeatable; default: collagen_I, "
                  "collagen_III, elastin, fibroblasts for skin runs, all fields otherwise)");
  cmd->add_option("--size", o->size, "Image size WIDTHxHEIGHT in pixels")->capture_default_str();
  cmd->add_flag("--no-movie", o->no_movie, "Do not make a movie");
  cmd->add_option("--snapshots", o->render.snapshots,
                  "Which snapshots: all, first,last or indices such as 0,3,-1")
      ->capture_default_str();
  cmd->add_option("--fps", o->render.frames_per_second, "Movie frames per second")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 60.0));
  cmd->add_option("--iso-field", o->render.iso_field,
                  "3D runs: field of the isosurface, drawn at the middle of its range in each "
                  "snapshot (default: the first of fibrin, damage, a channel/clot field, the "
                  "first panel field that is not uniform in that snapshot)");
  cmd->add_option("--depth-um", o->render.zoom_depth_um,
                  "Zoom the depth sections to the top N um (e.g. 300 to see the epidermis): the "
                  "width shown is cut to match, around the middle, so that um stay square");
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing on success");
  cmd->footer(kExitCodesHelp);
  return [o] { return render_command(*o); };
}

const bool registered = register_command({"render", 50, add_render});

}  // namespace
}  // namespace skinheal::cli
