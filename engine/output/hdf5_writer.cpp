// The HDF5 result writer and its XDMF3 sidecar. Layout: docs/output-format.md.
//
// Every HDF5 call is checked; a failure throws Error naming the file, the operation and the
// innermost message of HDF5's error stack. HDF5's automatic error printing is switched off
// while this file's code runs (and restored afterwards).
#include "engine/output/hdf5_writer.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>

#include "engine/error.hpp"
#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/output/detail/hdf5_util.hpp"
#include "engine/parallel.hpp"
#include "engine/simulation.hpp"

#ifndef SKINHEAL_VERSION
#define SKINHEAL_VERSION "unknown"
#endif
#ifndef SKINHEAL_GIT_COMMIT
#define SKINHEAL_GIT_COMMIT "unknown"
#endif

namespace skinheal {
namespace fs = std::filesystem;
using namespace hdf5_detail;

namespace {

constexpr double kDay = 86400.0;
constexpr int kGzipLevel = 4;

// ---------------------------------------------------------------------------------------------
// HDF5 plumbing lives in detail/hdf5_util.hpp; these two helpers are the writer's own.

/// Layer ids are one byte per cell (Grid::layer_map), so at most 256 layers.
constexpr std::size_t kMaxLayers = 256;

/// Σ x[0..n), in eight interleaved partial sums added in a fixed order (vectorises; the same
/// result on any thread).
double sum_of(const double* x, std::size_t n) {
  double part[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int q = 0; q < 8; ++q) part[q] += x[i + q];
  for (int q = 0; i < n; ++i, ++q) part[q] += x[i];
  return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

/// An empty dataset extendible along its first dimension, chunked, optionally compressed.
void create_extendible(hid_t loc, const char* name, hid_t file_type,
                       const std::vector<hsize_t>& row_shape, const std::vector<hsize_t>& chunk,
                       bool compress, const std::string& file) {
  std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED};
  dims.insert(dims.end(), row_shape.begin(), row_shape.end());
  maxdims.insert(maxdims.end(), row_shape.begin(), row_shape.end());
  Id space = simple_space(dims, file, maxdims);
  Id dcpl = checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, file,
                    "create a dataset property list for", name);
  check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), file,
        "set the chunk shape of", name);
  if (compress) {
    check(H5Pset_shuffle(dcpl.get()), file, "set the shuffle filter of", name);
    check(H5Pset_deflate(dcpl.get(), kGzipLevel), file, "set gzip compression of", name);
  }
  Id ds =
      checked(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
              H5Dclose, file, "create dataset", name);
  check(ds.close(), file, "close dataset", name);
}

/// Grow ds along its first dimension to row0 + nrows and write rows [row0, row0 + nrows).
void append_rows(hid_t ds, hsize_t row0, hsize_t nrows, hid_t mem_type, const void* data,
                 const std::string& file, const std::string& name) {
  if (nrows == 0) return;
  std::vector<hsize_t> dims = extent(ds, file, name);
  dims[0] = row0 + nrows;
  check(H5Dset_extent(ds, dims.data()), file, "extend dataset", name);
  Id file_space = checked(H5Dget_space(ds), H5Sclose, file, "get the dataspace of", name);
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = row0;
  count[0] = nrows;
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr),
        file, "select rows of", name);
  // The memory space has the selection's shape: with a flat one HDF5 maps every element to
  // its chunk one at a time (H5S_select_iterate) instead of whole chunks.
  Id mem_space = simple_space(count, file);
  check(H5Dwrite(ds, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data), file,
        "write to dataset", name);
}

void append_row(hid_t ds, hsize_t row, hid_t mem_type, const void* data, const std::string& file,
                const std::string& name) {
  append_rows(ds, row, 1, mem_type, data, file, name);
}

/// Shrink (or grow) ds along its first dimension to `rows`.
void set_rows(hid_t ds, hsize_t rows, const std::string& file, const std::string& name) {
  std::vector<hsize_t> dims = extent(ds, file, name);
  dims[0] = rows;
  check(H5Dset_extent(ds, dims.data()), file, "resize dataset", name);
}

// ---------------------------------------------------------------------------------------------
// Provenance helpers.

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string compiler_text() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("GCC ") + __VERSION__;
#else
  return "unknown";
#endif
}

/// The flags that shaped this translation unit, as far as predefined macros tell.
std::string compiler_flags_text() {
#ifdef SKINHEAL_COMPILE_FLAGS
  return SKINHEAL_COMPILE_FLAGS;
#else
  std::string s = "from predefined macros:";
#ifdef __OPTIMIZE__
  s += " __OPTIMIZE__";
#else
  s += " -O0";
#endif
#ifdef NDEBUG
  s += " NDEBUG";
#endif
#ifdef __FAST_MATH__
  s += " __FAST_MATH__";
#endif
#if defined(__AVX512F__)
  s += " __AVX512F__";
#elif defined(__AVX2__)
  s += " __AVX2__";
#elif defined(__AVX__)
  s += " __AVX__";
#endif
#ifdef __FMA__
  s += " __FMA__";
#endif
#ifdef _OPENMP
  s += " _OPENMP=" + std::to_string(_OPENMP);
#endif
#ifdef __SANITIZE_ADDRESS__
  s += " __SANITIZE_ADDRESS__";
#endif
  return s;
#endif
}

