// Reading back skinheal result files. Layout: docs/output-format.md.
//
// The small HDF5 helpers (quiet error stack, owning ids) repeat those of hdf5_writer.cpp on
// purpose: each file keeps its HDF5 details private.
#include "engine/output/hdf5_reader.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>

#include "engine/error.hpp"
#include "engine/output/detail/hdf5_util.hpp"
#include "engine/strings.hpp"

namespace skinheal {

namespace {

using namespace hdf5_detail;  // RAII ids, checked calls, readers (detail/hdf5_util.hpp)

/// An attribute as text (strings as they are, numbers formatted).
std::string attribute_text(hid_t obj, const std::string& name, const std::string& file) {
  Id attr =
      checked(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, file, "open attribute", name);
  Id type = checked(H5Aget_type(attr.get()), H5Tclose, file, "get the type of attribute", name);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_STRING) {
    if (check(H5Tis_variable_str(type.get()), file, "inspect attribute", name) > 0) {
      Id mem = utf8_string_type(file);
      char* p = nullptr;
      check(H5Aread(attr.get(), mem.get(), &p), file, "read attribute", name);
      std::string s = p != nullptr ? p : "";
      H5free_memory(p);
      return s;
    }
    const std::size_t size = H5Tget_size(type.get());
    std::string s(size, '\0');
    check(H5Aread(attr.get(), type.get(), s.data()), file, "read attribute", name);
    return s.substr(0, s.find('\0'));
  }
  std::ostringstream out;
  out.precision(17);
  if (cls == H5T_INTEGER) {
    long long v = 0;
    check(H5Aread(attr.get(), H5T_NATIVE_LLONG, &v), file, "read attribute", name);
    out << v;
  } else if (cls == H5T_FLOAT) {
    double v = 0;
    check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), file, "read attribute", name);
    out << v;
  } else {
    out << "(unsupported attribute type)";
  }
  return out.str();
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

Hdf5Result::Hdf5Result(const std::string& path) : path_(path) {
  QuietHdf5 quiet;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path + ": not an HDF5 file (corrupt, truncated, or another format)");
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    throw InputError(path + ": cannot open as HDF5 (corrupt or truncated?)" + error_detail());
  file_ = file;
  // A skinheal result says so in its root `format` attribute; a file without it is accepted
  // only if it has the three groups every result has.
  const htri_t has_format = H5Aexists(file, "format");
  std::string reason;
  if (has_format > 0) {
    std::string format;
    try {
      format = attribute_text(file, "format", path);
    } catch (const Error&) {
      format = "(unreadable)";
    }
    if (format != "skinheal result")
      reason = "its format attribute is '" + format + "', not 'skinheal result'";
  } else {
    for (const char* required : {"fields group", "time dataset", "grid group"}) {
      const std::string what = required;
      const std::string link = what.substr(0, what.find(' '));
      if (reason.empty() && H5Lexists(file, link.c_str(), H5P_DEFAULT) <= 0) reason = "no /" + what;
    }
  }
  if (!reason.empty()) {
    H5Fclose(file);
    file_ = -1;
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path + ": not a skinheal result (" + reason + ")");
  }
}

Hdf5Result::~Hdf5Result() {
  if (file_ >= 0) {
    QuietHdf5 quiet;
    H5Fclose(file_);
  }
}

std::vector<std::string> Hdf5Result::field_names() const {
  QuietHdf5 quiet;
  Id group =
      checked(H5Gopen2(file_, "fields", H5P_DEFAULT), H5Gclose, path_, "open group", "/fields");
  std::vector<std::string> names;
  check(H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names), path_,
        "list", "/fields");
  return names;
}

std::vector<std::size_t> Hdf5Result::snapshot_shape() const {
  QuietHdf5 quiet;
  const std::vector<std::string> names = field_names();
  if (names.empty()) throw InputError(path_ + ": the result has no fields");
  Id ds = open_dataset(file_, "fields/" + names.front(), path_);
  const std::vector<hsize_t> dims = extent(ds.get(), path_, names.front());
  return std::vector<std::size_t>(dims.begin() + 1, dims.end());
}

std::size_t Hdf5Result::num_snapshots() const {
  QuietHdf5 quiet;
  Id ds = open_dataset(file_, "time", path_);
  return static_cast<std::size_t>(extent(ds.get(), path_, "/time").at(0));
}

