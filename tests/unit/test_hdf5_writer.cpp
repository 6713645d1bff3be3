// Unit tests for engine/output: the HDF5 result writer (snapshots at requested times and
// around events, float32 values, per-layer summaries, grid, scenario, parameters,
// provenance, the .partial rule, refusing to overwrite, continuing after on_end), the reader
// (including missing, corrupt, truncated and foreign files) and the XDMF3 sidecar.
#include "engine/output/hdf5_writer.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/output/hdf5_reader.hpp"
#include "engine/parallel.hpp"
#include "engine/simulation.hpp"
#include "output_test_support.hpp"

namespace skinheal {
namespace {

namespace fs = std::filesystem;

/// dy/dt = −rate · y for one field.
class Decay final : public ReactionTerm {
 public:
  Decay(int field, double rate_per_s) : field_(field), rate_(rate_per_s) {}
  std::string name() const override { return "decay"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[field_] -= rate_ * y[field_];
  }
  bool add_jacobian(const VoxelContext&, const double*, int n, double* J) const override {
    J[field_ * n + field_] -= rate_;
    return true;
  }

 private:
  int field_;
  double rate_;
};

/// A copy of every field at every hook, to compare with what the writer stored.
struct Capture {
  double t_s;
  std::string kind;  // "start", "step", "before <event>", "after <event>"
  long accepted;
  double dt_s;
  std::vector<double> storage;
};

class Recorder final : public Observer {
 public:
  std::vector<Capture> captures;
  void on_start(const Simulation& sim) override { add(sim, "start", 0, 0.0); }
  void on_step(const Simulation& sim, const StepInfo& info) override {
    add(sim, "step", info.accepted, info.dt_s);
  }
  void on_event(const Simulation& sim, const std::string& name, bool after) override {
    add(sim, (after ? "after " : "before ") + name, sim.last_step().accepted, 0.0);
  }
  /// The capture a snapshot with this label at this time must equal.
  const Capture& find(double t_s, const std::string& label) const {
    for (const Capture& c : captures) {
      const bool kind_ok =
          label == "scheduled" ? (c.kind == "start" || c.kind == "step") : c.kind == label;
      if (kind_ok && c.t_s == t_s) return c;
    }
    throw std::runtime_error("no capture for " + label + " at t = " + std::to_string(t_s));
  }

 private:
  void add(const Simulation& sim, const std::string& kind, long accepted, double dt) {
    captures.push_back({sim.time_s(), kind, accepted, dt, sim.fields().storage()});
  }
};

/// Checks from inside the run that only OUT.h5.partial exists.
class PartialChecker final : public Observer {
 public:
  PartialChecker(fs::path final_path) : final_(std::move(final_path)) {}
  int checks = 0;
  void on_step(const Simulation&, const StepInfo&) override {
    ++checks;
    EXPECT_TRUE(fs::exists(final_.string() + ".partial"));
    EXPECT_FALSE(fs::exists(final_));
  }