std::string build_type_text() {
#ifdef SKINHEAL_BUILD_TYPE
  return SKINHEAL_BUILD_TYPE;
#elif defined(__OPTIMIZE__) && defined(NDEBUG)
  return "optimised, assertions off (Release-like)";
#elif defined(__OPTIMIZE__)
  return "optimised, assertions on";
#else
  return "unoptimised, assertions on (Debug-like)";
#endif
}

std::string hdf5_version_text() {
  unsigned major = 0, minor = 0, release = 0;
  if (H5get_libversion(&major, &minor, &release) < 0) return "unknown";
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

void require_output_directory(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  const fs::path dir = parent.empty() ? fs::path(".") : parent;
  std::error_code ec;
  const bool exists = parent.empty() || fs::exists(parent, ec);
  SKINHEAL_REQUIRE(!ec, path + ": the output directory '" + parent.string() +
                            "' cannot be checked (" + ec.message() + ")");
  SKINHEAL_REQUIRE(exists,
                   path + ": the output directory '" + parent.string() + "' does not exist");
  SKINHEAL_REQUIRE(fs::is_directory(dir, ec), path + ": '" + parent.string() +
                                                  "' is a file, not a directory; choose an "
                                                  "output path inside a directory");
  SKINHEAL_REQUIRE(::access(dir.c_str(), W_OK | X_OK) == 0,
                   path + ": the output directory '" + dir.string() +
                       "' is not writable; choose a directory you can write to");
}

bool same_instant(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
}

// ---------------------------------------------------------------------------------------------
// XDMF3 sidecar.

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Text safe inside an XML comment (which may not contain "--").
std::string comment_safe(std::string s) {
  for (std::size_t p = s.find("--"); p != std::string::npos; p = s.find("--", p)) s[p + 1] = '_';
  return s;
}

std::string dims_text(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t d : dims) {
    if (!s.empty()) s += ' ';
    s += std::to_string(d);
  }
  return s;
}

/// The shortest of %.15g, %.16g, %.17g that reads back as t (e.g. "-2e-06", not
/// "-1.9999999999999999e-06").
std::string time_text(double t) {
  char buf[40];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, t);
    if (std::strtod(buf, nullptr) == t) break;
  }
  return buf;
}

struct XdmfLayout {
  std::string h5_name;  // file name only: the sidecar sits next to the result
  int dim = 2;
  std::size_t nx = 1, ny = 1, nz = 1;
  std::vector<std::string> fields;
  std::vector<double> times_s;
  std::vector<std::string> labels;
};

/// How far a snapshot that shares its time with the next one is moved down in the sidecar:
/// 1e-6 relative, at least 1 µs, so the value stays a normal number (never a denormal such as
/// -4.9e-324 at t = 0) and survives a round trip through float.
double xdmf_tie_offset_s(double t) {
  return 1e-6 * std::max(1.0, std::abs(t));
}

