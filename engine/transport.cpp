// Implicit transport by line sweeps. See transport.hpp for the equations.
//
// General path (per-voxel D or taxis): lines are solved in blocks of W neighbouring lines
// ("lanes") stored so that the W values at one position m along the lines are contiguous:
// base[m * ld + l]. For y and z sweeps the lanes are neighbouring x cells, which are
// contiguous in the field itself, so the solve runs in place; x lines are transposed into a
// small scratch block first. The Thomas recurrences then run over m with the inner loop over
// lanes, which the compiler vectorises.
//
// Fast path (D uniform or set by depth, no taxis), tuned to the memory bandwidth
// (benchmarks/README.md):
//   - x lines are solved in place, 4 interleaved scalar recurrences at a time, each group
//     prefetching the next (no transposition);
//   - on 3D grids the x and y lines of one depth plane are solved back to back while the plane
//     is in cache (one pass over memory for both: LOD moves 32 instead of 48 B per update);
//   - a z block prefetches the next block during its back substitution;
//   - the symmetric scheme's positivity guard saves the field in the first pass over each
//     plane and takes its extrema in the last.
// Every line sees the same arithmetic on every path ordering, so the results are bitwise
// identical to separate sweeps, and for any thread count.
#include "engine/transport.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "engine/coupled_solver.hpp"
#include "engine/detail/thomas.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace skinheal {

Diffusivity Diffusivity::uniform(double D) {
  SKINHEAL_REQUIRE(D >= 0.0 && std::isfinite(D), "diffusivity must be finite and >= 0 µm²/s");
  Diffusivity d;
  d.kind_ = Kind::uniform;
  d.values_ = {D};
  return d;
}

Diffusivity Diffusivity::by_depth(std::vector<double> D) {
  for (double v : D)
    SKINHEAL_REQUIRE(v >= 0.0 && std::isfinite(v), "diffusivity must be finite and >= 0 µm²/s");
  Diffusivity d;
  d.kind_ = Kind::by_depth;
  d.values_ = std::move(D);
  return d;
}

Diffusivity Diffusivity::per_voxel(std::vector<double> D) {
  for (double v : D)
    SKINHEAL_REQUIRE(v >= 0.0 && std::isfinite(v), "diffusivity must be finite and >= 0 µm²/s");
  Diffusivity d;
  d.kind_ = Kind::per_voxel;
  d.values_ = std::move(D);
  return d;
}

void Diffusivity::make_per_voxel(const Grid& grid) {
  if (kind_ == Kind::per_voxel) return;
  std::vector<double> v(grid.num_cells());
  const std::size_t plane = grid.plane_size();
  for (std::size_t c = 0; c < v.size(); ++c) v[c] = at(grid, c, static_cast<int>(c / plane));
  values_ = std::move(v);
  kind_ = Kind::per_voxel;
}

