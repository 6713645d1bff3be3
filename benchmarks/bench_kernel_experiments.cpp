// Variants of the backward-Euler LOD step's line-sweep kernels, to find what limits
// BM_Diffusion3D and what a change to engine/transport.cpp or engine/detail/thomas.hpp would
// buy. The kernels here are copies of the engine's fast path (by-depth diffusivity, no taxis,
// θ = 1) on one n³ field; every variant is checked against Transport::step before it is timed
// (the reordered variants do the same arithmetic per line, so they agree bitwise).
//
//   BM_KernelLOD/<variant>/<n>/threads:<t>: one whole LOD step (X, Y, Z sweeps)
//     engine                         Transport::step(lod_backward_euler), the reference. Since
//                                    22:50 UTC 2026-11-22 the engine implements
//                                    fused_xy_interleaved_zoverlap below.
//     copy                           the engine's three sweeps as of 21:51 UTC, copied (x: 16
//                                    lanes transposed into a scratch block; y, z: 32768/n
//                                    lanes in place): the baseline before the fusion
//     x_interleaved                  x lines solved in place as 4 interleaved scalar
//                                    recurrences (no transposition), next 4 lines prefetched
//     fused_xy                       X and Y of one depth plane back to back while the plane
//                                    is in L2 (one pass over memory fewer: 32 B/update)
//     fused_xy_interleaved           fused_xy with the interleaved x lines
//     fused_xy_interleaved_zoverlap  + z sweep prefetching its next block into L2 during the
//                                    back substitution of the current one
//   BM_KernelSweep/<axis>:<variant>/<n>/threads:<t>: one sweep (16 B/update)
//     x:W<w>            transposed blocks of w lines (the engine: w = 16)
//     x:avx2_W<w>       the same, transposing in 4 x 4 AVX2 register tiles
//     x:interleave<J>[_prefetch]  J interleaved in-place scalar recurrences
//     y:W<w>, z:W<w>    w lanes per block (the engine: 32768/n rounded down to 8)
//     z:W<w>_prefetch<d>  prefetch d rows ahead inside a block
//     z:plane_lanes<w>  lanes spanning y rows of a plane
//     y/z:W<w>_overlap  prefetch the next block during back substitution
//     xy_fused          the X and Y part of fused_xy_interleaved
//   BM_KernelGuard/<engine|fused>/<n>/threads:<t>: the symmetric scheme's positivity guard
//     alone (engine: the engine's guard as of 21:51 UTC, a serial copy + two max passes;
//     fused: parallel copy taking max |u| + one min pass)
//   BM_KernelCN/<variant>/<n>/threads:<t>: one whole symmetric (θ = 1/2) step
//     engine    Transport::step(symmetric_cn): XY fused per plane, Z, YX fused, the guard's
//               copy and extrema riding on the first and last pass
//     unfused   the same step composed of five Transport::sweep calls, with the guard as of
//               21:51 UTC (a serial copy and three max passes): what fusing XY and the guard
//               buys
// Counters: updates_per_s (n³ per step or sweep) and achieved_GBps at the traffic the variant
// needs (16 B per update per pass over the field). Findings: benchmarks/README.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "engine/detail/thomas.hpp"
#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/parallel.hpp"
#include "engine/transport.hpp"

namespace {

using skinheal::detail::Coefficients;
using skinheal::detail::Factors;
namespace parallel = skinheal::parallel;

constexpr double kVoxel_um = 10.0;
constexpr double kStep_s = 60.0;

// The diffusivity profile of bench_diffusion.cpp: 0.01 µm²/s in the top two rows, 3.3 below.
std::vector<double> depth_profile(int n) {
  std::vector<double> D(n, 3.3);
  for (int k = 0; k < std::min(n, 2); ++k) D[k] = 0.01;
  return D;
}

// Operator rows along a line of length L with per-position D and uniform width w, no-flux
// ends, harmonic-mean faces: what Transport's uniform_rows builds for this setup.
Coefficients rows_for(const std::vector<double>& D_along, double w) {
  const int L = static_cast<int>(D_along.size());
  Coefficients rows;
  rows.resize(L);
  auto face = [&](int p, int q) {
    if (D_along[p] <= 0.0 || D_along[q] <= 0.0) return 0.0;
    return 1.0 / (0.5 * w / D_along[p] + 0.5 * w / D_along[q]);
  };
  for (int m = 0; m < L; ++m) {
    if (m > 0) {
      const double g = face(m - 1, m);
      rows.lo[m] += g / w;
      rows.di[m] -= g / w;
    }
    if (m + 1 < L) {
      const double g = face(m, m + 1);
      rows.up[m] += g / w;
      rows.di[m] -= g / w;
    }
  }
  return rows;
}

// Backward-Euler factors of one LOD step: x and y per depth row k, z shared.
struct LodFactors {
  std::vector<Factors> lateral;  // by k (x and y lines see the same D)
  Factors z;
  LodFactors(int n, double h) {
    const std::vector<double> D = depth_profile(n);
    for (int k = 0; k < n; ++k)
      lateral.push_back(
          skinheal::detail::factor(rows_for(std::vector<double>(n, D[k]), kVoxel_um), h, 1.0));
    z = skinheal::detail::factor(rows_for(D, kVoxel_um), h, 1.0);
  }
};

// The engine's θ = 1 path of detail::solve_in_place (no source term: no-flux).
inline void solve_be(const Factors& f, double* base, std::size_t ld, int W) {
  const int L = static_cast<int>(f.inv.size());
  {
    double* __restrict x0 = base;
    const double i0 = f.inv[0];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) x0[l] = (x0[l] + 0.0) * i0;
  }
  for (int m = 1; m < L; ++m) {
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    const double* __restrict xp = base + static_cast<std::size_t>(m - 1) * ld;
    const double am = f.a[m], im = f.inv[m];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) xm[l] = (xm[l] + 0.0 - am * xp[l]) * im;
  }
  for (int m = L - 2; m >= 0; --m) {
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    const double* __restrict xn = base + static_cast<std::size_t>(m + 1) * ld;
    const double cpm = f.cp[m];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) xm[l] -= cpm * xn[l];
  }
}