/// The XDMF3 text: a temporal collection of rectilinear grids, one per snapshot, whose cell
/// attributes select snapshot s of /fields/<name>. The selection uses the Xdmf3 library's own
/// HDF5 subset syntax in the DataItem text, "FILE:/DATASET|START:STRIDE:COUNT:DATASPACE" (the
/// form ParaView 5.11's Xdmf3 readers read; they skip `ItemType="HyperSlab"` items with
/// "Skipping unrecognized array type [None]"). Snapshots at equal times (before and after an
/// event) get strictly increasing time values: each earlier one is moved down by
/// xdmf_tie_offset_s below its successor, since ParaView needs distinct times.
std::string xdmf_text(const XdmfLayout& L) {
  const bool three_d = L.dim == 3;
  const std::vector<std::size_t> cells =
      three_d ? std::vector<std::size_t>{L.nz, L.ny, L.nx} : std::vector<std::size_t>{L.nz, L.nx};
  std::vector<std::size_t> points = cells;
  for (std::size_t& p : points) ++p;
  const std::size_t n = L.times_s.size();
  std::vector<double> t(L.times_s);
  for (std::size_t i = n; i-- > 1;)
    if (!(t[i - 1] < t[i])) t[i - 1] = t[i] - xdmf_tie_offset_s(t[i]);

  const std::string h5 = xml_escape(L.h5_name);
  std::vector<std::size_t> slab_dims{1};
  slab_dims.insert(slab_dims.end(), cells.begin(), cells.end());
  const std::size_t rank = slab_dims.size();

  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    << "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<!-- skinheal result sidecar: open this file in ParaView (XDMF3 reader). Heavy data in "
    << comment_safe(h5) << "; z is depth below the surface in um (increasing downwards). -->\n"
    << "<Xdmf xmlns:xi=\"http://www.w3.org/2001/XInclude\" Version=\"3.0\">\n"
    << "  <Domain>\n"
    << "    <Grid Name=\"skinheal\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (std::size_t s = 0; s < n; ++s) {
    x << "      <Grid Name=\"snapshot_" << s << "\" GridType=\"Uniform\">\n";
    if (s < L.labels.size())
      x << "        <!-- t = " << time_text(L.times_s[s])
        << " s: " << comment_safe(xml_escape(L.labels[s])) << " -->\n";
    x << "        <Time Value=\"" << time_text(t[s]) << "\"/>\n";
    x << "        <Topology TopologyType=\"" << (three_d ? "3DRectMesh" : "2DRectMesh")
      << "\" Dimensions=\"" << dims_text(points) << "\"/>\n";
    x << "        <Geometry GeometryType=\"" << (three_d ? "VXVYVZ" : "VXVY") << "\">\n";
    auto coord = [&](const char* dataset, std::size_t size) {
      x << "          <DataItem Dimensions=\"" << size
        << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">" << h5 << ":/grid/" << dataset
        << "</DataItem>\n";
    };
    coord("x_faces_um", L.nx + 1);
    if (three_d) coord("y_faces_um", L.ny + 1);
    coord("z_faces_um", L.nz + 1);  // VY in 2D: depth is the second axis
    x << "        </Geometry>\n";
    for (const std::string& name : L.fields) {
      const std::string fname = xml_escape(name);
      std::vector<std::size_t> start(rank, 0), stride(rank, 1), full{n};
      start[0] = s;
      full.insert(full.end(), cells.begin(), cells.end());
      x << "        <Attribute Name=\"" << fname << "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
        << "          <DataItem Dimensions=\"" << dims_text(cells)
        << "\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">" << h5 << ":/fields/" << fname
        << "|" << dims_text(start) << ":" << dims_text(stride) << ":" << dims_text(slab_dims) << ":"
        << dims_text(full) << "</DataItem>\n"
        << "        </Attribute>\n";
    }
    x << "        <Attribute Name=\"layer_id\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
      << "          <DataItem Dimensions=\"" << dims_text(cells)
      << "\" NumberType=\"UChar\" Precision=\"1\" Format=\"HDF\">" << h5
      << ":/grid/layer_id</DataItem>\n"
      << "        </Attribute>\n";
    x << "      </Grid>\n";
  }
  x << "    </Grid>\n"
    << "  </Domain>\n"
    << "</Xdmf>\n";
  return x.str();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::vector<double> default_snapshot_times_s(double t_end_s) {
  SKINHEAL_REQUIRE(std::isfinite(t_end_s) && t_end_s >= 0.0,
                   "snapshot times: the end time must be finite and non-negative");
  static const double kDefault[] = {0.0,       60.0,      600.0,      3600.0,     6 * 3600.0,
                                    kDay,      3 * kDay,  7 * kDay,   14 * kDay,  30 * kDay,
                                    60 * kDay, 90 * kDay, 180 * kDay, 270 * kDay, 365 * kDay};
  std::vector<double> times;
  for (double t : kDefault)
    if (t <= t_end_s || same_instant(t, t_end_s)) times.push_back(t);
  if (!same_instant(times.back(), t_end_s)) times.push_back(t_end_s);
  return times;
}

void require_h5_file_name(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  if (name.size() < 4 || name.substr(name.size() - 3) != ".h5")
    throw InputError(path +
                     ": the output file name must end in .h5 and have a name before it, "
                     "such as out/run.h5");
}

std::string xdmf_path_for(const std::string& h5_path) {
  return fs::path(h5_path).replace_extension(".xdmf").string();
}

struct Hdf5Writer::Impl {
  Hdf5WriterOptions opt;
  std::string partial;
  std::vector<double> scheduled_s;  // sorted, unique
  std::size_t next_scheduled = 0;

  // Open file state.
  Id file;
  std::vector<Id> field_ds, summary_ds;
  Id time_ds, label_ds, summary_time_ds, summary_dt_ds;
  Id string_type;

  // Layout, fixed in on_start.
  int dim = 2;
  std::size_t nx = 1, ny = 1, nz = 1, cells = 0, layers = 1;
  std::vector<std::string> field_names;
  std::vector<double> layer_volume_um3;

  // Progress. summary_rows counts rows on disk; pending_* hold rows not yet written (see the
  // crash-safety note in hdf5_writer.hpp).
  std::size_t snapshots = 0, summary_rows = 0;
  std::vector<std::vector<double>> pending_mean;  // per field: rows × layers
  std::vector<double> pending_time, pending_dt;
  std::vector<double> snapshot_times_s;
  std::vector<std::string> snapshot_labels;
  bool started = false, finished = false;
  bool current_state_written = false;  // the last snapshot shows the current state
  std::string start_time_iso;
  std::chrono::steady_clock::time_point start_clock;

  // Scratch.
  std::vector<float> snapshot_buffer;
  std::vector<double> layer_row;  // per field, the layer means of one summary row

  const std::string& file_name() const { return partial; }

  void set_layout(const Simulation& sim);
  void create_file(const Simulation& sim);
  void resume_file(const Simulation& sim, const Hdf5WriterProgress& progress);
  void open_datasets();
  void write_pending_summary();
  Hdf5WriterProgress progress() const {
    return {snapshots, summary_rows, next_scheduled, current_state_written};
  }
  void close_file(bool report);
  void reopen();
  void write_snapshot(const Simulation& sim, const std::string& label);
  void append_summary(const Simulation& sim, double t_s, double dt_s);
  void flush();
  void write_xdmf() const;
  void require_same_fields(const Simulation& sim) const;
};