namespace {

using detail::Coefficients;

struct FieldTransport {
  Diffusivity D;
  Boundary surface, bottom;
  std::vector<TaxisTerm> taxis;  // terms moving this field
  std::vector<double> rest;      // resting profile by depth row (set_resting_profile), or empty
  // Transport::set_coupled_decay: diffusion and decay in one unfactorised solve. The solver is
  // shared so that FieldTransport stays copyable; `assembled_*` is what its operator was
  // built from (it is rebuilt when the diffusivity or a boundary changes).
  bool coupled_solve = false;
  double decay_per_s = 0.0;
  std::shared_ptr<CoupledSolver> coupled;
  std::vector<double> assembled_D;
  Boundary assembled_surface, assembled_bottom;
  std::vector<double> boundary_source;  // per volume, field units/s
};

// A line solve costs several simple cell updates (the unit of parallel::for_each's `work`):
// with this weight a 2D sweep of ~10 k cells runs on the engine's threads instead of one.
constexpr std::size_t kSweepWorkPerCell = 4;

bool same_boundary(const Boundary& a, const Boundary& b) {
  return a.kind == b.kind && a.value == b.value &&
         a.permeability_um_per_s == b.permeability_um_per_s;
}

// The weights of a depth face's diffusive flux g (b·u_p − a·u_q) between rows p and q (p above):
// b = √(r_q/r_p), a = √(r_p/r_q) with a resting profile r (both 1 without one, or where either
// row has no resting density: such a face has no motility, g = 0).
struct FaceWeights {
  double b = 1.0, a = 1.0;
};
inline FaceWeights depth_face_weights(const FieldTransport& ft, int p, int q) {
  if (ft.rest.empty()) return {};
  const double rp = ft.rest[p], rq = ft.rest[q];
  if (!(rp > 0.0 && rq > 0.0) || rp == rq) return {};
  return {std::sqrt(rq / rp), std::sqrt(rp / rq)};
}

// Transport alone obeys a discrete maximum principle: after a step every value must lie in
// [min(0, data, boundary values), max(data, boundary values)]. True if [new_min, new_max]
// leaves those bounds beyond round-off, given the largest value before the step. With a
// resting profile r the principle holds for u/r: the maxima passed are then of u/r, and a
// boundary value counts divided by r of its row.
bool leaves_maximum_principle(const FieldTransport& ft, double saved_max, double new_min,
                              double new_max) {
  double upper = saved_max;
  auto bound = [&](const Boundary& bc, std::size_t row) {
    if (bc.kind == Boundary::Kind::no_flux) return;
    const double r = ft.rest.empty() ? 1.0 : ft.rest[row];
    if (r > 0.0) upper = std::max(upper, bc.value / r);
  };
  bound(ft.surface, 0);
  bound(ft.bottom, ft.rest.empty() ? 0 : ft.rest.size() - 1);
  const double slack = 1e-12 * std::max(std::abs(upper), 1e-300);
  return new_min < -slack || new_max > upper + slack;
}

// Conductance (µm/s) of a face between two cells of widths wp, wq (µm) and diffusivities
// Dp, Dq (µm²/s): the series resistance of the two half cells — the harmonic mean.
inline double face_conductance(double wp, double Dp, double wq, double Dq) {
  if (Dp <= 0.0 || Dq <= 0.0) return 0.0;
  return 1.0 / (0.5 * wp / Dp + 0.5 * wq / Dq);
}

// Conductance of a boundary face of a cell of width w and diffusivity D.
inline double boundary_conductance(const Boundary& b, double w, double D) {
  switch (b.kind) {
    case Boundary::Kind::no_flux:
      return 0.0;
    case Boundary::Kind::value:
      return D > 0.0 ? 2.0 * D / w : 0.0;
    case Boundary::Kind::permeable: {
      if (b.permeability_um_per_s <= 0.0) return 0.0;
      if (D <= 0.0) return 0.0;
      return 1.0 / (1.0 / b.permeability_um_per_s + 0.5 * w / D);
    }
  }
  return 0.0;
}

inline double taxis_sensitivity(const TaxisTerm& t, double s_face) {
  if (t.signal_saturation <= 0.0) return t.chi_um2_per_s_per_signal;
  const double q = 1.0 + std::max(0.0, s_face) / t.signal_saturation;
  return t.chi_um2_per_s_per_signal / (q * q);
}

// x lines solved together by detail::solve_lines_interleaved: 4 independent recurrences hide
// the FMA latency; 8 measured as fast to 20 % slower, 16 slower, and 8 lines in AVX2 register
// tiles 8 to 15 % slower (benchmarks/README.md, measured 2026-11-22).
constexpr int kInterleavedLines = 4;
// A depth plane up to this size is swept along y as one block right after its x lines, while
// it is still in cache (L2 is 512 KiB, L3 32 MiB on the benchmark machine); a larger plane is
// swept in blocks of the usual lane width.
constexpr std::size_t kFusedPlaneBytes = std::size_t{1} << 20;

// What the positivity guard of Transport::step records during a field's step, per depth
// plane k: the plane's values before the step (into `saved`) and their maximum, and the
// extrema after the step. Maxima and minima do not depend on the order of evaluation, so the
// verdict is the same for any thread count.
struct GuardRecord {
  double* saved = nullptr;  // the field's values before the step (num_cells)
  std::vector<double> saved_max, new_min, new_max;
  explicit GuardRecord(double* saved_values, int nz)
      : saved(saved_values), saved_max(nz), new_min(nz), new_max(nz) {}
};

// Copy n values from src to dst and return their maximum (−∞ if n = 0). Eight running
// maxima, so the loop vectorises; `x > m ? x : m` skips NaN like std::max(m, x).
inline double copy_max(const double* __restrict src, double* __restrict dst, std::size_t n) {
  constexpr int V = 8;
  double m[V];
  for (int l = 0; l < V; ++l) m[l] = -std::numeric_limits<double>::infinity();
  std::size_t i = 0;
  for (; i + V <= n; i += V)
    for (int l = 0; l < V; ++l) {
      const double x = src[i + l];
      dst[i + l] = x;
      m[l] = x > m[l] ? x : m[l];
    }
  for (; i < n; ++i) {
    dst[i] = src[i];
    m[0] = src[i] > m[0] ? src[i] : m[0];
  }
  double r = m[0];
  for (int l = 1; l < V; ++l) r = m[l] > r ? m[l] : r;
  return r;
}

// Minimum and maximum of n values (+∞ and −∞ if n = 0), vectorised like copy_max.
inline void min_max(const double* __restrict v, std::size_t n, double& lowest, double& highest) {
  constexpr int V = 8;
  double lo[V], hi[V];
  for (int l = 0; l < V; ++l) {
    lo[l] = std::numeric_limits<double>::infinity();
    hi[l] = -std::numeric_limits<double>::infinity();
  }
  std::size_t i = 0;
  for (; i + V <= n; i += V)
    for (int l = 0; l < V; ++l) {
      const double x = v[i + l];
      lo[l] = x < lo[l] ? x : lo[l];
      hi[l] = x > hi[l] ? x : hi[l];
    }
  for (; i < n; ++i) {
    lo[0] = v[i] < lo[0] ? v[i] : lo[0];
    hi[0] = v[i] > hi[0] ? v[i] : hi[0];
  }
  lowest = lo[0];
  highest = hi[0];
  for (int l = 1; l < V; ++l) {
    lowest = lo[l] < lowest ? lo[l] : lowest;
    highest = hi[l] > highest ? hi[l] : highest;
  }
}

// How the cells of a block of lines map to the grid.
struct LineGeometry {
  Axis axis;
  int L = 0;                 // elements per line
  std::size_t stride_m = 0;  // cell index step along the line
  std::size_t stride_l = 0;  // cell index step between lanes
};

}  // namespace

struct Transport::Impl {
  const Grid* grid;
  std::map<int, FieldTransport> fields;
  std::vector<double> saved;  // a field's values before a guarded step
  // Increment solves (Transport::solve_increments): boundary sources dropped (the increment's
  // boundary data are homogeneous) and taxis signals read from the state, not the increments.
  bool homogeneous = false;
  const FieldSet* signals = nullptr;

  explicit Impl(const Grid& g) : grid(&g) {}

  const FieldTransport& get(int field) const {
    auto it = fields.find(field);
    SKINHEAL_REQUIRE(it != fields.end(),
                     "transport: field " + std::to_string(field) + " has no diffusion registered");
    return it->second;
  }
  FieldTransport& get(int field) {
    return const_cast<FieldTransport&>(static_cast<const Impl&>(*this).get(field));
  }

  LineGeometry geometry(Axis axis) const {
    const Grid& g = *grid;
    switch (axis) {
      case Axis::x:
        return {axis, g.nx(), 1, static_cast<std::size_t>(g.nx())};
      case Axis::y:
        return {axis, g.ny(), static_cast<std::size_t>(g.nx()), 1};
      case Axis::z:
        return {axis, g.nz(), g.plane_size(), 1};
    }
    return {};
  }

  double width(Axis axis, int m) const {
    return axis == Axis::z ? grid->dz_um()[m] : grid->dx_um();
  }

  // r–z grids: x lines are radial. The finite-volume balance of ring m (volume ∝ r_m dr) with
  // a face at r_f (area ∝ r_f) scales that face's flux by r_f / r_m; with r_f = f·dr and
  // r_m = (m + ½)·dr the factor is f / (m + ½). The axis face (f = 0) has no area: no flux.
  bool is_radial(Axis axis) const { return axis == Axis::x && grid->is_axisymmetric(); }
  static double radial_metric(int face, int cell) { return face / (cell + 0.5); }

