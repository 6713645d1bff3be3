// Verification of the implicit transport against analytic solutions (issue: engine core).
//   1. Gaussian point source: σ²(t) = σ0² + 2Dt per axis, mass conserved to 1e-12.
//   2. Spatial order ≥ 1.9 on an exact solution, uniform and graded grids.
//   4. Two-layer slab steady flux ΔC / Σ h_i/D_i within 1 %; membrane lag time h²/(6D) within 2 %.
//   6. Steps 1000× the explicit limit: bounded and non-negative.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "engine/simulation.hpp"
#include "engine/transport.hpp"

namespace skinheal {
namespace {

constexpr double kPi = 3.14159265358979323846;

double total_mass(const FieldSet& f, int field) {
  const Grid& g = f.grid();
  double m = 0.0;
  for (int k = 0; k < g.nz(); ++k)
    for (int j = 0; j < g.ny(); ++j)
      for (int i = 0; i < g.nx(); ++i) m += f.view(field)[g.index(i, j, k)] * g.cell_volume_um3(k);
  return m;
}

// Variance of a field along each axis, weighted by cell volume.
std::array<double, 3> variances(const FieldSet& f, int field) {
  const Grid& g = f.grid();
  double m = 0, mx = 0, my = 0, mz = 0;
  for (int k = 0; k < g.nz(); ++k)
    for (int j = 0; j < g.ny(); ++j)
      for (int i = 0; i < g.nx(); ++i) {
        const double w = f.view(field)[g.index(i, j, k)] * g.cell_volume_um3(k);
        m += w;
        mx += w * g.x_centre_um(i);
        my += w * g.y_centre_um(j);
        mz += w * g.z_centres_um()[k];
      }
  mx /= m;
  my /= m;
  mz /= m;
  double vx = 0, vy = 0, vz = 0;
  for (int k = 0; k < g.nz(); ++k)
    for (int j = 0; j < g.ny(); ++j)
      for (int i = 0; i < g.nx(); ++i) {
        const double w = f.view(field)[g.index(i, j, k)] * g.cell_volume_um3(k);
        vx += w * std::pow(g.x_centre_um(i) - mx, 2);
        vy += w * std::pow(g.y_centre_um(j) - my, 2);
        vz += w * std::pow(g.z_centres_um()[k] - mz, 2);
      }
  return {vx / m, vy / m, vz / m};
}

TEST(Verification, GaussianPointSourceVarianceAndMass) {
  const int n = 48;
  const double dx = 10.0, D = 2.0, sigma0 = 25.0;
  Simulation sim(Grid::make_3d(n, n, dx, Grid::uniform_faces(n, dx)));
  const int u = sim.fields().add({"u", "1", true, true, 1e-10});
  sim.transport().set_diffusion(u, Diffusivity::uniform(D));
  const Grid& g = sim.grid();
  const double c = 0.5 * n * dx;
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const double r2 = std::pow(g.x_centre_um(i) - c, 2) + std::pow(g.y_centre_um(j) - c, 2) +
                          std::pow(g.z_centres_um()[k] - c, 2);
        sim.fields().view(u)[g.index(i, j, k)] = std::exp(-r2 / (2 * sigma0 * sigma0));
      }
  const auto var0 = variances(sim.fields(), u);
  const double mass0 = total_mass(sim.fields(), u);
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 10.0;
  const double T = 300.0;  // σ² grows by 2DT = 1200 µm² (about 2σ0²)
  sim.run_until(T);
  const auto var = variances(sim.fields(), u);
  for (int a = 0; a < 3; ++a) {
    const double expected = var0[a] + 2 * D * T;
    EXPECT_NEAR(var[a] / expected, 1.0, 0.01) << "axis " << a;
  }
  EXPECT_NEAR(total_mass(sim.fields(), u) / mass0, 1.0, 1e-12);
}

// Exact solution u = 1 + e^{−λt} cos(πx/W) cos(πz/L) with no-flux walls.
double exact_order_error(int nz, bool graded) {
  const double W = 400.0, L = 1000.0, D = 10.0;
  const int nx = std::max(4, nz * 2 / 5);
  const auto faces = graded ? Grid::mapped_faces(nz, L, 2.0) : Grid::uniform_faces(nz, L / nz);
  Simulation sim(Grid::make_2d(nx, W / nx, faces));
  const int u = sim.fields().add({"u", "1", true, true, 1e-10});
  sim.transport().set_diffusion(u, Diffusivity::uniform(D));
  const Grid& g = sim.grid();
  auto exact = [&](int i, int k, double t) {
    const double lambda = D * (kPi * kPi / (W * W) + kPi * kPi / (L * L));
    return 1.0 + std::exp(-lambda * t) * std::cos(kPi * g.x_centre_um(i) / W) *
                     std::cos(kPi * g.z_centres_um()[k] / L);
  };
  for (int k = 0; k < g.nz(); ++k)
    for (int i = 0; i < g.nx(); ++i) sim.fields().view(u)[g.index(i, 0, k)] = exact(i, k, 0.0);
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 5.0;  // temporal error ≪ spatial error at every resolution
  const double T = 2000.0;
  sim.run_until(T);
  double err = 0.0, vol = 0.0;
  for (int k = 0; k < g.nz(); ++k)
    for (int i = 0; i < g.nx(); ++i) {
      const double e = sim.fields().view(u)[g.index(i, 0, k)] - exact(i, k, T);
      err += e * e * g.cell_volume_um3(k);
      vol += g.cell_volume_um3(k);
    }
  return std::sqrt(err / vol);
}

void expect_second_order(bool graded) {
  std::vector<double> errors;
  for (int nz : {20, 40, 80}) errors.push_back(exact_order_error(nz, graded));
  for (std::size_t r = 1; r < errors.size(); ++r) {
    const double order = std::log2(errors[r - 1] / errors[r]);
    EXPECT_GE(order, 1.9) << (graded ? "graded" : "uniform") << " grid, refinement " << r
                          << ": errors " << errors[r - 1] << " -> " << errors[r];
  }
}

TEST(Verification, SpatialOrderUniformGrid) {
  expect_second_order(false);
}
TEST(Verification, SpatialOrderGradedGrid) {
  expect_second_order(true);
}

TEST(Verification, TwoLayerSteadyFlux) {
  // Stratum corneum over viable epidermis, fixed concentration 1 above and 0 below.
  const double h1 = 15.0, D1 = 0.01, h2 = 100.0, D2 = 1.0;
  std::vector<Layer> layers{{"sc", h1}, {"ve", h2}};
  Grid grid = Grid::make_2d(1, 10.0, Grid::graded_faces(layers, 0.5, 5.0, 1.1));
  grid.assign_layers(layers);
  Simulation sim(std::move(grid));
  const Grid& g = sim.grid();
  const int u = sim.fields().add({"u", "1", true, true, 1e-12});
  std::vector<double> D(g.nz());
  for (int k = 0; k < g.nz(); ++k) D[k] = g.layer_of_row(k) == 0 ? D1 : D2;
  sim.transport().set_diffusion(u, Diffusivity::by_depth(D), Boundary::fixed(1.0),
                                Boundary::fixed(0.0));
  // Backward Euler with huge steps converges to the discrete steady state.
  for (int s = 0; s < 50; ++s)
    sim.transport().step(sim.fields(), 1e9, TransportScheme::lod_backward_euler);
  const int last = g.nz() - 1;
  const double flux = 2.0 * D2 / g.dz_um()[last] * sim.fields().view(u)[last];
  const double expected = 1.0 / (h1 / D1 + h2 / D2);
  EXPECT_NEAR(flux / expected, 1.0, 0.01);
}

TEST(Verification, MembraneLagTime) {
  // h = 15 µm, D = 1e-10 cm²/s = 0.01 µm²/s → t_lag = h²/(6D) = 3750 s = 62.5 min.
  const double h = 15.0, D = 0.01;
  const int nz = 60;
  Simulation sim(Grid::make_2d(1, 10.0, Grid::uniform_faces(nz, h / nz)));
  const int u = sim.fields().add({"u", "1", true, true, 1e-12});
  sim.transport().set_diffusion(u, Diffusivity::uniform(D), Boundary::fixed(1.0),
                                Boundary::fixed(0.0));
  const Grid& g = sim.grid();
  const double g_bottom = 2.0 * D / g.dz_um()[nz - 1];
  const double t_lag = h * h / (6 * D);
  const double dt = 5.0;
  double Q = 0.0, t = 0.0;
  std::vector<double> ts, qs;
  double out_prev = 0.0;
  while (t < 10 * t_lag) {
    sim.transport().step(sim.fields(), dt);
    const double out = g_bottom * sim.fields().view(u)[nz - 1];
    Q += 0.5 * (out_prev + out) * dt;  // exact discrete outflow of Crank–Nicolson
    out_prev = out;
    t += dt;
    if (t > 6 * t_lag) {
      ts.push_back(t);
      qs.push_back(Q);
    }
  }
  // Least-squares line Q = a (t − t_lag).
  const double n = static_cast<double>(ts.size());
  const double st = std::accumulate(ts.begin(), ts.end(), 0.0);
  const double sq = std::accumulate(qs.begin(), qs.end(), 0.0);
  double stt = 0, stq = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    stt += ts[i] * ts[i];
    stq += ts[i] * qs[i];
  }
  const double slope = (n * stq - st * sq) / (n * stt - st * st);
  const double intercept = (sq - slope * st) / n;
  const double measured_lag = -intercept / slope;
  EXPECT_NEAR(slope / (D / h), 1.0, 0.01);
  EXPECT_NEAR(measured_lag / t_lag, 1.0, 0.02) << "lag " << measured_lag << " s";
}

