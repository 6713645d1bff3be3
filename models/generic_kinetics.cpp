#include "models/generic_kinetics.hpp"

#include <cmath>

#include "engine/error.hpp"

namespace skinheal::models {

GenericKinetics::GenericKinetics(std::vector<FieldKinetics> kinetics)
    : kinetics_(std::move(kinetics)) {
  for (const FieldKinetics& k : kinetics_) {
    SKINHEAL_REQUIRE(k.field >= 0, "kinetics: field index must be >= 0");
    SKINHEAL_REQUIRE(k.decay_per_s >= 0.0 && k.growth_per_s >= 0.0 && k.capacity >= 0.0,
                     "kinetics: decay, growth and capacity must be >= 0");
    SKINHEAL_REQUIRE(k.growth_per_s == 0.0 || k.capacity > 0.0,
                     "kinetics: logistic growth needs a positive capacity");
    if (k.field > max_field_) max_field_ = k.field;
  }
}

template <class Context, class T>
void GenericKinetics::rhs(const Context&, const T* y, T* dydt) const {
  for (const FieldKinetics& k : kinetics_) {
    const T u = y[k.field];
    T rate = k.production_per_s - k.decay_per_s * u;
    if (k.growth_per_s > 0.0) rate += k.growth_per_s * u * (1.0 - u / k.capacity);
    dydt[k.field] += rate;
  }
}

template <class Context, class T>
void GenericKinetics::jacobian(const Context&, const T* y, int n, T* J) const {
  SKINHEAL_REQUIRE(max_field_ < n, "kinetics: a field index exceeds the number of fields");
  for (const FieldKinetics& k : kinetics_) {
    T d = T{} - k.decay_per_s;
    if (k.growth_per_s > 0.0) d += k.growth_per_s * (1.0 - 2.0 * y[k.field] / k.capacity);
    J[k.field * n + k.field] += d;
  }
}

SKINHEAL_INSTANTIATE_LANED_TERM(GenericKinetics);

bool GenericKinetics::jacobian_pattern(int n, char* pattern) const {
  SKINHEAL_REQUIRE(max_field_ < n, "kinetics: a field index exceeds the number of fields");
  for (const FieldKinetics& k : kinetics_) pattern[k.field * n + k.field] = 1;
  return true;
}

}  // namespace skinheal::models