Hdf5Writer::Hdf5Writer(Hdf5WriterOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.opt = std::move(options);
  require_h5_file_name(m.opt.path);
  m.partial = m.opt.path + ".partial";
  SKINHEAL_REQUIRE(m.opt.overwrite || !fs::exists(m.opt.path),
                   m.opt.path + ": output file already exists; use --force to overwrite it");
  require_output_directory(m.opt.path);
  if (m.opt.snapshot_times_s.empty()) {
    m.scheduled_s = default_snapshot_times_s(m.opt.t_end_s);
  } else {
    for (double t : m.opt.snapshot_times_s)
      SKINHEAL_REQUIRE(std::isfinite(t), "HDF5 output: snapshot times must be finite");
    m.scheduled_s = m.opt.snapshot_times_s;
    std::sort(m.scheduled_s.begin(), m.scheduled_s.end());
    m.scheduled_s.erase(std::unique(m.scheduled_s.begin(), m.scheduled_s.end(), same_instant),
                        m.scheduled_s.end());
  }
}

Hdf5Writer::~Hdf5Writer() {
  // Without on_end the run did not finish: close the partial file (it holds everything up to
  // the last flush) and leave it in place; never produce OUT.h5.
  if (impl_ && impl_->file.valid()) {
    QuietHdf5 quiet;
    try {
      impl_->write_pending_summary();  // accepted steps only: worth keeping for inspection
      impl_->flush();
    } catch (const std::exception&) {
      // Best effort: the file keeps what was flushed before.
    }
    impl_->close_file(false);
    H5Eclear2(H5E_DEFAULT);
  }
}

const std::string& Hdf5Writer::path() const {
  return impl_->opt.path;
}
std::string Hdf5Writer::partial_path() const {
  return impl_->partial;
}
std::size_t Hdf5Writer::snapshots_written() const {
  return impl_->snapshots;
}
std::vector<double> Hdf5Writer::requested_times_s() const {
  return impl_->scheduled_s;
}
Hdf5WriterProgress Hdf5Writer::flush() {
  Impl& m = *impl_;
  if (m.started && !m.finished && m.file.valid()) {
    QuietHdf5 quiet;
    m.flush();
    // H5Fflush hands the data to the OS; a checkpoint must not get ahead of the disk.
    const int fd = ::open(m.partial.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      throw Error(m.partial + ": cannot sync to disk before a checkpoint");
    }
    ::close(fd);
  }
  return m.progress();
}

void Hdf5Writer::Impl::set_layout(const Simulation& sim) {
  const Grid& g = sim.grid();
  dim = g.dim();
  nx = static_cast<std::size_t>(g.nx());
  ny = static_cast<std::size_t>(g.ny());
  nz = static_cast<std::size_t>(g.nz());
  cells = g.num_cells();
  layers = g.layer_names().size();
  field_names = sim.fields().names();
  pending_mean.assign(field_names.size(), {});
  pending_time.clear();
  pending_dt.clear();
  // Layer volumes for the summary means.
  layer_volume_um3.assign(layers, 0.0);
  const std::size_t plane = g.plane_size();
  for (std::size_t k = 0; k < nz; ++k) {
    if (g.is_axisymmetric()) {  // r–z: ring volumes 2π r_i dr dz
      for (std::size_t c = k * plane; c < (k + 1) * plane; ++c)
        layer_volume_um3[g.layer_of(c)] += g.volume_of_cell_um3(c);
      continue;
    }
    const double v = g.cell_volume_um3(static_cast<int>(k));
    for (std::size_t c = 0; c < plane; ++c) layer_volume_um3[g.layer_of(k * plane + c)] += v;
  }
}

