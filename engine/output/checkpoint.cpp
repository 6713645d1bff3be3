// Checkpoints: write atomically, read back with every check before anything is restored.
// Layout: docs/output-format.md, "Checkpoints".
#include "engine/output/checkpoint.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "engine/error.hpp"
#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/output/detail/hdf5_util.hpp"
#include "engine/simulation.hpp"
#include "engine/transport.hpp"

#ifndef SKINHEAL_VERSION
#define SKINHEAL_VERSION "unknown"
#endif

namespace skinheal {
namespace fs = std::filesystem;
using namespace hdf5_detail;

namespace {

constexpr const char* kFormat = "skinheal checkpoint";
constexpr long long kFormatVersion = 1;
/// The HDF5 user block (ignored by HDF5 and h5py) holds a text header with a checksum of every
/// byte after it, checked before HDF5 opens the file: no corrupt byte reaches the library.
constexpr std::size_t kUserBlock = 512;
constexpr const char* kMagic = "skinheal checkpoint\n";

/// 64-bit FNV-1a (a corruption and identity check, not a cryptographic hash).
class Fnv1a {
 public:
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 1099511628211ull;
  }
  template <class T>
  void value(T v) {
    bytes(&v, sizeof v);
  }
  void text(const std::string& s) {
    value<std::uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void doubles(const double* data, std::size_t size) {
    value<std::uint64_t>(size);
    bytes(data, size * sizeof(double));
  }
  void doubles(const std::vector<double>& v) { doubles(v.data(), v.size()); }
  std::uint64_t get() const { return h_; }

 private:
  std::uint64_t h_ = 14695981039346656037ull;
};

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// FNV-1a of the bytes of `path` from `offset` to the end, and the file size; false if unreadable.
bool file_checksum(const std::string& path, std::size_t offset, std::uint64_t& sum,
                   std::size_t& size) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  Fnv1a h;
  std::vector<char> buf(1 << 16);
  size = 0;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    if (size + n > offset) {
      const std::size_t skip = size >= offset ? 0 : offset - size;
      h.bytes(buf.data() + skip, n - skip);
    }
    size += n;
  }
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  sum = h.get();
  return ok;
}

/// The 512-byte header: magic, version, size of the file and checksum of the bytes after it.
std::string header_text(std::size_t size, std::uint64_t sum) {
  std::string header = std::string(kMagic) + "format_version 1\nbytes " + std::to_string(size) +
                       "\nfnv1a64 " + hex(sum) + "\n";
  header.resize(kUserBlock, '\0');
  return header;
}

/// Write the user-block header of a closed checkpoint file.
void write_header(const std::string& path) {
  std::uint64_t sum = 0;
  std::size_t size = 0;
  if (!file_checksum(path, kUserBlock, sum, size) || size < kUserBlock)
    throw Error(path + ": cannot read back the checkpoint to checksum it");
  const std::string header = header_text(size, sum);
  std::FILE* f = std::fopen(path.c_str(), "r+b");
  if (f == nullptr) throw Error(path + ": cannot reopen to write the checkpoint header");
  const bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
  if (std::fclose(f) != 0 || !ok) throw Error(path + ": cannot write the checkpoint header");
}

