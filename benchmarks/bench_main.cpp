// skinheal_bench: Google Benchmark cases plus an end-of-run roofline summary.
//
// Build:  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target
// skinheal_bench Run:    build/bin/skinheal_bench --benchmark_filter=BM_Diffusion Besides the
// Google Benchmark flags it takes
//   --bandwidth_array_mib=<MiB>   size of each of the three bandwidth arrays (default 256)
//   --bandwidth_repetitions=<N>   timed passes per bandwidth kernel, best kept (default 10)
// The memory bandwidth is measured in this process before the first roofline case runs (see
// bandwidth.hpp); the summary (bandwidth table, one roofline line per case) goes to stdout
// after the console table, or to stderr when --benchmark_format is json or csv so stdout stays
// machine-readable. The model cases (bench_model.cpp) add a model summary after it (scenario
// walls, memory, sweeps, the explicit comparison ratio; model_support.hpp), on the same stream.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "benchmarks/bandwidth.hpp"
#include "benchmarks/model_support.hpp"

namespace {

// If argv[i] is "--<flag>=<value>", return the value.
bool flag_value(std::string_view arg, std::string_view flag, std::string& value) {
  if (arg.size() < flag.size() + 3 || arg.substr(0, 2) != "--" ||
      arg.substr(2, flag.size()) != flag || arg[2 + flag.size()] != '=')
    return false;
  value = std::string(arg.substr(3 + flag.size()));
  return true;
}

int positive_int(const std::string& flag, const std::string& value) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v <= 0) {
    std::cerr << "skinheal_bench: --" << flag << " needs a positive integer, got '" << value
              << "'\n";
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  skinheal::bench::BandwidthOptions options;
  bool machine_readable = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string value;
    if (flag_value(argv[i], "bandwidth_array_mib", value)) {
      options.array_mib = static_cast<std::size_t>(positive_int("bandwidth_array_mib", value));
      continue;
    }
    if (flag_value(argv[i], "bandwidth_repetitions", value)) {
      options.repetitions = positive_int("bandwidth_repetitions", value);
      continue;
    }
    if (flag_value(argv[i], "benchmark_format", value)) machine_readable = value != "console";
    argv[kept++] = argv[i];
  }
  argc = kept;
  skinheal::bench::set_bandwidth_options(options);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  skinheal::bench::print_roofline_summary(machine_readable ? std::cerr : std::cout);
  skinheal::bench::print_model_summary(machine_readable ? std::cerr : std::cout);
  benchmark::Shutdown();
  return 0;
}