void Hdf5Writer::Impl::create_file(const Simulation& sim) {
  const std::string& fn = file_name();
  const Grid& g = sim.grid();
  const FieldSet& f = sim.fields();
  set_layout(sim);

  require_output_directory(opt.path);
  check(H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 ? 0 : -1, fn,
        "use gzip compression: this HDF5 library lacks the deflate filter");
  file = checked(H5Fcreate(fn.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, fn,
                 "create the file");
  const hid_t root = file.get();
  write_string_attribute(root, "format", "skinheal result", fn);
  write_int_attribute(root, "format_version", 1, fn);

  // /grid
  {
    Id grid = create_group(root, "grid", fn);
    const hid_t gid = grid.get();
    write_int_attribute(gid, "dimension", dim, fn);
    // "xz", "xyz" or "rz" (axisymmetric: x is the radius, cells are rings of 2π r dr dz).
    write_string_attribute(gid, "geometry", geometry_name(g.geometry(), dim), fn);
    write_string_attribute(gid, "z_axis", "depth below the skin surface, increasing downwards", fn);
    std::vector<double> x(nx), xf(nx + 1), y(ny), yf(ny + 1);
    for (std::size_t i = 0; i < nx; ++i) x[i] = g.x_centre_um(static_cast<int>(i));
    for (std::size_t i = 0; i <= nx; ++i) xf[i] = static_cast<double>(i) * g.dx_um();
    for (std::size_t j = 0; j < ny; ++j) y[j] = g.y_centre_um(static_cast<int>(j));
    for (std::size_t j = 0; j <= ny; ++j) yf[j] = static_cast<double>(j) * g.dy_um();
    write_doubles(gid, "x_um", x, fn, "um");
    write_doubles(gid, "x_faces_um", xf, fn, "um");
    if (dim == 3) {
      write_doubles(gid, "y_um", y, fn, "um");
      write_doubles(gid, "y_faces_um", yf, fn, "um");
    }
    write_doubles(gid, "z_um", g.z_centres_um(), fn, "um");
    write_doubles(gid, "z_faces_um", g.z_faces_um(), fn, "um");
    const double dx = g.dx_um();
    write_dataset(gid, "dx_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &dx, fn, "um");
    const std::vector<hsize_t> shape =
        dim == 3 ? std::vector<hsize_t>{nz, ny, nx} : std::vector<hsize_t>{nz, nx};
    write_dataset(gid, "layer_id", H5T_STD_U8LE, H5T_NATIVE_UINT8, shape, g.layer_map().data(), fn);
    write_strings(gid, "layer_names", g.layer_names(), fn);
    write_doubles(gid, "layer_bounds_um", g.layer_bounds_um(), fn, "um");
    check(grid.close(), fn, "close group", "/grid");
  }

  // /fields, /time, /snapshot_label
  {
    Id fields = create_group(root, "fields", fn);
    std::vector<hsize_t> row, chunk{1};
    if (dim == 3) {
      // At most ~4 MiB per chunk: whole (y, x) planes, or rows of x when a plane is larger.
      const hsize_t target = (4u << 20) / sizeof(float);
      const hsize_t plane = ny * nx;
      const hsize_t cz = std::clamp<hsize_t>(target / plane, 1, nz);
      const hsize_t cy = plane > target ? std::clamp<hsize_t>(target / nx, 1, ny) : ny;
      row = {nz, ny, nx};
      chunk.insert(chunk.end(), {cz, cy, nx});
    } else {
      row = {nz, nx};
      chunk.insert(chunk.end(), {nz, nx});  // one snapshot per chunk
    }
    for (int i = 0; i < f.num_fields(); ++i) {
      const FieldInfo& info = f.info(i);
      create_extendible(fields.get(), info.name.c_str(), H5T_IEEE_F32LE, row, chunk, true, fn);
      Id ds = open_dataset(fields.get(), info.name, fn);
      write_string_attribute(ds.get(), "units", info.units, fn);
      write_string_attribute(ds.get(), "description", info.description, fn);
    }
    check(fields.close(), fn, "close group", "/fields");
    Id str = utf8_string_type(fn);
    create_extendible(root, "time", H5T_IEEE_F64LE, {}, {256}, false, fn);
    create_extendible(root, "snapshot_label", str.get(), {}, {256}, false, fn);
    Id t = open_dataset(root, "time", fn);
    write_string_attribute(t.get(), "units", "s", fn);
  }

  // /summary
  {
    Id summary = create_group(root, "summary", fn);
    const hid_t sid = summary.get();
    write_string_attribute(sid, "description",
                           "per-layer volume-weighted means of every field; row 0 is the "
                           "initial state, then one row per accepted step",
                           fn);
    // Not compressed: the summary's last chunk is rewritten at every flush. A compressed chunk
    // changes size, moves, and frees its old place, which the same flush may fill with other
    // data while the file on disk still points there: a kill -9 during that flush then left an
    // undecodable summary (resume.kill9, fresh-clone run 2026-11-23). Fixed-size chunks are
    // rewritten in place. About 16 KiB per chunk.
    create_extendible(sid, "time", H5T_IEEE_F64LE, {}, {2048}, false, fn);
    create_extendible(sid, "dt", H5T_IEEE_F64LE, {}, {2048}, false, fn);
    Id t = open_dataset(sid, "time", fn);
    write_string_attribute(t.get(), "units", "s", fn);
    Id dt = open_dataset(sid, "dt", fn);
    write_string_attribute(dt.get(), "units", "s", fn);
    const hsize_t rows = std::max<hsize_t>(1, 2048 / layers);
    for (int i = 0; i < f.num_fields(); ++i) {
      const FieldInfo& info = f.info(i);
      create_extendible(sid, info.name.c_str(), H5T_IEEE_F64LE, {layers}, {rows, layers}, false,
                        fn);
      Id ds = open_dataset(sid, info.name, fn);
      write_string_attribute(ds.get(), "units", info.units, fn);
      write_string_attribute(ds.get(), "description",
                             "volume-weighted mean of " + info.name + " over each layer", fn);
    }
    write_strings(sid, "layer_names", g.layer_names(), fn);
    check(summary.close(), fn, "close group", "/summary");
  }

  // /scenario, /parameters
  {
    Id str = utf8_string_type(fn);
    const char* text = opt.scenario_text.c_str();
    write_dataset(root, "scenario", str.get(), str.get(), {}, &text, fn);
    Id params = create_group(root, "parameters", fn);
    write_string_attribute(
        params.get(), "layout",
        "three string arrays of equal length: key, value (the TOML text in effect, "
        "quantities with their units), source (file | default)",
        fn);
    write_parameter_table(params.get(), opt.parameters, fn);
    check(params.close(), fn, "close group", "/parameters");
  }

  // /provenance (end time, wall time and status are updated in on_end)
  {
    Id prov = create_group(root, "provenance", fn);
    const hid_t pid = prov.get();
    write_string_attribute(pid, "version", SKINHEAL_VERSION, fn);
    write_string_attribute(pid, "git_commit", SKINHEAL_GIT_COMMIT, fn);
    write_string_attribute(pid, "compiler", compiler_text(), fn);
    write_string_attribute(pid, "compiler_flags", compiler_flags_text(), fn);
    write_string_attribute(pid, "build_type", build_type_text(), fn);
    write_string_attribute(pid, "hdf5_version", hdf5_version_text(), fn);
    write_int_attribute(pid, "threads", parallel::num_threads(), fn);
    write_string_attribute(pid, "host", host_name(), fn);
    write_string_attribute(pid, "start_time", start_time_iso, fn);
    write_string_attribute(pid, "status", "running", fn);
    check(prov.close(), fn, "close group", "/provenance");
  }
}

void Hdf5Writer::Impl::resume_file(const Simulation& sim, const Hdf5WriterProgress& p) {
  const std::string& fn = file_name();
  set_layout(sim);
  std::error_code ec;
  if (!fs::exists(fn, ec))
    throw InputError(fn + ": no partial result to continue (it is written next to the checkpoint)");
  if (H5Fis_hdf5(fn.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw InputError(fn + ": not an HDF5 file (corrupt, truncated, or another format)");
  }
  const hid_t id = H5Fopen(fn.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (id < 0) throw InputError(fn + ": cannot open to continue (corrupt?)" + error_detail());
  file = Id(id, H5Fclose);
  const hid_t root = file.get();
  const bool ours = check(H5Aexists(root, "format"), fn, "query attribute", "format") > 0 &&
                    read_string_attribute(root, "format", fn, "/") == "skinheal result";
  if (!ours) throw InputError(fn + ": not a skinheal result (no format = 'skinheal result')");
  open_datasets();  // InputError naming a missing dataset
  // The partial must match the simulation and hold at least what the checkpoint recorded.
  const std::vector<hsize_t> row =
      dim == 3 ? std::vector<hsize_t>{nz, ny, nx} : std::vector<hsize_t>{nz, nx};
  auto require_rows = [&](hid_t ds, const std::string& name, std::uint64_t rows,
                          const std::vector<hsize_t>& shape) {
    const std::vector<hsize_t> e = extent(ds, fn, name);
    if (e.size() != shape.size() + 1 || !std::equal(shape.begin(), shape.end(), e.begin() + 1))
      throw InputError(fn + ": " + name + " has a different shape than this scenario's grid");
    if (e[0] < rows)
      throw InputError(fn + ": " + name + " holds " + std::to_string(e[0]) +
                       " rows but the checkpoint recorded " + std::to_string(rows) +
                       "; the partial file does not belong to this checkpoint");
  };
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    require_rows(field_ds[i].get(), "/fields/" + field_names[i], p.snapshots, row);
    require_rows(summary_ds[i].get(), "/summary/" + field_names[i], p.summary_rows, {layers});
  }
  require_rows(time_ds.get(), "/time", p.snapshots, {});
  require_rows(label_ds.get(), "/snapshot_label", p.snapshots, {});
  require_rows(summary_time_ds.get(), "/summary/time", p.summary_rows, {});
  require_rows(summary_dt_ds.get(), "/summary/dt", p.summary_rows, {});
  if (p.next_scheduled > scheduled_s.size())
    throw InputError(fn + ": the checkpoint's snapshot schedule does not match this scenario");

  // Cut everything written after the checkpoint.
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    set_rows(field_ds[i].get(), p.snapshots, fn, "/fields/" + field_names[i]);
    set_rows(summary_ds[i].get(), p.summary_rows, fn, "/summary/" + field_names[i]);
  }
  set_rows(time_ds.get(), p.snapshots, fn, "/time");
  set_rows(label_ds.get(), p.snapshots, fn, "/snapshot_label");
  set_rows(summary_time_ds.get(), p.summary_rows, fn, "/summary/time");
  set_rows(summary_dt_ds.get(), p.summary_rows, fn, "/summary/dt");
  snapshot_times_s = read_all<double>(root, "time", H5T_NATIVE_DOUBLE, fn);
  snapshot_labels = read_strings(root, "snapshot_label", fn);
  snapshots = p.snapshots;
  summary_rows = p.summary_rows;
  next_scheduled = p.next_scheduled;
  current_state_written = p.current_state_written;

  Id prov = open_group(root, "provenance", fn);
  start_time_iso = read_string_attribute(prov.get(), "start_time", fn, "/provenance");
  write_string_attribute(prov.get(), "status", "running", fn);
  write_string_attribute(prov.get(), "resumed_at", iso8601_utc(std::chrono::system_clock::now()),
                         fn);
  write_int_attribute(prov.get(), "threads", parallel::num_threads(), fn);
  check(prov.close(), fn, "close group", "/provenance");
}

void Hdf5Writer::Impl::open_datasets() {
  const std::string& fn = file_name();
  const hid_t root = file.get();
  string_type = utf8_string_type(fn);
  field_ds.clear();
  summary_ds.clear();
  // Snapshots are written as whole chunks, so the field datasets need no chunk cache: without
  // one each chunk is compressed and written at once instead of held (up to 1 MiB per field).
  Id uncached =
      checked(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose, fn, "create a dataset access list");
  check(H5Pset_chunk_cache(uncached.get(), 0, 0, 1.0), fn, "switch off the chunk cache");
  for (const std::string& name : field_names) {
    field_ds.push_back(open_dataset(root, "fields/" + name, fn, uncached.get()));
    summary_ds.push_back(open_dataset(root, "summary/" + name, fn));
  }
  time_ds = open_dataset(root, "time", fn);
  label_ds = open_dataset(root, "snapshot_label", fn);
  summary_time_ds = open_dataset(root, "summary/time", fn);
  summary_dt_ds = open_dataset(root, "summary/dt", fn);
}

void Hdf5Writer::Impl::close_file(bool report) {
  const std::string& fn = file_name();
  auto done = [&](Id& id, const std::string& what) {
    const herr_t r = id.close();
    if (report) check(r, fn, "close", what);
  };
  for (std::size_t i = 0; i < field_ds.size(); ++i) done(field_ds[i], "/fields/" + field_names[i]);
  for (std::size_t i = 0; i < summary_ds.size(); ++i)
    done(summary_ds[i], "/summary/" + field_names[i]);
  field_ds.clear();
  summary_ds.clear();
  done(time_ds, "/time");
  done(label_ds, "/snapshot_label");
  done(summary_time_ds, "/summary/time");
  done(summary_dt_ds, "/summary/dt");
  done(string_type, "the string type");
  done(file, "the file");
}

void Hdf5Writer::Impl::reopen() {
  // run_until was called again after on_end: continue appending to the same file.
  const std::string& fn = file_name();
  std::error_code ec;
  fs::rename(opt.path, partial, ec);
  if (ec) throw Error(opt.path + ": cannot rename to " + partial + " to continue: " + ec.message());
  file = checked(H5Fopen(fn.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose, fn, "reopen the file");
  open_datasets();
  Id prov = checked(H5Gopen2(file.get(), "provenance", H5P_DEFAULT), H5Gclose, fn, "open group",
                    "/provenance");
  write_string_attribute(prov.get(), "status", "running", fn);
  finished = false;
}

void Hdf5Writer::Impl::require_same_fields(const Simulation& sim) const {
  if (sim.fields().num_fields() != static_cast<int>(field_names.size()) ||
      sim.fields().num_cells() != cells)
    throw Error(partial + ": the simulation's fields changed after the output file was created");
}

void Hdf5Writer::Impl::write_snapshot(const Simulation& sim, const std::string& label) {
  require_same_fields(sim);
  const std::string& fn = file_name();
  const FieldSet& f = sim.fields();
  snapshot_buffer.resize(cells);
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    const ConstFieldView v = f.view(static_cast<int>(i));
    for (std::size_t c = 0; c < cells; ++c) snapshot_buffer[c] = static_cast<float>(v[c]);
    append_row(field_ds[i].get(), snapshots, H5T_NATIVE_FLOAT, snapshot_buffer.data(), fn,
               "/fields/" + field_names[i]);
  }
  const double t = sim.time_s();
  append_row(time_ds.get(), snapshots, H5T_NATIVE_DOUBLE, &t, fn, "/time");
  const char* text = label.c_str();
  append_row(label_ds.get(), snapshots, string_type.get(), &text, fn, "/snapshot_label");
  ++snapshots;
  snapshot_times_s.push_back(t);
  snapshot_labels.push_back(label);
  current_state_written = true;
  flush();
}

void Hdf5Writer::Impl::append_summary(const Simulation& sim, double t_s, double dt_s) {
  require_same_fields(sim);
  const Grid& g = sim.grid();
  const std::size_t plane = g.plane_size();
  // One field per task on the engine's threads; each field's sums keep their order, so the
  // means do not depend on the thread count.
  const std::size_t F = field_names.size();
  layer_row.resize(F * layers);
  parallel::for_each(
      F,
      [&](std::size_t i) {
        const ConstFieldView v = sim.fields().view(static_cast<int>(i));
        double layer_sum[kMaxLayers] = {};
        // Layers are whole depth rows (Grid::assign_layers).
        for (std::size_t k = 0; k < nz; ++k) {
          const std::size_t base = k * plane;
          const int layer = g.layer_of_row(static_cast<int>(k));
          if (g.is_axisymmetric()) {  // r–z: each ring weighted by its own volume
            for (std::size_t c = base; c < base + plane; ++c)
              layer_sum[layer] += g.volume_of_cell_um3(c) * v[c];
            continue;
          }
          layer_sum[layer] += g.cell_volume_um3(static_cast<int>(k)) * sum_of(v.data + base, plane);
        }
        for (std::size_t l = 0; l < layers; ++l)
          layer_row[i * layers + l] = layer_volume_um3[l] > 0.0
                                          ? layer_sum[l] / layer_volume_um3[l]
                                          : std::numeric_limits<double>::quiet_NaN();
      },
      F * g.num_cells());
  for (std::size_t i = 0; i < F; ++i)
    pending_mean[i].insert(pending_mean[i].end(), layer_row.begin() + i * layers,
                           layer_row.begin() + (i + 1) * layers);
  pending_time.push_back(t_s);
  pending_dt.push_back(dt_s);
}

void Hdf5Writer::Impl::write_pending_summary() {
  const std::string& fn = file_name();
  const hsize_t n = pending_time.size();
  if (n == 0) return;
  for (std::size_t i = 0; i < field_names.size(); ++i)
    append_rows(summary_ds[i].get(), summary_rows, n, H5T_NATIVE_DOUBLE, pending_mean[i].data(), fn,
                "/summary/" + field_names[i]);
  append_rows(summary_time_ds.get(), summary_rows, n, H5T_NATIVE_DOUBLE, pending_time.data(), fn,
              "/summary/time");
  append_rows(summary_dt_ds.get(), summary_rows, n, H5T_NATIVE_DOUBLE, pending_dt.data(), fn,
              "/summary/dt");
  summary_rows += n;
  for (auto& rows : pending_mean) rows.clear();
  pending_time.clear();
  pending_dt.clear();
}

void Hdf5Writer::Impl::flush() {
  write_pending_summary();
  check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), file_name(), "flush the file");
}