TEST(Verification, StepsFarAboveExplicitLimitStayBoundedAndNonNegative) {
  // Layered 2D skin: a 15 µm stratum corneum (D = 0.01 µm²/s) over tissue (D = 5 µm²/s), a
  // sharp box of material; steps of 1000× the explicit limit.
  std::vector<Layer> layers{{"sc", 15.0}, {"dermis", 585.0}};
  Grid grid = Grid::make_2d(60, 10.0, Grid::graded_faces(layers, 2.0, 20.0, 1.15));
  grid.assign_layers(layers);
  Simulation sim(std::move(grid));
  const Grid& g = sim.grid();
  const int u = sim.fields().add({"u", "1", true, true, 1e-10});
  std::vector<double> D(g.nz());
  for (int k = 0; k < g.nz(); ++k) D[k] = g.layer_of_row(k) == 0 ? 0.01 : 5.0;
  Diffusivity diff = Diffusivity::by_depth(D);
  diff.make_per_voxel(g);  // an open channel: high D through the stratum corneum at i = 30
  for (int k = 0; k < g.nz(); ++k)
    if (g.layer_of_row(k) == 0) diff.values()[g.index(30, 0, k)] = 50.0;
  sim.transport().set_diffusion(u, diff, Boundary::fixed(1.0), Boundary::no_flux());
  for (int k = 0; k < g.nz(); ++k)
    for (int i = 25; i < 35; ++i)
      if (g.z_centres_um()[k] > 100 && g.z_centres_um()[k] < 200)
        sim.fields().view(u)[g.index(i, 0, k)] = 1.0;
  const double limit = sim.transport().explicit_limit_s();
  ASSERT_GT(limit, 0.0);
  sim.control().adaptive = false;
  sim.control().dt_initial_s = 1000.0 * limit;
  for (int s = 0; s < 30; ++s) sim.step(1e30);
  double lo = 1e300, hi = -1e300;
  for (std::size_t c = 0; c < g.num_cells(); ++c) {
    lo = std::min(lo, sim.fields().view(u)[c]);
    hi = std::max(hi, sim.fields().view(u)[c]);
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LE(hi, 1.0 + 1e-9);  // maximum principle: data and boundary are within [0, 1]
}

}  // namespace
}  // namespace skinheal