  // Fast path: coefficients depend only on the position along the line (and, for x and y, on
  // the depth row k of the line). Fills per-position operator rows.
  void uniform_rows(const FieldTransport& ft, Axis axis, int k, Coefficients& rows) const {
    const LineGeometry geo = geometry(axis);
    const int L = geo.L;
    rows.resize(L);
    auto D_at = [&](int m) {
      if (ft.D.kind() == Diffusivity::Kind::uniform) return ft.D.values()[0];
      return ft.D.values()[axis == Axis::z ? m : k];
    };
    const bool radial = is_radial(axis);
    for (int m = 0; m < L; ++m) {
      const double w = width(axis, m), Dm = D_at(m);
      double lo = 0.0, di = 0.0, up = 0.0, src = 0.0;
      // Depth faces weigh their two sides by the resting profile (depth_face_weights).
      if (m > 0) {
        double g = face_conductance(width(axis, m - 1), D_at(m - 1), w, Dm);
        if (radial) g *= radial_metric(m, m);
        const FaceWeights fw = axis == Axis::z ? depth_face_weights(ft, m - 1, m) : FaceWeights{};
        lo += g * fw.b / w;
        di -= g * fw.a / w;
      }
      if (m + 1 < L) {
        double g = face_conductance(w, Dm, width(axis, m + 1), D_at(m + 1));
        if (radial) g *= radial_metric(m + 1, m);
        const FaceWeights fw = axis == Axis::z ? depth_face_weights(ft, m, m + 1) : FaceWeights{};
        up += g * fw.a / w;
        di -= g * fw.b / w;
      }
      if (axis == Axis::z && m == 0) {
        const double g = boundary_conductance(ft.surface, w, Dm);
        di -= g / w;
        if (!homogeneous) src += g * ft.surface.value / w;
      }
      if (axis == Axis::z && m == L - 1) {
        const double g = boundary_conductance(ft.bottom, w, Dm);
        di -= g / w;
        if (!homogeneous) src += g * ft.bottom.value / w;
      }
      rows.lo[m] = lo;
      rows.di[m] = di;
      rows.up[m] = up;
      rows.src[m] = src;
    }
  }

  // General path: rows for W lanes (per-voxel D and/or taxis). Arrays are [m * W + l].
  void general_rows(const FieldTransport& ft, const FieldSet& fields, Axis axis,
                    std::size_t base_cell, int W, detail::LaneCoefficients& rows) const {
    const Grid& g = *grid;
    const LineGeometry geo = geometry(axis);
    const int L = geo.L;
    const std::size_t plane = g.plane_size();
    rows.resize(L, W);
    auto cell_of = [&](int m, int l) { return base_cell + m * geo.stride_m + l * geo.stride_l; };
    auto D_of = [&](std::size_t c) { return ft.D.at(g, c, static_cast<int>(c / plane)); };
    std::fill(rows.lo.begin(), rows.lo.end(), 0.0);
    std::fill(rows.di.begin(), rows.di.end(), 0.0);
    std::fill(rows.up.begin(), rows.up.end(), 0.0);
    std::fill(rows.src.begin(), rows.src.end(), 0.0);
    const bool radial = is_radial(axis);
    // Interior faces between m-1 and m.
    for (int m = 1; m < L; ++m) {
      const double wp = width(axis, m - 1), wq = width(axis, m);
      const double dist = 0.5 * (wp + wq);
      const FaceWeights fw = axis == Axis::z ? depth_face_weights(ft, m - 1, m) : FaceWeights{};
      for (int l = 0; l < W; ++l) {
        const std::size_t p = cell_of(m - 1, l), q = cell_of(m, l);
        const double gface = face_conductance(wp, D_of(p), wq, D_of(q));
        double v = 0.0;  // taxis velocity, + towards increasing m (µm/s)
        for (const TaxisTerm& t : ft.taxis) {
          const ConstFieldView s = (signals ? *signals : fields).view(t.signal_field);
          const double chi = taxis_sensitivity(t, 0.5 * (s[p] + s[q]));
          v += chi * (s[q] - s[p]) / dist;
        }
        // Cells move by taxis only where they are motile: a face with D = 0 on either side
        // (for fibroblasts, the epidermis) carries no taxis flux.
        if (D_of(p) <= 0.0 || D_of(q) <= 0.0) v = 0.0;
        const double vplus = std::max(v, 0.0), vminus = std::max(-v, 0.0);
        // Row m-1 (left cell): diffusion to the right neighbour, upwind taxis out/in.
        const std::size_t ip = static_cast<std::size_t>(m - 1) * W + l;
        const std::size_t iq = static_cast<std::size_t>(m) * W + l;
        if (radial) {
          const double ap = radial_metric(m, m - 1), aq = radial_metric(m, m);
          rows.up[ip] += ap * (gface + vminus) / wp;
          rows.di[ip] -= ap * (gface + vplus) / wp;
          rows.lo[iq] += aq * (gface + vplus) / wq;
          rows.di[iq] -= aq * (gface + vminus) / wq;
          continue;
        }
        rows.up[ip] += (gface * fw.a + vminus) / wp;
        rows.di[ip] -= (gface * fw.b + vplus) / wp;
        rows.lo[iq] += (gface * fw.b + vplus) / wq;
        rows.di[iq] -= (gface * fw.a + vminus) / wq;
      }
    }
    if (axis == Axis::z) {
      for (int l = 0; l < W; ++l) {
        const double w0 = width(axis, 0), wL = width(axis, L - 1);
        const double g0 = boundary_conductance(ft.surface, w0, D_of(cell_of(0, l)));
        const double gL = boundary_conductance(ft.bottom, wL, D_of(cell_of(L - 1, l)));
        rows.di[l] -= g0 / w0;
        const std::size_t iL = static_cast<std::size_t>(L - 1) * W + l;
        rows.di[iL] -= gL / wL;
        if (homogeneous) continue;
        rows.src[l] += g0 * ft.surface.value / w0;
        rows.src[iL] += gL * ft.bottom.value / wL;
      }
    }
  }

  bool is_uniform_along_lines(const FieldTransport& ft) const {
    return ft.D.kind() != Diffusivity::Kind::per_voxel && ft.taxis.empty();
  }

  // Fast path: factors of the x or y lines of every depth row k. Rows with the same lateral
  // diffusivity as the row above share its factors (a layered skin has a handful of distinct
  // rows, so a step factors a few lines instead of nz).
  struct RowFactors {
    std::vector<detail::Factors> distinct;
    std::vector<int> of_row;  // index into distinct, per depth row k
    const detail::Factors& operator[](std::size_t k) const { return distinct[of_row[k]]; }
  };
  RowFactors lateral_factors(const FieldTransport& ft, Axis axis, double h, double theta) const {
    const int nz = grid->nz();
    auto D_of_row = [&](int k) {
      return ft.D.kind() == Diffusivity::Kind::uniform ? ft.D.values()[0] : ft.D.values()[k];
    };
    RowFactors fac;
    fac.of_row.resize(nz);
    for (int k = 0; k < nz; ++k) {
      if (k > 0 && D_of_row(k) == D_of_row(k - 1)) {
        fac.of_row[k] = fac.of_row[k - 1];
        continue;
      }
      Coefficients rows;
      uniform_rows(ft, axis, k, rows);
      fac.of_row[k] = static_cast<int>(fac.distinct.size());
      fac.distinct.push_back(detail::factor(rows, h, theta));
    }
    return fac;
  }