// solve_be with the rows `distance` ahead prefetched for writing during the forward pass.
inline void solve_be_prefetch(const Factors& f, double* base, std::size_t ld, int W, int distance) {
  const int L = static_cast<int>(f.inv.size());
  for (int d = 0; d < std::min(distance, L); ++d)
    for (int l = 0; l < W; l += 8) __builtin_prefetch(base + d * ld + l, 1, 3);
  for (int m = 0; m < L; ++m) {
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    if (m + distance < L) {
      const double* ahead = base + static_cast<std::size_t>(m + distance) * ld;
      for (int l = 0; l < W; l += 8) __builtin_prefetch(ahead + l, 1, 3);
    }
    const double im = f.inv[m];
    if (m == 0) {
#pragma GCC ivdep
      for (int l = 0; l < W; ++l) xm[l] = (xm[l] + 0.0) * im;
      continue;
    }
    const double* __restrict xp = base + static_cast<std::size_t>(m - 1) * ld;
    const double am = f.a[m];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) xm[l] = (xm[l] + 0.0 - am * xp[l]) * im;
  }
  for (int m = L - 2; m >= 0; --m) {
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    const double* __restrict xn = base + static_cast<std::size_t>(m + 1) * ld;
    const double cpm = f.cp[m];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) xm[l] -= cpm * xn[l];
  }
}

// x lines of depth row k, j in [j0, j1), in blocks of W lines transposed into scratch.
void x_lines(const Factors& f, double* u, int n, int k, int j0, int j1, int W) {
  thread_local std::vector<double> block;
  for (int jb = j0; jb < j1; jb += W) {
    const int w = std::min(W, j1 - jb);
    block.resize(static_cast<std::size_t>(n) * w);
    const std::size_t base = (static_cast<std::size_t>(k) * n + jb) * n;
    for (int l = 0; l < w; ++l) {
      const double* src = u + base + static_cast<std::size_t>(l) * n;
      for (int m = 0; m < n; ++m) block[static_cast<std::size_t>(m) * w + l] = src[m];
    }
    solve_be(f, block.data(), static_cast<std::size_t>(w), w);
    for (int l = 0; l < w; ++l) {
      double* dst = u + base + static_cast<std::size_t>(l) * n;
      for (int m = 0; m < n; ++m) dst[m] = block[static_cast<std::size_t>(m) * w + l];
    }
  }
}

// x lines [j0, j0 + J) of depth row k solved in place, no scratch block: positions m in the
// outer loop, the J lines in the inner (stride n), each line's previous value in a register.
// Scalar code, but J independent recurrences in flight hide the FMA latency.
// With `prefetch_next`, the forward pass also prefetches the next J lines (contiguous, J·n
// values), J·8 bytes per position, so DRAM streams while this group computes.
template <int J, bool prefetch_next = false>
void x_lines_interleaved(const Factors& f, double* u, int n, int k, int j0) {
  double* base = u + (static_cast<std::size_t>(k) * n + j0) * n;
  const double* next = base + static_cast<std::size_t>(J) * n;
  double prev[J];
  const double i0 = f.inv[0];
  for (int l = 0; l < J; ++l) prev[l] = base[l * n] = (base[l * n] + 0.0) * i0;
  for (int m = 1; m < n; ++m) {
    if constexpr (prefetch_next) {
      if constexpr (J >= 8) {
        for (int q = 0; q < J; q += 8) __builtin_prefetch(next + m * J + q, 1, 3);
      } else {
        if ((m * J) % 8 == 0) __builtin_prefetch(next + m * J, 1, 3);
      }
    }
    const double am = f.a[m], im = f.inv[m];
    for (int l = 0; l < J; ++l) {
      const double v = (base[l * n + m] + 0.0 - am * prev[l]) * im;
      base[l * n + m] = v;
      prev[l] = v;
    }
  }
  for (int l = 0; l < J; ++l) prev[l] = base[l * n + n - 1];
  for (int m = n - 2; m >= 0; --m) {
    const double cpm = f.cp[m];
    for (int l = 0; l < J; ++l) {
      const double v = base[l * n + m] - cpm * prev[l];
      base[l * n + m] = v;
      prev[l] = v;
    }
  }
}

