/// \file hdf5_util.hpp
/// \brief Internal HDF5 plumbing shared by the result writer, the result reader and the
/// checkpoint: a quiet error stack, checked calls that throw Error naming the file and the
/// operation, owning identifiers, and small dataset/attribute helpers.
///
/// Not a public header: include it only from engine/output/*.cpp. Every helper takes the file
/// name used in messages as `file`; a failed call throws
/// Error("<file>: cannot <what> <object> (HDF5: <innermost message>)").
#pragma once

#include <hdf5.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/error.hpp"

namespace skinheal::hdf5_detail {

static_assert(std::is_same_v<hid_t, std::int64_t>, "skinheal stores hid_t as int64_t");

/// Switches HDF5's automatic error printing off for its lifetime, then restores it.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

inline herr_t innermost_error(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err != nullptr && err->desc != nullptr)
    *static_cast<std::string*>(data) = err->desc;
  return 0;
}

/// " (HDF5: <innermost message>)" from the error stack, which is then cleared.
inline std::string error_detail() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? std::string() : " (HDF5: " + msg + ")";
}

[[noreturn]] inline void fail(const std::string& file, const char* what,
                              const std::string& object) {
  throw Error(file + ": cannot " + what + (object.empty() ? "" : " " + object) + error_detail());
}

/// Return r, or throw Error("<file>: cannot <what> <object> (HDF5: ...)") if r < 0.
template <class T>
T check(T r, const std::string& file, const char* what, const std::string& object = {}) {
  if (r < 0) fail(file, what, object);
  return r;
}

/// An owned HDF5 identifier, closed by its close function.
class Id {
 public:
  using Closer = herr_t (*)(hid_t);
  Id() = default;
  Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Id(Id&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
  Id& operator=(Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
      closer_ = o.closer_;
    }
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() { reset(); }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Close, ignoring failure (destructors, error paths).
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = -1;
  }
  /// Close and report failure.
  herr_t close() {
    herr_t r = 0;
    if (id_ >= 0 && closer_ != nullptr) r = closer_(id_);
    id_ = -1;
    return r;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

inline Id checked(hid_t id, Id::Closer closer, const std::string& file, const char* what,
                  const std::string& object = {}) {
  return Id(check(id, file, what, object), closer);
}

inline Id utf8_string_type(const std::string& file) {
  Id type = checked(H5Tcopy(H5T_C_S1), H5Tclose, file, "copy the string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), file, "make a variable-length string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), file, "set the UTF-8 character set");
  return type;
}

inline Id scalar_space(const std::string& file) {
  return checked(H5Screate(H5S_SCALAR), H5Sclose, file, "create a scalar dataspace");
}

inline Id simple_space(const std::vector<hsize_t>& dims, const std::string& file,
                       const std::vector<hsize_t>& maxdims = {}) {
  return checked(H5Screate_simple(static_cast<int>(dims.size()), dims.data(),
                                  maxdims.empty() ? nullptr : maxdims.data()),
                 H5Sclose, file, "create a dataspace");
}

/// Whether the link path `name` ("a/b/c") exists, checking each component in turn.
inline bool exists(hid_t loc, const std::string& name, const std::string& file) {
  for (std::size_t end = name.find('/');; end = name.find('/', end + 1)) {
    const std::string prefix = name.substr(0, end);
    if (check(H5Lexists(loc, prefix.c_str(), H5P_DEFAULT), file, "look up", "/" + prefix) <= 0)
      return false;
    if (end == std::string::npos) return true;
  }
}

/// Open a dataset (with the dataset access list `access`); InputError("<file>: no dataset
/// /<name>") if it does not exist.
inline Id open_dataset(hid_t loc, const std::string& name, const std::string& file,
                       hid_t access = H5P_DEFAULT) {
  if (!exists(loc, name, file)) throw InputError(file + ": no dataset /" + name);
  return checked(H5Dopen2(loc, name.c_str(), access), H5Dclose, file, "open dataset", "/" + name);
}

/// Open a group; InputError("<file>: no group /<name>") if it does not exist.
inline Id open_group(hid_t loc, const std::string& name, const std::string& file) {
  if (!exists(loc, name, file)) throw InputError(file + ": no group /" + name);
  return checked(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose, file, "open group",
                 "/" + name);
}

inline Id create_group(hid_t loc, const char* name, const std::string& file) {
  return checked(H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, file,
                 "create group", name);
}

inline std::vector<hsize_t> extent(hid_t ds, const std::string& file, const std::string& name) {
  Id space = checked(H5Dget_space(ds), H5Sclose, file, "get the dataspace of", name);
  const int rank = check(H5Sget_simple_extent_ndims(space.get()), file, "get the rank of", name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), file, "get the extent of",
        name);
  return dims;
}