  // Fast path: `count` consecutive x lines starting at `first` (each nx contiguous values),
  // solved in place in interleaved groups. Each group prefetches the next one if it ends
  // before `end`.
  static void x_lines_fast(const detail::Factors& f, double* first, int nx, int count, double h,
                           double theta, const double* end) {
    const std::size_t group = static_cast<std::size_t>(kInterleavedLines) * nx;
    int l = 0;
    for (; l + kInterleavedLines <= count; l += kInterleavedLines) {
      double* lines = first + static_cast<std::size_t>(l) * nx;
      const bool next_fits = static_cast<std::size_t>(end - lines) >= 2 * group;
      const double* next = next_fits ? lines + group : nullptr;
      detail::solve_lines_interleaved<kInterleavedLines>(f, lines, h, theta, next);
    }
    for (; l < count; ++l)
      detail::solve_lines_interleaved<1>(f, first + static_cast<std::size_t>(l) * nx, h, theta);
  }

  // Fast path, 3D: the y lines of one depth plane (lanes: x cells). A plane that fits in
  // cache is one block (one pass over it while it is resident); a larger one is cut into
  // blocks of the usual lane width.
  void y_plane_fast(const detail::Factors& f, double* plane, double h, double theta) const {
    const int nx = grid->nx(), ny = grid->ny();
    int W = nx;
    if (grid->plane_size() * sizeof(double) > kFusedPlaneBytes) W = lane_width(ny, true);
    for (int i0 = 0; i0 < nx; i0 += W)
      detail::solve_in_place(f, plane + i0, static_cast<std::size_t>(nx), std::min(W, nx - i0), h,
                             theta);
  }

  // Lanes per block of a y or z sweep: 32768 / L on the fast path (a 256 KB block), 2048 / L
  // on the general path, rounded down to a multiple of 8.
  int lane_width(int L, bool fast) const {
    const int lane_target = fast ? 32768 / std::max(L, 1) : 2048 / std::max(L, 1);
    return std::clamp(lane_target - lane_target % 8, 8, std::max(grid->nx(), 8));
  }

  void sweep(FieldSet& fields, int field, Axis axis, double h, double theta) {
    const Grid& g = *grid;
    if (axis == Axis::y && g.dim() != 3) return;
    const FieldTransport& ft = get(field);
    double* u = fields.view(field).data;
    const LineGeometry geo = geometry(axis);
    const int L = geo.L;
    if (L == 1 && axis != Axis::z) return;  // nothing to exchange laterally
    const bool fast = is_uniform_along_lines(ft);
    const int nx = g.nx(), ny = g.ny(), nz = g.nz();

    if (axis == Axis::z || axis == Axis::y) {
      // Lanes are contiguous x cells; blocks are (outer index, x chunk).
      const int outer = axis == Axis::z ? ny : nz;
      const int W = lane_width(L, fast);
      const int chunks = (nx + W - 1) / W;
      const std::size_t blocks = static_cast<std::size_t>(outer) * chunks;
      RowFactors fac_y;       // y: by depth row k
      detail::Factors fac_z;  // z: depends on m only
      if (fast) {
        if (axis == Axis::z) {
          Coefficients rows_z;
          uniform_rows(ft, axis, 0, rows_z);
          fac_z = detail::factor(rows_z, h, theta);
        } else {
          fac_y = lateral_factors(ft, axis, h, theta);
        }
      }
      auto base_cell_of = [&](std::size_t b) {
        const std::size_t o = b / chunks, i0 = (b % chunks) * W;
        return axis == Axis::z ? o * nx + i0 : o * g.plane_size() + i0;
      };
      auto width_of = [&](std::size_t b) {
        return std::min(W, nx - static_cast<int>(b % chunks) * W);
      };
      parallel::for_each(
          blocks,
          [&](std::size_t b) {
            const std::size_t base_cell = base_cell_of(b);
            double* base = u + base_cell;
            const int w = width_of(b);
            if (fast && axis == Axis::z) {
              // The static schedule makes block b + 1 this thread's next block (usually):
              // stream it in while this one back-substitutes from cache.
              const bool has_next = b + 1 < blocks;
              detail::solve_in_place(fac_z, base, geo.stride_m, w, h, theta,
                                     has_next ? u + base_cell_of(b + 1) : nullptr,
                                     has_next ? width_of(b + 1) : 0);
            } else if (fast) {
              detail::solve_in_place(fac_y[b / chunks], base, geo.stride_m, w, h, theta);
            } else {
              thread_local detail::LaneCoefficients rows;
              thread_local detail::LaneScratch scratch;
              general_rows(ft, fields, axis, base_cell, w, rows);
              detail::solve_general(rows, base, geo.stride_m, w, h, theta, scratch);
            }
          },
          kSweepWorkPerCell * g.num_cells());
      return;
    }

    // x lines: line index n = k * ny + j.
    if (fast) {
      // In place, interleaved groups of lines; tasks of up to 32 lines of one depth row.
      const RowFactors fac_x = lateral_factors(ft, axis, h, theta);
      if (ny == 1) {
        // One x line per depth row (2D x–z, r–z): the lines of consecutive rows are
        // consecutive in memory, so interleave kInterleavedLines rows, each with its own
        // factors; tasks of up to 8 such groups.
        constexpr int kRowsPerTask = 8 * kInterleavedLines;
        const int tasks = (nz + kRowsPerTask - 1) / kRowsPerTask;
        parallel::for_each(
            static_cast<std::size_t>(tasks),
            [&](std::size_t b) {
              const int k_end = std::min(nz, static_cast<int>(b + 1) * kRowsPerTask);
              int k = static_cast<int>(b) * kRowsPerTask;
              for (; k + kInterleavedLines <= k_end; k += kInterleavedLines) {
                const detail::Factors* rows[kInterleavedLines];
                for (int q = 0; q < kInterleavedLines; ++q) rows[q] = &fac_x[k + q];
                detail::solve_lines_interleaved_with<kInterleavedLines, false>(
                    rows, u + static_cast<std::size_t>(k) * nx, h, theta);
              }
              for (; k < k_end; ++k)
                detail::solve_lines_interleaved<1>(fac_x[k], u + static_cast<std::size_t>(k) * nx,
                                                   h, theta);
            },
            kSweepWorkPerCell * g.num_cells());
        return;
      }
      constexpr int kLinesPerTask = 8 * kInterleavedLines;
      const int per_row = (ny + kLinesPerTask - 1) / kLinesPerTask;
      const double* end = u + g.num_cells();
      parallel::for_each(
          static_cast<std::size_t>(nz) * per_row,
          [&](std::size_t b) {
            const int k = static_cast<int>(b / per_row);
            const int j0 = static_cast<int>(b % per_row) * kLinesPerTask;
            x_lines_fast(fac_x[k], u + (static_cast<std::size_t>(k) * ny + j0) * nx, nx,
                         std::min(kLinesPerTask, ny - j0), h, theta, end);
          },
          kSweepWorkPerCell * g.num_cells());
      return;
    }
    // General path: blocks of W consecutive lines in one depth row, transposed into scratch.
    const int W = std::min(ny, 16);
    const int per_row = (ny + W - 1) / W;
    parallel::for_each(
        static_cast<std::size_t>(nz) * per_row,
        [&](std::size_t b) {
          const int k = static_cast<int>(b / per_row);
          const int j0 = static_cast<int>(b % per_row) * W;
          const int w = std::min(W, ny - j0);
          const std::size_t base_cell = (static_cast<std::size_t>(k) * ny + j0) * nx;
          thread_local std::vector<double> block;
          block.resize(static_cast<std::size_t>(L) * w);
          // Transpose in: block[m * w + l] = u[base + l * nx + m].
          for (int l = 0; l < w; ++l) {
            const double* src = u + base_cell + static_cast<std::size_t>(l) * nx;
            for (int m = 0; m < L; ++m) block[static_cast<std::size_t>(m) * w + l] = src[m];
          }
          thread_local detail::LaneCoefficients rows;
          thread_local detail::LaneScratch scratch;
          general_rows(ft, fields, axis, base_cell, w, rows);
          detail::solve_general(rows, block.data(), static_cast<std::size_t>(w), w, h, theta,
                                scratch);
          for (int l = 0; l < w; ++l) {
            double* dst = u + base_cell + static_cast<std::size_t>(l) * nx;
            for (int m = 0; m < L; ++m) dst[m] = block[static_cast<std::size_t>(m) * w + l];
          }
        },
        kSweepWorkPerCell * g.num_cells());
  }

