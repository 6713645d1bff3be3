// Lane-batched ROS2 (detail/reaction_stepper.hpp): kLanes voxels integrated at once. Per voxel
// the arithmetic is that of integrate_voxel in reaction.cpp (the same ROS2 stages, error norm,
// step-size rule and clipping, and the terms' lane versions compute what their scalar versions
// do), so the two agree to rounding. What changes is the layout: every per-voxel quantity is a
// Lanes value, one double per voxel, and each operation serves all of them. A lane whose voxel
// has reached the end of the interval takes the next voxel of the block, so lanes stay busy
// however many sub-steps their voxels need; a lane with no voxel left computes on stale values
// that nothing reads.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "engine/detail/reaction_stepper.hpp"

namespace skinheal::detail {
namespace {

constexpr int W = kLanes;
constexpr std::size_t kPrefetchVoxels = 32;  // 4 cache lines of each field ahead

// Per-thread scratch: one Lanes per field (state and stages) or per Jacobian entry.
struct LaneScratch {
  int n = -1;
  std::vector<Lanes> y, held, view, f0, k1, k2, y1, f1, ynew, scale, ftmp, jac, mat, jtmp;
  std::vector<int> outside;  // offsets outside the plan's filled pattern
  void resize(int fields, const SmallSparseLu& plan) {
    n = fields;
    const std::size_t v = static_cast<std::size_t>(n), m = v * n;
    for (std::vector<Lanes>* a : {&y, &held, &view, &f0, &k1, &k2, &y1, &f1, &ynew, &scale, &ftmp})
      a->assign(v, Lanes{});
    for (std::vector<Lanes>* a : {&jac, &mat, &jtmp}) a->assign(m, Lanes{});
    std::vector<char> in(m, 0);
    for (int e : plan.filled()) in[static_cast<std::size_t>(e)] = 1;
    outside.clear();
    for (int e = 0; e < static_cast<int>(m); ++e)
      if (!in[static_cast<std::size_t>(e)]) outside.push_back(e);
  }
};

}  // namespace

BlockWork integrate_block_lanes(const Terms& terms, const StepperSettings& cfg, const Grid& grid,
                                double* store, std::size_t N, std::size_t begin, std::size_t end,
                                double t_s, double dt_s, VoxelIntegrator scalar) {
  const int n = cfg.n;
  const SmallSparseLu& plan = *cfg.plan;
  const std::vector<int>& filled = plan.filled();
  thread_local LaneScratch s;
  thread_local const SmallSparseLu* planned_for = nullptr;
  if (s.n != n || planned_for != &plan) {
    s.resize(n, plan);
    planned_for = &plan;
  }
  Lanes* const y = s.y.data();
  Lanes* const held = s.held.data();
  Lanes* const view = s.view.data();
  Lanes* f0 = s.f0.data();  // swapped with ftmp when every lane takes a fresh evaluation
  Lanes* const k1 = s.k1.data();
  Lanes* const k2 = s.k2.data();
  Lanes* const y1 = s.y1.data();
  Lanes* const f1 = s.f1.data();
  Lanes* const ynew = s.ynew.data();
  Lanes* const scale = s.scale.data();
  Lanes* ftmp = s.ftmp.data();
  Lanes* jac = s.jac.data();        // J at each lane's state (filled entries); swapped like f0
  Lanes* const mat = s.mat.data();  // I − γτJ
  Lanes* jtmp = s.jtmp.data();      // a fresh evaluation, all n × n entries (outside: zero)
  const double t_end = t_s + dt_s;

  auto rhs = [&](const LaneContext& at, const Lanes* v, Lanes* out) {
    const Lanes* u = lagged_view(cfg, v, held, view);
    std::fill(out, out + n, Lanes{});
    for (const auto& term : terms) term->add_rhs_lanes(at, u, out);
  };

  double t[W];
  Lanes tau = {};
  int sub[W];
  bool active[W] = {}, fresh[W] = {}, loaded[W] = {}, go[W] = {}, ok[W] = {};
  std::size_t cell[W] = {};
  LaneContext ctx;
  BlockWork work;
  std::size_t next = begin;
  // The (i, j, k) of voxel `next`, kept as plain integers: copying a whole VoxelContext right
  // after incrementing one of its members stalls on store forwarding (~18 cycles per voxel).
  const VoxelContext first = context_of(grid, begin, t_s);
  int pi = first.i, pj = first.j, pk = first.k;

  // Finish lane l's voxel with the scalar integrator from where it is (dense fallback).
  auto finish_scalar = [&](int l) {
    double state[kMaxReactingFields], start[kMaxReactingFields];
    for (int f = 0; f < n; ++f) {
      state[f] = y[f][l];
      start[f] = held[f][l];
    }
    VoxelContext where = ctx.at[l];
    const VoxelWork w = scalar(terms, cfg, where, state, start, t[l], t_end - t[l]);
    work.substeps += static_cast<std::size_t>(sub[l] + w.substeps);
    work.dense += static_cast<std::size_t>(w.dense);
    for (int f = 0; f < n; ++f) store[f * N + cell[l]] = state[f];
    active[l] = false;
  };
  // Lane l takes voxel `next` (its context, clock and flags; the state is loaded by the
  // caller); its J and f0 come at the next evaluation.
  auto assign = [&](int l) {
    const std::size_t c = next++;
    cell[l] = c;
    VoxelContext& at = ctx.at[l];
    at.cell = c;
    at.i = pi;
    at.j = pj;
    at.k = pk;
    at.layer = grid.layer_of(c);
    at.t_s = t_s;
    if (++pi == grid.nx()) {  // the voxels come in order: advance (i, j, k) without dividing
      pi = 0;
      if (++pj == grid.ny()) {
        pj = 0;
        ++pk;
      }
    }
    t[l] = t_s;
    tau[l] = dt_s;
    sub[l] = 0;
    fresh[l] = false;
    active[l] = loaded[l] = true;
    return c;
  };
  // Give lane l the next voxel of the block, if any.
  auto load = [&](int l) {
    active[l] = fresh[l] = loaded[l] = false;
    if (next >= end) return;
    const std::size_t c = assign(l);
    for (int f = 0; f < n; ++f) held[f][l] = y[f][l] = store[f * N + c];
    // The fields lie N values apart, so a voxel touches n cache lines; the hardware prefetcher
    // does not follow that many streams through the integration's own traffic. Fetch the lines
    // kPrefetchVoxels ahead, once per line.
    if (c % 8 == 0 && c + kPrefetchVoxels < end)
      for (int f = 0; f < n; ++f) __builtin_prefetch(store + f * N + c + kPrefetchVoxels, 1);
  };
  // Every lane takes the next voxel: kLanes consecutive voxels, one vector per field (the
  // common case: in a smooth region all lanes finish in the same round). Scalar loads into
  // lanes would each stall on store forwarding when the vector is next read whole.
  auto load_all = [&]() {
    if (next + W > end) {
      for (int l = 0; l < W; ++l) load(l);
      return;
    }
    const std::size_t c0 = next;
    for (int l = 0; l < W; ++l) assign(l);
    for (int f = 0; f < n; ++f) {
      Lanes v;
      __builtin_memcpy(&v, store + f * N + c0, sizeof v);
      held[f] = y[f] = v;
    }
    if (c0 + W + kPrefetchVoxels <= end)
      for (int f = 0; f < n; ++f) __builtin_prefetch(store + f * N + c0 + kPrefetchVoxels, 1);
  };
  for (int l = 0; l < W; ++l) {
    t[l] = t_end;
    sub[l] = 0;
  }
  load_all();

  for (;;) {
    // J and f0 at the current state of every lane that needs them (newly loaded, or after an
    // accepted sub-step); a rejected sub-step's retry keeps its own.
    bool need_any = false, any = false;
    for (int l = 0; l < W; ++l) {
      need_any = need_any || (active[l] && !fresh[l]);
      any = any || active[l];
    }
    if (!any) break;
    if (need_any) {
      for (int l = 0; l < W; ++l) ctx.at[l].t_s = t[l];
      for (int e : filled) jtmp[e] = Lanes{};  // entries outside stay zero (checked below)
      const Lanes* u = lagged_view(cfg, static_cast<const Lanes*>(y), held, view);
      for (const auto& term : terms) term->add_jacobian_lanes(ctx, u, n, jtmp);
      drop_lagged_columns(cfg, jtmp);
      rhs(ctx, y, ftmp);
      // A term that wrote outside its declared pattern sends the voxel dense; the entries are
      // zeroed again for the next evaluation. The test ORs the entries' bits (two independent
      // chains): any non-zero bit, NaN or −0 included, counts as written.
      LaneMask bits_a = {}, bits_b = {};
      const std::size_t n_out = s.outside.size();
      for (std::size_t q = 0; q + 1 < n_out; q += 2) {
        LaneMask a, b;
        __builtin_memcpy(&a, &jtmp[s.outside[q]], sizeof a);
        __builtin_memcpy(&b, &jtmp[s.outside[q + 1]], sizeof b);
        bits_a |= a;
        bits_b |= b;
      }
      if (n_out % 2 == 1) {
        LaneMask a;
        __builtin_memcpy(&a, &jtmp[s.outside[n_out - 1]], sizeof a);
        bits_a |= a;
      }
      const LaneMask outside = (bits_a | bits_b) != 0;
      bool wrote_outside = false;
      for (int l = 0; l < W; ++l) wrote_outside = wrote_outside || outside[l] != 0;
      if (wrote_outside)
        for (int e : s.outside) jtmp[e] = Lanes{};
      LaneMask need = {};
      bool all_need = true;
      for (int l = 0; l < W; ++l) {
        need[l] = (active[l] && !fresh[l]) ? -1 : 0;
        all_need = all_need && need[l];
      }
      const Lanes* const jnew = jtmp;
      const Lanes* const fnew = ftmp;
      if (all_need) {  // both buffers keep zeros outside the pattern
        std::swap(jac, jtmp);
        std::swap(f0, ftmp);
      } else {
        for (int e : filled) jac[e] = need ? jtmp[e] : jac[e];
        for (int f = 0; f < n; ++f) f0[f] = need ? ftmp[f] : f0[f];
      }
      for (int l = 0; l < W; ++l) {
        if (!need[l]) continue;
        fresh[l] = true;
        if (loaded[l] && cfg.quiescent > 0.0) {
          double yl[kMaxReactingFields], fl[kMaxReactingFields];
          double Jl[kMaxReactingFields * kMaxReactingFields];
          for (int f = 0; f < n; ++f) {
            yl[f] = y[f][l];
            fl[f] = fnew[f][l];
          }
          for (int e = 0; e < n * n; ++e) Jl[e] = jnew[e][l];
          if (is_quiescent(cfg, yl, fl, Jl, dt_s)) {
            ++work.skipped;  // unchanged; the lane takes the next voxel
            load(l);
            continue;
          }
        }
        loaded[l] = false;
        if (outside[l]) {  // J leaves the plan's pattern: this voxel goes dense
          finish_scalar(l);
          load(l);
        }
      }
    }

    // This round's sub-step h of every lane that steps (the others: h = 0, M = I; their
    // proposal τ waits), M = I − γhJ and the error weights.
    bool any_go = false;
    Lanes h = {};
    for (int l = 0; l < W; ++l) {
      go[l] = active[l] && fresh[l];
      h[l] = go[l] ? std::min(tau[l], t_end - t[l]) : 0.0;
      any_go = any_go || go[l];
    }
    if (!any_go) continue;
    const Lanes c = -kGamma * h;
    for (int e : filled) mat[e] = c * jac[e];
    for (int i = 0; i < n; ++i) mat[i * (n + 1)] += 1.0;
    for (int f = 0; f < n; ++f) scale[f] = cfg.atol[f] + cfg.rtol * vabs(y[f]);
    plan.factor_lanes(mat, scale, ok);
    for (int l = 0; l < W; ++l) {
      if (!go[l] || ok[l]) continue;
      go[l] = false;  // too much growth: this voxel finishes densely, the lane takes another
      finish_scalar(l);
      load(l);
    }

    // The two ROS2 stages on every lane.
    std::copy(f0, f0 + n, k1);
    plan.solve_lanes(mat, k1);
    for (int f = 0; f < n; ++f) y1[f] = y[f] + h * k1[f];
    for (int l = 0; l < W; ++l) ctx.at[l].t_s = t[l] + h[l];
    rhs(ctx, y1, f1);
    for (int f = 0; f < n; ++f) k2[f] = f1[f] - 2.0 * k1[f];
    plan.solve_lanes(mat, k2);
    Lanes err = {};
    const Lanes a1 = 1.5 * h, a2 = 0.5 * h;
    for (int f = 0; f < n; ++f) {
      ynew[f] = y[f] + a1 * k1[f] + a2 * k2[f];
      const Lanes e = a2 * (k1[f] + k2[f]);
      const Lanes sc = cfg.atol[f] + cfg.rtol * vmax(vabs(y[f]), vabs(ynew[f]));
      err = vmax(err, vabs(e) / sc);
    }

    // Accept or reject per lane (as integrate_voxel: NaN shrinks, no sub-steps accepts all).
    LaneMask accept = {};
    for (int l = 0; l < W; ++l) {
      double e = err[l];
      if (!(e == e)) e = 1e10;  // NaN: shrink
      if (!cfg.substeps) e = 0.0;
      err[l] = e;
      accept[l] = (go[l] && e <= 1.0) ? -1 : 0;
      if (!go[l]) continue;
      ++sub[l];
      if (e <= 1.0) {
        t[l] = (h[l] == t_end - t[l]) ? t_end : t[l] + h[l];
        fresh[l] = false;
      }
    }
    for (int f = 0; f < n; ++f) {
      const Lanes v = cfg.nonneg[f] ? select(ynew[f] < 0.0, Lanes{}, ynew[f]) : ynew[f];
      y[f] = select(accept, v, y[f]);
    }
    Lanes growth = kStepSafety / vsqrt(vmax(err, kErrorFloor));
    growth = select(growth < kStepShrink, Lanes{} + kStepShrink,
                    select(growth > kStepGrow, Lanes{} + kStepGrow, growth));
    LaneMask stepped = {};
    for (int l = 0; l < W; ++l) stepped[l] = go[l] ? -1 : 0;
    tau = select(stepped, h * growth, tau);  // lanes that waited keep theirs
    // A finished voxel is stored and the lane takes the next; when all lanes finish together
    // on consecutive voxels, one vector per field.
    bool all_done = true;
    for (int l = 0; l < W; ++l) {
      if (!go[l]) {
        all_done = false;
        continue;
      }
      if (sub[l] > cfg.max_substeps) throw_too_many_substeps(ctx.at[l], cfg.max_substeps, t[l]);
      all_done = all_done && t[l] >= t_end && cell[l] == cell[0] + static_cast<std::size_t>(l);
    }
    if (all_done) {
      for (int f = 0; f < n; ++f) __builtin_memcpy(store + f * N + cell[0], &y[f], sizeof(Lanes));
      for (int l = 0; l < W; ++l) work.substeps += static_cast<std::size_t>(sub[l]);
      load_all();
      continue;
    }
    for (int l = 0; l < W; ++l) {
      if (go[l] && t[l] >= t_end) {
        for (int f = 0; f < n; ++f) store[f * N + cell[l]] = y[f][l];
        work.substeps += static_cast<std::size_t>(sub[l]);
        load(l);
      }
    }
  }
  return work;
}

}  // namespace skinheal::detail
