// Forward Euler on skinheal's model at its stable step: see explicit_reference.hpp.
#include "benchmarks/explicit_reference.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

#include "engine/parallel.hpp"

namespace skinheal::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kGrain = 512;  // cells per parallel block

double harmonic(double a, double b) {
  return a > 0.0 && b > 0.0 ? 2.0 * a * b / (a + b) : 0.0;
}

/// Conductance (µm/s) between a boundary value and the first cell (thickness dz, diffusivity D).
double boundary_conductance(const Boundary& b, double D, double dz) {
  if (b.kind == Boundary::Kind::no_flux || D <= 0.0) return 0.0;
  if (b.kind == Boundary::Kind::value) return 2.0 * D / dz;
  if (b.permeability_um_per_s <= 0.0) return 0.0;
  return 1.0 / (1.0 / b.permeability_um_per_s + dz / (2.0 * D));
}

/// The diffusion operator of one transported field, frozen over the horizon.
struct FieldDiffusion {
  int field = -1;
  std::vector<double> gx;     ///< rate (1/s) across face (i + ½) of each cell; 0 at the last i
  std::vector<double> gy;     ///< the same across (j + ½), 3D only
  std::vector<double> gz;     ///< conductance (µm/s) across (k + ½); 0 at the last k
  std::vector<double> bound;  ///< 2 Σ_faces rate + boundary rate: this field's Gershgorin term
  std::vector<double> g_top, g_bottom;  ///< conductance (µm/s) to the surface / bottom value
  double u_surface = 0.0, u_bottom = 0.0;
};

struct Geometry {
  int dim, nx, ny, nz;
  std::size_t plane, cells;
  double dx;
  const std::vector<double>* dz;
  void ijk(std::size_t c, int& i, int& j, int& k) const {
    k = static_cast<int>(c / plane);
    const std::size_t rest = c % plane;
    j = static_cast<int>(rest / nx);
    i = static_cast<int>(rest % nx);
  }
};

FieldDiffusion build_diffusion(const Simulation& sim, const Geometry& g, int f) {
  const Transport& tr = sim.transport();
  const Diffusivity& D = tr.diffusivity(f);
  const Grid& grid = sim.grid();
  const std::vector<double>& dz = *g.dz;
  FieldDiffusion d;
  d.field = f;
  d.gx.assign(g.cells, 0.0);
  if (g.dim == 3) d.gy.assign(g.cells, 0.0);
  d.gz.assign(g.cells, 0.0);
  d.bound.assign(g.cells, 0.0);
  const double inv_dx2 = 1.0 / (g.dx * g.dx);
  const auto Dat = [&](std::size_t c, int k) { return D.at(grid, c, k); };
  for (std::size_t c = 0; c < g.cells; ++c) {
    int i, j, k;
    g.ijk(c, i, j, k);
    const double Dc = Dat(c, k);
    if (i + 1 < g.nx) d.gx[c] = harmonic(Dc, Dat(c + 1, k)) * inv_dx2;
    if (g.dim == 3 && j + 1 < g.ny) d.gy[c] = harmonic(Dc, Dat(c + g.nx, k)) * inv_dx2;
    if (k + 1 < g.nz) {
      const double Dn = Dat(c + g.plane, k + 1);
      d.gz[c] = Dc > 0.0 && Dn > 0.0 ? 2.0 / (dz[k] / Dc + dz[k + 1] / Dn) : 0.0;
    }
  }
  const Boundary& top = tr.surface_boundary(f);
  const Boundary& bottom = tr.bottom_boundary(f);
  d.u_surface = top.value;
  d.u_bottom = bottom.value;
  d.g_top.resize(g.plane);
  d.g_bottom.resize(g.plane);
  for (std::size_t p = 0; p < g.plane; ++p) {
    d.g_top[p] = boundary_conductance(top, Dat(p, 0), dz[0]);
    d.g_bottom[p] =
        boundary_conductance(bottom, Dat((g.nz - 1) * g.plane + p, g.nz - 1), dz[g.nz - 1]);
  }
  for (std::size_t c = 0; c < g.cells; ++c) {
    int i, j, k;
    g.ijk(c, i, j, k);
    double s = 0.0;
    if (i > 0) s += d.gx[c - 1];
    if (i + 1 < g.nx) s += d.gx[c];
    if (g.dim == 3) {
      if (j > 0) s += d.gy[c - g.nx];
      if (j + 1 < g.ny) s += d.gy[c];
    }
    if (k > 0) s += d.gz[c - g.plane] / dz[k];
    if (k + 1 < g.nz) s += d.gz[c] / dz[k];
    double b = 0.0;
    if (k == 0) b += d.g_top[c % g.plane] / dz[0];
    if (k == g.nz - 1) b += d.g_bottom[c % g.plane] / dz[g.nz - 1];
    d.bound[c] = 2.0 * s + b;
  }
  return d;
}

