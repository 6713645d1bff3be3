/// \file elastin.hpp
/// \brief Elastin: very slow baseline turnover, deposition by activated fibroblasts, degradation
/// by inflammatory elastases.
///
/// Fields (units): elastin mg/cm³; fibroblasts relative (F₀ per layer); immune relative.
///
/// Equation (per second), in layers with F₀ > 0:
///   d E/dt = δ_E E₀ F/F₀ + q_E max(F − F₀, 0)/F₀ − (δ_E + k_E · immune) E
/// Exactly stationary at rest. A needle destroys elastin in proportion to its coverage
/// (skin_model).
///
/// Defaults and sources:
///  - E₀ = 4 mg/cm³ in the dermis (elastin ≈ 2–4 % of dermal dry weight against ~75 % collagen,
///    scaled to the 95 mg/cm³ collagen baseline; sources.md §7, † secondary), 0.5 in the
///    hypodermis (assumption).
///  - δ_E = ln 2 / 74 years: mature elastin is essentially not renewed in adults (Shapiro et al.
///    1991, J Clin Invest 87:1828, aspartate racemisation; quoted from memory †).
///  - q_E = 1e-8 mg/cm³/s, k_E = 2e-7 /s per unit immune: modelling choices so that total elastin
///    stays within a few % of baseline after treatment, between El-Domyati et al. 2015 (total
///    elastin down) and the Aesthet Surg J 2021 study (elastin protein unchanged) (sources.md §10).
#pragma once

#include <string>
#include <vector>

#include "engine/fields.hpp"
#include "engine/reaction.hpp"

namespace skinheal::models {

struct ElastinParams {
  std::vector<double> baseline = {0.0, 0.0, 4.0, 4.0, 0.5};             ///< E₀, mg/cm³
  std::vector<double> fibroblast_baseline = {0.0, 0.0, 1.0, 1.0, 0.3};  ///< F₀
  double turnover_per_s = 0.6931471805599453 / (74 * 365.25 * 86400.0);
  double deposition_per_activation = 1e-8;  ///< q_E, mg/cm³/s
  double elastase_per_immune_per_s = 2e-7;
};

void validate(const ElastinParams& params);

class Elastin final : public ReactionTerm {
 public:
  Elastin(const FieldSet& fields, ElastinParams params);
  std::string name() const override { return "elastin"; }
  void add_rhs(const VoxelContext& at, const double* y, double* dydt) const override;
  bool add_jacobian(const VoxelContext& at, const double* y, int n, double* J) const override;

 private:
  ElastinParams p_;
  int elastin_, fibroblasts_, immune_;
};

}  // namespace skinheal::models
