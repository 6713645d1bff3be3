// Test problems shared by the verification tests of both base steps (split and linearly
// implicit): the same problem, the same assertions, one definition.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/parallel.hpp"
#include "engine/simulation.hpp"
#include "models/generic_kinetics.hpp"

namespace skinheal::verification {

// A smooth bump with logistic growth and layered diffusivity (x and z operators do not commute).
inline std::vector<double> logistic_bump_run(double dt, double T,
                                             TimeScheme scheme = TimeScheme::split) {
  const int nx = 16, nz = 16;
  Grid grid = Grid::make_2d(nx, 25.0, Grid::mapped_faces(nz, 400.0, 1.0));
  Simulation sim(std::move(grid));
  const Grid& g = sim.grid();
  const int u = sim.fields().add({"u", "1", true, true, 1e-12});
  std::vector<double> D(nz);
  for (int k = 0; k < nz; ++k) D[k] = 2.0 + 3.0 * g.z_centres_um()[k] / 400.0;
  sim.transport().set_diffusion(u, Diffusivity::by_depth(D));
  models::FieldKinetics kin;
  kin.field = u;
  kin.growth_per_s = 2e-3;
  kin.capacity = 1.0;
  sim.reactions().add(std::make_shared<models::GenericKinetics>(std::vector{kin}));
  sim.reactions().options().substeps = false;  // one ROS2 step per half step: order 2 overall
  for (int k = 0; k < nz; ++k)
    for (int i = 0; i < nx; ++i) {
      const double x = g.x_centre_um(i) - 200.0, z = g.z_centres_um()[k] - 150.0;
      sim.fields().view(u)[g.index(i, 0, k)] =
          0.05 + 0.5 * std::exp(-(x * x + z * z) / (2 * 80.0 * 80.0));
    }
  sim.control().scheme = scheme;
  sim.control().adaptive = false;
  sim.control().dt_initial_s = dt;
  sim.run_until(T);
  return sim.fields().storage();
}

// A 3D run with every feature: per-voxel D, taxis, reactions, adaptive steps.
inline std::vector<double> feature_run(int threads, TimeScheme scheme = TimeScheme::split) {
  parallel::set_num_threads(threads);
  parallel::set_serial_work(0);  // force parallel regions even on this small grid
  std::vector<Layer> layers{{"top", 20.0}, {"bottom", 140.0}};
  Grid grid = Grid::make_3d(12, 10, 10.0, Grid::graded_faces(layers, 4.0, 20.0, 1.2));
  grid.assign_layers(layers);
  Simulation sim(std::move(grid));
  const Grid& g = sim.grid();
  const int cells = sim.fields().add({"cells", "1", true, true, 1e-9});
  const int signal = sim.fields().add({"signal", "1", true, true, 1e-9});
  std::vector<double> Dz(g.nz());
  for (int k = 0; k < g.nz(); ++k) Dz[k] = g.layer_of_row(k) == 0 ? 0.05 : 2.0;
  Diffusivity D = Diffusivity::by_depth(Dz);
  D.make_per_voxel(g);
  for (std::size_t c = 0; c < g.num_cells(); c += 7) D.values()[c] *= 3.0;
  sim.transport().set_diffusion(cells, D);
  sim.transport().set_diffusion(signal, Diffusivity::uniform(5.0), Boundary::permeable(0.1, 1.0));
  sim.transport().add_taxis({cells, signal, 50.0, 0.5});
  std::vector<models::FieldKinetics> kin(2);
  kin[0].field = cells;
  kin[0].growth_per_s = 1e-3;
  kin[0].capacity = 2.0;
  kin[1].field = signal;
  kin[1].decay_per_s = 1e-3;
  sim.reactions().add(std::make_shared<models::GenericKinetics>(kin));
  for (std::size_t c = 0; c < g.num_cells(); ++c) sim.fields().view(cells)[c] = (c % 13) * 0.01;
  sim.control().scheme = scheme;
  sim.control().dt_initial_s = 10.0;
  for (int s = 0; s < 15; ++s) sim.step(1e9);
  parallel::set_num_threads(0);
  parallel::set_serial_work(parallel::kSerialWork);
  return sim.fields().storage();
}

// du/dt = s(x) − k u at each voxel, with s chosen so that a given field u* is the exact discrete
// steady state of reaction + transport: s = k u* − L(u*). k = 0 leaves only the source (the
// decay is then the transport's, Transport::set_coupled_decay).
class PinnedSource : public ReactionTerm {
 public:
  PinnedSource(std::vector<double> source, double k) : source_(std::move(source)), k_(k) {}
  std::string name() const override { return "pinned source"; }
  void add_rhs(const VoxelContext& at, const double* y, double* dydt) const override {
    dydt[0] += source_[at.cell] - k_ * y[0];
  }
  bool add_jacobian(const VoxelContext&, const double*, int n, double* J) const override {
    J[0] -= k_;
    return true;
  }