/// d u_c / dt from diffusion (field values u of one field).
inline double diffusion_rate(const FieldDiffusion& d, const Geometry& g, const double* u,
                             std::size_t c) {
  int i, j, k;
  g.ijk(c, i, j, k);
  const std::vector<double>& dz = *g.dz;
  const double uc = u[c];
  double r = 0.0;
  if (i > 0) r += d.gx[c - 1] * (u[c - 1] - uc);
  if (i + 1 < g.nx) r += d.gx[c] * (u[c + 1] - uc);
  if (g.dim == 3) {
    if (j > 0) r += d.gy[c - g.nx] * (u[c - g.nx] - uc);
    if (j + 1 < g.ny) r += d.gy[c] * (u[c + g.nx] - uc);
  }
  double flux = 0.0;  // µm/s into the cell through its z faces
  if (k > 0) flux += d.gz[c - g.plane] * (u[c - g.plane] - uc);
  if (k + 1 < g.nz) flux += d.gz[c] * (u[c + g.plane] - uc);
  const std::size_t p = c % g.plane;
  if (k == 0) flux += d.g_top[p] * (d.u_surface - uc);
  if (k == g.nz - 1) flux += d.g_bottom[p] * (d.u_bottom - uc);
  return r + flux / dz[k];
}

Geometry geometry_of(const Grid& grid) {
  return Geometry{grid.dim(),        grid.nx(),        grid.ny(),    grid.nz(),
                  grid.plane_size(), grid.num_cells(), grid.dx_um(), &grid.dz_um()};
}

}  // namespace

double explicit_diffusion_limit_s(const Simulation& sim) {
  const Geometry g = geometry_of(sim.grid());
  double rho = 0.0;
  for (int f = 0; f < sim.fields().num_fields(); ++f)
    if (sim.transport().transports(f)) {
      const FieldDiffusion d = build_diffusion(sim, g, f);
      rho = std::max(rho, *std::max_element(d.bound.begin(), d.bound.end()));
    }
  return rho > 0.0 ? 2.0 / rho : sim.transport().explicit_limit_s();
}