 private:
  fs::path final_;
};

const std::vector<Layer> kLayers{{"epidermis", 60.0}, {"dermis", 140.0}};

/// 2D (or 3D) grid with two layers and graded depth; a diffusing and a decaying field.
std::unique_ptr<Simulation> make_simulation(int dim = 2) {
  std::vector<double> faces = Grid::graded_faces(kLayers, 5.0, 40.0, 1.5);
  Grid grid = dim == 3 ? Grid::make_3d(5, 3, 10.0, faces) : Grid::make_2d(6, 10.0, faces);
  grid.assign_layers(kLayers);
  auto sim = std::make_unique<Simulation>(std::move(grid));
  const int signal =
      sim->fields().add({"signal", "nmol/cm^3", true, true, 1e-8, "a diffusing signal"});
  const int decaying =
      sim->fields().add({"decaying", "1", false, true, 1e-8, "decays at 1e-3 per second"}, 1.0);
  const Grid& g = sim->grid();
  FieldView s = sim->fields().view(signal);
  FieldView d = sim->fields().view(decaying);
  for (int k = 0; k < g.nz(); ++k)
    for (int j = 0; j < g.ny(); ++j)
      for (int i = 0; i < g.nx(); ++i) d[g.index(i, j, k)] = 1.0 + 0.1 * i + 0.05 * k + 0.01 * j;
  s[g.index(2, 0, 1)] = 10.0;
  sim->transport().set_diffusion(signal, Diffusivity::uniform(50.0));
  sim->reactions().add(std::make_shared<Decay>(decaying, 1e-3));
  sim->control().dt_initial_s = 5.0;
  sim->control().dt_max_s = 60.0;
  return sim;
}

void add_events(Simulation& sim) {
  sim.add_event({100.0, "session",
                 [](Simulation& s) { s.fields().view("signal")[s.grid().index(3, 0, 0)] += 5.0; }});
  sim.add_event({300.0, "topical", [](Simulation& s) {
                   FieldView d = s.fields().view("decaying");
                   for (std::size_t c = 0; c < d.size; ++c)
                     if (s.grid().layer_of(c) == 0) d[c] *= 2.0;
                 }});
}

Hdf5WriterOptions options_for(const fs::path& path) {
  Hdf5WriterOptions o;
  o.path = path.string();
  o.snapshot_times_s = {400.0, 0.0, 50.0, 200.0, 300.0};  // unsorted on purpose
  o.t_end_s = 400.0;
  o.scenario_text = "# test scenario\n[grid]\nnx = 6\n";
  o.parameters = {{"grid.nx", "6", "1"}, {"signal.D", "50", "um^2/s"}};
  return o;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

class hdf5 : public testing::OutputDirTest {};

// The expected snapshot sequence of options_for() with add_events(): scheduled times, plus one
// snapshot before and one after each event; a scheduled snapshot at an event time doubles as
// its "before".
const std::vector<std::pair<double, std::string>> kExpected{
    {0.0, "scheduled"},   {50.0, "scheduled"},  {100.0, "before session"}, {100.0, "after session"},
    {200.0, "scheduled"}, {300.0, "scheduled"}, {300.0, "after topical"},  {400.0, "scheduled"}};

TEST_F(hdf5, SnapshotsTimesValuesAndLabels) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  add_events(*sim);
  auto writer = std::make_shared<Hdf5Writer>(options_for(out));
  auto recorder = std::make_shared<Recorder>();
  auto checker = std::make_shared<PartialChecker>(out);
  sim->add_observer(writer);
  sim->add_observer(recorder);
  sim->add_observer(checker);
  EXPECT_EQ(writer->requested_times_s(), (std::vector<double>{0, 50, 200, 300, 400}));
  sim->run_until(400.0);

  EXPECT_GT(checker->checks, 0);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
  EXPECT_TRUE(fs::exists(dir_ / "out.xdmf"));
  EXPECT_EQ(writer->snapshots_written(), kExpected.size());

  Hdf5Result r(out.string());
  EXPECT_EQ(r.field_names(), (std::vector<std::string>{"decaying", "signal"}));
  const Grid& g = sim->grid();
  EXPECT_EQ(r.snapshot_shape(), (std::vector<std::size_t>{static_cast<std::size_t>(g.nz()),
                                                          static_cast<std::size_t>(g.nx())}));
  ASSERT_EQ(r.num_snapshots(), kExpected.size());
  const std::vector<double> times = r.snapshot_times_s();
  const std::vector<std::string> labels = r.snapshot_labels();
  ASSERT_EQ(times.size(), kExpected.size());
  for (std::size_t s = 0; s < kExpected.size(); ++s) {
    SCOPED_TRACE("snapshot " + std::to_string(s));
    EXPECT_EQ(times[s], kExpected[s].first);
    EXPECT_EQ(labels[s], kExpected[s].second);
    const Capture& c = recorder->find(kExpected[s].first, kExpected[s].second);
    for (const std::string& name : r.field_names()) {
      const std::vector<float> values = r.read_snapshot(name, s);
      ASSERT_EQ(values.size(), g.num_cells());
      const std::size_t off = sim->fields().index(name) * g.num_cells();
      for (std::size_t i = 0; i < values.size(); ++i)
        ASSERT_EQ(values[i], static_cast<float>(c.storage[off + i])) << name << " cell " << i;
    }
  }
  // The events changed the state: "before" and "after" differ.
  EXPECT_NE(r.read_snapshot("signal", 2), r.read_snapshot("signal", 3));
  EXPECT_NE(r.read_snapshot("decaying", 5), r.read_snapshot("decaying", 6));

  EXPECT_EQ(r.field_units("signal"), "nmol/cm^3");
  EXPECT_EQ(r.field_description("decaying"), "decays at 1e-3 per second");
  EXPECT_EQ(r.scenario_text(), "# test scenario\n[grid]\nnx = 6\n");
  const auto params = r.parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[1], (std::array<std::string, 3>{"signal.D", "50", "um^2/s"}));