void Hdf5Writer::Impl::write_xdmf() const {
  XdmfLayout L;
  L.h5_name = fs::path(opt.path).filename().string();
  L.dim = dim;
  L.nx = nx;
  L.ny = ny;
  L.nz = nz;
  L.fields = field_names;
  L.times_s = snapshot_times_s;
  L.labels = snapshot_labels;
  const std::string path = xdmf_path_for(opt.path);
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(tmp + ": cannot open for writing the XDMF sidecar");
    out << xdmf_text(L);
    out.close();
    if (!out) throw Error(tmp + ": cannot write the XDMF sidecar");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error(path + ": cannot move the XDMF sidecar into place: " + ec.message());
}

void Hdf5Writer::on_start(const Simulation& sim) {
  QuietHdf5 quiet;
  Impl& m = *impl_;
  if (m.started) throw Error(m.opt.path + ": an HDF5 writer serves one run only");
  SKINHEAL_REQUIRE(m.opt.overwrite || !fs::exists(m.opt.path),
                   m.opt.path + ": output file already exists; use --force to overwrite it");
  m.started = true;
  m.start_time_iso = iso8601_utc(std::chrono::system_clock::now());
  m.start_clock = std::chrono::steady_clock::now();
  if (m.opt.resume) {
    m.resume_file(sim, *m.opt.resume);
    m.flush();
    return;
  }
  m.create_file(sim);
  m.open_datasets();
  const double t = sim.time_s();
  m.append_summary(sim, t, 0.0);
  while (m.next_scheduled < m.scheduled_s.size() && m.scheduled_s[m.next_scheduled] < t &&
         !same_instant(m.scheduled_s[m.next_scheduled], t))
    ++m.next_scheduled;
  if (m.next_scheduled < m.scheduled_s.size() && same_instant(m.scheduled_s[m.next_scheduled], t)) {
    m.write_snapshot(sim, "scheduled");
    ++m.next_scheduled;
  }
  m.flush();
}

