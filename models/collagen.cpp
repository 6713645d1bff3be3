#include "models/collagen.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "models/smooth_ramp.hpp"

namespace skinheal::models {

void validate(const CollagenParams& p) {
  SKINHEAL_REQUIRE(p.turnover_per_s >= 0.0 && p.collagen_III_per_growth_factor >= 0.0 &&
                       p.collagen_III_per_activation >= 0.0 && p.collagen_I_per_activation >= 0.0 &&
                       p.conversion_III_to_I_per_s >= 0.0 && p.mmp_per_immune_per_s >= 0.0 &&
                       p.remodelling_per_s >= 0.0,
                   "collagen: rates must be >= 0");
  SKINHEAL_REQUIRE(p.growth_factor_half_saturation > 0.0,
                   "collagen: growth-factor half saturation must be > 0");
  SKINHEAL_REQUIRE(p.collagen_I_baseline.size() == p.collagen_III_baseline.size() &&
                       p.collagen_I_baseline.size() == p.fibroblast_baseline.size(),
                   "collagen: per-layer vectors must have the same size");
  for (std::size_t l = 0; l < p.collagen_I_baseline.size(); ++l)
    SKINHEAL_REQUIRE(p.collagen_I_baseline[l] >= 0.0 && p.collagen_III_baseline[l] >= 0.0 &&
                         p.fibroblast_baseline[l] >= 0.0,
                     "collagen: baselines must be >= 0");
}

Collagen::Collagen(const FieldSet& fields, CollagenParams params)
    : p_(std::move(params)),
      collagen_I_(fields.index("collagen_I")),
      collagen_III_(fields.index("collagen_III")),
      fibroblasts_(fields.index("fibroblasts")),
      gf_(fields.index("growth_factor")),
      immune_(fields.index("immune")),
      scar_(fields.contains("scar") ? fields.index("scar") : -1) {
  validate(p_);
  SKINHEAL_REQUIRE(p_.collagen_I_baseline.size() >= fields.grid().layer_names().size(),
                   "collagen: one baseline per layer needed");
}

template <class T>
struct Collagen::Matrix {
  T F0;        // resting fibroblasts of the layer (no collagen dynamics where 0)
  T c1, c3;    // collagen I and III
  T b1, b3;    // the layer's resting collagen I and III
  T wc;        // width of the smooth ramps, 1 % of the resting total
  T c10, c30;  // the normal matrix's baselines, scaled by the share not taken by scar
  T phi;       // F / F₀
  T s;         // growth-factor saturation g / (a + g)
  T loss;      // turnover and inflammatory MMPs, 1/s
  T total;     // C_I + C_III
  T excess;    // smooth max(total − c10 − c30, 0)
};

template <class Context, class T>
Collagen::Matrix<T> Collagen::matrix_at(const Context& at, const T* y) const {
  Matrix<T> m;
  m.F0 = layer_value(at, p_.fibroblast_baseline);
  m.c1 = y[collagen_I_];
  m.c3 = y[collagen_III_];
  m.b1 = layer_value(at, p_.collagen_I_baseline);
  m.b3 = layer_value(at, p_.collagen_III_baseline);
  m.wc = 0.01 * (m.b1 + m.b3);
  // Share of the voxel not occupied by scar matrix (scar.hpp): the normal matrix's baselines.
  const T normal = scar_ >= 0 ? T(1.0 - y[scar_]) : T{} + 1.0;
  m.c10 = normal * m.b1;
  m.c30 = normal * m.b3;
  m.phi = y[fibroblasts_] / m.F0;
  const T g = y[gf_];
  m.s = g / (p_.growth_factor_half_saturation + g);
  m.loss = p_.turnover_per_s + p_.mmp_per_immune_per_s * y[immune_];
  m.total = m.c1 + m.c3;
  m.excess = smooth_ramp(m.total - m.c10 - m.c30, m.wc);
  return m;
}

template <class Context, class T>
void Collagen::rhs(const Context& at, const T* y, T* dydt) const {
  const Matrix<T> m = matrix_at(at, y);
  const T act = smooth_ramp(y[fibroblasts_] - m.F0, 0.02 * m.F0) / m.F0;
  const T conv = p_.conversion_III_to_I_per_s * smooth_ramp(m.c3 - m.c30, m.wc);
  const T remodel = select(m.total > 0.0, p_.remodelling_per_s * m.excess / m.total, T{});
  // Only where the layer has resting fibroblasts (F₀ > 0); elsewhere nothing.
  const auto dermis = m.F0 > 0.0;
  dydt[collagen_III_] +=
      select(dermis,
             p_.turnover_per_s * m.c30 * m.phi + p_.collagen_III_per_activation * act +
                 p_.collagen_III_per_growth_factor * m.s * m.phi - conv - (m.loss + remodel) * m.c3,
             T{});
  dydt[collagen_I_] +=
      select(dermis,
             p_.turnover_per_s * m.c10 * m.phi + p_.collagen_I_per_activation * act + conv -
                 (m.loss + remodel) * m.c1,
             T{});
}

template <class Context, class T>
void Collagen::jacobian(const Context& at, const T* y, int n, T* J) const {
  const Matrix<T> m = matrix_at(at, y);
  const T F0 = m.F0, c1 = m.c1, c3 = m.c3, b1 = m.b1, b3 = m.b3, c10 = m.c10, c30 = m.c30;
  const T phi = m.phi, s = m.s, loss = m.loss, total = m.total, excess = m.excess;
  const auto dermis = F0 > 0.0;
  const T dact = smooth_ramp_slope(y[fibroblasts_] - F0, 0.02 * F0) / F0;  // d A / d F
  const T g = y[gf_];
  const double a = p_.growth_factor_half_saturation;
  const T ds = a / ((a + g) * (a + g));
  const T dconv =
      p_.conversion_III_to_I_per_s * smooth_ramp_slope(c3 - c30, m.wc);  // d conv / d C_III
  const T excess_slope = smooth_ramp_slope(total - c10 - c30, m.wc);
  // k_rem E / total and its derivatives in C_I (= in C_III) and in S (0 where total = 0).
  const auto matrix = total > 0.0;
  const T remodel = select(matrix, p_.remodelling_per_s * excess / total, T{});
  const T dremodel =
      select(matrix, p_.remodelling_per_s * (excess_slope * total - excess) / (total * total), T{});
  const T dremodel_dscar =
      select(matrix, p_.remodelling_per_s * excess_slope * (b1 + b3) / total, T{});
  auto d = [&](int row, int col, T value) { J[row * n + col] += select(dermis, value, T{}); };
  if (scar_ >= 0) {  // c10, c30 fall with S: d c_x0 / d S = −b_x
    const T dconv_dscar = dconv * b3;
    d(collagen_III_, scar_, -p_.turnover_per_s * b3 * phi - dconv_dscar - dremodel_dscar * c3);
    d(collagen_I_, scar_, -p_.turnover_per_s * b1 * phi + dconv_dscar - dremodel_dscar * c1);
  }
  d(collagen_III_, fibroblasts_,
    p_.turnover_per_s * c30 / F0 + p_.collagen_III_per_activation * dact +
        p_.collagen_III_per_growth_factor * s / F0);
  d(collagen_III_, gf_, p_.collagen_III_per_growth_factor * ds * phi);
  d(collagen_III_, collagen_III_, -dconv - (loss + remodel) - dremodel * c3);
  d(collagen_III_, collagen_I_, -dremodel * c3);
  d(collagen_III_, immune_, -p_.mmp_per_immune_per_s * c3);
  d(collagen_I_, fibroblasts_, p_.turnover_per_s * c10 / F0 + p_.collagen_I_per_activation * dact);
  d(collagen_I_, collagen_III_, dconv - dremodel * c1);
  d(collagen_I_, collagen_I_, -(loss + remodel) - dremodel * c1);
  d(collagen_I_, immune_, -p_.mmp_per_immune_per_s * c1);
}

SKINHEAL_INSTANTIATE_LANED_TERM(Collagen);

bool Collagen::jacobian_pattern(int n, char* pattern) const {
  for (const int row : {collagen_I_, collagen_III_}) {
    for (const int col : {fibroblasts_, collagen_I_, collagen_III_, immune_})
      pattern[row * n + col] = 1;
    if (scar_ >= 0) pattern[row * n + scar_] = 1;
  }
  pattern[collagen_III_ * n + gf_] = 1;
  return true;
}

}  // namespace skinheal::models