std::vector<double> Hdf5Result::snapshot_times_s() const {
  QuietHdf5 quiet;
  return read_all<double>(file_, "time", H5T_NATIVE_DOUBLE, path_);
}

std::vector<std::string> Hdf5Result::snapshot_labels() const {
  QuietHdf5 quiet;
  return read_strings(file_, "snapshot_label", path_);
}

std::vector<float> Hdf5Result::read_snapshot(const std::string& field, std::size_t snapshot) const {
  QuietHdf5 quiet;
  const std::vector<std::string> names = field_names();
  bool known = false;
  for (const std::string& n : names) known = known || n == field;
  if (!known)
    throw InputError(path_ + ": no field '" + field + "'" + suggest_nearest(field, names));
  const std::string name = "/fields/" + field;
  Id ds = open_dataset(file_, "fields/" + field, path_);
  std::vector<hsize_t> dims = extent(ds.get(), path_, name);
  if (snapshot >= dims.at(0))
    throw InputError(path_ + ": snapshot " + std::to_string(snapshot) + " out of range (" +
                     std::to_string(dims[0]) + " snapshots)");
  Id space = checked(H5Dget_space(ds.get()), H5Sclose, path_, "get the dataspace of", name);
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = snapshot;
  count[0] = 1;
  check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr),
        path_, "select a snapshot of", name);
  const hsize_t n = product(count);
  Id mem = checked(H5Screate_simple(1, &n, nullptr), H5Sclose, path_, "create a dataspace");
  std::vector<float> values(static_cast<std::size_t>(n));
  check(H5Dread(ds.get(), H5T_NATIVE_FLOAT, mem.get(), space.get(), H5P_DEFAULT, values.data()),
        path_, "read", name);
  return values;
}

std::string Hdf5Result::field_units(const std::string& field) const {
  QuietHdf5 quiet;
  Id ds = open_dataset(file_, "fields/" + field, path_);
  return attribute_text(ds.get(), "units", path_);
}

std::string Hdf5Result::field_description(const std::string& field) const {
  QuietHdf5 quiet;
  Id ds = open_dataset(file_, "fields/" + field, path_);
  return attribute_text(ds.get(), "description", path_);
}

ResultSummary Hdf5Result::read_summary() const {
  QuietHdf5 quiet;
  if (!exists(file_, "summary", path_)) throw InputError(path_ + ": no /summary group");
  ResultSummary s;
  s.time_s = read_all<double>(file_, "summary/time", H5T_NATIVE_DOUBLE, path_);
  s.dt_s = read_all<double>(file_, "summary/dt", H5T_NATIVE_DOUBLE, path_);
  s.layer_names = read_strings(file_, "summary/layer_names", path_);
  Id group =
      checked(H5Gopen2(file_, "summary", H5P_DEFAULT), H5Gclose, path_, "open group", "/summary");
  std::vector<std::string> columns;
  check(H5Literate(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &columns), path_,
        "list", "/summary");
  const std::vector<std::string> fields = field_names();
  for (const std::string& column : columns) {
    if (column == "time" || column == "dt" || column == "layer_names") continue;
    const std::string name = "summary/" + column;
    const bool is_field = std::find(fields.begin(), fields.end(), column) != fields.end();
    {
      Id ds = open_dataset(file_, name, path_);
      const std::vector<hsize_t> dims = extent(ds.get(), path_, "/" + name);
      // Only (row, layer) tables; anything else in /summary is not a per-layer column.
      if (!is_field && (dims.size() != 2 || dims[1] != s.layer_names.size())) continue;
      s.units[column] = H5Aexists(ds.get(), "units") > 0 ? attribute_text(ds.get(), "units", path_)
                                                         : std::string();
    }
    std::vector<double> mean = read_all<double>(file_, name, H5T_NATIVE_DOUBLE, path_);
    if (mean.size() != s.time_s.size() * s.layer_names.size())
      throw InputError(path_ + ": /summary/" + column +
                       " does not match /summary/time and the layers (truncated or corrupt?)");
    s.mean.emplace(column, std::move(mean));
  }
  for (const std::string& field : fields)
    if (!s.has(field)) throw InputError(path_ + ": no /summary/" + field);
  return s;
}

