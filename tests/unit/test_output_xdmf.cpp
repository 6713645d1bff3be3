// The XDMF3 sidecar as ParaView 5.11 reads it: every field of snapshot s is an HDF DataItem
// using the Xdmf3 subset syntax "FILE:/fields/<name>|START:STRIDE:COUNT:DATASPACE" (ParaView's
// Xdmf3 readers skip ItemType="HyperSlab" items), and the time values are strictly increasing
// normal numbers (a "before"/"after" pair at t = 0 once gave denormals such as -4.9e-324).
// tests/render/check_paraview.py opens the same kind of file in ParaView itself.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "engine/output/hdf5_reader.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/simulation.hpp"

namespace skinheal {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

std::vector<double> times_of(const std::string& xml) {
  std::vector<double> times;
  const std::regex re("<Time Value=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), re); it != std::sregex_iterator();
       ++it)
    times.push_back(std::stod((*it)[1]));
  return times;
}

/// Two fields; events at t = 0 and t = 3600 s, so "before" and "after" snapshots share times.
std::unique_ptr<Simulation> make_sim(int dim) {
  const std::vector<double> faces = Grid::uniform_faces(4, 10.0);
  auto sim = std::make_unique<Simulation>(dim == 3 ? Grid::make_3d(5, 3, 10.0, faces)
                                                   : Grid::make_2d(5, 10.0, faces));
  const int u = sim->fields().add({"u", "1", true, true, 1e-8, "tracer"});
  sim->fields().add({"v", "1", false, true, 1e-8, "constant"}, 2.0);
  sim->transport().set_diffusion(u, Diffusivity::uniform(20.0));
  sim->control().dt_initial_s = 1.0;
  sim->control().dt_max_s = 600.0;
  auto pulse = [u](Simulation& s) { s.fields().view(u)[s.grid().index(2, 0, 1)] += 1.0; };
  sim->add_event({0.0, "pulse", pulse});
  sim->add_event({3600.0, "pulse", pulse});
  return sim;
}

class output_xdmf : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    dir_ = fs::path(SKINHEAL_BINARY_DIR) / "test_output" /
           (std::string("xdmf_") + std::to_string(GetParam()) + "d");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_P(output_xdmf, FieldsUseTheXdmf3SubsetSyntaxAndTimesAreNormalNumbers) {
  const int dim = GetParam();
  const fs::path out = dir_ / "out.h5";
  Hdf5WriterOptions o;
  o.path = out.string();
  o.t_end_s = 7200.0;
  o.snapshot_times_s = {0.0, 3600.0, 7200.0};
  auto sim = make_sim(dim);
  sim->add_observer(std::make_shared<Hdf5Writer>(o));
  sim->run_until(7200.0);

  const Hdf5Result r(out.string());
  const std::size_t n = r.num_snapshots();
  ASSERT_EQ(n, 5u);  // 0 scheduled, 0 after pulse, 3600 before/after, 7200
  const std::string xml = read_text(dir_ / "out.xdmf");
  EXPECT_EQ(count_of(xml, "HyperSlab"), 0u);
  const std::string cells = dim == 3 ? "4 3 5" : "4 5";
  for (std::size_t s = 0; s < n; ++s)
    for (const char* f : {"u", "v"}) {
      const std::string zeros = dim == 3 ? " 0 0 0" : " 0 0";
      const std::string ones = dim == 3 ? "1 1 1 1" : "1 1 1";
      const std::string item =
          "<DataItem Dimensions=\"" + cells +
          "\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">out.h5:/fields/" + f + "|" +
          std::to_string(s) + zeros + ":" + ones + ":1 " + cells + ":" + std::to_string(n) + " " +
          cells + "</DataItem>";
      EXPECT_EQ(count_of(xml, item), 1u) << "snapshot " << s << " field " << f << "\n" << item;
    }
  EXPECT_EQ(count_of(xml, "<Attribute Name=\"layer_id\""), n);

  const std::vector<double> t = times_of(xml);
  const std::vector<double> exact = r.snapshot_times_s();
  ASSERT_EQ(t.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_TRUE(t[i] == 0.0 || std::fpclassify(t[i]) == FP_NORMAL) << t[i];
    EXPECT_TRUE(std::fpclassify(static_cast<float>(t[i])) != FP_SUBNORMAL) << t[i];
    EXPECT_LE(std::abs(t[i] - exact[i]), 1e-6 * std::max(1.0, exact[i]) * 2) << i;
    if (i > 0) {
      EXPECT_LT(t[i - 1], t[i]) << i;
      EXPECT_LT(static_cast<float>(t[i - 1]), static_cast<float>(t[i])) << i;
    }
  }
  EXPECT_EQ(t[1], 0.0);  // the last of a tie keeps the exact time
  EXPECT_EQ(t[3], 3600.0);
  EXPECT_EQ(t[4], 7200.0);
}

INSTANTIATE_TEST_SUITE_P(dims, output_xdmf, ::testing::Values(2, 3));

}  // namespace
}  // namespace skinheal
