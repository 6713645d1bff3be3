// fuzz_scenario — libFuzzer target for the scenario parser and loader.
//
// Feeds arbitrary bytes to models::load_scenario_text, the path every scenario file takes
// (UTF-8 and size checks, TOML parsing, --set-free key reading, units, ranges, unknown keys,
// dispatch on [model] kind, building the simulation). skinheal::Error (InputError and
// NumericalError) is the expected outcome for bad input; any other exception, a crash, a
// sanitizer report, a leak or a timeout is a finding.
//
// Grids are capped at kMaxCells cells (skinheal::set_resource_limits) so that a scenario that
// asks for a huge grid is refused, as it would be on a small machine, instead of allocating;
// warnings are dropped.
//
// Build and run: scripts/fuzz.sh SECONDS (clang, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "engine/error.hpp"
#include "engine/input/resources.hpp"
#include "models/scenario_file.hpp"

namespace {

constexpr double kMaxCells = 4096;

bool setup() {
  skinheal::set_resource_limits({kMaxCells, false});
  skinheal::models::set_warning_sink(nullptr);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = setup();
  (void)ready;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    skinheal::models::LoadedScenario loaded =
        skinheal::models::load_scenario_text(text, "fuzz.toml");
    (void)loaded;
  } catch (const skinheal::Error& e) {
    // Expected: bad input. The message must be one line that names the file.
    const std::string message = e.what();
    if (message.find('\n') != std::string::npos || message.rfind("fuzz.toml", 0) != 0) {
      std::fprintf(stderr, "finding: malformed error message: %s\n", message.c_str());
      std::abort();
    }
  }
  // Anything else (std::exception from a library, a crash) propagates: a finding.
  return 0;
}