// x_lines_interleaved<J, true> with the forward step rewritten as
//   x_m = im·u_m − (am·im)·x_{m−1}
// so the loop-carried chain is one FMA instead of an FMA and a multiply (rounds differently
// from the engine, so not checked bitwise).
template <int J>
void x_lines_prescaled(const Factors& f, const std::vector<double>& a_scaled, double* u, int n,
                       int k, int j0) {
  double* base = u + (static_cast<std::size_t>(k) * n + j0) * n;
  const double* next = base + static_cast<std::size_t>(J) * n;
  double prev[J];
  const double i0 = f.inv[0];
  for (int l = 0; l < J; ++l) prev[l] = base[l * n] = base[l * n] * i0;
  for (int m = 1; m < n; ++m) {
    if ((m * J) % 8 == 0) __builtin_prefetch(next + m * J, 1, 3);
    const double as = a_scaled[m], im = f.inv[m];
    for (int l = 0; l < J; ++l) {
      const double v = base[l * n + m] * im - as * prev[l];
      base[l * n + m] = v;
      prev[l] = v;
    }
  }
  for (int l = 0; l < J; ++l) prev[l] = base[l * n + n - 1];
  for (int m = n - 2; m >= 0; --m) {
    const double cpm = f.cp[m];
    for (int l = 0; l < J; ++l) {
      const double v = base[l * n + m] - cpm * prev[l];
      base[l * n + m] = v;
      prev[l] = v;
    }
  }
}

void x_sweep_prescaled(const LodFactors& fac, double* u, int n) {
  parallel::for_each(static_cast<std::size_t>(n), [&](std::size_t kk) {
    const int k = static_cast<int>(kk);
    const Factors& f = fac.lateral[k];
    thread_local std::vector<double> a_scaled;
    a_scaled.resize(n);
    for (int m = 0; m < n; ++m) a_scaled[m] = f.a[m] * f.inv[m];
    for (int j = 0; j < n; j += 4) x_lines_prescaled<4>(f, a_scaled, u, n, k, j);
  });
}

template <int J, bool prefetch_next = false>
void x_sweep_interleaved(const LodFactors& fac, double* u, int n) {
  parallel::for_each(static_cast<std::size_t>(n), [&](std::size_t kk) {
    const int k = static_cast<int>(kk);
    int j = 0;
    for (; j + J <= n; j += J) x_lines_interleaved<J, prefetch_next>(fac.lateral[k], u, n, k, j);
    for (; j + 4 <= n; j += 4) x_lines_interleaved<4>(fac.lateral[k], u, n, k, j);
    for (; j < n; ++j) x_lines_interleaved<1>(fac.lateral[k], u, n, k, j);
  });
}

