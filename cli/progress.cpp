#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "engine/input/units.hpp"

namespace skinheal::cli {

Progress::Progress(double end_time_s, bool quiet)
    : end_s_(end_time_s), quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}

void Progress::on_start(const Simulation&) {
  start_ = last_print_ = std::chrono::steady_clock::now();
}

void Progress::on_event(const Simulation& sim, const std::string& name, bool after) {
  if (quiet_ || !after) return;
  finish_line();
  std::cerr << "skinheal: " << name << " at t = " << format_duration(sim.time_s()) << "\n";
}

void Progress::on_step(const Simulation& sim, const StepInfo& info) {
  print(sim, info, false);
}

void Progress::print(const Simulation& sim, const StepInfo& info, bool force) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (!force && since < (tty_ ? 0.2 : 5.0)) return;
  last_print_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = end_s_ > 0 ? std::min(1.0, sim.time_s() / end_s_) : 1.0;
  std::ostringstream line;
  line << "t = " << std::setw(9) << format_duration(sim.time_s(), 3) << " of "
       << format_duration(end_s_, 3) << "  dt = " << std::setw(8) << format_duration(info.dt_s, 2)
       << "  steps " << info.accepted << " (+" << info.rejected << " rejected)  wall " << std::fixed
       << std::setprecision(1) << elapsed << " s";
  if (frac > 0.01 && frac < 1.0) line << "  ETA ~" << elapsed * (1.0 - frac) / frac << " s";
  if (tty_) {
    const int width = 24, filled = static_cast<int>(frac * width);
    std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
              << line.str() << "   " << std::flush;
    open_line_ = true;
  } else {
    std::cerr << "skinheal: " << line.str() << "\n";
  }
}

void Progress::finish_line() {
  if (open_line_) std::cerr << "\n";
  open_line_ = false;
}

void print_outcome_summary(std::ostream& out, const Simulation& sim) {
  const Grid& g = sim.grid();
  const FieldSet& f = sim.fields();
  const auto& names = g.layer_names();
  std::vector<std::vector<double>> mean(f.num_fields(), std::vector<double>(names.size(), 0.0));
  std::vector<double> volume(names.size(), 0.0);
  for (int k = 0; k < g.nz(); ++k)
    for (std::size_t c = k * g.plane_size(); c < (k + 1) * g.plane_size(); ++c) {
      const int l = g.layer_of(c);
      // r–z: ring volumes (volume_of_cell_um3); Cartesian: the row's volume, as before.
      const double dv = g.is_axisymmetric() ? g.volume_of_cell_um3(c) : g.cell_volume_um3(k);
      volume[l] += dv;
      for (int q = 0; q < f.num_fields(); ++q) mean[q][l] += f.view(q)[c] * dv;
    }
  out << "outcome at t = " << format_duration(sim.time_s()) << " (" << sim.last_step().accepted
      << " steps): per-layer means\n";
  out << std::left << std::setw(22) << "field";
  for (const auto& n : names) out << std::setw(18) << n.substr(0, 17);
  out << "units\n";
  for (int q = 0; q < f.num_fields(); ++q) {
    out << std::setw(22) << f.info(q).name;
    for (std::size_t l = 0; l < names.size(); ++l) {
      std::ostringstream v;
      v << std::setprecision(4) << (volume[l] > 0 ? mean[q][l] / volume[l] : 0.0);
      out << std::setw(18) << v.str();
    }
    out << f.info(q).units << "\n";
  }
}

}  // namespace skinheal::cli