  const ResultGrid rg = r.read_grid();
  EXPECT_EQ(rg.dim, 2);
  EXPECT_EQ(rg.nx, g.nx());
  EXPECT_EQ(rg.nz, g.nz());
  EXPECT_EQ(rg.z_faces_um, g.z_faces_um());
  EXPECT_EQ(rg.z_um, g.z_centres_um());
  EXPECT_DOUBLE_EQ(rg.dx_um, 10.0);
  EXPECT_DOUBLE_EQ(rg.x_um.front(), 5.0);
  EXPECT_EQ(rg.layer_id, g.layer_map());
  EXPECT_EQ(rg.layer_names, (std::vector<std::string>{"epidermis", "dermis"}));
  EXPECT_EQ(rg.layer_bounds_um, (std::vector<double>{0.0, 60.0, 200.0}));

  const auto prov = r.provenance();
  for (const char* key : {"version", "git_commit", "compiler", "compiler_flags", "build_type",
                          "threads", "host", "start_time", "end_time", "wall_time_s"})
    EXPECT_TRUE(prov.count(key)) << key;
  EXPECT_EQ(prov.at("status"), "complete");
  EXPECT_TRUE(
      std::regex_match(prov.at("end_time"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << prov.at("end_time");
  EXPECT_GE(std::stoi(prov.at("threads")), 1);
}

TEST_F(hdf5, SummaryIsTheVolumeWeightedLayerMeanAtEveryStep) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  add_events(*sim);
  auto writer = std::make_shared<Hdf5Writer>(options_for(out));
  auto recorder = std::make_shared<Recorder>();
  sim->add_observer(writer);
  sim->add_observer(recorder);
  sim->run_until(400.0);

  const ResultSummary s = Hdf5Result(out.string()).read_summary();
  const long accepted = sim->last_step().accepted;
  ASSERT_EQ(s.num_steps(), static_cast<std::size_t>(accepted + 1));  // + the initial row
  EXPECT_EQ(s.layer_names, (std::vector<std::string>{"epidermis", "dermis"}));
  EXPECT_EQ(s.time_s.front(), 0.0);
  EXPECT_EQ(s.dt_s.front(), 0.0);
  EXPECT_EQ(s.time_s.back(), 400.0);
  for (const Capture& c : recorder->captures) {
    if (c.kind != "step") continue;
    EXPECT_EQ(s.time_s[c.accepted], c.t_s);
    EXPECT_EQ(s.dt_s[c.accepted], c.dt_s);
  }

  // One step by hand: Σ V_cell u / Σ V_cell over each layer's cells.
  const Grid& g = sim->grid();
  const Capture* step = nullptr;
  for (const Capture& c : recorder->captures)
    if (c.kind == "step" && c.accepted == 7) step = &c;
  ASSERT_NE(step, nullptr);
  for (const std::string name : {"signal", "decaying"}) {
    const std::size_t off = sim->fields().index(name) * g.num_cells();
    for (int layer = 0; layer < 2; ++layer) {
      double sum = 0.0, volume = 0.0;
      for (int k = 0; k < g.nz(); ++k)
        for (int i = 0; i < g.nx(); ++i) {
          const std::size_t c = g.index(i, 0, k);
          if (g.layer_of(c) != layer) continue;
          sum += g.dx_um() * g.dz_um()[k] * step->storage[off + c];
          volume += g.dx_um() * g.dz_um()[k];
        }
      const double expected = sum / volume;
      EXPECT_NEAR(s.at(name, 7, layer), expected, 1e-13 * std::abs(expected)) << name << layer;
    }
  }
  // The dermis only decays (the topical event touches the epidermis): its mean falls.
  EXPECT_LT(s.at("decaying", 5, 1), s.at("decaying", 4, 1));
}

// The layer means run one field per thread: the summary must not depend on the thread count,
// nor on whether the loop ran on one thread (below the serial-work threshold) or several.
TEST_F(hdf5, SummaryDoesNotDependOnTheThreadCount) {
  auto summary_with = [&](int threads, std::size_t serial_work, const std::string& name) {
    parallel::set_num_threads(threads);
    parallel::set_serial_work(serial_work);
    const fs::path out = dir_ / name;
    auto sim = make_simulation();
    add_events(*sim);
    sim->add_observer(std::make_shared<Hdf5Writer>(options_for(out)));
    sim->run_until(400.0);
    parallel::set_num_threads(0);
    parallel::set_serial_work(parallel::kSerialWork);
    return Hdf5Result(out.string()).read_summary();
  };
  const ResultSummary one = summary_with(1, parallel::kSerialWork, "one.h5");
  const ResultSummary two = summary_with(2, 0, "two.h5");
  ASSERT_EQ(one.num_steps(), two.num_steps());
  ASSERT_GT(one.num_steps(), 5u);
  for (const std::string name : {"signal", "decaying"})
    for (std::size_t row = 0; row < one.num_steps(); ++row)
      for (int layer = 0; layer < 2; ++layer)
        ASSERT_EQ(one.at(name, row, layer), two.at(name, row, layer))
            << name << " row " << row << " layer " << layer;
}

TEST_F(hdf5, DatasetsAreFloat32ChunkedAndCompressed) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  sim->add_observer(std::make_shared<Hdf5Writer>(options_for(out)));
  sim->run_until(400.0);

  const hid_t file = H5Fopen(out.string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t ds = H5Dopen2(file, "/fields/signal", H5P_DEFAULT);
  ASSERT_GE(ds, 0);
  const hid_t type = H5Dget_type(ds);
  EXPECT_GT(H5Tequal(type, H5T_IEEE_F32LE), 0);
  const hid_t dcpl = H5Dget_create_plist(ds);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  hsize_t chunk[3] = {0, 0, 0};
  EXPECT_EQ(H5Pget_chunk(dcpl, 3, chunk), 3);
  EXPECT_EQ(chunk[0], 1u);
  EXPECT_EQ(chunk[1], static_cast<hsize_t>(sim->grid().nz()));
  EXPECT_EQ(chunk[2], static_cast<hsize_t>(sim->grid().nx()));
  ASSERT_EQ(H5Pget_nfilters(dcpl), 2);
  unsigned flags = 0, values[4] = {0, 0, 0, 0};
  std::size_t nvalues = 4;
  EXPECT_EQ(H5Pget_filter2(dcpl, 0, &flags, &nvalues, values, 0, nullptr, nullptr),
            H5Z_FILTER_SHUFFLE);
  nvalues = 4;
  EXPECT_EQ(H5Pget_filter2(dcpl, 1, &flags, &nvalues, values, 0, nullptr, nullptr),
            H5Z_FILTER_DEFLATE);
  ASSERT_GE(nvalues, 1u);
  EXPECT_EQ(values[0], 4u);  // gzip level
  hsize_t dims[3], maxdims[3];
  const hid_t space = H5Dget_space(ds);
  H5Sget_simple_extent_dims(space, dims, maxdims);
  EXPECT_EQ(maxdims[0], H5S_UNLIMITED);
  EXPECT_EQ(dims[0], 5u);  // no events: the five scheduled snapshots
  const hid_t summary = H5Dopen2(file, "/summary/signal", H5P_DEFAULT);
  const hid_t summary_type = H5Dget_type(summary);
  EXPECT_GT(H5Tequal(summary_type, H5T_IEEE_F64LE), 0);
  H5Tclose(summary_type);
  H5Dclose(summary);
  H5Sclose(space);
  H5Pclose(dcpl);
  H5Tclose(type);
  H5Dclose(ds);
  H5Fclose(file);
}

TEST_F(hdf5, DefaultSnapshotTimesAreLogSpacedUpToTheEnd) {
  constexpr double day = 86400.0;
  EXPECT_EQ(default_snapshot_times_s(7 * day),
            (std::vector<double>{0, 60, 600, 3600, 21600, day, 3 * day, 7 * day}));
  EXPECT_EQ(default_snapshot_times_s(5 * day),
            (std::vector<double>{0, 60, 600, 3600, 21600, day, 3 * day, 5 * day}));
  const std::vector<double> year = default_snapshot_times_s(365 * day);
  EXPECT_EQ(year.size(), 15u);
  EXPECT_EQ(year.back(), 365 * day);
  EXPECT_EQ(default_snapshot_times_s(0.0), (std::vector<double>{0.0}));
  Hdf5WriterOptions o;
  o.path = (dir_ / "x.h5").string();
  o.t_end_s = 2 * day;
  EXPECT_EQ(Hdf5Writer(o).requested_times_s(),
            (std::vector<double>{0, 60, 600, 3600, 21600, day, 2 * day}));
}

TEST_F(hdf5, EventSnapshotsCanBeSwitchedOff) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  add_events(*sim);
  Hdf5WriterOptions o = options_for(out);
  o.snapshots_around_events = false;
  sim->add_observer(std::make_shared<Hdf5Writer>(o));
  sim->run_until(400.0);
  Hdf5Result r(out.string());
  EXPECT_EQ(r.snapshot_times_s(), (std::vector<double>{0, 50, 200, 300, 400}));
  EXPECT_EQ(r.snapshot_labels(), std::vector<std::string>(5, "scheduled"));
}

TEST_F(hdf5, MissingOutputDirectoryIsAnInputError) {
  Hdf5WriterOptions o;
  o.path = (dir_ / "no_such_dir" / "out.h5").string();
  EXPECT_NE(input_error_of([&] { Hdf5Writer w(o); }).find("does not exist"), std::string::npos);
}

TEST_F(hdf5, TheFileNameMustEndInH5WithANameBeforeIt) {
  for (const std::string name : {"out.txt", ".h5", "out.h5.bak"}) {
    Hdf5WriterOptions o;
    o.path = (dir_ / name).string();
    EXPECT_NE(input_error_of([&] { Hdf5Writer w(o); }).find("must end in .h5"), std::string::npos)
        << name;
  }
}

TEST_F(hdf5, RefusesToOverwriteWithoutForce) {
  const fs::path out = dir_ / "out.h5";
  {
    auto sim = make_simulation();
    sim->add_observer(std::make_shared<Hdf5Writer>(options_for(out)));
    sim->run_until(400.0);
  }
  const std::string before = read_text(out);
  const std::string msg = input_error_of([&] { Hdf5Writer w(options_for(out)); });
  EXPECT_NE(msg.find(out.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("use --force"), std::string::npos) << msg;
  EXPECT_EQ(read_text(out), before);
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));

