// Checkpoints: a run continued from a checkpoint ends bitwise equal to one never stopped;
// events are not applied twice; changed transport coefficients come back; corrupt, truncated,
// foreign and mismatched checkpoints are refused with one line naming the file.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/output/checkpoint.hpp"
#include "engine/simulation.hpp"

namespace skinheal {
namespace {

namespace fs = std::filesystem;

class Decay final : public ReactionTerm {
 public:
  std::string name() const override { return "decay"; }
  void add_rhs(const VoxelContext&, const double* y, double* dydt) const override {
    dydt[0] -= y[0] / 500.0;
    dydt[1] += 1e-3 * y[0] - y[1] / 200.0;
  }
};

/// A small run with non-idempotent events: "pulse" adds 1 to a block (applied twice it would
/// show), "open" makes the surface permeable and raises a per-voxel diffusivity (state outside
/// the fields that a checkpoint must carry). On an x–z grid unless another is given.
std::unique_ptr<Simulation> make_sim(Grid grid = Grid::make_2d(12, 5.0,
                                                               Grid::uniform_faces(10, 4.0))) {
  auto sim = std::make_unique<Simulation>(std::move(grid));
  FieldSet& f = sim->fields();
  const int u = f.add({"u", "1", true, true, 1e-6, "tracer"});
  const int w = f.add({"w", "1", true, true, 1e-6, "product"});
  sim->transport().set_diffusion(u, Diffusivity::by_depth(std::vector<double>(10, 0.5)));
  sim->transport().set_diffusion(w, Diffusivity::uniform(0.2));
  sim->reactions().add(std::make_shared<Decay>());
  sim->control().dt_initial_s = 1.0;
  sim->control().rtol = 1e-3;
  sim->control().dt_max_s = 50.0;
  auto pulse = [u](Simulation& s) {
    const Grid& g = s.grid();
    for (int k = 0; k < 3; ++k)
      for (int i = 4; i < 8; ++i) s.fields().view(u)[g.index(i, 0, k)] += 1.0;
  };
  sim->add_event({0.0, "pulse", pulse});
  sim->add_event({120.0, "pulse", pulse});
  sim->add_event({120.0, "open", [u](Simulation& s) {
                    Diffusivity& D = s.transport().diffusivity(u);
                    D.make_per_voxel(s.grid());
                    D.values()[5] = 3.0;
                    s.transport().set_boundaries(u, Boundary::permeable(0.1, 2.0),
                                                 Boundary::no_flux());
                  }});
  return sim;
}

const CheckpointIdentity kIdentity{"[model]\nkind = \"test\"\n", {{"time.end", "400 s", "file"}}};
constexpr double kEnd = 400.0;

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("skinheal_test_checkpoint_" + name)).string();
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
           return std::memcmp(&x, &y, sizeof x) == 0;
         });
}

/// Checkpoint after `steps` steps, continue a fresh simulation from it, compare with `ref`.
void check_resume_after(int steps, const Simulation& ref) {
  SCOPED_TRACE("checkpoint after " + std::to_string(steps) + " steps");
  const std::string path = temp_path("resume.h5.checkpoint");
  {
    auto first = make_sim();
    for (int s = 0; s < steps; ++s) first->step(kEnd);
    Hdf5WriterProgress progress{3, 7, 2, true};
    write_checkpoint(path, *first, kIdentity, progress);
    EXPECT_FALSE(fs::exists(path + ".tmp"));
  }
  auto second = make_sim();
  const RestoredCheckpoint r = restore_checkpoint(path, *second, kIdentity);
  EXPECT_EQ(r.accepted_steps, steps);
  EXPECT_EQ(r.writer.snapshots, 3u);
  EXPECT_EQ(r.writer.summary_rows, 7u);
  EXPECT_EQ(r.writer.next_scheduled, 2u);
  EXPECT_TRUE(r.writer.current_state_written);
  second->run_until(kEnd);
  EXPECT_TRUE(bitwise_equal(second->fields().storage(), ref.fields().storage()));
  EXPECT_EQ(second->last_step().accepted, ref.last_step().accepted);
  EXPECT_EQ(second->last_step().rejected, ref.last_step().rejected);
  EXPECT_EQ(second->time_s(), ref.time_s());
  fs::remove(path);
}

TEST(Checkpoint, ResumeIsBitwiseEqualAtEveryPoint) {
  auto ref = make_sim();
  std::vector<double> step_times;
  while (ref->time_s() < kEnd) step_times.push_back(ref->step(kEnd).t_s);
  ASSERT_GT(step_times.size(), 10u);
  // Find the step that lands on the events at 120 s: resume right after it (events done).
  const auto at_event = std::find(step_times.begin(), step_times.end(), 120.0) - step_times.begin();
  ASSERT_LT(at_event, static_cast<long>(step_times.size()));
  const int n = static_cast<int>(step_times.size());
  for (int steps : {1, 2, static_cast<int>(at_event), static_cast<int>(at_event) + 1,
                    static_cast<int>(at_event) + 2, n / 2, n - 1})
    check_resume_after(steps, *ref);
}