/// Check the user-block header against the file's bytes; InputError naming the file if not.
void check_header(const std::string& path) {
  std::string header(kUserBlock, '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw InputError(path + ": cannot open the checkpoint for reading");
  const std::size_t got = std::fread(header.data(), 1, header.size(), f);
  std::fclose(f);
  if (got < std::string(kMagic).size() || header.rfind(kMagic, 0) != 0)
    throw InputError(path + ": not a skinheal checkpoint (no '" + kFormat + "' header)");
  std::istringstream in(header.substr(std::string(kMagic).size()));
  std::string k1, k2, k3, checksum;
  long long version = 0;
  unsigned long long bytes = 0;
  in >> k1 >> version >> k2 >> bytes >> k3 >> checksum;
  if (!in || k1 != "format_version" || k2 != "bytes" || k3 != "fnv1a64")
    throw InputError(path + ": corrupt checkpoint (damaged header)");
  if (version != kFormatVersion)
    throw InputError(path + ": checkpoint format version " + std::to_string(version) +
                     " is not supported (this skinheal reads version " +
                     std::to_string(kFormatVersion) + ")");
  std::uint64_t sum = 0;
  std::size_t size = 0;
  if (!file_checksum(path, kUserBlock, sum, size))
    throw InputError(path + ": cannot read the checkpoint");
  if (size != bytes)
    throw InputError(path + ": corrupt checkpoint (truncated or extended: " + std::to_string(size) +
                     " bytes, header says " + std::to_string(bytes) + ")");
  if (hex(sum) != checksum)
    throw InputError(path + ": corrupt checkpoint (file checksum mismatch)");
  if (header != header_text(size, sum))
    throw InputError(path + ": corrupt checkpoint (damaged header)");
}

const char* boundary_kind_name(Boundary::Kind k) {
  switch (k) {
    case Boundary::Kind::no_flux:
      return "no_flux";
    case Boundary::Kind::value:
      return "value";
    case Boundary::Kind::permeable:
      return "permeable";
  }
  return "no_flux";
}

const char* diffusivity_kind_name(Diffusivity::Kind k) {
  switch (k) {
    case Diffusivity::Kind::uniform:
      return "uniform";
    case Diffusivity::Kind::by_depth:
      return "by_depth";
    case Diffusivity::Kind::per_voxel:
      return "per_voxel";
  }
  return "uniform";
}

/// One transported field's coefficients.
struct TransportState {
  std::string field;
  std::string diffusivity_kind;
  std::vector<double> diffusivity_um2_per_s;
  std::string surface_kind, bottom_kind;
  double surface_value = 0.0, surface_permeability_um_per_s = 0.0;
  double bottom_value = 0.0, bottom_permeability_um_per_s = 0.0;
};

/// Everything a checkpoint holds, in memory.
struct CheckpointData {
  std::uint64_t scenario_hash = 0;
  std::string scenario_text;
  std::vector<std::array<std::string, 3>> parameters;
  int dim = 2;
  std::string geometry = "xz";  ///< geometry_name(): "xz", "xyz" or "rz"
  long long nx = 1, ny = 1, nz = 1;
  std::vector<double> z_faces_um;
  std::vector<std::string> field_names;
  /// The fields' values: views of the simulation's own storage when writing (a checkpoint
  /// copies no field), of `read_fields` when restoring.
  std::vector<ConstFieldView> fields;
  std::vector<std::vector<double>> read_fields;
  // Move-only: a copy's `fields` would still point into the original's read_fields.
  CheckpointData() = default;
  CheckpointData(const CheckpointData&) = delete;
  CheckpointData& operator=(const CheckpointData&) = delete;
  CheckpointData(CheckpointData&&) = default;
  CheckpointData& operator=(CheckpointData&&) = default;
  std::vector<TransportState> transport;
  SimulationState loop;
  std::vector<double> event_times_s;
  std::vector<std::string> event_names;
  Hdf5WriterProgress writer;
};

/// The geometry of a checkpoint written before /grid had a `geometry` attribute: only
/// Cartesian grids existed then, so "xz" in 2D and "xyz" in 3D (geometry_name by dimension).
std::string legacy_geometry(int dim) {
  return geometry_name(Geometry::cartesian, dim);
}

/// Checksum of the state (not the scenario, which has its own hash).
std::uint64_t state_checksum(const CheckpointData& d) {
  Fnv1a h;
  h.value<std::uint64_t>(d.scenario_hash);
  h.value<long long>(d.dim);
  // Hashed only when not the legacy default, so checkpoints written before the attribute
  // existed keep their checksum.
  if (d.geometry != legacy_geometry(d.dim)) h.text(d.geometry);
  h.value(d.nx);
  h.value(d.ny);
  h.value(d.nz);
  h.doubles(d.z_faces_um);
  for (std::size_t f = 0; f < d.fields.size(); ++f) {
    h.text(d.field_names[f]);
    h.doubles(d.fields[f].data, d.fields[f].size);
  }
  for (const TransportState& t : d.transport) {
    h.text(t.field);
    h.text(t.diffusivity_kind);
    h.doubles(t.diffusivity_um2_per_s);
    h.text(t.surface_kind);
    h.value(t.surface_value);
    h.value(t.surface_permeability_um_per_s);
    h.text(t.bottom_kind);
    h.value(t.bottom_value);
    h.value(t.bottom_permeability_um_per_s);
  }
  const SimulationState& s = d.loop;
  h.value(s.t_s);
  h.value(s.next_dt_s);
  h.value(s.last_step.t_s);
  h.value(s.last_step.dt_s);
  h.value(s.last_step.error_norm);
  h.value<long long>(s.last_step.accepted);
  h.value<long long>(s.last_step.rejected);
  h.value<long long>(s.last_step.monotone_fallbacks);
  h.value<std::uint64_t>(s.events_done.size());
  for (std::size_t e = 0; e < s.events_done.size(); ++e) {
    h.value<unsigned char>(s.events_done[e] ? 1 : 0);
    h.value(d.event_times_s[e]);
    h.text(d.event_names[e]);
  }
  h.value(d.writer.snapshots);
  h.value(d.writer.summary_rows);
  h.value(d.writer.next_scheduled);
  h.value<unsigned char>(d.writer.current_state_written ? 1 : 0);
  return h.get();
}

CheckpointData capture(const Simulation& sim, const CheckpointIdentity& identity,
                       const Hdf5WriterProgress& writer) {
  CheckpointData d;
  d.scenario_hash = scenario_hash(identity);
  d.scenario_text = identity.scenario_text;
  d.parameters = identity.parameters;
  const Grid& g = sim.grid();
  d.dim = g.dim();
  d.geometry = geometry_name(g.geometry(), g.dim());
  d.nx = g.nx();
  d.ny = g.ny();
  d.nz = g.nz();
  d.z_faces_um = g.z_faces_um();
  const FieldSet& f = sim.fields();
  d.field_names = f.names();
  for (int i = 0; i < f.num_fields(); ++i) {
    d.fields.push_back(f.view(i));
  }
  const Transport& transport = sim.transport();
  for (int i = 0; i < f.num_fields(); ++i) {
    if (!transport.transports(i)) continue;
    TransportState t;
    t.field = d.field_names[i];
    const Diffusivity& D = transport.diffusivity(i);
    t.diffusivity_kind = diffusivity_kind_name(D.kind());
    t.diffusivity_um2_per_s = D.values();
    const Boundary& s = transport.surface_boundary(i);
    const Boundary& b = transport.bottom_boundary(i);
    t.surface_kind = boundary_kind_name(s.kind);
    t.surface_value = s.value;
    t.surface_permeability_um_per_s = s.permeability_um_per_s;
    t.bottom_kind = boundary_kind_name(b.kind);
    t.bottom_value = b.value;
    t.bottom_permeability_um_per_s = b.permeability_um_per_s;
    d.transport.push_back(std::move(t));
  }
  d.loop = sim.state();
  for (const Event& e : sim.events()) {
    d.event_times_s.push_back(e.time_s);
    d.event_names.push_back(e.name);
  }
  d.writer = writer;
  return d;
}

std::vector<hsize_t> field_shape(const CheckpointData& d) {
  const auto u = [](long long v) { return static_cast<hsize_t>(v); };
  return d.dim == 3 ? std::vector<hsize_t>{u(d.nz), u(d.ny), u(d.nx)}
                    : std::vector<hsize_t>{u(d.nz), u(d.nx)};
}

std::string now_iso8601() {
  const std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_file(const std::string& fn, const CheckpointData& d) {
  Id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, fn, "create a file access list");
  // The newest format: checksummed metadata, so corruption is detected on reading.
  check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), fn,
        "select the file format version");
  Id fcpl = checked(H5Pcreate(H5P_FILE_CREATE), H5Pclose, fn, "create a file creation list");
  check(H5Pset_userblock(fcpl.get(), kUserBlock), fn, "reserve the checkpoint header");
  Id file = checked(H5Fcreate(fn.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose, fn,
                    "create the file");
  const hid_t root = file.get();
  write_string_attribute(root, "format", kFormat, fn);
  write_int_attribute(root, "format_version", kFormatVersion, fn);
  write_string_attribute(root, "skinheal_version", SKINHEAL_VERSION, fn);
  write_string_attribute(root, "written_at", now_iso8601(), fn);
  write_string_attribute(root, "scenario_hash", hex(d.scenario_hash), fn);
  write_string_attribute(root, "checksum", hex(state_checksum(d)), fn);

  Id str = utf8_string_type(fn);
  const char* text = d.scenario_text.c_str();
  write_dataset(root, "scenario", str.get(), str.get(), {}, &text, fn);
  {
    Id params = create_group(root, "parameters", fn);
    write_parameter_table(params.get(), d.parameters, fn);
  }
  {
    Id grid = create_group(root, "grid", fn);
    write_int_attribute(grid.get(), "dimension", d.dim, fn);
    write_string_attribute(grid.get(), "geometry", d.geometry, fn);
    write_int_attribute(grid.get(), "nx", d.nx, fn);
    write_int_attribute(grid.get(), "ny", d.ny, fn);
    write_int_attribute(grid.get(), "nz", d.nz, fn);
    write_doubles(grid.get(), "z_faces_um", d.z_faces_um, fn, "um");
  }
  {
    Id fields = create_group(root, "fields", fn);
    write_strings(root, "field_order", d.field_names, fn);
    for (std::size_t i = 0; i < d.fields.size(); ++i)
      write_dataset(fields.get(), d.field_names[i].c_str(), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                    field_shape(d), d.fields[i].data, fn);
  }
  {
    Id transport = create_group(root, "transport", fn);
    for (const TransportState& t : d.transport) {
      Id tg = create_group(transport.get(), t.field.c_str(), fn);
      const hid_t id = tg.get();
      write_string_attribute(id, "diffusivity_kind", t.diffusivity_kind, fn);
      write_doubles(id, "diffusivity", t.diffusivity_um2_per_s, fn, "um^2/s");
      write_string_attribute(id, "surface_kind", t.surface_kind, fn);
      write_double_attribute(id, "surface_value", t.surface_value, fn);
      write_double_attribute(id, "surface_permeability_um_per_s", t.surface_permeability_um_per_s,
                             fn);
      write_string_attribute(id, "bottom_kind", t.bottom_kind, fn);
      write_double_attribute(id, "bottom_value", t.bottom_value, fn);
      write_double_attribute(id, "bottom_permeability_um_per_s", t.bottom_permeability_um_per_s,
                             fn);
    }
  }
  {
    Id loop = create_group(root, "loop", fn);
    const hid_t id = loop.get();
    const SimulationState& s = d.loop;
    write_double_attribute(id, "t_s", s.t_s, fn);
    write_double_attribute(id, "next_dt_s", s.next_dt_s, fn);
    write_double_attribute(id, "last_t_s", s.last_step.t_s, fn);
    write_double_attribute(id, "last_dt_s", s.last_step.dt_s, fn);
    write_double_attribute(id, "last_error_norm", s.last_step.error_norm, fn);
    write_int_attribute(id, "accepted", s.last_step.accepted, fn);
    write_int_attribute(id, "rejected", s.last_step.rejected, fn);
    write_int_attribute(id, "last_monotone_fallbacks", s.last_step.monotone_fallbacks, fn);
    std::vector<std::uint8_t> done(s.events_done.begin(), s.events_done.end());
    write_dataset(id, "event_done", H5T_STD_U8LE, H5T_NATIVE_UINT8, {done.size()}, done.data(), fn);
    write_doubles(id, "event_time", d.event_times_s, fn, "s");
    write_strings(id, "event_name", d.event_names, fn);
  }
  {
    Id w = create_group(root, "writer", fn);
    write_int_attribute(w.get(), "snapshots", static_cast<long long>(d.writer.snapshots), fn);
    write_int_attribute(w.get(), "summary_rows", static_cast<long long>(d.writer.summary_rows), fn);
    write_int_attribute(w.get(), "next_scheduled", static_cast<long long>(d.writer.next_scheduled),
                        fn);
    write_int_attribute(w.get(), "current_state_written", d.writer.current_state_written ? 1 : 0,
                        fn);
  }
  check(file.close(), fn, "close the file");
}