#ifdef __AVX2__
// In-register 4 x 4 transpose of doubles.
inline void transpose4(__m256d& r0, __m256d& r1, __m256d& r2, __m256d& r3) {
  const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
  const __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
  r0 = _mm256_permute2f128_pd(t0, t2, 0x20);
  r1 = _mm256_permute2f128_pd(t1, t3, 0x20);
  r2 = _mm256_permute2f128_pd(t0, t2, 0x31);
  r3 = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// The engine's x sweep (blocks of w lines, lanes contiguous in a scratch block) with the
// transposition done in 4 x 4 register tiles. w and n multiples of 4.
void x_lines_avx2(const Factors& f, double* u, int n, int k, int j0, int w) {
  thread_local std::vector<double> block;
  block.resize(static_cast<std::size_t>(n) * w);
  double* blk = block.data();
  double* base = u + (static_cast<std::size_t>(k) * n + j0) * n;
  for (int l0 = 0; l0 < w; l0 += 4) {
    double* s0 = base + static_cast<std::size_t>(l0) * n;
    for (int m0 = 0; m0 < n; m0 += 4) {
      __m256d r0 = _mm256_loadu_pd(s0 + m0), r1 = _mm256_loadu_pd(s0 + n + m0);
      __m256d r2 = _mm256_loadu_pd(s0 + 2 * n + m0), r3 = _mm256_loadu_pd(s0 + 3 * n + m0);
      transpose4(r0, r1, r2, r3);
      _mm256_storeu_pd(blk + (m0 + 0) * w + l0, r0);
      _mm256_storeu_pd(blk + (m0 + 1) * w + l0, r1);
      _mm256_storeu_pd(blk + (m0 + 2) * w + l0, r2);
      _mm256_storeu_pd(blk + (m0 + 3) * w + l0, r3);
    }
  }
  solve_be(f, blk, static_cast<std::size_t>(w), w);
  for (int l0 = 0; l0 < w; l0 += 4) {
    double* d0 = base + static_cast<std::size_t>(l0) * n;
    for (int m0 = 0; m0 < n; m0 += 4) {
      __m256d r0 = _mm256_loadu_pd(blk + (m0 + 0) * w + l0);
      __m256d r1 = _mm256_loadu_pd(blk + (m0 + 1) * w + l0);
      __m256d r2 = _mm256_loadu_pd(blk + (m0 + 2) * w + l0);
      __m256d r3 = _mm256_loadu_pd(blk + (m0 + 3) * w + l0);
      transpose4(r0, r1, r2, r3);
      _mm256_storeu_pd(d0 + m0, r0);
      _mm256_storeu_pd(d0 + n + m0, r1);
      _mm256_storeu_pd(d0 + 2 * n + m0, r2);
      _mm256_storeu_pd(d0 + 3 * n + m0, r3);
    }
  }
}

void x_sweep_avx2(const LodFactors& fac, double* u, int n, int W) {
  const int per_row = (n + W - 1) / W;
  parallel::for_each(static_cast<std::size_t>(n) * per_row, [&](std::size_t b) {
    const int k = static_cast<int>(b / per_row);
    const int j0 = static_cast<int>(b % per_row) * W;
    x_lines_avx2(fac.lateral[k], u, n, k, j0, std::min(W, n - j0));
  });
}
#endif

// solve_be that, during its back substitution (which runs from cache), prefetches the next
// block's rows into L2, so DRAM streams while this block computes.
inline void solve_be_overlap(const Factors& f, double* base, std::size_t ld, int W,
                             const double* next, int next_W) {
  const int L = static_cast<int>(f.inv.size());
  {
    double* __restrict x0 = base;
    const double i0 = f.inv[0];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) x0[l] = (x0[l] + 0.0) * i0;
  }
  for (int m = 1; m < L; ++m) {
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    const double* __restrict xp = base + static_cast<std::size_t>(m - 1) * ld;
    const double am = f.a[m], im = f.inv[m];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) xm[l] = (xm[l] + 0.0 - am * xp[l]) * im;
  }
  for (int m = L - 2; m >= 0; --m) {
    if (next) {
      const double* row = next + static_cast<std::size_t>(m + 1) * ld;
      for (int l = 0; l < next_W; l += 8) __builtin_prefetch(row + l, 1, 2);
    }
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    const double* __restrict xn = base + static_cast<std::size_t>(m + 1) * ld;
    const double cpm = f.cp[m];
#pragma GCC ivdep
    for (int l = 0; l < W; ++l) xm[l] -= cpm * xn[l];
  }
  if (next)
    for (int l = 0; l < next_W; l += 8) __builtin_prefetch(next + l, 1, 2);
}

// y or z sweep (engine layout) with the next block prefetched during back substitution.
// Blocks are handed out statically, so block b + 1 is normally the same thread's next one.
void yz_sweep_overlap(const LodFactors& fac, double* u, int n, int W, bool z_axis) {
  const int chunks = (n + W - 1) / W;
  const std::size_t plane = static_cast<std::size_t>(n) * n;
  const std::size_t blocks = static_cast<std::size_t>(n) * chunks;
  auto base_of = [&](std::size_t b) {
    const std::size_t o = b / chunks, i0 = (b % chunks) * W;
    return u + (z_axis ? o * n : o * plane) + i0;
  };
  auto width_of = [&](std::size_t b) {
    return std::min<int>(W, n - static_cast<int>(b % chunks) * W);
  };
  parallel::for_each(blocks, [&](std::size_t b) {
    const Factors& f = z_axis ? fac.z : fac.lateral[b / chunks];
    const std::size_t ld = z_axis ? plane : static_cast<std::size_t>(n);
    const bool has_next = b + 1 < blocks;
    solve_be_overlap(f, base_of(b), ld, width_of(b), has_next ? base_of(b + 1) : nullptr,
                     has_next ? width_of(b + 1) : 0);
  });
}

// The engine's lane width for y and z blocks: 32768 / L rounded down to a multiple of 8.
int engine_lanes(int n) {
  const int target = 32768 / n;
  return std::clamp(target - target % 8, 8, std::max(n, 8));
}

