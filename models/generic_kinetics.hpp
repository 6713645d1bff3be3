/// \file generic_kinetics.hpp
/// \brief Plain kinetics for user-built reaction–diffusion problems (no biology).
///
/// For each field u with entry (production s, decay k, growth r, capacity K):
///   du/dt = s − k u + r u (1 − u / K)            [field units per second]
/// (K = 0 means no logistic growth term). Used by the demo scenario, the Python generic
/// engine and the verification tests (Fisher–KPP: s = k = 0).
#pragma once

#include <string>
#include <vector>

#include "engine/reaction.hpp"

namespace skinheal::models {

/// \brief Kinetics of one field.
struct FieldKinetics {
  int field = -1;
  double production_per_s = 0.0;  ///< s, field units per second
  double decay_per_s = 0.0;       ///< k, 1/s
  double growth_per_s = 0.0;      ///< r, 1/s
  double capacity = 0.0;          ///< K, field units (0: no logistic term)
};

/// \brief Decay, production and logistic growth of independent fields.
class GenericKinetics final : public LanedTerm<GenericKinetics> {
 public:
  explicit GenericKinetics(std::vector<FieldKinetics> kinetics);
  std::string name() const override { return "generic_kinetics"; }
  bool jacobian_pattern(int n, char* pattern) const override;

 private:
  friend class LanedTerm<GenericKinetics>;
  // The formulas, once, for one voxel (double) or kLanes of them (Lanes): engine/lanes.hpp.
  template <class Context, class T>
  void rhs(const Context& at, const T* y, T* dydt) const;
  template <class Context, class T>
  void jacobian(const Context& at, const T* y, int n, T* J) const;
  std::vector<FieldKinetics> kinetics_;
  int max_field_ = -1;
};

}  // namespace skinheal::models
