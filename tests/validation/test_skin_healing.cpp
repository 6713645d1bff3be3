// Validation of the skin-healing model against SCIENCE.md windows (§3, §4, §5, §8.6–8.7). The
// cases and their windows live in models/validation.cpp (shared with `skinheal validate`); each
// test here runs one case and asserts every check lies in its window.
#include <gtest/gtest.h>

#include <cstdio>

#include "engine/error.hpp"
#include "models/validation.hpp"

namespace skinheal::models {
namespace {

void expect_case_passes(const std::string& name) {
  const std::vector<ValidationCheck> checks = validation_case(name).run();
  ASSERT_FALSE(checks.empty());
  for (const ValidationCheck& c : checks) {
    std::printf("%-40s %12.4g %-4s window [%g, %g]  %s\n", c.id.c_str(), c.measured,
                c.units.c_str(), c.lo, c.hi, c.source.c_str());
    EXPECT_TRUE(c.passed()) << c.id << " (" << c.quantity << ") = " << c.measured << " " << c.units
                            << ", outside [" << c.lo << ", " << c.hi << "]: " << c.source;
  }
}

TEST(Validation, BleedingStopsWithinMinutesAndAnticoagulationProlongsIt) {
  expect_case_passes("haemostasis");
}
TEST(Validation, InflammationClosureAndBarrierTimeline) {
  expect_case_passes("inflammation_closure_barrier");
}
TEST(Validation, OcclusionDelaysBarrierRecoveryToTensOfHours) {
  expect_case_passes("occlusion");
}
TEST(Validation, PapillaryCollagenAfterFiveMonthlySessions) {
  expect_case_passes("lotfi_five_sessions");
}
TEST(Validation, CollagenThreeFirstStillRisingAtSixMonthsRemodelledAtTwelve) {
  expect_case_passes("remodelling_year");
}
TEST(Validation, AcneScarShrinksAfterFiveMonthlySessionsAndKeepsShrinking) {
  expect_case_passes("scar_five_sessions");
}

TEST(Validation, EveryCaseHasATestAndUnknownCasesAreRefused) {
  EXPECT_EQ(validation_cases().size(), 6u) << "a new case needs its TEST above";
  EXPECT_THROW(validation_case("haemostatis"), InputError);
  const ValidationCheck inside{"x", "q", "", 1.0, 0.0, 2.0, "s"};
  const ValidationCheck outside{"x", "q", "", 3.0, 0.0, 2.0, "s"};
  EXPECT_TRUE(inside.passed());
  EXPECT_FALSE(outside.passed());
}

}  // namespace
}  // namespace skinheal::models
