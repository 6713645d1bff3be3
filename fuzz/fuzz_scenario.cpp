// fuzz_scenario — libFuzzer target for the scenario parser and loader.
//
// Feeds arbitrary bytes to models::load_scenario_text, the path every scenario file takes
// (UTF-8 and size checks, TOML parsing, --set-free key reading, units, ranges, unknown keys,
// dispatch on [model] kind, building the simulation). skinheal::Error (InputError and
// NumericalError) is the expected outcome for bad input; any other exception, a crash, a
// sanitizer report, a leak or a timeout is a finding.
//
// An input whose first lines start with "--set " gives those lines (without the prefix) as
// --set overrides, KEY=VALUE, applied to the rest (TomlReader::apply_overrides); the messages
// must then still be one line starting with the file name.
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
#include <vector>

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
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  while (text.rfind("--set ", 0) == 0 && overrides.size() < 8) {
    const std::size_t end = text.find('\n');
    overrides.push_back(text.substr(6, end == std::string::npos ? end : end - 6));
    text.erase(0, end == std::string::npos ? text.size() : end + 1);
  }
  try {
    skinheal::models::LoadedScenario loaded =
        skinheal::models::load_scenario_text(text, "fuzz.toml", overrides);
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