TEST(Checkpoint, RestoresChangedTransportCoefficients) {
  const std::string path = temp_path("transport.h5.checkpoint");
  auto first = make_sim();
  while (first->time_s() < 130.0) first->step(kEnd);
  write_checkpoint(path, *first, kIdentity, {});
  auto second = make_sim();
  restore_checkpoint(path, *second, kIdentity);
  const Diffusivity& D = second->transport().diffusivity(0);
  EXPECT_EQ(D.kind(), Diffusivity::Kind::per_voxel);
  EXPECT_EQ(D.values()[5], 3.0);
  EXPECT_EQ(second->transport().surface_boundary(0).kind, Boundary::Kind::permeable);
  EXPECT_EQ(second->transport().surface_boundary(0).permeability_um_per_s, 0.1);
  EXPECT_EQ(second->transport().surface_boundary(0).value, 2.0);
  fs::remove(path);
}

/// restore_checkpoint must throw InputError whose one-line message names the file and contains
/// `reason`, and leave the simulation untouched.
void expect_refused(const std::string& path, const CheckpointIdentity& id,
                    const std::string& reason) {
  auto sim = make_sim();
  const std::vector<double> before = sim->fields().storage();
  try {
    restore_checkpoint(path, *sim, id);
    ADD_FAILURE() << "accepted " << path;
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(reason), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_TRUE(bitwise_equal(sim->fields().storage(), before));
  EXPECT_EQ(sim->time_s(), 0.0);
}

std::string write_good(const std::string& name,
                       Grid grid = Grid::make_2d(12, 5.0, Grid::uniform_faces(10, 4.0))) {
  const std::string path = temp_path(name);
  auto sim = make_sim(std::move(grid));
  for (int s = 0; s < 5; ++s) sim->step(kEnd);
  write_checkpoint(path, *sim, kIdentity, {});
  return path;
}

TEST(Checkpoint, RefusesAnotherScenario) {
  const std::string path = write_good("other.h5.checkpoint");
  CheckpointIdentity other = kIdentity;
  other.parameters[0][1] = "2 d";
  expect_refused(path, other, "different scenario (time.end = '400 s' in the checkpoint, '2 d'");
  other = kIdentity;
  other.scenario_text += "# edited\n";
  expect_refused(path, other, "different scenario (the scenario text differs)");
  fs::remove(path);
}

TEST(Checkpoint, RefusesAnotherGridOrEventList) {
  const std::string path = write_good("grid.h5.checkpoint");
  auto other = std::make_unique<Simulation>(Grid::make_2d(13, 5.0, Grid::uniform_faces(10, 4.0)));
  other->fields().add({"u", "1", true, true, 1e-6, ""});
  other->fields().add({"w", "1", true, true, 1e-6, ""});
  try {
    restore_checkpoint(path, *other, kIdentity);
    ADD_FAILURE() << "accepted a different grid";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ": written for a different grid: the checkpoint has an xz grid of 12 × 10 "
                  "cells (x × z), the scenario has an xz grid of 13 × 10 cells (x × z)");
  }
  auto more_events = make_sim();
  more_events->add_event({300.0, "extra", [](Simulation&) {}});
  try {
    restore_checkpoint(path, *more_events, kIdentity);
    ADD_FAILURE() << "accepted a different event list";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("different list of events"), std::string::npos);
  }
  fs::remove(path);
}

Grid rz_grid() {
  return Grid::make_rz(12, 5.0, Grid::uniform_faces(10, 4.0));
}

