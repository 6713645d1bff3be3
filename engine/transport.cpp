// Implicit transport by line sweeps. See transport.hpp for the equations.
//
// Lines are solved in blocks of W neighbouring lines ("lanes") stored so that the W values at
// one position m along the lines are contiguous: base[m * ld + l]. For y and z sweeps the
// lanes are neighbouring x cells, which are contiguous in the field itself, so the solve runs
// in place; x lines are transposed into a small scratch block first. The Thomas recurrences
// then run over m with the inner loop over lanes, which the compiler vectorises.
#include "engine/transport.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

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
};

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

  explicit Impl(const Grid& g) : grid(&g) {}

  FieldTransport& get(int field) {
    auto it = fields.find(field);
    SKINHEAL_REQUIRE(it != fields.end(),
                     "transport: field " + std::to_string(field) + " has no diffusion registered");
    return it->second;
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
    for (int m = 0; m < L; ++m) {
      const double w = width(axis, m), Dm = D_at(m);
      double lo = 0.0, di = 0.0, up = 0.0, src = 0.0;
      if (m > 0) {
        const double g = face_conductance(width(axis, m - 1), D_at(m - 1), w, Dm);
        lo += g / w;
        di -= g / w;
      }
      if (m + 1 < L) {
        const double g = face_conductance(w, Dm, width(axis, m + 1), D_at(m + 1));
        up += g / w;
        di -= g / w;
      }
      if (axis == Axis::z && m == 0) {
        const double g = boundary_conductance(ft.surface, w, Dm);
        di -= g / w;
        src += g * ft.surface.value / w;
      }
      if (axis == Axis::z && m == L - 1) {
        const double g = boundary_conductance(ft.bottom, w, Dm);
        di -= g / w;
        src += g * ft.bottom.value / w;
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
    // Interior faces between m-1 and m.
    for (int m = 1; m < L; ++m) {
      const double wp = width(axis, m - 1), wq = width(axis, m);
      const double dist = 0.5 * (wp + wq);
      for (int l = 0; l < W; ++l) {
        const std::size_t p = cell_of(m - 1, l), q = cell_of(m, l);
        const double gface = face_conductance(wp, D_of(p), wq, D_of(q));
        double v = 0.0;  // taxis velocity, + towards increasing m (µm/s)
        for (const TaxisTerm& t : ft.taxis) {
          const ConstFieldView s = fields.view(t.signal_field);
          const double chi = taxis_sensitivity(t, 0.5 * (s[p] + s[q]));
          v += chi * (s[q] - s[p]) / dist;
        }
        const double vplus = std::max(v, 0.0), vminus = std::max(-v, 0.0);
        // Row m-1 (left cell): diffusion to the right neighbour, upwind taxis out/in.
        const std::size_t ip = static_cast<std::size_t>(m - 1) * W + l;
        const std::size_t iq = static_cast<std::size_t>(m) * W + l;
        rows.up[ip] += (gface + vminus) / wp;
        rows.di[ip] -= (gface + vplus) / wp;
        rows.lo[iq] += (gface + vplus) / wq;
        rows.di[iq] -= (gface + vminus) / wq;
      }
    }
    if (axis == Axis::z) {
      for (int l = 0; l < W; ++l) {
        const double w0 = width(axis, 0), wL = width(axis, L - 1);
        const double g0 = boundary_conductance(ft.surface, w0, D_of(cell_of(0, l)));
        const double gL = boundary_conductance(ft.bottom, wL, D_of(cell_of(L - 1, l)));
        rows.di[l] -= g0 / w0;
        rows.src[l] += g0 * ft.surface.value / w0;
        const std::size_t iL = static_cast<std::size_t>(L - 1) * W + l;
        rows.di[iL] -= gL / wL;
        rows.src[iL] += gL * ft.bottom.value / wL;
      }
    }
  }

  bool is_uniform_along_lines(const FieldTransport& ft) const {
    return ft.D.kind() != Diffusivity::Kind::per_voxel && ft.taxis.empty();
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
      const int lane_target = fast ? 32768 / std::max(L, 1) : 2048 / std::max(L, 1);
      const int W = std::clamp(lane_target - lane_target % 8, 8, std::max(nx, 8));
      const int chunks = (nx + W - 1) / W;
      Coefficients rows_z;                 // shared, read-only (z: depends on m only)
      std::vector<detail::Factors> fac_y;  // y: one per depth row k
      if (fast) {
        if (axis == Axis::z) {
          uniform_rows(ft, axis, 0, rows_z);
        } else {
          fac_y.resize(nz);
          for (int k = 0; k < nz; ++k) {
            Coefficients rows;
            uniform_rows(ft, axis, k, rows);
            fac_y[k] = detail::factor(rows, h, theta);
          }
        }
      }
      const detail::Factors fac_z =
          (fast && axis == Axis::z) ? detail::factor(rows_z, h, theta) : detail::Factors{};
      parallel::for_each(
          static_cast<std::size_t>(outer) * chunks,
          [&](std::size_t b) {
            const int o = static_cast<int>(b / chunks);
            const int i0 = static_cast<int>(b % chunks) * W;
            const int w = std::min(W, nx - i0);
            const std::size_t base_cell = axis == Axis::z
                                              ? static_cast<std::size_t>(o) * nx + i0
                                              : static_cast<std::size_t>(o) * g.plane_size() + i0;
            double* base = u + base_cell;
            if (fast) {
              const detail::Factors& f = axis == Axis::z ? fac_z : fac_y[o];
              detail::solve_in_place(f, base, geo.stride_m, w, h, theta);
            } else {
              thread_local detail::LaneCoefficients rows;
              thread_local detail::LaneScratch scratch;
              general_rows(ft, fields, axis, base_cell, w, rows);
              detail::solve_general(rows, base, geo.stride_m, w, h, theta, scratch);
            }
          },
          g.num_cells());
      return;
    }

    // x lines: line index n = k * ny + j; blocks of W consecutive lines in one depth row.
    const int W = std::min(ny, 16);  // 16 lanes hide the recurrence latency best (measured 8/16/32)
    const int per_row = (ny + W - 1) / W;
    std::vector<detail::Factors> fac_x;
    if (fast) {
      fac_x.resize(nz);
      for (int k = 0; k < nz; ++k) {
        Coefficients rows;
        uniform_rows(ft, axis, k, rows);
        fac_x[k] = detail::factor(rows, h, theta);
      }
    }
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
          if (fast) {
            detail::solve_in_place(fac_x[k], block.data(), static_cast<std::size_t>(w), w, h,
                                   theta);
          } else {
            thread_local detail::LaneCoefficients rows;
            thread_local detail::LaneScratch scratch;
            general_rows(ft, fields, axis, base_cell, w, rows);
            detail::solve_general(rows, block.data(), static_cast<std::size_t>(w), w, h, theta,
                                  scratch);
          }
          for (int l = 0; l < w; ++l) {
            double* dst = u + base_cell + static_cast<std::size_t>(l) * nx;
            for (int m = 0; m < L; ++m) dst[m] = block[static_cast<std::size_t>(m) * w + l];
          }
        },
        g.num_cells());
  }

  void field_step(FieldSet& fields, int field, double h, double theta, TransportScheme scheme) {
    const bool three_d = grid->dim() == 3;
    if (scheme == TransportScheme::lod_backward_euler) {
      sweep(fields, field, Axis::x, h, 1.0);
      if (three_d) sweep(fields, field, Axis::y, h, 1.0);
      sweep(fields, field, Axis::z, h, 1.0);
      return;
    }
    sweep(fields, field, Axis::x, 0.5 * h, theta);
    if (three_d) sweep(fields, field, Axis::y, 0.5 * h, theta);
    sweep(fields, field, Axis::z, h, theta);
    if (three_d) sweep(fields, field, Axis::y, 0.5 * h, theta);
    sweep(fields, field, Axis::x, 0.5 * h, theta);
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
const Boundary& Transport::surface_boundary(int field) const {
  return impl_->get(field).surface;
}
const Boundary& Transport::bottom_boundary(int field) const {
  return impl_->get(field).bottom;
}

void Transport::add_taxis(const TaxisTerm& term) {
  SKINHEAL_REQUIRE(
      term.cell_field >= 0 && term.signal_field >= 0 && term.cell_field != term.signal_field,
      "transport: taxis needs two different fields");
  SKINHEAL_REQUIRE(std::isfinite(term.chi_um2_per_s_per_signal) && term.signal_saturation >= 0.0,
                   "transport: taxis sensitivity must be finite and saturation >= 0");
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
  for (int f : order) {
    const bool guard = scheme == TransportScheme::symmetric_cn && fields.info(f).non_negative;
    FieldView v = fields.view(f);
    if (guard) saved.assign(v.data, v.data + v.size);
    impl_->field_step(fields, f, dt_s, 0.5, scheme);
    if (!guard) continue;
    // Transport alone obeys a discrete maximum principle: the result must stay within
    // [min(0, data, boundary values), max(data, boundary values)]. Crank–Nicolson can leave it
    // on steep data at large steps; backward Euler cannot.
    const FieldTransport& ft = impl_->fields.at(f);
    double upper = parallel::max(v.size, [&](std::size_t b, std::size_t e) {
      double m = -std::numeric_limits<double>::infinity();
      for (std::size_t i = b; i < e; ++i) m = std::max(m, saved[i]);
      return m;
    });
    for (const Boundary* bc : {&ft.surface, &ft.bottom})
      if (bc->kind != Boundary::Kind::no_flux) upper = std::max(upper, bc->value);
    const double new_max = parallel::max(v.size, [&](std::size_t b, std::size_t e) {
      double m = -std::numeric_limits<double>::infinity();
      for (std::size_t i = b; i < e; ++i) m = std::max(m, v.data[i]);
      return m;
    });
    const double new_min = -parallel::max(v.size, [&](std::size_t b, std::size_t e) {
      double m = -std::numeric_limits<double>::infinity();
      for (std::size_t i = b; i < e; ++i) m = std::max(m, -v.data[i]);
      return m;
    });
    const double slack = 1e-12 * std::max(std::abs(upper), 1e-300);
    if (new_min < -slack || new_max > upper + slack) {
      std::copy(saved.begin(), saved.end(), v.data);
      impl_->field_step(fields, f, dt_s, 1.0, scheme);
      ++stats.monotone_fallbacks;
    }
  }
  return stats;
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
      const double rate = 2.0 * D * (lateral_axes * inv_dx2 + 1.0 / (dz * dz));
      limit = std::min(limit, 1.0 / rate);
    }
  }
  return limit;
}

}  // namespace skinheal