  // Fast path, 3D: X then Y (or Y then X) of each depth plane back to back, while the plane
  // is in cache, planes in parallel: one pass over memory instead of two. Every line sees the
  // same arithmetic as in separate sweeps, so the result is bitwise identical to them.
  // With `guard`, the first pass saves each plane before sweeping it (saved_max), and the
  // last one records the plane's extrema after it (new_min, new_max).
  enum class PlanePass { x_then_y, y_then_x };
  void xy_fused(const FieldTransport& ft, double* u, double h, double theta, PlanePass order,
                GuardRecord* guard) {
    const Grid& g = *grid;
    const RowFactors fac_x = lateral_factors(ft, Axis::x, h, theta);
    const RowFactors fac_y = lateral_factors(ft, Axis::y, h, theta);
    const std::size_t plane_size = g.plane_size();
    parallel::for_each(
        static_cast<std::size_t>(g.nz()),
        [&](std::size_t k) {
          double* plane = u + k * plane_size;
          if (guard && order == PlanePass::x_then_y)
            guard->saved_max[k] = copy_max(plane, guard->saved + k * plane_size, plane_size);
          // A direction with one cell exchanges nothing (and is skipped, as in sweep()).
          auto x_lines = [&] {
            if (g.nx() > 1)
              x_lines_fast(fac_x[k], plane, g.nx(), g.ny(), h, theta, plane + plane_size);
          };
          auto y_lines = [&] {
            if (g.ny() > 1) y_plane_fast(fac_y[k], plane, h, theta);
          };
          if (order == PlanePass::x_then_y) {
            x_lines();
            y_lines();
          } else {
            y_lines();
            x_lines();
          }
          if (guard && order == PlanePass::y_then_x)
            min_max(plane, plane_size, guard->new_min[k], guard->new_max[k]);
        },
        kSweepWorkPerCell * g.num_cells());
  }

  // The guard's passes where no sweep can carry them: save the field (and its maximum) plane
  // by plane before the step, or record the extrema of each plane after it.
  void guard_save(const double* u, GuardRecord& guard) const {
    const std::size_t plane_size = grid->plane_size();
    parallel::for_each(
        static_cast<std::size_t>(grid->nz()),
        [&](std::size_t k) {
          guard.saved_max[k] =
              copy_max(u + k * plane_size, guard.saved + k * plane_size, plane_size);
        },
        grid->num_cells());
  }
  void guard_extrema(const double* u, GuardRecord& guard) const {
    const std::size_t plane_size = grid->plane_size();
    parallel::for_each(
        static_cast<std::size_t>(grid->nz()),
        [&](std::size_t k) {
          min_max(u + k * plane_size, plane_size, guard.new_min[k], guard.new_max[k]);
        },
        grid->num_cells());
  }

  void field_step(FieldSet& fields, int field, double h, double theta, TransportScheme scheme,
                  GuardRecord* guard = nullptr) {
    const bool three_d = grid->dim() == 3;
    const FieldTransport& ft = get(field);
    double* u = fields.view(field).data;
    if (three_d && is_uniform_along_lines(ft)) {
      if (scheme == TransportScheme::lod_backward_euler) {
        if (guard) guard_save(u, *guard);
        xy_fused(ft, u, h, 1.0, PlanePass::x_then_y, nullptr);
        sweep(fields, field, Axis::z, h, 1.0);
        if (guard) guard_extrema(u, *guard);
        return;
      }
      xy_fused(ft, u, 0.5 * h, theta, PlanePass::x_then_y, guard);
      sweep(fields, field, Axis::z, h, theta);
      xy_fused(ft, u, 0.5 * h, theta, PlanePass::y_then_x, guard);
      return;
    }
    if (guard) guard_save(u, *guard);
    if (scheme == TransportScheme::lod_backward_euler) {
      sweep(fields, field, Axis::x, h, 1.0);
      if (three_d) sweep(fields, field, Axis::y, h, 1.0);
      sweep(fields, field, Axis::z, h, 1.0);
    } else {
      sweep(fields, field, Axis::x, 0.5 * h, theta);
      if (three_d) sweep(fields, field, Axis::y, 0.5 * h, theta);
      sweep(fields, field, Axis::z, h, theta);
      if (three_d) sweep(fields, field, Axis::y, 0.5 * h, theta);
      sweep(fields, field, Axis::x, 0.5 * h, theta);
    }
    if (guard) guard_extrema(u, *guard);
  }