/// fsync a file or directory by path; Error naming it on failure.
void sync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw Error(path + ": cannot open to sync it to disk");
  const int r = ::fsync(fd);
  ::close(fd);
  if (r != 0 && !directory) throw Error(path + ": cannot sync to disk (fsync failed)");
}

// --- Reading ----------------------------------------------------------------------------------

long long int_attr(hid_t obj, const char* name, const std::string& fn, const std::string& where) {
  return read_number_attribute<long long>(obj, name, fn, where);
}
double double_attr(hid_t obj, const char* name, const std::string& fn, const std::string& where) {
  return read_number_attribute<double>(obj, name, fn, where);
}

std::uint64_t parse_hex(const std::string& s, const std::string& fn, const char* what) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 16);
  if (s.size() != 16 || end != s.c_str() + s.size())
    throw InputError(fn + ": corrupt checkpoint (bad " + what + " '" + s + "')");
  return v;
}

CheckpointData read_file(const std::string& fn, hid_t root, std::uint64_t& stored_checksum) {
  CheckpointData d;
  d.scenario_hash =
      parse_hex(read_string_attribute(root, "scenario_hash", fn, "/"), fn, "scenario hash");
  stored_checksum = parse_hex(read_string_attribute(root, "checksum", fn, "/"), fn, "checksum");
  const std::vector<std::string> text = read_strings(root, "scenario", fn);
  if (text.size() != 1) throw InputError(fn + ": corrupt checkpoint (/scenario is not one string)");
  d.scenario_text = text[0];
  if (!read_parameter_table(root, fn, d.parameters))
    throw InputError(fn + ": corrupt checkpoint (/parameters arrays differ in length)");

  {
    Id grid = open_group(root, "grid", fn);
    d.dim = static_cast<int>(int_attr(grid.get(), "dimension", fn, "/grid"));
    // Checkpoints written before the attribute existed hold Cartesian grids (legacy_geometry).
    const bool has_geometry =
        check(H5Aexists(grid.get(), "geometry"), fn, "query attribute", "/grid geometry") > 0;
    d.geometry = has_geometry ? read_string_attribute(grid.get(), "geometry", fn, "/grid")
                              : legacy_geometry(d.dim);
    d.nx = int_attr(grid.get(), "nx", fn, "/grid");
    d.ny = int_attr(grid.get(), "ny", fn, "/grid");
    d.nz = int_attr(grid.get(), "nz", fn, "/grid");
    d.z_faces_um = read_all<double>(grid.get(), "z_faces_um", H5T_NATIVE_DOUBLE, fn);
    const bool known_geometry =
        d.geometry == legacy_geometry(d.dim) ||
        (d.dim == 2 && d.geometry == geometry_name(Geometry::axisymmetric, 2));
    if ((d.dim != 2 && d.dim != 3) || !known_geometry || d.nx < 1 || d.ny < 1 || d.nz < 1)
      throw InputError(fn + ": corrupt checkpoint (bad grid description)");
  }
  d.field_names = read_strings(root, "field_order", fn);
  const std::size_t cells = static_cast<std::size_t>(d.nx * d.ny * d.nz);
  for (const std::string& name : d.field_names) {
    d.read_fields.push_back(read_all<double>(root, "fields/" + name, H5T_NATIVE_DOUBLE, fn));
    d.fields.push_back({d.read_fields.back().data(), d.read_fields.back().size()});
    if (d.fields.back().size != cells)
      throw InputError(fn + ": corrupt checkpoint (/fields/" + name + " has the wrong size)");
  }
  {
    Id transport = open_group(root, "transport", fn);
    for (const std::string& name : d.field_names) {
      if (!exists(transport.get(), name, fn)) continue;
      Id tg = open_group(transport.get(), name, fn);
      const hid_t id = tg.get();
      const std::string where = "/transport/" + name;
      TransportState t;
      t.field = name;
      t.diffusivity_kind = read_string_attribute(id, "diffusivity_kind", fn, where);
      t.diffusivity_um2_per_s = read_all<double>(id, "diffusivity", H5T_NATIVE_DOUBLE, fn);
      t.surface_kind = read_string_attribute(id, "surface_kind", fn, where);
      t.surface_value = double_attr(id, "surface_value", fn, where);
      t.surface_permeability_um_per_s = double_attr(id, "surface_permeability_um_per_s", fn, where);
      t.bottom_kind = read_string_attribute(id, "bottom_kind", fn, where);
      t.bottom_value = double_attr(id, "bottom_value", fn, where);
      t.bottom_permeability_um_per_s = double_attr(id, "bottom_permeability_um_per_s", fn, where);
      d.transport.push_back(std::move(t));
    }
  }
  {
    Id loop = open_group(root, "loop", fn);
    const hid_t id = loop.get();
    SimulationState& s = d.loop;
    s.t_s = double_attr(id, "t_s", fn, "/loop");
    s.next_dt_s = double_attr(id, "next_dt_s", fn, "/loop");
    s.last_step.t_s = double_attr(id, "last_t_s", fn, "/loop");
    s.last_step.dt_s = double_attr(id, "last_dt_s", fn, "/loop");
    s.last_step.error_norm = double_attr(id, "last_error_norm", fn, "/loop");
    s.last_step.accepted = static_cast<long>(int_attr(id, "accepted", fn, "/loop"));
    s.last_step.rejected = static_cast<long>(int_attr(id, "rejected", fn, "/loop"));
    s.last_step.monotone_fallbacks =
        static_cast<int>(int_attr(id, "last_monotone_fallbacks", fn, "/loop"));
    const auto done = read_all<std::uint8_t>(id, "event_done", H5T_NATIVE_UINT8, fn);
    s.events_done.assign(done.begin(), done.end());
    d.event_times_s = read_all<double>(id, "event_time", H5T_NATIVE_DOUBLE, fn);
    d.event_names = read_strings(id, "event_name", fn);
    if (d.event_times_s.size() != done.size() || d.event_names.size() != done.size())
      throw InputError(fn + ": corrupt checkpoint (/loop event arrays differ in length)");
  }
  {
    Id w = open_group(root, "writer", fn);
    const auto count = [&](const char* name) {
      const long long v = int_attr(w.get(), name, fn, "/writer");
      if (v < 0) throw InputError(fn + ": corrupt checkpoint (negative /writer " + name + ")");
      return static_cast<std::uint64_t>(v);
    };
    d.writer.snapshots = count("snapshots");
    d.writer.summary_rows = count("summary_rows");
    d.writer.next_scheduled = count("next_scheduled");
    d.writer.current_state_written = count("current_state_written") != 0;
  }
  return d;
}