inline std::size_t product(const std::vector<hsize_t>& dims) {
  std::size_t n = 1;
  for (hsize_t d : dims) n *= static_cast<std::size_t>(d);
  return n;
}

/// A whole numeric dataset, read as mem_type into a flat vector.
template <class T>
std::vector<T> read_all(hid_t loc, const std::string& name, hid_t mem_type,
                        const std::string& file) {
  Id ds = open_dataset(loc, name, file);
  std::vector<T> values(product(extent(ds.get(), file, name)));
  if (!values.empty())
    check(H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), file,
          "read dataset", "/" + name);
  return values;
}

/// A string dataset (scalar or 1-D) of variable-length strings.
inline std::vector<std::string> read_strings(hid_t loc, const std::string& name,
                                             const std::string& file) {
  Id ds = open_dataset(loc, name, file);
  Id space = checked(H5Dget_space(ds.get()), H5Sclose, file, "get the dataspace of", name);
  const hssize_t n = check(H5Sget_simple_extent_npoints(space.get()), file, "count", name);
  Id type = utf8_string_type(file);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  std::vector<std::string> out;
  if (n == 0) return out;
  check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), file,
        "read dataset", "/" + name);
  for (char* p : ptrs) out.emplace_back(p != nullptr ? p : "");
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  return out;
}

/// Create (replacing an existing one) a scalar attribute of `type` on obj and write *value.
inline void write_attribute(hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
                            const void* value, const std::string& file) {
  if (check(H5Aexists(obj, name), file, "query attribute", name) > 0)
    check(H5Adelete(obj, name), file, "delete attribute", name);
  Id space = scalar_space(file);
  Id attr = checked(H5Acreate2(obj, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                    H5Aclose, file, "create attribute", name);
  check(H5Awrite(attr.get(), mem_type, value), file, "write attribute", name);
  check(attr.close(), file, "close attribute", name);
}

inline void write_string_attribute(hid_t obj, const char* name, const std::string& value,
                                   const std::string& file) {
  Id type = utf8_string_type(file);
  const char* p = value.c_str();
  write_attribute(obj, name, type.get(), type.get(), &p, file);
}

inline void write_double_attribute(hid_t obj, const char* name, double value,
                                   const std::string& file) {
  write_attribute(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, file);
}

inline void write_int_attribute(hid_t obj, const char* name, long long value,
                                const std::string& file) {
  write_attribute(obj, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &value, file);
}

/// Open an attribute; InputError("<file>: no attribute <name> on <where>") if missing.
inline Id open_attribute(hid_t obj, const char* name, const std::string& file,
                         const std::string& where) {
  if (check(H5Aexists(obj, name), file, "query attribute", name) <= 0)
    throw InputError(file + ": no attribute '" + name + "' on " + where);
  return checked(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, file, "open attribute", name);
}

/// A numeric scalar attribute converted to T (double or long long).
template <class T>
T read_number_attribute(hid_t obj, const char* name, const std::string& file,
                        const std::string& where) {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, long long>);
  Id attr = open_attribute(obj, name, file, where);
  Id type = checked(H5Aget_type(attr.get()), H5Tclose, file, "get the type of attribute", name);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw InputError(file + ": attribute '" + name + "' on " + where + " is not a number");
  T value{};
  check(
      H5Aread(attr.get(), std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG, &value),
      file, "read attribute", name);
  return value;
}

