// Shared by the unit tests that write files (tests/unit/test_hdf5_writer.cpp,
// test_output_parameters.cpp): a gtest fixture giving each test a fresh directory of its own.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

namespace skinheal::testing {

/// \brief Fixture: `dir_` is <build>/test_output/<test name>, emptied before the test and
/// removed after it passes (kept after a failure, to inspect what was written).
class OutputDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(SKINHEAL_BINARY_DIR) / "test_output" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

}  // namespace skinheal::testing