  Hdf5WriterOptions forced = options_for(out);
  forced.overwrite = true;
  forced.snapshot_times_s = {0.0, 400.0};
  auto sim = make_simulation();
  sim->add_observer(std::make_shared<Hdf5Writer>(forced));
  sim->run_until(400.0);
  EXPECT_EQ(Hdf5Result(out.string()).num_snapshots(), 2u);
}

TEST_F(hdf5, ExceptionLeavesOnlyThePartialFile) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  add_events(*sim);
  sim->add_event({150.0, "boom", [](Simulation&) { throw std::runtime_error("boom"); }});
  auto writer = std::make_shared<Hdf5Writer>(options_for(out));
  sim->add_observer(writer);
  EXPECT_THROW(sim->run_until(400.0), std::runtime_error);
  sim.reset();
  writer.reset();  // the writer goes without on_end
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_ / "out.xdmf"));
  ASSERT_TRUE(fs::exists(out.string() + ".partial"));
  Hdf5Result r(out.string() + ".partial");
  EXPECT_EQ(r.snapshot_times_s(), (std::vector<double>{0, 50, 100, 100, 150}));
  EXPECT_EQ(r.snapshot_labels().back(), "before boom");
  EXPECT_EQ(r.provenance().at("status"), "running");
  EXPECT_EQ(r.provenance().count("end_time"), 0u);
}