  // out += scale · L u for one field: the explicit operator of every axis (diffusion, taxis,
  // boundary sources), assembled from the same rows the sweeps factor.
  void add_operator(const FieldSet& fields, int field, double scale, double* out) const {
    const Grid& g = *grid;
    const FieldTransport& ft = get(field);
    const double* u = fields.view(field).data;
    const int nx = g.nx(), ny = g.ny(), nz = g.nz();
    for (Axis axis : {Axis::x, Axis::y, Axis::z}) {
      if (axis == Axis::y && g.dim() != 3) continue;
      const LineGeometry geo = geometry(axis);
      const int L = geo.L;
      if (L == 1 && axis != Axis::z) continue;
      // Blocks of W lanes: x lines are lanes j of one depth row k; y and z lines lanes i.
      const int lanes_total = axis == Axis::x ? ny : nx;
      const int W = std::min(lanes_total, 16);
      const int chunks = (lanes_total + W - 1) / W;
      const int outer = axis == Axis::x ? nz : (axis == Axis::y ? nz : ny);
      parallel::for_each(
          static_cast<std::size_t>(outer) * chunks,
          [&](std::size_t b) {
            const int o = static_cast<int>(b / chunks);
            const int l0 = static_cast<int>(b % chunks) * W;
            const int w = std::min(W, lanes_total - l0);
            const std::size_t base_cell =
                axis == Axis::x   ? (static_cast<std::size_t>(o) * ny + l0) * nx
                : axis == Axis::y ? static_cast<std::size_t>(o) * g.plane_size() + l0
                                  : static_cast<std::size_t>(o) * nx + l0;
            thread_local detail::LaneCoefficients rows;
            general_rows(ft, fields, axis, base_cell, w, rows);
            for (int m = 0; m < L; ++m)
              for (int l = 0; l < w; ++l) {
                const std::size_t c = base_cell + m * geo.stride_m + l * geo.stride_l;
                const std::size_t r = static_cast<std::size_t>(m) * w + l;
                double lu = rows.di[r] * u[c] + rows.src[r];
                if (m > 0) lu += rows.lo[r] * u[c - geo.stride_m];
                if (m + 1 < L) lu += rows.up[r] * u[c + geo.stride_m];
                out[c] += scale * lu;
              }
          },
          g.num_cells());
    }
  }

  // Build the coupled solver's operator from the same rows the sweeps use: K = −V·L over
  // every axis (symmetric: V·L is the finite-volume flux balance, the face conductance times
  // the face area on both sides), and the boundary source per volume.
  void assemble_coupled(const FieldSet& fields, FieldTransport& ft) const {
    const Grid& g = *grid;
    const std::size_t N = g.num_cells();
    // Uniform D: the operator is a sum of Kronecker products of 1D operators, which the solver
    // diagonalises once (no sparse matrix, no factorisation at every step size).
    const bool separable = ft.D.kind() == Diffusivity::Kind::uniform;
    std::vector<double> volume;
    std::vector<CoupledSolver::Entry> lower;
    if (!separable) {
      volume.resize(N);
      for (std::size_t c = 0; c < N; ++c) volume[c] = g.volume_of_cell_um3(c);
      lower.reserve(N * 2 * static_cast<std::size_t>(g.dim()));  // a diagonal and a lower per axis
    }
    std::vector<double> source(N, 0.0);
    bool any_source = false;
    const int nx = g.nx(), ny = g.ny(), nz = g.nz();
    detail::LaneCoefficients rows;
    for (Axis axis : {Axis::x, Axis::y, Axis::z}) {
      if (axis == Axis::y && g.dim() != 3) continue;
      const LineGeometry geo = geometry(axis);
      const int L = geo.L;
      if (L == 1 && axis != Axis::z) continue;
      // One line at a time (assembly is rare): x lines over (k, j), y over (k, i), z over (j, i).
      const int outer = axis == Axis::x ? nz * ny : (axis == Axis::y ? nz * nx : ny * nx);
      for (int o = 0; o < outer; ++o) {
        const std::size_t base_cell =
            axis == Axis::x   ? static_cast<std::size_t>(o) * nx
            : axis == Axis::y ? static_cast<std::size_t>(o / nx) * g.plane_size() + o % nx
                              : static_cast<std::size_t>(o);
        general_rows(ft, fields, axis, base_cell, 1, rows);
        for (int m = 0; m < L; ++m) {
          const std::size_t c = base_cell + m * geo.stride_m;
          if (!separable) {
            lower.push_back({c, c, -volume[c] * rows.di[m]});
            if (m > 0) lower.push_back({c, c - geo.stride_m, -volume[c] * rows.lo[m]});
          }
          source[c] += rows.src[m];
          any_source = any_source || rows.src[m] != 0.0;
        }
      }
    }
    if (!ft.coupled) ft.coupled = std::make_shared<CoupledSolver>();
    if (separable) {
      CoupledSolver::AxisOperator ax, ay, az;
      az.measure = g.dz_um();
      ay.measure.assign(ny, g.dim() == 3 ? g.dy_um() : 1.0);
      ax.measure.resize(nx);
      for (int i = 0; i < nx; ++i)
        ax.measure[i] = g.volume_of_cell_um3(g.index(i, 0, 0)) / (ay.measure[0] * az.measure[0]);
      for (int k = 0; k < nz; ++k)
        for (int j = 0; j < ny; ++j)
          for (int i = 0; i < nx; ++i) {
            const double V = g.volume_of_cell_um3(g.index(i, j, k));
            SKINHEAL_REQUIRE(
                std::abs(ax.measure[i] * ay.measure[j] * az.measure[k] - V) <= 1e-10 * V,
                "transport: the cell volumes are not a product of axis measures");
          }
      Coefficients r;
      auto stiffness = [&](Axis axis, CoupledSolver::AxisOperator& op) {
        const int L = static_cast<int>(op.measure.size());
        if (L == 1 && axis != Axis::z) return;
        uniform_rows(ft, axis, 0, r);
        op.stiffness.assign(static_cast<std::size_t>(L) * L, 0.0);
        for (int m = 0; m < L; ++m) {
          const double a = op.measure[m];
          op.stiffness[static_cast<std::size_t>(m) * L + m] = -a * r.di[m];
          if (m > 0) op.stiffness[static_cast<std::size_t>(m) * L + m - 1] = -a * r.lo[m];
          if (m + 1 < L) op.stiffness[static_cast<std::size_t>(m) * L + m + 1] = -a * r.up[m];
        }
      };
      stiffness(Axis::x, ax);
      stiffness(Axis::y, ay);
      stiffness(Axis::z, az);
      ft.coupled->set_separable(ax, ay, az, ft.decay_per_s);
    } else {
      ft.coupled->set_operator(std::move(volume), lower, ft.decay_per_s);
    }
    // Homogeneous boundaries (the usual case) keep no source vector.
    ft.boundary_source = any_source ? std::move(source) : std::vector<double>();
    ft.assembled_D = ft.D.values();
    ft.assembled_surface = ft.surface;
    ft.assembled_bottom = ft.bottom;
  }