ExplicitResult explicit_integrate(Simulation& sim, std::vector<double>& state,
                                  const ExplicitOptions& options) {
  const Grid& grid = sim.grid();
  const Geometry g = geometry_of(grid);
  const int nf = sim.fields().num_fields();
  const std::size_t N = g.cells;
  const Reactions& reactions = sim.reactions();
  const Transport& transport = sim.transport();

  std::vector<FieldDiffusion> diffusion;
  std::vector<int> diffusion_of(nf, -1);
  for (int f = 0; f < nf; ++f)
    if (transport.transports(f)) {
      diffusion_of[f] = static_cast<int>(diffusion.size());
      diffusion.push_back(build_diffusion(sim, g, f));
    }
  // A field whose decay the transport solves with its diffusion (Transport::set_coupled_decay)
  // has that decay here, where the reactions leave it out.
  std::vector<double> decay(nf, 0.0);
  for (int f = 0; f < nf; ++f)
    if (transport.transports(f) && transport.is_coupled(f))
      decay[f] = transport.coupled_decay_per_s(f);
  std::vector<char> non_negative(nf);
  std::vector<double> abs_tol(nf);
  for (int f = 0; f < nf; ++f) {
    non_negative[f] = sim.fields().info(f).non_negative;
    abs_tol[f] = std::max(sim.fields().info(f).abs_tolerance, 1e-30);
  }

  ExplicitResult result;
  result.start_s = sim.time_s();
  double t = result.start_s;
  const double t_end = t + options.horizon_s;

  // Diffusion alone: the largest Gershgorin row term.
  double rho_diffusion = 0.0;
  for (const FieldDiffusion& d : diffusion)
    rho_diffusion = std::max(rho_diffusion, *std::max_element(d.bound.begin(), d.bound.end()));
  result.dt_diffusion_s = rho_diffusion > 0.0 ? 2.0 / rho_diffusion : transport.explicit_limit_s();

  // The stable step from the Gershgorin bound of the full Jacobian at the current state.
  const auto stable_step = [&](double time_s) {
    std::vector<double> scale(nf);
    for (int f = 0; f < nf; ++f) {
      const double* u = state.data() + f * N;
      double m = 0.0;
      for (std::size_t c = 0; c < N; ++c) m = std::max(m, std::abs(u[c]));
      scale[f] = std::max(m, abs_tol[f]);
    }
    const double rho = parallel::max(N, [&](std::size_t begin, std::size_t end) {
      std::vector<double> y(nf), yp(nf), f0(nf), f1(nf), J(nf * nf), Jt(nf * nf);
      double worst = 0.0;
      for (std::size_t c = begin; c < end; ++c) {
        VoxelContext at;
        at.cell = c;
        g.ijk(c, at.i, at.j, at.k);
        at.layer = grid.layer_of(c);
        at.t_s = time_s;
        for (int f = 0; f < nf; ++f) y[f] = state[f * N + c];
        std::fill(J.begin(), J.end(), 0.0);
        for (const auto& term : reactions.terms()) {
          std::fill(Jt.begin(), Jt.end(), 0.0);
          if (!term->add_jacobian(at, y.data(), nf, Jt.data())) {
            std::fill(f0.begin(), f0.end(), 0.0);
            term->add_rhs(at, y.data(), f0.data());
            for (int j = 0; j < nf; ++j) {
              yp = y;
              const double h = 1.5e-8 * std::max(std::abs(y[j]), scale[j]);
              yp[j] += h;
              std::fill(f1.begin(), f1.end(), 0.0);
              term->add_rhs(at, yp.data(), f1.data());
              for (int i = 0; i < nf; ++i) Jt[i * nf + j] = (f1[i] - f0[i]) / h;
            }
          }
          for (int q = 0; q < nf * nf; ++q) J[q] += Jt[q];
        }
        for (int i = 0; i < nf; ++i) {
          double row = -J[i * nf + i] + decay[i];
          for (int j = 0; j < nf; ++j)
            if (j != i) row += std::abs(J[i * nf + j]);
          if (diffusion_of[i] >= 0) row += diffusion[diffusion_of[i]].bound[c];
          worst = std::max(worst, row);
        }
      }
      return worst;
    });
    return rho > 0.0 ? options.safety * 2.0 / rho : options.horizon_s;
  };

  std::vector<double> rate(state.size());
  const auto t0 = Clock::now();
  double dt = 0.0;
  result.dt_min_s = 1e300;
  while (t < t_end * (1.0 - 1e-15)) {
    if (result.steps % options.bound_every == 0) {
      const auto b0 = Clock::now();
      dt = stable_step(t);
      result.bound_wall_s += std::chrono::duration<double>(Clock::now() - b0).count();
    }
    const double h = std::min(dt, t_end - t);
    const auto s0 = Clock::now();
    parallel::for_each_block(
        N, kGrain,
        [&](std::size_t begin, std::size_t end) {
          std::vector<double> y(nf), dydt(nf);
          for (std::size_t c = begin; c < end; ++c) {
            VoxelContext at;
            at.cell = c;
            g.ijk(c, at.i, at.j, at.k);
            at.layer = grid.layer_of(c);
            at.t_s = t;
            for (int f = 0; f < nf; ++f) y[f] = state[f * N + c];
            reactions.rhs(at, y.data(), dydt.data(), nf);
            for (int f = 0; f < nf; ++f) rate[f * N + c] = dydt[f] - decay[f] * y[f];
            for (const FieldDiffusion& d : diffusion)
              rate[d.field * N + c] += diffusion_rate(d, g, state.data() + d.field * N, c);
          }
        },
        N * nf);
    parallel::for_each_block(
        state.size(), kGrain * 8,
        [&](std::size_t begin, std::size_t end) {
          for (std::size_t q = begin; q < end; ++q) {
            const double v = state[q] + h * rate[q];
            state[q] = non_negative[q / N] && v < 0.0 ? 0.0 : v;
          }
        },
        state.size());
    result.wall_s += std::chrono::duration<double>(Clock::now() - s0).count();
    t += h;
    ++result.steps;
    result.dt_min_s = std::min(result.dt_min_s, h);
    result.dt_max_s = std::max(result.dt_max_s, h);
    if (std::chrono::duration<double>(Clock::now() - t0).count() >= options.wall_budget_s) break;
  }
  if (result.steps == 0) result.dt_min_s = 0.0;
  result.simulated_s = t - result.start_s;
  return result;
}

double max_relative_difference(const Simulation& sim, const std::vector<double>& a,
                               const std::vector<double>& b, std::string& worst) {
  const std::size_t N = sim.fields().num_cells();
  double out = 0.0;
  for (int f = 0; f < sim.fields().num_fields(); ++f) {
    double diff = 0.0, size = sim.fields().info(f).abs_tolerance;
    for (std::size_t c = 0; c < N; ++c) {
      diff = std::max(diff, std::abs(a[f * N + c] - b[f * N + c]));
      size = std::max(size, std::abs(b[f * N + c]));
    }
    if (diff / size > out) {
      out = diff / size;
      worst = sim.fields().info(f).name;
    }
  }
  return out;
}

}  // namespace skinheal::bench
