#include "engine/fields.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

FieldSet::FieldSet(const Grid& grid) : grid_(&grid), cells_(grid.num_cells()) {}

int FieldSet::add(const FieldInfo& info, double initial) {
  SKINHEAL_REQUIRE(!info.name.empty(), "fields: a field needs a name");
  SKINHEAL_REQUIRE(!contains(info.name), "fields: field '" + info.name + "' is defined twice");
  SKINHEAL_REQUIRE(info.abs_tolerance > 0.0,
                   "fields: field '" + info.name + "' needs a positive absolute tolerance");
  info_.push_back(info);
  // Grow to the exact size: doubling would hold up to twice the state for the whole run.
  if (storage_.capacity() < info_.size() * cells_) storage_.reserve(info_.size() * cells_);
  storage_.resize(info_.size() * cells_, initial);
  std::fill(storage_.end() - static_cast<std::ptrdiff_t>(cells_), storage_.end(), initial);
  return num_fields() - 1;
}

void FieldSet::reserve(int num_fields) {
  SKINHEAL_REQUIRE(num_fields >= 0, "fields: cannot reserve a negative number of fields");
  storage_.reserve(static_cast<std::size_t>(num_fields) * cells_);
}

bool FieldSet::contains(const std::string& name) const {
  return std::any_of(info_.begin(), info_.end(),
                     [&](const FieldInfo& i) { return i.name == name; });
}

int FieldSet::index(const std::string& name) const {
  for (int f = 0; f < num_fields(); ++f)
    if (info_[f].name == name) return f;
  throw InputError("unknown field '" + name + "'" + suggest_nearest(name, names()));
}

void FieldSet::set_abs_tolerance(int f, double abs_tolerance) {
  SKINHEAL_REQUIRE(f >= 0 && f < num_fields(), "no field with index " + std::to_string(f));
  SKINHEAL_REQUIRE(abs_tolerance > 0.0 && std::isfinite(abs_tolerance),
                   "the absolute tolerance of field '" + info_[f].name +
                       "' must be finite and > 0 " + info_[f].units);
  info_[f].abs_tolerance = abs_tolerance;
}

std::vector<std::string> FieldSet::names() const {
  std::vector<std::string> n;
  for (const FieldInfo& i : info_) n.push_back(i.name);
  return n;
}

}  // namespace skinheal