void x_sweep(const LodFactors& fac, double* u, int n, int W) {
  const int per_row = (n + W - 1) / W;
  parallel::for_each(static_cast<std::size_t>(n) * per_row, [&](std::size_t b) {
    const int k = static_cast<int>(b / per_row);
    const int j0 = static_cast<int>(b % per_row) * W;
    x_lines(fac.lateral[k], u, n, k, j0, std::min(n, j0 + W), W);
  });
}

// y sweep: lanes are W consecutive x cells of depth row k (the engine's layout).
void y_sweep(const LodFactors& fac, double* u, int n, int W) {
  const int chunks = (n + W - 1) / W;
  const std::size_t plane = static_cast<std::size_t>(n) * n;
  parallel::for_each(static_cast<std::size_t>(n) * chunks, [&](std::size_t b) {
    const int k = static_cast<int>(b / chunks);
    const int i0 = static_cast<int>(b % chunks) * W;
    solve_be(fac.lateral[k], u + k * plane + i0, static_cast<std::size_t>(n), std::min(W, n - i0));
  });
}

// z sweep with the engine's layout (lanes: W consecutive x cells of one y row), optionally
// with a software prefetch `distance` rows ahead.
void z_sweep(const LodFactors& fac, double* u, int n, int W, int prefetch_distance = 0) {
  const int chunks = (n + W - 1) / W;
  const std::size_t plane = static_cast<std::size_t>(n) * n;
  parallel::for_each(static_cast<std::size_t>(n) * chunks, [&](std::size_t b) {
    const int j = static_cast<int>(b / chunks);
    const int i0 = static_cast<int>(b % chunks) * W;
    double* base = u + static_cast<std::size_t>(j) * n + i0;
    if (prefetch_distance > 0)
      solve_be_prefetch(fac.z, base, plane, std::min(W, n - i0), prefetch_distance);
    else
      solve_be(fac.z, base, plane, std::min(W, n - i0));
  });
}

// z sweep whose lanes are W consecutive cells of the plane (spanning y rows).
void z_sweep_plane_lanes(const LodFactors& fac, double* u, int n, int W) {
  const std::size_t plane = static_cast<std::size_t>(n) * n;
  const std::size_t blocks = (plane + W - 1) / W;
  parallel::for_each(blocks, [&](std::size_t b) {
    const std::size_t p0 = b * W;
    solve_be(fac.z, u + p0, plane, static_cast<int>(std::min<std::size_t>(W, plane - p0)));
  });
}

// X then Y on each depth plane while it is cache resident; planes in parallel.
void fused_xy_sweep(const LodFactors& fac, double* u, int n, int W_x, int W_y) {
  const std::size_t plane = static_cast<std::size_t>(n) * n;
  parallel::for_each(static_cast<std::size_t>(n), [&](std::size_t k) {
    const Factors& f = fac.lateral[k];
    if (W_x > 0) {
      x_lines(f, u, n, static_cast<int>(k), 0, n, W_x);
    } else {  // interleaved, no transposition
      int j = 0;
      for (; j + 4 <= n; j += 4) x_lines_interleaved<4, true>(f, u, n, static_cast<int>(k), j);
      for (; j < n; ++j) x_lines_interleaved<1>(f, u, n, static_cast<int>(k), j);
    }
    for (int i0 = 0; i0 < n; i0 += W_y)
      solve_be(f, u + k * plane + i0, static_cast<std::size_t>(n), std::min(W_y, n - i0));
  });
}

std::vector<double> initial_field(int n) {
  std::vector<double> profile(n);
  for (int i = 0; i < n; ++i) profile[i] = std::cos(std::numbers::pi * (i + 0.5) / n);
  std::vector<double> u(static_cast<std::size_t>(n) * n * n);
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i)
        u[(static_cast<std::size_t>(k) * n + j) * n + i] =
            1.0 + 0.5 * profile[i] * profile[j] * profile[k];
  return u;
}

// The engine's result of `steps` backward-Euler LOD steps, for checking the variants.
std::vector<double> engine_reference(int n, int steps) {
  using namespace skinheal;
  const Grid grid = Grid::make_3d(n, n, kVoxel_um, Grid::uniform_faces(n, kVoxel_um));
  FieldSet fields(grid);
  Transport transport(grid);
  const int f = fields.add(FieldInfo{.name = std::string("u")}, 0.0);
  transport.set_diffusion(f, Diffusivity::by_depth(depth_profile(n)));
  const std::vector<double> u0 = initial_field(n);
  std::copy(u0.begin(), u0.end(), fields.view(f).data);
  for (int s = 0; s < steps; ++s)
    transport.step(fields, kStep_s, TransportScheme::lod_backward_euler);
  return {fields.view(f).data, fields.view(f).data + fields.view(f).size};
}

using Step = std::function<void(const LodFactors&, double*, int)>;

