// Test problems shared by the verification tests of both base steps (split and linearly
// implicit): the same problem, the same assertions, one definition.
#pragma once

#include <cmath>
#include <memory>
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

}  // namespace skinheal::verification