/// A variable-length string attribute.
inline std::string read_string_attribute(hid_t obj, const char* name, const std::string& file,
                                         const std::string& where) {
  Id attr = open_attribute(obj, name, file, where);
  Id type = checked(H5Aget_type(attr.get()), H5Tclose, file, "get the type of attribute", name);
  if (H5Tget_class(type.get()) != H5T_STRING ||
      check(H5Tis_variable_str(type.get()), file, "inspect attribute", name) <= 0)
    throw InputError(file + ": attribute '" + name + "' on " + where + " is not a string");
  Id mem = utf8_string_type(file);
  char* p = nullptr;
  check(H5Aread(attr.get(), mem.get(), &p), file, "read attribute", name);
  std::string s = p != nullptr ? p : "";
  H5free_memory(p);
  return s;
}

/// A fixed-size dataset written in one go (contiguous layout).
inline void write_dataset(hid_t loc, const char* name, hid_t file_type, hid_t mem_type,
                          const std::vector<hsize_t>& dims, const void* data,
                          const std::string& file, const std::string& units = {}) {
  Id space = dims.empty() ? scalar_space(file) : simple_space(dims, file);
  Id ds =
      checked(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, file, "create dataset", name);
  if (product(dims) > 0)
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), file, "write dataset",
          name);
  if (!units.empty()) write_string_attribute(ds.get(), "units", units, file);
  check(ds.close(), file, "close dataset", name);
}

inline void write_doubles(hid_t loc, const char* name, const std::vector<double>& values,
                          const std::string& file, const std::string& units = {}) {
  write_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {values.size()}, values.data(), file,
                units);
}

inline void write_strings(hid_t loc, const char* name, const std::vector<std::string>& values,
                          const std::string& file) {
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const std::string& s : values) ptrs.push_back(s.c_str());
  Id type = utf8_string_type(file);
  write_dataset(loc, name, type.get(), type.get(), {values.size()}, ptrs.data(), file);
}

/// One /parameters row: key, value (the TOML text in effect; quantities carry their units, e.g.
/// "\"1.5 mm\""), source ("file": given in the scenario or by --set; "default": the code's
/// default). See docs/output-format.md.
using ParameterRow = std::array<std::string, 3>;

/// Write the rows as three string datasets `key`, `value`, `source` of group `group`.
inline void write_parameter_table(hid_t group, const std::vector<ParameterRow>& rows,
                                  const std::string& file) {
  std::vector<std::string> columns[3];
  for (const ParameterRow& row : rows)
    for (int c = 0; c < 3; ++c) columns[c].push_back(row[c]);
  write_strings(group, "key", columns[0], file);
  write_strings(group, "value", columns[1], file);
  write_strings(group, "source", columns[2], file);
}

/// Read the table `parameters/{key,value,source}` below `loc` into `rows`. Files written before
/// the column was renamed hold the source in `parameters/units`; that name is read when
/// `source` is absent. Returns false (and leaves `rows` empty) when the three datasets differ in
/// length; the caller names the error. A missing column is an InputError naming it.
inline bool read_parameter_table(hid_t loc, const std::string& file,
                                 std::vector<ParameterRow>& rows) {
  const auto keys = read_strings(loc, "parameters/key", file);
  const auto values = read_strings(loc, "parameters/value", file);
  const bool renamed = exists(loc, "parameters/source", file) ||
                       !exists(loc, "parameters/units", file);  // neither: name the new one
  const auto sources = read_strings(loc, renamed ? "parameters/source" : "parameters/units", file);
  rows.clear();
  if (values.size() != keys.size() || sources.size() != keys.size()) return false;
  for (std::size_t i = 0; i < keys.size(); ++i) rows.push_back({keys[i], values[i], sources[i]});
  return true;
}

}  // namespace skinheal::hdf5_detail
