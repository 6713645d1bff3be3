/// \file detail/thomas.hpp
/// \brief Tridiagonal θ-scheme solves over blocks of W lines ("lanes"), vectorised across lanes.
///
/// A block stores element m of lane l at base[m * ld + l] (lanes contiguous). Each line solves
///   (I − θ h L) u⁺ = u + (1 − θ) h L u + h s,   (L u)_m = lo_m u_{m−1} + di_m u_m + up_m u_{m+1}
/// by the Thomas algorithm. Internal to the engine.
#pragma once

#include <cstddef>
#include <vector>

namespace skinheal::detail {

/// Operator rows shared by every lane (coefficients depend on m only).
struct Coefficients {
  std::vector<double> lo, di, up, src;
  void resize(int L) {
    lo.assign(L, 0.0);
    di.assign(L, 0.0);
    up.assign(L, 0.0);
    src.assign(L, 0.0);
  }
};

/// Operator rows per lane: index m * W + l.
struct LaneCoefficients {
  std::vector<double> lo, di, up, src;
  void resize(int L, int W) {
    const std::size_t n = static_cast<std::size_t>(L) * W;
    lo.resize(n);
    di.resize(n);
    up.resize(n);
    src.resize(n);
  }
};

/// Pre-factored Thomas coefficients for lanes sharing one operator.
struct Factors {
  Coefficients rows;
  std::vector<double> a, cp, inv;  // sub-diagonal, modified super-diagonal, 1/pivot
};

inline Factors factor(const Coefficients& rows, double h, double theta) {
  const int L = static_cast<int>(rows.di.size());
  Factors f;
  f.rows = rows;
  f.a.resize(L);
  f.cp.resize(L);
  f.inv.resize(L);
  double cprev = 0.0;
  for (int m = 0; m < L; ++m) {
    const double a = -theta * h * rows.lo[m];
    const double b = 1.0 - theta * h * rows.di[m];
    const double c = -theta * h * rows.up[m];
    const double pivot = b - a * cprev;
    f.a[m] = a;
    f.inv[m] = 1.0 / pivot;
    f.cp[m] = c * f.inv[m];
    cprev = f.cp[m];
  }
  return f;
}

/// Solve W lanes in place with shared factors. If `next` is not null, the rows of the block
/// that will be solved next (same ld, `next_W` lanes) are prefetched into L2 during the back
/// substitution, which runs from cache, so DRAM streams the next block meanwhile.
inline void solve_in_place(const Factors& f, double* base, std::size_t ld, int W, double h,
                           double theta, const double* next = nullptr, int next_W = 0) {
  const int L = static_cast<int>(f.inv.size());
  const double e = (1.0 - theta) * h;
  const double* lo = f.rows.lo.data();
  const double* di = f.rows.di.data();
  const double* up = f.rows.up.data();
  const double* src = f.rows.src.data();
  thread_local std::vector<double> prev_store;
  prev_store.assign(W, 0.0);
  double* prev = prev_store.data();
  // Forward elimination: x[m] <- (rhs_m − a_m x[m−1]) / pivot_m, keeping the original u_{m−1}.
  for (int m = 0; m < L; ++m) {
    double* __restrict xm = base + static_cast<std::size_t>(m) * ld;
    const double* __restrict xprev = m > 0 ? base + static_cast<std::size_t>(m - 1) * ld : nullptr;
    const double am = f.a[m], im = f.inv[m], hs = h * src[m];
    if (e == 0.0) {
      if (m == 0) {
#pragma GCC ivdep
        for (int l = 0; l < W; ++l) xm[l] = (xm[l] + hs) * im;
      } else {
#pragma GCC ivdep
        for (int l = 0; l < W; ++l) xm[l] = (xm[l] + hs - am * xprev[l]) * im;
      }
      continue;
    }
    const double* __restrict xnext =
        m + 1 < L ? base + static_cast<std::size_t>(m + 1) * ld : nullptr;
    const double elo = e * lo[m], edi = 1.0 + e * di[m], eup = e * up[m];
    for (int l = 0; l < W; ++l) {
      const double orig = xm[l];
      double r = edi * orig + elo * prev[l] + hs;
      if (xnext) r += eup * xnext[l];
      if (xprev) r -= am * xprev[l];
      prev[l] = orig;
      xm[l] = r * im;
    }
  }
  // Back substitution.
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

/// Solve J consecutive lines of length L in place, line l at base[l * L + m] (x lines: each
/// contiguous, no transposition), line l with factors *f[l] (all of equal length L); with
/// `kShared` every line uses *f[0] and its coefficients are loaded once per position.
/// Positions run in the outer loop and the J lines in the inner one, each line's previous
/// values held in registers, so J independent recurrences hide the latency of the
/// loop-carried FMA. Per line the arithmetic is that of solve_in_place, up to how the compiler
/// fuses multiply-adds when it vectorises across the J lines (agreement to rounding; a grid
/// always takes the same path, so results do not depend on the thread count). If `next` is
/// not null, the J·L values starting there (the next group of
/// lines) are prefetched during the forward pass, so DRAM streams while this group computes.
template <int J, bool kShared>
inline void solve_lines_interleaved_with(const Factors* const* f, double* base, double h,
                                         double theta, const double* next = nullptr) {
  const int L = static_cast<int>(f[0]->inv.size());
  const std::size_t n = static_cast<std::size_t>(L);
  const double e = (1.0 - theta) * h;
  const Factors& f0 = *f[0];
  auto of = [&](int l) -> const Factors& {
    if constexpr (kShared) {
      return f0;
    } else {
      return *f[l];
    }
  };
  double x[J];  // the updated value at m − 1 of each line
  auto prefetch = [&](int m) {
    if (next == nullptr) return;
    const std::size_t at = static_cast<std::size_t>(m) * J;
    if constexpr (J >= 8) {
      for (int q = 0; q < J; q += 8) __builtin_prefetch(next + at + q, 1, 3);
    } else {
      if (at % 8 == 0) __builtin_prefetch(next + at, 1, 3);
    }
  };
  if (e == 0.0) {
    {
      prefetch(0);
      for (int l = 0; l < J; ++l) {
        const Factors& fl = of(l);
        x[l] = base[l * n] = (base[l * n] + h * fl.rows.src[0]) * fl.inv[0];
      }
    }
    for (int m = 1; m < L; ++m) {
      prefetch(m);
      const double am = f0.a[m], im = f0.inv[m], hs = h * f0.rows.src[m];
      for (int l = 0; l < J; ++l) {
        double* __restrict xm = base + l * n + m;
        if constexpr (kShared) {
          x[l] = *xm = (*xm + hs - am * x[l]) * im;
        } else {
          const Factors& fl = of(l);
          x[l] = *xm = (*xm + h * fl.rows.src[m] - fl.a[m] * x[l]) * fl.inv[m];
        }
      }
    }
  } else {
    double orig_prev[J];  // the original value at m − 1 of each line
    for (int l = 0; l < J; ++l) orig_prev[l] = 0.0;
    // The coefficients of one line at position m.
    struct Row {
      double am, im, hs, elo, edi, eup;
    };
    auto row = [&](const Factors& fl, int m) {
      return Row{fl.a[m],
                 fl.inv[m],
                 h * fl.rows.src[m],
                 e * fl.rows.lo[m],
                 1.0 + e * fl.rows.di[m],
                 e * fl.rows.up[m]};
    };
    auto update = [&](int l, int m, const Row& c) {
      double* __restrict xm = base + l * n + m;
      const double orig = *xm;
      double r = c.edi * orig + c.elo * orig_prev[l] + c.hs;
      if (m + 1 < L) r += c.eup * xm[1];
      if (m > 0) r -= c.am * x[l];
      orig_prev[l] = orig;
      x[l] = *xm = r * c.im;
    };
    for (int m = 0; m < L; ++m) {
      prefetch(m);
      if constexpr (kShared) {
        const Row c = row(f0, m);
        for (int l = 0; l < J; ++l) update(l, m, c);
      } else {
        for (int l = 0; l < J; ++l) update(l, m, row(*f[l], m));
      }
    }
  }
  // Back substitution.
  for (int m = L - 2; m >= 0; --m) {
    if constexpr (kShared) {
      const double cpm = f0.cp[m];
      for (int l = 0; l < J; ++l) {
        double* __restrict xm = base + l * n + m;
        x[l] = *xm -= cpm * x[l];
      }
    } else {
      for (int l = 0; l < J; ++l) {
        double* __restrict xm = base + l * n + m;
        x[l] = *xm -= f[l]->cp[m] * x[l];
      }
    }
  }
}

/// solve_lines_interleaved_with for J lines sharing one set of factors.
template <int J>
inline void solve_lines_interleaved(const Factors& f, double* base, double h, double theta,
                                    const double* next = nullptr) {
  const Factors* const shared[1] = {&f};
  solve_lines_interleaved_with<J, true>(shared, base, h, theta, next);
}

/// Scratch for the general solve.
struct LaneScratch {
  std::vector<double> rhs, cp;
};

/// Solve W lanes in place with per-lane rows.
inline void solve_general(const LaneCoefficients& rows, double* base, std::size_t ld, int W,
                          double h, double theta, LaneScratch& s) {
  const int L = static_cast<int>(rows.di.size() / W);
  const double e = (1.0 - theta) * h;
  const std::size_t n = static_cast<std::size_t>(L) * W;
  s.rhs.resize(n);
  s.cp.resize(n);
  // Right-hand sides from the original values.
  for (int m = 0; m < L; ++m) {
    const double* xm = base + static_cast<std::size_t>(m) * ld;
    const double* xp = m > 0 ? base + static_cast<std::size_t>(m - 1) * ld : nullptr;
    const double* xn = m + 1 < L ? base + static_cast<std::size_t>(m + 1) * ld : nullptr;
    const std::size_t o = static_cast<std::size_t>(m) * W;
    for (int l = 0; l < W; ++l) {
      double Lu = rows.di[o + l] * xm[l];
      if (xp) Lu += rows.lo[o + l] * xp[l];
      if (xn) Lu += rows.up[o + l] * xn[l];
      s.rhs[o + l] = xm[l] + e * Lu + h * rows.src[o + l];
    }
  }
  // Forward elimination.
  for (int m = 0; m < L; ++m) {
    const std::size_t o = static_cast<std::size_t>(m) * W;
    for (int l = 0; l < W; ++l) {
      const double a = -theta * h * rows.lo[o + l];
      const double b = 1.0 - theta * h * rows.di[o + l];
      const double c = -theta * h * rows.up[o + l];
      const double cprev = m > 0 ? s.cp[o - W + l] : 0.0;
      const double rprev = m > 0 ? s.rhs[o - W + l] : 0.0;
      const double inv = 1.0 / (b - a * cprev);
      s.cp[o + l] = c * inv;
      s.rhs[o + l] = (s.rhs[o + l] - a * rprev) * inv;
    }
  }
  // Back substitution into the block.
  for (int m = L - 1; m >= 0; --m) {
    double* xm = base + static_cast<std::size_t>(m) * ld;
    const std::size_t o = static_cast<std::size_t>(m) * W;
    if (m == L - 1) {
      for (int l = 0; l < W; ++l) xm[l] = s.rhs[o + l];
    } else {
      const double* xn = base + static_cast<std::size_t>(m + 1) * ld;
      for (int l = 0; l < W; ++l) xm[l] = s.rhs[o + l] - s.cp[o + l] * xn[l];
    }
  }
}

}  // namespace skinheal::detail
