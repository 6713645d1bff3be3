// The /parameters table of result files and checkpoints: three string columns key, value,
// source (the third was called `units` before it was renamed, although it always held the
// source); files and checkpoints with the old column name are still read.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/output/checkpoint.hpp"
#include "engine/output/hdf5_reader.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/simulation.hpp"
#include "output_test_support.hpp"

namespace skinheal {
namespace {

namespace fs = std::filesystem;

using Rows = std::vector<std::array<std::string, 3>>;

const Rows kRows{{"model.kind", "\"generic\"", "file"},
                 {"device.needle_length", "\"1.5 mm\"", "file"},
                 {"time.adaptive", "true", "default"}};

std::unique_ptr<Simulation> make_sim() {
  auto sim = std::make_unique<Simulation>(Grid::make_2d(6, 10.0, Grid::uniform_faces(5, 10.0)));
  const int u = sim->fields().add({"u", "1", true, true, 1e-8, "tracer"});
  sim->fields().view(u)[sim->grid().index(2, 0, 1)] = 1.0;
  sim->transport().set_diffusion(u, Diffusivity::uniform(20.0));
  sim->control().dt_initial_s = 1.0;
  sim->control().dt_max_s = 20.0;
  return sim;
}

class output_parameters : public testing::OutputDirTest {
 protected:
  /// A finished result file with kRows as its parameters.
  std::string write_result() {
    const std::string path = (dir_ / "out.h5").string();
    Hdf5WriterOptions o;
    o.path = path;
    o.t_end_s = 60.0;
    o.snapshot_times_s = {0.0, 60.0};
    o.scenario_text = "[model]\nkind = \"generic\"\n";
    o.parameters = kRows;
    o.write_xdmf = false;
    auto sim = make_sim();
    sim->add_observer(std::make_shared<Hdf5Writer>(o));
    sim->run_until(60.0);
    return path;
  }
};

/// Link names in group `group` of an HDF5 file.
std::vector<std::string> links_of(const std::string& path, const char* group) {
  std::vector<std::string> names;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return names;
  const hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
  H5G_info_t info{};
  if (g >= 0 && H5Gget_info(g, &info) >= 0)
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char name[256] = {};
      H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
      names.emplace_back(name);
    }
  if (g >= 0) H5Gclose(g);
  H5Fclose(f);
  return names;
}

std::string string_attribute(const std::string& path, const char* object, const char* name) {
  std::string out;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t a = H5Aopen_by_name(f, object, name, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a);
  char* p = nullptr;
  if (a >= 0 && H5Aread(a, t, &p) >= 0 && p != nullptr) {
    out = p;
    H5free_memory(p);
  }
  H5Tclose(t);
  H5Aclose(a);
  H5Fclose(f);
  return out;
}

/// Rename /parameters/<from> to /parameters/<to> in place (making a file as older versions
/// wrote it). `offset` is the HDF5 user block size (checkpoints: 512).
void rename_column(const std::string& path, const char* from, const char* to) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0) << path;
  const std::string a = std::string("parameters/") + from, b = std::string("parameters/") + to;
  ASSERT_GE(H5Lmove(f, a.c_str(), f, b.c_str(), H5P_DEFAULT, H5P_DEFAULT), 0);
  ASSERT_GE(H5Fclose(f), 0);
}

/// Rewrite a checkpoint's 512-byte text header after editing the file (the format is in
/// docs/output-format.md: magic, version, size and FNV-1a of every byte after the header).
void rewrite_checkpoint_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  in.close();
  ASSERT_GT(bytes.size(), 512u);
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 512; i < bytes.size(); ++i) {
    h ^= static_cast<unsigned char>(bytes[i]);
    h *= 1099511628211ull;
  }
  char sum[24];
  std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(h));
  std::string header = "skinheal checkpoint\nformat_version 1\nbytes " +
                       std::to_string(bytes.size()) + "\nfnv1a64 " + sum + "\n";
  header.resize(512, '\0');
  std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  ASSERT_TRUE(out.good());
}

TEST_F(output_parameters, ResultFileHasKeyValueSourceColumns) {
  const std::string path = write_result();
  EXPECT_EQ(links_of(path, "parameters"), (std::vector<std::string>{"key", "source", "value"}));
  EXPECT_NE(string_attribute(path, "parameters", "layout").find("source"), std::string::npos);
  EXPECT_EQ(Hdf5Result(path).parameters(), kRows);
}

TEST_F(output_parameters, ResultFileWithTheOldColumnNameIsStillRead) {
  const std::string path = write_result();
  rename_column(path, "source", "units");
  ASSERT_EQ(links_of(path, "parameters"), (std::vector<std::string>{"key", "units", "value"}));
  EXPECT_EQ(Hdf5Result(path).parameters(), kRows);
}

TEST_F(output_parameters, MissingOrShortColumnIsAnErrorNamingIt) {
  const std::string path = write_result();
  {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(H5Ldelete(f, "parameters/source", H5P_DEFAULT), 0);
    H5Fclose(f);
  }
  try {
    Hdf5Result(path).parameters();
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/parameters/source"), std::string::npos) << e.what();
  }
}

TEST_F(output_parameters, CheckpointStoresSourceAndReadsTheOldColumnName) {
  const CheckpointIdentity identity{"[model]\nkind = \"generic\"\n", kRows};
  const std::string path = (dir_ / "out.h5.checkpoint").string();
  auto sim = make_sim();
  sim->run_until(30.0);
  write_checkpoint(path, *sim, identity, Hdf5WriterProgress{});
  EXPECT_EQ(links_of(path, "parameters"), (std::vector<std::string>{"key", "source", "value"}));

  auto fresh = make_sim();
  EXPECT_NO_THROW(restore_checkpoint(path, *fresh, identity));

  // A checkpoint from before the rename (header rewritten so its checksum matches again).
  rename_column(path, "source", "units");
  rewrite_checkpoint_header(path);
  auto old = make_sim();
  RestoredCheckpoint r;
  ASSERT_NO_THROW(r = restore_checkpoint(path, *old, identity));
  EXPECT_EQ(r.t_s, 30.0);
  EXPECT_EQ(old->fields().storage(), sim->fields().storage());

  // The source still counts: another source for a parameter is another scenario.
  Rows other = kRows;
  other[2][2] = "file";
  auto again = make_sim();
  EXPECT_THROW(restore_checkpoint(path, *again, {identity.scenario_text, other}), InputError);
}

}  // namespace
}  // namespace skinheal