/// The first effective parameter that differs, as "key: 'a' in the checkpoint, 'b' now".
std::string first_difference(const CheckpointData& d, const CheckpointIdentity& now) {
  for (const auto& p : d.parameters) {
    const auto it = std::find_if(now.parameters.begin(), now.parameters.end(),
                                 [&](const auto& q) { return q[0] == p[0]; });
    if (it == now.parameters.end()) return p[0] + " is not a parameter of this scenario";
    if ((*it)[1] != p[1])
      return p[0] + " = '" + p[1] + "' in the checkpoint, '" + (*it)[1] + "' now";
  }
  for (const auto& q : now.parameters) {
    const bool known = std::any_of(d.parameters.begin(), d.parameters.end(),
                                   [&](const auto& p) { return p[0] == q[0]; });
    if (!known) return q[0] + " was not a parameter of the checkpointed run";
  }
  if (d.scenario_text != now.scenario_text) return "the scenario text differs";
  return "the scenario differs";
}

/// "an rz grid of 36 × 49 cells (r × z)": a grid's geometry and shape, for messages.
std::string describe_grid(const std::string& geometry, int dim, long long nx, long long ny,
                          long long nz) {
  const std::string n = std::to_string(nx) + " × " +
                        (dim == 3 ? std::to_string(ny) + " × " : std::string()) +
                        std::to_string(nz) + " cells";
  const std::string axes = geometry == "rz" ? "r × z" : dim == 3 ? "x × y × z" : "x × z";
  return "an " + geometry + " grid of " + n + " (" + axes + ")";  // "an" for rz, xz and xyz
}

