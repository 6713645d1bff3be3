// Implicit 3D diffusion throughput against the memory-bandwidth roofline.
//
// Cases (n³ grid of 10 µm voxels, `species` diffusing fields, `threads` engine threads):
//   BM_Diffusion3D/<n>/<species>/threads:<t>
//       one Transport::step with TransportScheme::lod_backward_euler: backward-Euler line
//       sweeps X(h) Y(h) Z(h), BioFVM's scheme. Reference traffic (the roofline):
//       3 in-place sweeps, each reading and writing every value once, 48 bytes per
//       voxel-species update. The engine fuses X and Y per depth plane, so it moves 32.
//   BM_DiffusionSymmetric3D/<n>/<species>/threads:<t>
//       one Transport::step with the default TransportScheme::symmetric_cn:
//       X(h/2) Y(h/2) Z(h) Y(h/2) X(h/2), θ = 1/2, with the positivity guard. Reference
//       traffic: 5 sweeps (80 B) + the guard's copy of the field (read 8 + write 8 B) + its two
//       max passes (8 + 8 B), 112 bytes per update, STREAM counting (no write-allocate). The
//       engine moves 56: 3 passes (XY, Z, YX: 48 B) + writing the saved copy (8 B), the
//       guard's reads and extrema riding on the first and last pass.
//   BM_LineSweep3D/<axis>/<n>/<be|cn>/threads:<t>
//       one sweep along one axis (Transport::sweep), backward Euler (be, θ = 1) or
//       Crank–Nicolson (cn, θ = 1/2), 16 bytes per update: the per-axis breakdown of
//       BM_Diffusion3D (be) and BM_DiffusionSymmetric3D (cn).
// Setup shared by all: skin-like diffusivity by depth (stratum corneum 0.01 µm²/s in the top
// two rows, 3.3 µm²/s below, a small solute in the viable epidermis and dermis), no-flux on
// every face, dt = 60 s (D·dt/dx² ≈ 2: far above the explicit limit), smooth positive data.
//
// Counters: updates_per_s (voxel-species updates per second, n³·species per step),
// bytes_per_update (the scheme's reference traffic above), roofline_fraction
// (updates_per_s · bytes_per_update / triad bandwidth at the same thread count, measured in
// this run by bandwidth.cpp), moved_bytes_per_update (what the engine's passes actually
// read and write, STREAM counting), and for the symmetric scheme monotone_fallbacks per step.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "benchmarks/bandwidth.hpp"
#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/parallel.hpp"
#include "engine/transport.hpp"

namespace {

using skinheal::Axis;
using skinheal::Diffusivity;
using skinheal::FieldInfo;
using skinheal::FieldSet;
using skinheal::Grid;
using skinheal::Transport;
using skinheal::TransportScheme;

constexpr double kVoxel_um = 10.0;
constexpr double kStep_s = 60.0;
constexpr double kStratumCorneumD_um2_per_s = 0.01;
constexpr double kViableD_um2_per_s = 3.3;
constexpr int kStratumCorneumRows = 2;

// The grid, fields and transport of one case. Fields are initialised with
// 1 + ½ cos(πx/W) cos(πy/W) cos(πz/W): smooth and positive, so no scheme needs its fallback and
// no value decays towards denormals.
struct DiffusionSetup {
  Grid grid;
  FieldSet fields;
  Transport transport;