void run_variant(benchmark::State& state, int n, int threads, const Step& step,
                 double passes_over_field, bool full_step) {
  const LodFactors fac(n, kStep_s);
  std::vector<double> u = initial_field(n);
  parallel::set_num_threads(threads);
  if (full_step) {  // same arithmetic as the engine: must agree to round-off
    step(fac, u.data(), n);
    const std::vector<double> ref = engine_reference(n, 1);
    double err = 0.0;
    for (std::size_t c = 0; c < u.size(); ++c) err = std::max(err, std::abs(u[c] - ref[c]));
    if (err > 1e-12) {
      parallel::set_num_threads(0);
      state.SkipWithError(
          ("variant differs from Transport::step by " + std::to_string(err)).c_str());
      return;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    step(fac, u.data(), n);
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  parallel::set_num_threads(0);
  const double updates = static_cast<double>(u.size()) * static_cast<double>(state.iterations());
  state.counters["updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.counters["achieved_GBps"] = updates * 16.0 * passes_over_field / seconds * 1e-9;
}

void run_engine(benchmark::State& state, int n, int threads) {
  using namespace skinheal;
  const Grid grid = Grid::make_3d(n, n, kVoxel_um, Grid::uniform_faces(n, kVoxel_um));
  FieldSet fields(grid);
  Transport transport(grid);
  const int f = fields.add(FieldInfo{.name = std::string("u")}, 0.0);
  transport.set_diffusion(f, Diffusivity::by_depth(depth_profile(n)));
  const std::vector<double> u0 = initial_field(n);
  std::copy(u0.begin(), u0.end(), fields.view(f).data);
  parallel::set_num_threads(threads);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    transport.step(fields, kStep_s, TransportScheme::lod_backward_euler);
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  parallel::set_num_threads(0);
  const double updates =
      static_cast<double>(grid.num_cells()) * static_cast<double>(state.iterations());
  state.counters["updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.counters["achieved_GBps"] = updates * 48.0 / seconds * 1e-9;
}

// The positivity guard of Transport::step(symmetric_cn) around one field, without the
// sweeps: the engine's version (a serial copy, then two parallel max passes) and a fused one
// (a parallel copy that also takes max |u|, then one min pass). Returns the guard's verdict.
bool guard_engine(std::vector<double>& saved, const double* u, std::size_t size) {
  saved.assign(u, u + size);
  const double scale = parallel::max(size, [&](std::size_t b, std::size_t e) {
    double m = 0.0;
    for (std::size_t i = b; i < e; ++i) m = std::max(m, std::abs(saved[i]));
    return m;
  });
  const double lowest = -parallel::max(size, [&](std::size_t b, std::size_t e) {
    double m = -std::numeric_limits<double>::infinity();
    for (std::size_t i = b; i < e; ++i) m = std::max(m, -u[i]);
    return m;
  });
  return lowest < -1e-12 * std::max(scale, 1e-300);
}

bool guard_fused(std::vector<double>& saved, const double* u, std::size_t size) {
  saved.resize(size);
  double* out = saved.data();
  // Fixed chunks, so the result does not depend on the thread count.
  const double scale = parallel::max(size, [&](std::size_t b, std::size_t e) {
    double m = 0.0;
    for (std::size_t i = b; i < e; ++i) {
      out[i] = u[i];
      const double a = std::abs(u[i]);
      m = a > m ? a : m;
    }
    return m;
  });
  const double lowest = -parallel::max(size, [&](std::size_t b, std::size_t e) {
    double m = -std::numeric_limits<double>::infinity();
    for (std::size_t i = b; i < e; ++i) m = -u[i] > m ? -u[i] : m;
    return m;
  });
  return lowest < -1e-12 * std::max(scale, 1e-300);
}

void run_guard(benchmark::State& state, int n, int threads, bool fused) {
  const std::vector<double> u = initial_field(n);
  std::vector<double> saved;
  parallel::set_num_threads(threads);
  bool redo = false;
  for (auto _ : state) {
    redo |=
        fused ? guard_fused(saved, u.data(), u.size()) : guard_engine(saved, u.data(), u.size());
    benchmark::ClobberMemory();
  }
  parallel::set_num_threads(0);
  if (redo) state.SkipWithError("guard fired on positive data");
  state.counters["updates_per_s"] =
      benchmark::Counter(static_cast<double>(u.size()) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

// One symmetric step per iteration: the engine's, or the same sweeps called one by one with
// the guard as it was before the fusion. The two must agree bitwise (the guard never fires
// on this smooth positive data), which is checked before timing.
void run_symmetric(benchmark::State& state, int n, int threads, bool unfused) {
  using namespace skinheal;
  const Grid grid = Grid::make_3d(n, n, kVoxel_um, Grid::uniform_faces(n, kVoxel_um));
  FieldSet fields(grid);
  Transport transport(grid);
  const int f = fields.add(FieldInfo{.name = std::string("u"), .non_negative = true}, 0.0);
  transport.set_diffusion(f, Diffusivity::by_depth(depth_profile(n)));
  const std::vector<double> u0 = initial_field(n);
  std::copy(u0.begin(), u0.end(), fields.view(f).data);
  std::vector<double> saved;
  bool redo = false;
  auto step = [&] {
    if (!unfused) {
      redo |= transport.step(fields, kStep_s, TransportScheme::symmetric_cn).monotone_fallbacks > 0;
      return;
    }
    // Transport::step's guard as of 21:51 UTC: a serial copy, then three max passes.
    const double h = kStep_s;
    const FieldView v = fields.view(f);
    saved.assign(v.data, v.data + v.size);
    transport.sweep(fields, f, Axis::x, 0.5 * h, 0.5);
    transport.sweep(fields, f, Axis::y, 0.5 * h, 0.5);
    transport.sweep(fields, f, Axis::z, h, 0.5);
    transport.sweep(fields, f, Axis::y, 0.5 * h, 0.5);
    transport.sweep(fields, f, Axis::x, 0.5 * h, 0.5);
    auto max_of = [](std::size_t size, auto value) {
      return parallel::max(size, [&](std::size_t b, std::size_t e) {
        double m = -std::numeric_limits<double>::infinity();
        for (std::size_t i = b; i < e; ++i) m = std::max(m, value(i));
        return m;
      });
    };
    const double upper = max_of(v.size, [&](std::size_t i) { return saved[i]; });
    const double new_max = max_of(v.size, [&](std::size_t i) { return v.data[i]; });
    const double new_min = -max_of(v.size, [&](std::size_t i) { return -v.data[i]; });
    const double slack = 1e-12 * std::max(std::abs(upper), 1e-300);
    redo |= new_min < -slack || new_max > upper + slack;
  };
  parallel::set_num_threads(threads);
  {  // check: one step of each agrees bitwise
    FieldSet other(grid);
    Transport other_transport(grid);
    const int g = other.add(FieldInfo{.name = std::string("u"), .non_negative = true}, 0.0);
    other_transport.set_diffusion(g, Diffusivity::by_depth(depth_profile(n)));
    std::copy(u0.begin(), u0.end(), other.view(g).data);
    other_transport.step(other, kStep_s, TransportScheme::symmetric_cn);
    step();
    if (std::memcmp(other.view(g).data, fields.view(f).data, u0.size() * sizeof(double)) != 0) {
      parallel::set_num_threads(0);
      state.SkipWithError("unfused symmetric step differs from Transport::step");
      return;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  parallel::set_num_threads(0);
  if (redo) state.SkipWithError("guard fired on positive data");
  const double updates = static_cast<double>(u0.size()) * static_cast<double>(state.iterations());
  state.counters["updates_per_s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.counters["achieved_GBps"] = updates * (unfused ? 112.0 : 56.0) / seconds * 1e-9;
}

std::string name_of(const char* family, const std::string& variant, int n, int threads) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, "%s/%s/%d/threads:%d", family, variant.c_str(), n, threads);
  return buffer;
}

const bool registered = [] {
  struct Variant {
    std::string name;
    Step step;
    double passes;
    bool full_step;
  };
  auto lanes = [](int n) { return engine_lanes(n); };
  const std::vector<Variant> lod = {
      {"copy",  // the engine's sweeps as of 2026-11-22 (x: 16 lanes, transposed)
       [=](const LodFactors& f, double* u, int n) {
         x_sweep(f, u, n, std::min(n, 16));
         y_sweep(f, u, n, lanes(n));
         z_sweep(f, u, n, lanes(n));
       },
       3.0, true},
      {"x_interleaved",  // x lines solved in place, 8 interleaved scalar recurrences
       [=](const LodFactors& f, double* u, int n) {
         x_sweep_interleaved<4, true>(f, u, n);
         y_sweep(f, u, n, lanes(n));
         z_sweep(f, u, n, lanes(n));
       },
       3.0, true},
      {"fused_xy",  // + X and Y of a plane back to back (transposed x, 16 lanes)
       [=](const LodFactors& f, double* u, int n) {
         fused_xy_sweep(f, u, n, std::min(n, 16), n);
         z_sweep(f, u, n, lanes(n));
       },
       2.0, true},
      {"fused_xy_interleaved",  // X (interleaved) and Y of a plane back to back
       [=](const LodFactors& f, double* u, int n) {
         fused_xy_sweep(f, u, n, 0, n);
         z_sweep(f, u, n, lanes(n));
       },
       2.0, true},
      {"fused_xy_interleaved_zoverlap",  // + next z block prefetched during back substitution
       [=](const LodFactors& f, double* u, int n) {
         fused_xy_sweep(f, u, n, 0, n);
         yz_sweep_overlap(f, u, n, lanes(n), true);
       },
       2.0, true},
  };
  std::vector<Variant> sweeps;
  for (int W : {4, 8, 16, 32})
    sweeps.push_back({"x:W" + std::to_string(W),
                      [=](const LodFactors& f, double* u, int n) { x_sweep(f, u, n, W); }, 1.0,
                      false});
  for (int W : {40, 104, 160, 200})
    sweeps.push_back({"y:W" + std::to_string(W),
                      [=](const LodFactors& f, double* u, int n) { y_sweep(f, u, n, W); }, 1.0,
                      false});
  for (int W : {40, 80, 104, 160, 200})
    sweeps.push_back({"z:W" + std::to_string(W),
                      [=](const LodFactors& f, double* u, int n) { z_sweep(f, u, n, W); }, 1.0,
                      false});
  for (int d : {2, 4, 8})
    sweeps.push_back({"z:W160_prefetch" + std::to_string(d),
                      [=](const LodFactors& f, double* u, int n) { z_sweep(f, u, n, 160, d); }, 1.0,
                      false});
  for (int W : {160, 400, 1000})
    sweeps.push_back(
        {"z:plane_lanes" + std::to_string(W),
         [=](const LodFactors& f, double* u, int n) { z_sweep_plane_lanes(f, u, n, W); }, 1.0,
         false});
  sweeps.push_back({"x:interleave4",
                    [](const LodFactors& f, double* u, int n) { x_sweep_interleaved<4>(f, u, n); },
                    1.0, false});
  sweeps.push_back({"x:interleave8",
                    [](const LodFactors& f, double* u, int n) { x_sweep_interleaved<8>(f, u, n); },
                    1.0, false});
  sweeps.push_back(
      {"x:interleave4_prefetch",
       [](const LodFactors& f, double* u, int n) { x_sweep_interleaved<4, true>(f, u, n); }, 1.0,
       false});
  sweeps.push_back(
      {"x:interleave8_prefetch",
       [](const LodFactors& f, double* u, int n) { x_sweep_interleaved<8, true>(f, u, n); }, 1.0,
       false});
  sweeps.push_back({"x:interleave4_prescaled",
                    [](const LodFactors& f, double* u, int n) { x_sweep_prescaled(f, u, n); }, 1.0,
                    false});
  sweeps.push_back({"x:interleave16",
                    [](const LodFactors& f, double* u, int n) { x_sweep_interleaved<16>(f, u, n); },
                    1.0, false});
#ifdef __AVX2__
  for (int W : {4, 8, 20})
    sweeps.push_back({"x:avx2_W" + std::to_string(W),
                      [=](const LodFactors& f, double* u, int n) { x_sweep_avx2(f, u, n, W); }, 1.0,
                      false});
#endif
  for (int W : {80, 160})
    sweeps.push_back(
        {"z:W" + std::to_string(W) + "_overlap",
         [=](const LodFactors& f, double* u, int n) { yz_sweep_overlap(f, u, n, W, true); }, 1.0,
         false});
  for (int W : {100, 200})
    sweeps.push_back(
        {"y:W" + std::to_string(W) + "_overlap",
         [=](const LodFactors& f, double* u, int n) { yz_sweep_overlap(f, u, n, W, false); }, 1.0,
         false});
  sweeps.push_back({"xy_fused",
                    [=](const LodFactors& f, double* u, int n) { fused_xy_sweep(f, u, n, 0, n); },
                    1.0, false});

  for (const int threads : {1, 2}) {
    for (const int n : {100, 200}) {
      benchmark::RegisterBenchmark(name_of("BM_KernelLOD", "engine", n, threads).c_str(),
                                   [=](benchmark::State& state) { run_engine(state, n, threads); })
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      for (const Variant& v : lod)
        benchmark::RegisterBenchmark(name_of("BM_KernelLOD", v.name, n, threads).c_str(),
                                     [=](benchmark::State& state) {
                                       run_variant(state, n, threads, v.step, v.passes, true);
                                     })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      for (const bool unfused : {false, true})
        benchmark::RegisterBenchmark(
            name_of("BM_KernelCN", unfused ? "unfused" : "engine", n, threads).c_str(),
            [=](benchmark::State& state) { run_symmetric(state, n, threads, unfused); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      for (const bool fused : {false, true})
        benchmark::RegisterBenchmark(
            name_of("BM_KernelGuard", fused ? "fused" : "engine", n, threads).c_str(),
            [=](benchmark::State& state) { run_guard(state, n, threads, fused); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      for (const Variant& v : sweeps)
        benchmark::RegisterBenchmark(name_of("BM_KernelSweep", v.name, n, threads).c_str(),
                                     [=](benchmark::State& state) {
                                       run_variant(state, n, threads, v.step, v.passes, false);
                                     })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}();

}  // namespace