void Hdf5Writer::on_step(const Simulation& sim, const StepInfo& info) {
  QuietHdf5 quiet;
  Impl& m = *impl_;
  if (!m.started) return;
  if (m.finished) m.reopen();
  m.current_state_written = false;
  m.append_summary(sim, info.t_s, info.dt_s);
  const double t = sim.time_s();
  while (m.next_scheduled < m.scheduled_s.size() && m.scheduled_s[m.next_scheduled] < t &&
         !same_instant(m.scheduled_s[m.next_scheduled], t))
    ++m.next_scheduled;  // a time the loop did not land on (cannot happen when it honours us)
  if (m.next_scheduled < m.scheduled_s.size() && same_instant(m.scheduled_s[m.next_scheduled], t)) {
    m.write_snapshot(sim, "scheduled");
    ++m.next_scheduled;
  }
}

void Hdf5Writer::on_event(const Simulation& sim, const std::string& event_name, bool after) {
  QuietHdf5 quiet;
  Impl& m = *impl_;
  if (!m.started) return;
  if (m.finished) m.reopen();
  // "Before" is skipped when the last snapshot already shows this state (a scheduled snapshot
  // at the event time, or the "after" snapshot of an earlier event at the same instant).
  if (m.opt.snapshots_around_events && !(m.current_state_written && !after))
    m.write_snapshot(sim, (after ? "after " : "before ") + event_name);
  if (!after) m.current_state_written = false;  // the event is about to change the state
}