/// restore_checkpoint into `sim` must throw InputError with exactly `message` and leave `sim`
/// untouched.
void expect_refused_exactly(const std::string& path, Simulation& sim, const std::string& message) {
  const std::vector<double> before = sim.fields().storage();
  try {
    restore_checkpoint(path, sim, kIdentity);
    ADD_FAILURE() << "accepted " << path;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
  EXPECT_TRUE(bitwise_equal(sim.fields().storage(), before));
  EXPECT_EQ(sim.time_s(), 0.0);
}

TEST(Checkpoint, RecordsTheGeometryAndRefusesAnother) {
  // x–z and r–z grids of the same shape and faces: only the geometry tells them apart.
  const std::string xz = write_good("xz.h5.checkpoint");
  const std::string rz = write_good("rz.h5.checkpoint", rz_grid());
  auto rz_sim = make_sim(rz_grid());
  expect_refused_exactly(xz, *rz_sim,
                         xz + ": written for a different grid: the checkpoint has an xz grid of "
                              "12 × 10 cells (x × z), the scenario has an rz grid of 12 × 10 "
                              "cells (r × z)");
  auto xz_sim = make_sim();
  expect_refused_exactly(rz, *xz_sim,
                         rz + ": written for a different grid: the checkpoint has an rz grid of "
                              "12 × 10 cells (r × z), the scenario has an xz grid of 12 × 10 "
                              "cells (x × z)");
  // The same geometry resumes.
  EXPECT_EQ(restore_checkpoint(rz, *rz_sim, kIdentity).accepted_steps, 5);
  EXPECT_EQ(restore_checkpoint(xz, *xz_sim, kIdentity).accepted_steps, 5);
  fs::remove(xz);
  fs::remove(rz);
}

/// Rewrite the 512-byte checkpoint header (magic, version, size, FNV-1a 64 of the bytes after
/// it) after editing the HDF5 part, as docs/output-format.md describes it.
void rewrite_header(const std::string& path) {
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 512; i < bytes.size(); ++i)
    h = (h ^ static_cast<unsigned char>(bytes[i])) * 1099511628211ull;
  char sum[24];
  std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(h));
  std::string header = "skinheal checkpoint\nformat_version 1\nbytes " +
                       std::to_string(bytes.size()) + "\nfnv1a64 " + sum + "\n";
  header.resize(512, '\0');
  bytes.replace(0, 512, header);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(Checkpoint, CheckpointWithoutGeometryIsCartesian) {
  // Checkpoints written before /grid had a geometry attribute: read as "xz" in 2D.
  const std::string path = write_good("legacy.h5.checkpoint");
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t grid = H5Gopen2(file, "grid", H5P_DEFAULT);
    ASSERT_GE(grid, 0);
    ASSERT_GT(H5Aexists(grid, "geometry"), 0);
    EXPECT_GE(H5Adelete(grid, "geometry"), 0);
    H5Gclose(grid);
    H5Fclose(file);
  }
  rewrite_header(path);
  auto rz_sim = make_sim(rz_grid());
  expect_refused_exactly(path, *rz_sim,
                         path +
                             ": written for a different grid: the checkpoint has an xz grid "
                             "of 12 × 10 cells (x × z), the scenario has an rz grid of 12 × "
                             "10 cells (r × z)");
  auto xz_sim = make_sim();
  EXPECT_EQ(restore_checkpoint(path, *xz_sim, kIdentity).accepted_steps, 5);
  fs::remove(path);
}

TEST(Checkpoint, RefusesCorruptTruncatedAndForeignFiles) {
  const std::string good = write_good("good.h5.checkpoint");
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 4096u);
  auto write = [](const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  };

  const std::string truncated = temp_path("truncated.h5.checkpoint");
  write(truncated, bytes.substr(0, bytes.size() / 2));
  expect_refused(truncated, kIdentity, "checkpoint");

  // Flip every byte of the field data region one at a time would be slow: flip a block in the
  // middle of the file (raw data) and a byte near the start (metadata).
  const std::string flipped = temp_path("flipped.h5.checkpoint");
  std::string bad = bytes;
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bad[i] ^= 0x5a;
  write(flipped, bad);
  expect_refused(flipped, kIdentity, "corrupt checkpoint");
  bad = bytes;
  bad[200] ^= 0x01;
  write(flipped, bad);
  expect_refused(flipped, kIdentity, "checkpoint");

  const std::string text = temp_path("text.h5.checkpoint");
  write(text, "not a checkpoint\n");
  expect_refused(text, kIdentity, "not a skinheal checkpoint");

  const std::string empty = temp_path("empty.h5.checkpoint");
  write(empty, "");
  expect_refused(empty, kIdentity, "not a skinheal checkpoint");

  expect_refused(temp_path("missing.h5.checkpoint"), kIdentity, "no such checkpoint");

  for (const std::string& p : {good, truncated, flipped, text, empty}) fs::remove(p);
}

TEST(Checkpoint, HashDependsOnTextAndParameters) {
  CheckpointIdentity a = kIdentity, b = kIdentity;
  EXPECT_EQ(scenario_hash(a), scenario_hash(b));
  b.parameters[0][1] = "401 s";
  EXPECT_NE(scenario_hash(a), scenario_hash(b));
  b = kIdentity;
  b.scenario_text.back() = ' ';
  EXPECT_NE(scenario_hash(a), scenario_hash(b));
  EXPECT_EQ(checkpoint_path_for("out/run.h5"), "out/run.h5.checkpoint");
}

}  // namespace
}  // namespace skinheal