  DiffusionSetup(int n, int species)
      : grid(Grid::make_3d(n, n, kVoxel_um, Grid::uniform_faces(n, kVoxel_um))),
        fields(grid),
        transport(grid) {
    std::vector<double> D(n, kViableD_um2_per_s);
    for (int k = 0; k < std::min(n, kStratumCorneumRows); ++k) D[k] = kStratumCorneumD_um2_per_s;
    std::vector<double> profile(n);
    for (int i = 0; i < n; ++i) profile[i] = std::cos(std::numbers::pi * (i + 0.5) / n);
    fields.storage().reserve(grid.num_cells() * species);
    for (int s = 0; s < species; ++s) {
      const FieldInfo info{.name = std::string("solute_").append(std::to_string(s)),
                           .units = std::string("1"),
                           .diffuses = true,
                           .non_negative = true,
                           .description = std::string("benchmark solute")};
      const int f = fields.add(info, 0.0);
      transport.set_diffusion(f, Diffusivity::by_depth(D));
      double* u = fields.view(f).data;
      for (int k = 0; k < n; ++k)
        for (int j = 0; j < n; ++j)
          for (int i = 0; i < n; ++i)
            u[grid.index(i, j, k)] = 1.0 + 0.5 * profile[i] * profile[j] * profile[k];
    }
  }
};

void set_counters(benchmark::State& state, const std::string& name, int threads,
                  double updates_per_step, double bytes_per_update, double seconds,
                  double moved_bytes_per_update) {
  const double steps = static_cast<double>(state.iterations());
  const double updates_per_s = steps > 0 && seconds > 0 ? updates_per_step * steps / seconds : 0;
  const skinheal::bench::Bandwidth& bw = skinheal::bench::bandwidth(threads);
  state.counters["updates_per_s"] =
      benchmark::Counter(updates_per_step * steps, benchmark::Counter::kIsRate);
  state.counters["bytes_per_update"] = bytes_per_update;
  state.counters["moved_bytes_per_update"] = moved_bytes_per_update;
  state.counters["roofline_fraction"] =
      updates_per_s * bytes_per_update * 1e-9 / std::max(bw.triad_GBps, 1e-30);
  skinheal::bench::record_case(
      {name, threads, updates_per_s, bytes_per_update, static_cast<long long>(state.iterations())});
}

// One full implicit diffusion step per iteration.
void diffusion_step(benchmark::State& state, const std::string& name, int n, int species,
                    int threads, TransportScheme scheme, double bytes_per_update,
                    double moved_bytes_per_update) {
  skinheal::bench::bandwidth(threads);  // measured before the first timed step, untimed
  DiffusionSetup setup(n, species);
  skinheal::parallel::set_num_threads(threads);
  long long fallbacks = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    fallbacks += setup.transport.step(setup.fields, kStep_s, scheme).monotone_fallbacks;
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  skinheal::parallel::set_num_threads(0);
  const double updates_per_step = static_cast<double>(setup.grid.num_cells()) * species;
  set_counters(state, name, threads, updates_per_step, bytes_per_update, seconds,
               moved_bytes_per_update);
  if (scheme == TransportScheme::symmetric_cn)
    state.counters["monotone_fallbacks"] =
        benchmark::Counter(static_cast<double>(fallbacks), benchmark::Counter::kAvgIterations);
}

// One sweep along one axis per iteration: backward Euler (θ = 1, h as in the LOD step) or
// Crank–Nicolson (θ = 1/2, h as the symmetric step uses it: h/2 laterally, h in depth).
void line_sweep(benchmark::State& state, const std::string& name, Axis axis, int n, double theta,
                int threads) {
  skinheal::bench::bandwidth(threads);
  DiffusionSetup setup(n, 1);
  const double h = theta == 1.0 || axis == Axis::z ? kStep_s : 0.5 * kStep_s;
  skinheal::parallel::set_num_threads(threads);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    setup.transport.sweep(setup.fields, 0, axis, h, theta);
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  skinheal::parallel::set_num_threads(0);
  set_counters(state, name, threads, static_cast<double>(setup.grid.num_cells()), 16.0, seconds,
               16.0);
}

// "<family>/<n>/<species>/threads:<threads>".
std::string case_name(const char* family, int n, int species, int threads) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%s/%d/%d/threads:%d", family, n, species, threads);
  return buffer;
}

// Name cases BM_Diffusion3D/<n>/<species>/threads:<t>: the engine's OpenMP thread count is part
// of the case, not Google Benchmark's ->Threads (which would run the body concurrently).
const bool registered = [] {
  for (const int n : {100, 200}) {
    for (const int species : {1, 10}) {
      for (const int threads : {1, 2}) {
        const std::string lod = case_name("BM_Diffusion3D", n, species, threads);
        benchmark::RegisterBenchmark(lod.c_str(),
                                     [=](benchmark::State& state) {
                                       diffusion_step(state, lod, n, species, threads,
                                                      TransportScheme::lod_backward_euler, 48.0,
                                                      32.0);
                                     })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        const std::string cn = case_name("BM_DiffusionSymmetric3D", n, species, threads);
        benchmark::RegisterBenchmark(cn.c_str(),
                                     [=](benchmark::State& state) {
                                       diffusion_step(state, cn, n, species, threads,
                                                      TransportScheme::symmetric_cn, 112.0, 56.0);
                                     })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (const Axis axis : {Axis::x, Axis::y, Axis::z}) {
    const char* axis_name = axis == Axis::x ? "x" : axis == Axis::y ? "y" : "z";
    for (const int n : {100, 200}) {
      for (const double theta : {1.0, 0.5}) {
        for (const int threads : {1, 2}) {
          char buffer[96];
          std::snprintf(buffer, sizeof buffer, "BM_LineSweep3D/%s/%d/%s/threads:%d", axis_name, n,
                        theta == 1.0 ? "be" : "cn", threads);
          const std::string name = buffer;
          benchmark::RegisterBenchmark(
              name.c_str(),
              [=](benchmark::State& state) { line_sweep(state, name, axis, n, theta, threads); })
              ->UseRealTime()
              ->Unit(benchmark::kMillisecond);
        }
      }
    }
  }
  return true;
}();

}  // namespace