 private:
  std::vector<double> source_;
  double k_;
};

struct SteadyRun {
  long steps = 0;
  double max_relative_change = 0.0;
};

// A growth-factor-like signal (half-life 2 h, layered D, two sharp channel-like peaks) started at
// an exact discrete steady state u* and run to end_s. With `coupled_decay` its decay belongs to
// the transport (one unfactorised solve, Transport::set_coupled_decay) instead of the reaction.
inline SteadyRun steady_state_run(TimeScheme scheme, double end_s, bool coupled_decay = false) {
  std::vector<Layer> layers{{"epidermis", 80.0}, {"dermis", 920.0}};
  Grid grid = Grid::make_2d(40, 20.0, Grid::graded_faces(layers, 2.5, 50.0, 1.15));
  grid.assign_layers(layers);
  Simulation sim(std::move(grid));
  const Grid& g = sim.grid();
  const int u = sim.fields().add({"signal", "ng/mL", true, true, 1e-6});
  std::vector<double> Dz(g.nz());
  for (int k = 0; k < g.nz(); ++k) Dz[k] = g.layer_of_row(k) == 0 ? 0.5 : 3.3;
  sim.transport().set_diffusion(u, Diffusivity::by_depth(Dz), Boundary::fixed(0.2));
  // u*: two channel-like peaks, sharp in x and z (a fast-decaying signal around punctures).
  std::vector<double> ustar(g.num_cells());
  for (int k = 0; k < g.nz(); ++k)
    for (int i = 0; i < g.nx(); ++i) {
      const double x = g.x_centre_um(i), z = g.z_centres_um()[k];
      ustar[g.index(i, 0, k)] = 0.2 + std::exp(-std::pow((x - 250.0) / 60.0, 2) - z / 150.0) +
                                0.5 * std::exp(-std::pow((x - 600.0) / 40.0, 2) - z / 100.0);
    }
  std::copy(ustar.begin(), ustar.end(), sim.fields().view(u).data);
  const double k = std::log(2.0) / 7200.0;  // growth factor half-life 2 h
  std::vector<double> Lu(g.num_cells(), 0.0);
  sim.transport().add_operator(sim.fields(), 1.0, Lu);
  std::vector<double> source(g.num_cells());
  for (std::size_t c = 0; c < source.size(); ++c) source[c] = k * ustar[c] - Lu[c];
  if (coupled_decay) {
    // The reaction step alone must stay non-negative at any step (as a production term does),
    // so the source is clipped at 0 and u* becomes its steady state: one coupled step of 10^12
    // relaxation times from u* + h s.
    sim.transport().set_coupled_decay(u, k);
    const double h = 1e12 / k;
    FieldView v = sim.fields().view(u);
    for (std::size_t c = 0; c < source.size(); ++c) {
      source[c] = std::max(source[c], 0.0);
      v[c] += h * source[c];
    }
    sim.transport().step(sim.fields(), h, TransportScheme::lod_backward_euler);
    std::copy(v.data, v.data + v.size, ustar.begin());
  }
  sim.reactions().add(std::make_shared<PinnedSource>(source, coupled_decay ? 0.0 : k));
  sim.control().scheme = scheme;
  sim.control().rtol = 1e-3;
  sim.control().dt_initial_s = 1.0;
  sim.control().dt_max_s = 30 * 86400.0;
  sim.run_until(end_s);
  SteadyRun r;
  r.steps = sim.last_step().accepted;
  const ConstFieldView v = sim.fields().view(u);
  for (std::size_t c = 0; c < ustar.size(); ++c)
    r.max_relative_change = std::max(r.max_relative_change, std::abs(v[c] - ustar[c]) / ustar[c]);
  return r;
}

}  // namespace skinheal::verification
