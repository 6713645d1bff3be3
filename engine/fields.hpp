/// \file fields.hpp
/// \brief Named fields in one contiguous structure-of-arrays block, and the views kernels get.
///
/// Storage is field-major: field f occupies [f · N, (f + 1) · N) of one std::vector<double>,
/// N = grid.num_cells(), cells ordered as Grid::index. The FieldSet owns the memory; kernels
/// receive FieldView / ConstFieldView (pointer + size), never the container.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/grid.hpp"

namespace skinheal {

/// \brief Metadata of a field: part of the output contract.
struct FieldInfo {
  std::string name;          ///< e.g. "collagen_I"
  std::string units;         ///< e.g. "g/cm^3", "cells/mm^3", "1" (dimensionless)
  bool diffuses = false;     ///< transported by the implicit transport operator
  bool non_negative = true;  ///< kept ≥ 0 (a negative value beyond round-off is a numerical error)
  double abs_tolerance = 1e-8;  ///< absolute error tolerance for step control, in `units`
  std::string description;
};

/// \brief Non-owning mutable view of one field.
struct FieldView {
  double* data = nullptr;
  std::size_t size = 0;
  double& operator[](std::size_t i) const { return data[i]; }
};

/// \brief Non-owning read-only view of one field.
struct ConstFieldView {
  const double* data = nullptr;
  std::size_t size = 0;
  ConstFieldView() = default;
  ConstFieldView(const double* d, std::size_t n) : data(d), size(n) {}
  ConstFieldView(FieldView v) : data(v.data), size(v.size) {}  // NOLINT: implicit by design
  const double& operator[](std::size_t i) const { return data[i]; }
};

/// \brief Owner of every field's values on one grid.
class FieldSet {
 public:
  explicit FieldSet(const Grid& grid);

  /// Add a field (initialised to `initial`); returns its index. Names must be unique.
  int add(const FieldInfo& info, double initial = 0.0);
  /// Room for `num_fields` fields in all, so that adding them copies no values.
  void reserve(int num_fields);
  int num_fields() const { return static_cast<int>(info_.size()); }
  std::size_t num_cells() const { return cells_; }
  const Grid& grid() const { return *grid_; }

  /// Index of a field by name; throws InputError suggesting the nearest name.
  int index(const std::string& name) const;
  bool contains(const std::string& name) const;
  const FieldInfo& info(int f) const { return info_[f]; }
  /// Change a field's absolute tolerance for step control (must be > 0, in the field's units).
  void set_abs_tolerance(int f, double abs_tolerance);
  std::vector<std::string> names() const;

  FieldView view(int f) { return {storage_.data() + f * cells_, cells_}; }
  ConstFieldView view(int f) const { return {storage_.data() + f * cells_, cells_}; }
  FieldView view(const std::string& name) { return view(index(name)); }
  ConstFieldView view(const std::string& name) const { return view(index(name)); }

  /// The whole block (num_fields · num_cells values), e.g. for checkpoints and comparisons.
  std::vector<double>& storage() { return storage_; }
  const std::vector<double>& storage() const { return storage_; }

 private:
  const Grid* grid_;
  std::size_t cells_;
  std::vector<FieldInfo> info_;
  std::vector<double> storage_;
};

}  // namespace skinheal