/// Everything that must hold before `d` may be restored into `sim`.
void require_matches(const std::string& fn, const CheckpointData& d, const Simulation& sim,
                     const CheckpointIdentity& identity) {
  const bool same_scenario = d.scenario_hash == scenario_hash(identity);
  const std::string scenario_difference =
      same_scenario ? std::string() : first_difference(d, identity);
  // The grid first: a different geometry or shape is named as such (with the first parameter
  // that differs, when the scenario differs too).
  const Grid& g = sim.grid();
  const std::string geometry = geometry_name(g.geometry(), g.dim());
  if (d.geometry != geometry || d.dim != g.dim() || d.nx != g.nx() || d.ny != g.ny() ||
      d.nz != g.nz() || d.z_faces_um != g.z_faces_um()) {
    const std::string had = describe_grid(d.geometry, d.dim, d.nx, d.ny, d.nz);
    const std::string has = describe_grid(geometry, g.dim(), g.nx(), g.ny(), g.nz());
    throw InputError(fn + ": written for a different grid: the checkpoint has " + had +
                     ", the scenario has " +
                     (had == has ? std::string("one of that shape with other depth faces") : has) +
                     (same_scenario ? std::string() : "; " + scenario_difference));
  }
  if (!same_scenario)
    throw InputError(fn + ": written for a different scenario (" + scenario_difference +
                     "); resume with the same scenario file and --set values");
  if (d.field_names != sim.fields().names())
    throw InputError(fn + ": written for different fields");
  const auto& transport = sim.transport();
  std::size_t transported = 0;
  for (int i = 0; i < sim.fields().num_fields(); ++i) transported += transport.transports(i);
  if (transported != d.transport.size())
    throw InputError(fn + ": written for a different set of transported fields");
  for (const TransportState& t : d.transport) {
    if (!transport.transports(sim.fields().index(t.field)))
      throw InputError(fn + ": field '" + t.field + "' is not transported in this scenario");
    const std::size_t n = t.diffusivity_kind == "uniform"     ? 1
                          : t.diffusivity_kind == "by_depth"  ? g.nz()
                          : t.diffusivity_kind == "per_voxel" ? g.num_cells()
                                                              : 0;
    if (n == 0 || t.diffusivity_um2_per_s.size() != n)
      throw InputError(fn + ": corrupt checkpoint (bad diffusivity of '" + t.field + "')");
    for (const std::string* k : {&t.surface_kind, &t.bottom_kind})
      if (*k != "no_flux" && *k != "value" && *k != "permeable")
        throw InputError(fn + ": corrupt checkpoint (bad boundary kind '" + *k + "')");
  }
  const std::vector<Event>& events = sim.events();
  bool same_events = events.size() == d.event_names.size();
  for (std::size_t e = 0; same_events && e < events.size(); ++e)
    same_events = events[e].name == d.event_names[e] && events[e].time_s == d.event_times_s[e];
  if (!same_events) throw InputError(fn + ": written for a different list of events");
  if (!(d.loop.t_s >= 0.0) || !std::isfinite(d.loop.t_s) || !std::isfinite(d.loop.next_dt_s))
    throw InputError(fn + ": corrupt checkpoint (bad time)");
  if (sim.last_step().accepted != 0)
    throw Error("restore_checkpoint: the simulation has already stepped");
}