  // One θ-step of a coupled field (diffusion and decay together); boundary sources unless
  // `homogeneous`. Rebuilds the operator first if the diffusivity or a boundary changed.
  void coupled_step(FieldSet& fields, int field, double h, double theta) {
    FieldTransport& ft = get(field);
    const bool stale = !ft.coupled || !ft.coupled->has_operator() ||
                       ft.assembled_D != ft.D.values() ||
                       !same_boundary(ft.assembled_surface, ft.surface) ||
                       !same_boundary(ft.assembled_bottom, ft.bottom);
    if (stale) {
      const bool was_homogeneous = homogeneous;
      homogeneous = false;  // assemble the true boundary sources; drop them below if asked
      assemble_coupled(fields, ft);
      homogeneous = was_homogeneous;
    }
    const bool sourced = !homogeneous && !ft.boundary_source.empty();
    ft.coupled->step(fields.view(field).data, sourced ? ft.boundary_source.data() : nullptr, h,
                     theta);
  }

  // Transport::step of a coupled field: backward Euler for the LOD scheme; Crank–Nicolson for
  // the symmetric one, redone with backward Euler if it leaves the bounds of the maximum
  // principle (as the sweeps' guard does). Returns whether it fell back.
  bool coupled_field_step(FieldSet& fields, int field, double h, TransportScheme scheme) {
    if (scheme == TransportScheme::lod_backward_euler) {
      coupled_step(fields, field, h, 1.0);
      return false;
    }
    FieldView v = fields.view(field);
    if (!fields.info(field).non_negative) {
      coupled_step(fields, field, h, 0.5);
      return false;
    }
    saved.assign(v.data, v.data + v.size);
    coupled_step(fields, field, h, 0.5);
    const auto [lowest, highest] = std::minmax_element(v.data, v.data + v.size);
    if (!leaves_maximum_principle(get(field), *std::max_element(saved.begin(), saved.end()),
                                  *lowest, *highest))
      return false;
    std::copy(saved.begin(), saved.end(), v.data);
    coupled_step(fields, field, h, 1.0);
    return true;
  }
};

Transport::Transport(const Grid& grid) : impl_(std::make_unique<Impl>(grid)) {}
Transport::~Transport() = default;
Transport::Transport(Transport&&) noexcept = default;
Transport& Transport::operator=(Transport&&) noexcept = default;

void Transport::set_diffusion(int field, Diffusivity D, Boundary surface, Boundary bottom) {
  const Grid& g = *impl_->grid;
  const std::size_t expected = D.kind() == Diffusivity::Kind::uniform    ? 1
                               : D.kind() == Diffusivity::Kind::by_depth ? g.nz()
                                                                         : g.num_cells();
  SKINHEAL_REQUIRE(D.values().size() == expected,
                   "transport: diffusivity of field " + std::to_string(field) + " has " +
                       std::to_string(D.values().size()) + " values, expected " +
                       std::to_string(expected));
  for (const Boundary* b : {&surface, &bottom})
    SKINHEAL_REQUIRE(b->kind != Boundary::Kind::permeable || b->permeability_um_per_s >= 0.0,
                     "transport: a permeability must be >= 0 µm/s");
  FieldTransport& ft = impl_->fields[field];
  ft.D = std::move(D);
  ft.surface = surface;
  ft.bottom = bottom;
}

void Transport::set_resting_profile(int field, std::vector<double> by_depth_row) {
  const Grid& g = *impl_->grid;
  FieldTransport& ft = impl_->get(field);
  const std::string which = "transport: the resting profile of field " + std::to_string(field);
  SKINHEAL_REQUIRE(by_depth_row.size() == static_cast<std::size_t>(g.nz()),
                   which + " has " + std::to_string(by_depth_row.size()) +
                       " values, expected one per depth row (" + std::to_string(g.nz()) + ")");
  SKINHEAL_REQUIRE(!ft.coupled_solve, which +
                                          ": the field is solved coupled with its decay, "
                                          "whose solve needs a symmetric operator");
  for (int k = 0; k < g.nz(); ++k) {
    const double r = by_depth_row[static_cast<std::size_t>(k)];
    SKINHEAL_REQUIRE(std::isfinite(r) && r >= 0.0, which + ": row " + std::to_string(k) + " is " +
                                                       std::to_string(r) +
                                                       "; resting densities are finite and >= 0");
    // Where the field moves, its resting density must be positive (the flux divides by it).
    const bool moves = ft.D.kind() == Diffusivity::Kind::uniform ? ft.D.values()[0] > 0.0
                       : ft.D.kind() == Diffusivity::Kind::by_depth
                           ? ft.D.values()[static_cast<std::size_t>(k)] > 0.0
                           : true;
    SKINHEAL_REQUIRE(r > 0.0 || !moves, which + ": row " + std::to_string(k) +
                                            " has D > 0 but a resting density of 0; it "
                                            "must be > 0 wherever the field moves");
  }
  ft.rest = std::move(by_depth_row);
}

void Transport::set_boundaries(int field, Boundary surface, Boundary bottom) {
  FieldTransport& ft = impl_->get(field);
  ft.surface = surface;
  ft.bottom = bottom;
}

bool Transport::transports(int field) const {
  return impl_->fields.count(field) > 0;
}
Diffusivity& Transport::diffusivity(int field) {
  return impl_->get(field).D;
}
const Diffusivity& Transport::diffusivity(int field) const {
  return impl_->get(field).D;
}
const Boundary& Transport::surface_boundary(int field) const {
  return impl_->get(field).surface;
}
const Boundary& Transport::bottom_boundary(int field) const {
  return impl_->get(field).bottom;
}

void Transport::set_coupled_decay(int field, double decay_per_s) {
  SKINHEAL_REQUIRE(std::isfinite(decay_per_s) && decay_per_s >= 0.0,
                   "transport: the decay rate of field " + std::to_string(field) +
                       " must be finite and >= 0 1/s");
  FieldTransport& ft = impl_->get(field);
  SKINHEAL_REQUIRE(ft.rest.empty(), "transport: field " + std::to_string(field) +
                                        " has a resting profile, which the coupled solve "
                                        "(a symmetric operator) does not include");
  SKINHEAL_REQUIRE(ft.taxis.empty(), "transport: field " + std::to_string(field) +
                                         " moves by taxis, which the coupled solve does not "
                                         "include; keep it on the line sweeps");
  ft.coupled_solve = true;
  ft.decay_per_s = decay_per_s;
  ft.coupled.reset();  // rebuilt at the next step
}

bool Transport::is_coupled(int field) const {
  return impl_->get(field).coupled_solve;
}

double Transport::coupled_decay_per_s(int field) const {
  return impl_->get(field).decay_per_s;
}