TEST_F(hdf5, ContinuesAfterOnEnd) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  add_events(*sim);
  auto writer = std::make_shared<Hdf5Writer>(options_for(out));
  sim->add_observer(writer);
  sim->run_until(200.0);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_EQ(Hdf5Result(out.string()).num_snapshots(), 5u);
  sim->run_until(400.0);
  EXPECT_FALSE(fs::exists(out.string() + ".partial"));
  Hdf5Result r(out.string());
  EXPECT_EQ(r.num_snapshots(), kExpected.size());
  EXPECT_EQ(r.read_summary().num_steps(), static_cast<std::size_t>(sim->last_step().accepted + 1));
  EXPECT_EQ(r.provenance().at("status"), "complete");
}

TEST_F(hdf5, ReaderRejectsMissingCorruptTruncatedAndForeignFiles) {
  const fs::path missing = dir_ / "missing.h5";
  EXPECT_NE(input_error_of([&] { Hdf5Result r(missing.string()); }).find("missing.h5"),
            std::string::npos);

  const fs::path corrupt = dir_ / "corrupt.h5";
  {
    std::mt19937 rng(42);
    std::ofstream f(corrupt, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(rng() & 0xff));
  }
  EXPECT_NE(input_error_of([&] { Hdf5Result r(corrupt.string()); }).find("corrupt.h5"),
            std::string::npos);

  const fs::path foreign = dir_ / "foreign.h5";
  {
    const hid_t f = H5Fcreate(foreign.string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t g = H5Gcreate2(f, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
  }
  EXPECT_EQ(input_error_of([&] { Hdf5Result r(foreign.string()); }),
            foreign.string() + ": not a skinheal result (no /fields group)");

  const fs::path good = dir_ / "good.h5";
  auto sim = make_simulation();
  sim->add_observer(std::make_shared<Hdf5Writer>(options_for(good)));
  sim->run_until(400.0);
  const std::string bytes = read_text(good);
  const fs::path truncated = dir_ / "truncated.h5";
  {
    std::ofstream f(truncated, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  EXPECT_NE(input_error_of([&] { Hdf5Result r(truncated.string()); }).find("truncated.h5"),
            std::string::npos);

  Hdf5Result r(good.string());
  EXPECT_NE(input_error_of([&] { r.read_snapshot("signl", 0); }).find("signal"), std::string::npos);
  EXPECT_THROW(r.read_snapshot("signal", 99), InputError);
}

/// Minimal well-formedness check: every element closed in order; returns the element names
/// in document order (start tags and empty-element tags).
std::vector<std::string> xml_elements(const std::string& text) {
  std::vector<std::string> stack, names;
  std::size_t pos = 0;
  while ((pos = text.find('<', pos)) != std::string::npos) {
    if (text.compare(pos, 4, "<!--") == 0) {
      pos = text.find("-->", pos);
      if (pos == std::string::npos) throw std::runtime_error("unterminated comment");
      continue;
    }
    const std::size_t end = text.find('>', pos);
    if (end == std::string::npos) throw std::runtime_error("unterminated tag");
    const std::string tag = text.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.front() == '?' || tag.front() == '!') continue;
    if (tag.front() == '/') {
      if (stack.empty() || stack.back() != tag.substr(1))
        throw std::runtime_error("mismatched </" + tag.substr(1) + ">");
      stack.pop_back();
      continue;
    }
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0)
      throw std::runtime_error("unbalanced quotes in <" + tag + ">");
    const std::string name = tag.substr(0, tag.find_first_of(" \n/"));
    names.push_back(name);
    if (tag.back() != '/') stack.push_back(name);
  }
  if (!stack.empty()) throw std::runtime_error("unclosed <" + stack.back() + ">");
  return names;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST_F(hdf5, XdmfSidecarDescribesEverySnapshotAndField) {
  const fs::path out = dir_ / "out.h5";
  auto sim = make_simulation();
  add_events(*sim);
  sim->add_observer(std::make_shared<Hdf5Writer>(options_for(out)));
  sim->run_until(400.0);
  const std::string xml = read_text(dir_ / "out.xdmf");
  std::vector<std::string> elements;
  ASSERT_NO_THROW(elements = xml_elements(xml));
  ASSERT_FALSE(elements.empty());
  EXPECT_EQ(elements.front(), "Xdmf");
  const std::size_t n = kExpected.size();
  EXPECT_EQ(count_of(xml, "GridType=\"Uniform\""), n);
  EXPECT_EQ(count_of(xml, "<Time Value="), n);
  EXPECT_EQ(count_of(xml, "CollectionType=\"Temporal\""), 1u);
  EXPECT_EQ(count_of(xml, "TopologyType=\"2DRectMesh\""), n);
  for (const std::string name : {"signal", "decaying", "layer_id"})
    EXPECT_EQ(count_of(xml, "<Attribute Name=\"" + name + "\""), n) << name;
  EXPECT_EQ(count_of(xml, ">out.h5:/fields/signal|"), n);  // file name only, no directory
  EXPECT_EQ(count_of(xml, dir_.string()), 0u);
  // Times strictly increase (the "before" of an event sits just below the "after").
  std::vector<double> times;
  const std::regex time_re("<Time Value=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), time_re);
       it != std::sregex_iterator(); ++it)
    times.push_back(std::stod((*it)[1]));
  ASSERT_EQ(times.size(), n);
  for (std::size_t i = 1; i < n; ++i) EXPECT_LT(times[i - 1], times[i]);
  EXPECT_NEAR(times[2], 100.0, 1e-3);  // moved down by 1e-6 relative (at least 1 us)
  EXPECT_EQ(times[3], 100.0);
}

TEST_F(hdf5, ThreeDimensionalLayout) {
  const fs::path out = dir_ / "out3d.h5";
  auto sim = make_simulation(3);
  auto recorder = std::make_shared<Recorder>();
  sim->add_observer(std::make_shared<Hdf5Writer>(options_for(out)));
  sim->add_observer(recorder);
  sim->run_until(400.0);
  const Grid& g = sim->grid();
  Hdf5Result r(out.string());
  EXPECT_EQ(r.snapshot_shape(), (std::vector<std::size_t>{static_cast<std::size_t>(g.nz()),
                                                          static_cast<std::size_t>(g.ny()),
                                                          static_cast<std::size_t>(g.nx())}));
  const std::vector<float> last = r.read_snapshot("decaying", r.num_snapshots() - 1);
  const Capture& c = recorder->find(400.0, "scheduled");
  const std::size_t off = sim->fields().index("decaying") * g.num_cells();
  for (std::size_t i = 0; i < last.size(); ++i)
    ASSERT_EQ(last[i], static_cast<float>(c.storage[off + i]));
  const ResultGrid rg = r.read_grid();
  EXPECT_EQ(rg.dim, 3);
  EXPECT_EQ(rg.ny, 3);
  EXPECT_EQ(rg.y_um.size(), 3u);
  const std::string xml = read_text(dir_ / "out3d.xdmf");
  EXPECT_NO_THROW(xml_elements(xml));
  EXPECT_EQ(count_of(xml, "TopologyType=\"3DRectMesh\""), r.num_snapshots());
  EXPECT_EQ(count_of(xml, "GeometryType=\"VXVYVZ\""), r.num_snapshots());
}

}  // namespace
}  // namespace skinheal