Boundary make_boundary(const std::string& kind, double value, double permeability) {
  if (kind == "value") return Boundary::fixed(value);
  if (kind == "permeable") return Boundary::permeable(permeability, value);
  return Boundary::no_flux();
}

Diffusivity make_diffusivity(const TransportState& t) {
  if (t.diffusivity_kind == "uniform") return Diffusivity::uniform(t.diffusivity_um2_per_s[0]);
  if (t.diffusivity_kind == "by_depth") return Diffusivity::by_depth(t.diffusivity_um2_per_s);
  return Diffusivity::per_voxel(t.diffusivity_um2_per_s);
}

/// "path: cannot read …" → "path: corrupt checkpoint (cannot read …)".
std::string as_corrupt(const std::string& fn, const std::string& what) {
  const std::string prefix = fn + ": ";
  const std::string reason = what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
  return fn + ": corrupt checkpoint (" + reason + ")";
}

}  // namespace

std::uint64_t scenario_hash(const CheckpointIdentity& identity) {
  Fnv1a h;
  h.text(identity.scenario_text);
  h.value<std::uint64_t>(identity.parameters.size());
  for (const auto& p : identity.parameters)
    for (const std::string& s : p) h.text(s);
  return h.get();
}

std::string checkpoint_path_for(const std::string& h5_path) {
  return h5_path + ".checkpoint";
}