void Hdf5Writer::on_end(const Simulation& sim) {
  QuietHdf5 quiet;
  Impl& m = *impl_;
  if (!m.started || m.finished) return;  // finished: nothing happened since the last on_end
  const std::string& fn = m.file_name();
  {
    Id prov = checked(H5Gopen2(m.file.get(), "provenance", H5P_DEFAULT), H5Gclose, fn, "open group",
                      "/provenance");
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m.start_clock).count();
    write_string_attribute(prov.get(), "end_time", iso8601_utc(std::chrono::system_clock::now()),
                           fn);
    write_double_attribute(prov.get(), "wall_time_s", wall, fn);
    write_double_attribute(prov.get(), "simulated_time_s", sim.time_s(), fn);
    write_int_attribute(prov.get(), "accepted_steps", sim.last_step().accepted, fn);
    write_int_attribute(prov.get(), "rejected_steps", sim.last_step().rejected, fn);
    write_string_attribute(prov.get(), "status", "complete", fn);
    check(prov.close(), fn, "close group", "/provenance");
  }
  m.flush();
  m.close_file(true);
  if (!m.opt.overwrite && fs::exists(m.opt.path))
    throw InputError(m.opt.path +
                     ": output file appeared during the run; use --force to overwrite it (the "
                     "result is in " +
                     m.partial + ")");
  std::error_code ec;
  fs::rename(m.partial, m.opt.path, ec);
  if (ec) throw Error(m.partial + ": cannot rename to " + m.opt.path + ": " + ec.message());
  m.finished = true;
  if (m.opt.write_xdmf) m.write_xdmf();
}

}  // namespace skinheal