std::array<double, 2> Hdf5Result::field_range(const std::string& field) const {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const std::size_t n = num_snapshots();
  for (std::size_t s = 0; s < n; ++s)
    for (float v : read_snapshot(field, s))
      if (std::isfinite(v)) {
        lo = std::min(lo, static_cast<double>(v));
        hi = std::max(hi, static_cast<double>(v));
      }
  if (!(lo <= hi)) return {0.0, 0.0};
  return {lo, hi};
}

ResultGrid Hdf5Result::read_grid() const {
  QuietHdf5 quiet;
  if (!exists(file_, "grid", path_)) throw InputError(path_ + ": no /grid group");
  ResultGrid g;
  Id group = checked(H5Gopen2(file_, "grid", H5P_DEFAULT), H5Gclose, path_, "open group", "/grid");
  const std::string dimension = attribute_text(group.get(), "dimension", path_);
  g.dim = dimension == "3" ? 3 : dimension == "2" ? 2 : 0;
  if (g.dim == 0) throw InputError(path_ + ": /grid dimension is '" + dimension + "', not 2 or 3");
  // Files written before the attribute existed are Cartesian.
  if (H5Aexists(group.get(), "geometry") > 0)
    g.axisymmetric = attribute_text(group.get(), "geometry", path_) == "rz";
  g.x_um = read_all<double>(file_, "grid/x_um", H5T_NATIVE_DOUBLE, path_);
  if (g.dim == 3) g.y_um = read_all<double>(file_, "grid/y_um", H5T_NATIVE_DOUBLE, path_);
  g.z_um = read_all<double>(file_, "grid/z_um", H5T_NATIVE_DOUBLE, path_);
  g.z_faces_um = read_all<double>(file_, "grid/z_faces_um", H5T_NATIVE_DOUBLE, path_);
  g.dx_um = read_all<double>(file_, "grid/dx_um", H5T_NATIVE_DOUBLE, path_).at(0);
  g.layer_id = read_all<std::uint8_t>(file_, "grid/layer_id", H5T_NATIVE_UINT8, path_);
  g.layer_names = read_strings(file_, "grid/layer_names", path_);
  g.layer_bounds_um = read_all<double>(file_, "grid/layer_bounds_um", H5T_NATIVE_DOUBLE, path_);
  g.nx = static_cast<int>(g.x_um.size());
  g.ny = g.dim == 3 ? static_cast<int>(g.y_um.size()) : 1;
  g.nz = static_cast<int>(g.z_um.size());
  const std::size_t cells = static_cast<std::size_t>(g.nx) * g.ny * g.nz;
  const bool consistent = (g.dim == 2 || g.dim == 3) && g.nx > 0 && g.nz > 0 && g.ny > 0 &&
                          g.z_faces_um.size() == g.z_um.size() + 1 && g.layer_id.size() == cells &&
                          !g.layer_names.empty() &&
                          g.layer_bounds_um.size() == g.layer_names.size() + 1;
  if (!consistent)
    throw InputError(path_ + ": /grid is inconsistent (sizes of x_um, z_um, z_faces_um, " +
                     "layer_id, layer_names and layer_bounds_um do not agree)");
  return g;
}

std::string Hdf5Result::scenario_text() const {
  QuietHdf5 quiet;
  const std::vector<std::string> text = read_strings(file_, "scenario", path_);
  return text.empty() ? std::string() : text.front();
}

std::vector<std::array<std::string, 3>> Hdf5Result::parameters() const {
  QuietHdf5 quiet;
  std::vector<std::array<std::string, 3>> rows;
  if (!read_parameter_table(file_, path_, rows))
    throw Error(path_ + ": /parameters key, value and source differ in length");
  return rows;
}

std::map<std::string, std::string> Hdf5Result::provenance() const {
  QuietHdf5 quiet;
  if (!exists(file_, "provenance", path_)) throw InputError(path_ + ": no /provenance group");
  Id group = checked(H5Gopen2(file_, "provenance", H5P_DEFAULT), H5Gclose, path_, "open group",
                     "/provenance");
  std::vector<std::string> names;
  check(H5Aiterate2(group.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_attribute, &names),
        path_, "list the attributes of", "/provenance");
  std::map<std::string, std::string> out;
  for (const std::string& n : names) out[n] = attribute_text(group.get(), n, path_);
  return out;
}

}  // namespace skinheal