void write_checkpoint(const std::string& path, const Simulation& sim,
                      const CheckpointIdentity& identity, const Hdf5WriterProgress& writer) {
  QuietHdf5 quiet;
  const CheckpointData d = capture(sim, identity, writer);
  const std::string tmp = path + ".tmp";
  try {
    write_file(tmp, d);
    write_header(tmp);
    sync_path(tmp, false);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw Error(path + ": cannot move the new checkpoint into place: " + ec.message());
    const fs::path dir = fs::path(path).parent_path();
    sync_path(dir.empty() ? "." : dir.string(), true);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

RestoredCheckpoint restore_checkpoint(const std::string& path, Simulation& sim,
                                      const CheckpointIdentity& identity) {
  QuietHdf5 quiet;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path + ": no such checkpoint");
  if (fs::is_directory(path, ec)) throw InputError(path + ": is a directory, not a checkpoint");
  check_header(path);  // every byte checked before HDF5 sees the file
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(path +
                     ": not a skinheal checkpoint (not HDF5: corrupt, truncated or foreign)");
  }
  // Strong close: closing the file closes whatever a failed read left open, so a corrupt file
  // cannot keep HDF5 from shutting down cleanly.
  Id fapl = checked(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, path, "create a file access list");
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), path, "set the file close degree");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (id < 0)
    throw InputError(path + ": corrupt checkpoint (cannot open as HDF5" + error_detail() + ")");
  Id file(id, H5Fclose);
  CheckpointData d;
  std::uint64_t stored_checksum = 0;
  try {
    const hid_t root = file.get();
    const bool has_format = check(H5Aexists(root, "format"), path, "query attribute", "format") > 0;
    if (!has_format || read_string_attribute(root, "format", path, "/") != kFormat)
      throw InputError(path + ": not a skinheal checkpoint (no format = '" + kFormat + "')");
    const long long version = int_attr(root, "format_version", path, "/");
    if (version != kFormatVersion)
      throw InputError(path + ": checkpoint format version " + std::to_string(version) +
                       " is not supported (this skinheal reads version " +
                       std::to_string(kFormatVersion) + ")");
    d = read_file(path, root, stored_checksum);
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(as_corrupt(path, e.what()));
  }
  if (state_checksum(d) != stored_checksum)
    throw InputError(path + ": corrupt checkpoint (checksum mismatch)");
  if (scenario_hash({d.scenario_text, d.parameters}) != d.scenario_hash)
    throw InputError(path + ": corrupt checkpoint (the stored scenario does not match its hash)");
  require_matches(path, d, sim, identity);

  // Everything checked: restore.
  FieldSet& f = sim.fields();
  for (int i = 0; i < f.num_fields(); ++i) {
    const FieldView v = f.view(i);
    std::copy(d.fields[i].data, d.fields[i].data + d.fields[i].size, v.data);
  }
  for (const TransportState& t : d.transport)
    sim.transport().set_diffusion(
        f.index(t.field), make_diffusivity(t),
        make_boundary(t.surface_kind, t.surface_value, t.surface_permeability_um_per_s),
        make_boundary(t.bottom_kind, t.bottom_value, t.bottom_permeability_um_per_s));
  sim.restore_state(d.loop);
  return {d.loop.t_s, d.loop.last_step.accepted, d.writer};
}

}  // namespace skinheal
