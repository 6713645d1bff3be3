#include "engine/input/resources.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/error.hpp"
#include "engine/input/toml_reader.hpp"

namespace skinheal {
namespace {

ResourceLimits g_limits;

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / 1073741824.0);
  return buf;
}

std::string count(double n) {
  char buf[32];
  if (n < 1e6)
    std::snprintf(buf, sizeof buf, "%.0f", n);
  else
    std::snprintf(buf, sizeof buf, "%.3g", n);
  return buf;
}

}  // namespace

ResourceLimits resource_limits() {
  return g_limits;
}

void set_resource_limits(const ResourceLimits& limits) {
  g_limits = limits;
}

double available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    double kib = 0.0;
    if (fields >> kib && kib > 0.0) return kib * 1024.0;
    return 0.0;
  }
  return 0.0;
}

double estimated_run_bytes(double cells, int fields) {
  return cells * (std::max(fields, 1) * 8.0 * 5.0 + 64.0);
}

double count_graded_cells(const std::vector<Layer>& layers, double dz_surface_um, double dz_max_um,
                          double growth, double limit) {
  // Mirrors Grid::graded_faces, counting instead of storing.
  double cells = 0.0;
  double spacing = dz_surface_um;
  for (const Layer& layer : layers) {
    double total = 0.0, s = spacing, last = spacing;
    double n = 0.0;
    while (total < layer.thickness_um * (1.0 - 1e-9)) {
      last = s;
      total += s;
      n += 1.0;
      if (cells + n > limit) return cells + n;
      s = std::min(dz_max_um, s * growth);
    }
    cells += n;
    if (n > 0.0) spacing = std::min(dz_max_um, last * layer.thickness_um / total * growth);
  }
  return cells;
}

void require_grid_fits(const TomlTable& grid, double cells, int fields, const std::string& hint) {
  const double bytes = estimated_run_bytes(cells, fields);
  const std::string what = "the grid would have " + count(cells) + " cells and " +
                           std::to_string(fields) + " field(s), needing about " + gib(bytes);
  if (!(cells <= g_limits.max_cells))
    throw InputError(grid.where() + what + ", more than the limit of " + count(g_limits.max_cells) +
                     " cells; " + hint);
  if (!g_limits.check_available) return;
  const double available = available_memory_bytes();
  if (available > 0.0 && bytes > available)
    throw InputError(grid.where() + what + " but only " + gib(available) +
                     " are available (MemAvailable); " + hint);
}

}  // namespace skinheal