void Transport::add_taxis(const TaxisTerm& term) {
  SKINHEAL_REQUIRE(
      term.cell_field >= 0 && term.signal_field >= 0 && term.cell_field != term.signal_field,
      "transport: taxis needs two different fields");
  SKINHEAL_REQUIRE(std::isfinite(term.chi_um2_per_s_per_signal) && term.signal_saturation >= 0.0,
                   "transport: taxis sensitivity must be finite and saturation >= 0");
  SKINHEAL_REQUIRE(!impl_->get(term.cell_field).coupled_solve,
                   "transport: field " + std::to_string(term.cell_field) +
                       " is solved coupled with its decay, which does not include taxis");
  impl_->get(term.cell_field).taxis.push_back(term);
}

TransportStats Transport::step(FieldSet& fields, double dt_s, TransportScheme scheme) {
  SKINHEAL_REQUIRE(dt_s >= 0.0 && std::isfinite(dt_s), "transport: time step must be >= 0 s");
  TransportStats stats;
  if (dt_s == 0.0) return stats;
  // Fields without taxis first, so taxis sees the transported signal (a first-order coupling).
  std::vector<int> order;
  for (const auto& [f, ft] : impl_->fields)
    if (ft.taxis.empty()) order.push_back(f);
  for (const auto& [f, ft] : impl_->fields)
    if (!ft.taxis.empty()) order.push_back(f);
  std::vector<double>& saved = impl_->saved;
  const Grid& g = *impl_->grid;
  for (int f : order) {
    if (impl_->fields.at(f).coupled_solve) {
      stats.monotone_fallbacks += impl_->coupled_field_step(fields, f, dt_s, scheme) ? 1 : 0;
      continue;
    }
    const bool guard = scheme == TransportScheme::symmetric_cn && fields.info(f).non_negative;
    if (!guard) {
      impl_->field_step(fields, f, dt_s, 0.5, scheme);
      continue;
    }
    // Crank–Nicolson can leave the bounds of the maximum principle (leaves_maximum_principle)
    // on steep data at large steps; backward Euler cannot. The step itself saves the field
    // and records the extrema (in its first and last pass over memory where it can).
    FieldView v = fields.view(f);
    if (saved.size() != v.size) saved.resize(v.size);
    GuardRecord record(saved.data(), g.nz());
    impl_->field_step(fields, f, dt_s, 0.5, scheme, &record);
    // Maxima of u, or of u/r with a resting profile (r is constant on a depth plane; rows
    // with r = 0 do not move).
    const std::vector<double>& rest = impl_->fields.at(f).rest;
    double saved_max = -std::numeric_limits<double>::infinity();
    double new_min = std::numeric_limits<double>::infinity();
    double new_max = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < g.nz(); ++k) {
      new_min = std::min(new_min, record.new_min[k]);
      const double r = rest.empty() ? 1.0 : rest[static_cast<std::size_t>(k)];
      if (!(r > 0.0)) continue;
      saved_max = std::max(saved_max, record.saved_max[k] / r);
      new_max = std::max(new_max, record.new_max[k] / r);
    }
    if (leaves_maximum_principle(impl_->fields.at(f), saved_max, new_min, new_max)) {
      const std::size_t plane = g.plane_size();
      parallel::for_each(
          static_cast<std::size_t>(g.nz()),
          [&](std::size_t k) {
            std::copy(saved.data() + k * plane, saved.data() + (k + 1) * plane, v.data + k * plane);
          },
          g.num_cells());
      impl_->field_step(fields, f, dt_s, 1.0, scheme);
      ++stats.monotone_fallbacks;
    }
  }
  return stats;
}

void Transport::add_operator(const FieldSet& fields, double scale, std::vector<double>& out) const {
  SKINHEAL_REQUIRE(out.size() == fields.storage().size(),
                   "transport: operator output must have one value per field and voxel");
  const std::size_t N = fields.num_cells();
  for (const auto& [f, ft] : impl_->fields) {
    double* y = out.data() + f * N;
    impl_->add_operator(fields, f, scale, y);
    if (ft.coupled_solve && ft.decay_per_s > 0.0) {
      const double* u = fields.view(f).data;
      for (std::size_t c = 0; c < N; ++c) y[c] -= scale * ft.decay_per_s * u[c];
    }
  }
}

void Transport::solve_increments(const FieldSet& state, FieldSet& increments, double dt_s) {
  SKINHEAL_REQUIRE(
      increments.num_fields() == state.num_fields() && increments.num_cells() == state.num_cells(),
      "transport: increments must have the state's fields and voxels");
  SKINHEAL_REQUIRE(dt_s >= 0.0 && std::isfinite(dt_s), "transport: time step must be >= 0 s");
  if (dt_s == 0.0) return;
  impl_->homogeneous = true;
  impl_->signals = &state;
  try {
    for (const auto& [f, ft] : impl_->fields) {
      if (ft.coupled_solve)
        impl_->coupled_step(increments, f, dt_s, 1.0);
      else
        impl_->field_step(increments, f, dt_s, 1.0, TransportScheme::lod_backward_euler);
    }
  } catch (...) {
    impl_->homogeneous = false;
    impl_->signals = nullptr;
    throw;
  }
  impl_->homogeneous = false;
  impl_->signals = nullptr;
}

void Transport::sweep(FieldSet& fields, int field, Axis axis, double dt_s, double theta) {
  SKINHEAL_REQUIRE(theta >= 0.0 && theta <= 1.0, "transport: theta must be in [0, 1]");
  impl_->sweep(fields, field, axis, dt_s, theta);
}

double Transport::explicit_limit_s() const {
  const Grid& g = *impl_->grid;
  double limit = std::numeric_limits<double>::infinity();
  const double inv_dx2 = 1.0 / (g.dx_um() * g.dx_um());
  const int lateral_axes = g.dim() == 3 ? 2 : 1;
  for (const auto& [f, ft] : impl_->fields) {
    for (std::size_t c = 0; c < g.num_cells(); ++c) {
      const int k = static_cast<int>(c / g.plane_size());
      const double D = ft.D.at(g, c, k);
      if (D <= 0.0) continue;
      const double dz = g.dz_um()[k];
      // A resting profile weighs a depth face's outflow by up to √(r_k / r_neighbour).
      double weight = 1.0;
      if (k > 0) weight = std::max(weight, depth_face_weights(ft, k - 1, k).a);
      if (k + 1 < g.nz()) weight = std::max(weight, depth_face_weights(ft, k, k + 1).b);
      const double rate = 2.0 * D * (lateral_axes * inv_dx2 + weight / (dz * dz));
      limit = std::min(limit, 1.0 / rate);
    }
  }
  return limit;
}

}  // namespace skinheal
