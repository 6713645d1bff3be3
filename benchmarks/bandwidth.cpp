// STREAM-like bandwidth measurement and the roofline summary. See bandwidth.hpp.
#include "benchmarks/bandwidth.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <ostream>
#include <string>

#include "engine/parallel.hpp"

namespace skinheal::bench {
namespace {

struct FreeDeleter {
  void operator()(double* p) const { std::free(p); }
};
using Array = std::unique_ptr<double[], FreeDeleter>;

Array allocate(std::size_t n) {
  constexpr std::size_t kAlign = 4096;  // page aligned, as STREAM's static arrays usually are
  const std::size_t bytes = (n * sizeof(double) + kAlign - 1) / kAlign * kAlign;
  auto* p = static_cast<double*>(std::aligned_alloc(kAlign, bytes));
  if (!p) throw std::bad_alloc();
  return Array(p);
}

// Time one pass of `body` over [0, n) split into one contiguous block per thread.
template <class Body>
double timed_pass(std::size_t n, std::size_t grain, const Body& body) {
  const auto t0 = std::chrono::steady_clock::now();
  parallel::for_each_block(n, grain, body);
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(t1 - t0).count();
}

// The copy loop must stay a loop of ordinary loads and stores: GCC would otherwise call
// memcpy, whose non-temporal stores skip the write-allocate and make "copy" a different
// kernel from STREAM's.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void copy_kernel(
    const double* __restrict a, double* __restrict c, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) c[i] = a[i];
}

void triad_kernel(double* __restrict a, const double* __restrict b, const double* __restrict c,
                  double s, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) a[i] = b[i] + s * c[i];
}

void update_kernel(double* __restrict a, double s, double t, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) a[i] = s * a[i] + t;
}

std::mutex g_mutex;
BandwidthOptions g_options;
std::map<int, Bandwidth> g_bandwidth;  // by thread count
struct CaseSamples {
  RooflineCase last;
  std::vector<double> updates_per_s;  // one per repetition
};
std::vector<CaseSamples> g_cases;  // in order of first report

// Order names with their numbers compared as numbers ("/100/" before "/200/").
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      std::size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      const unsigned long long x = std::stoull(a.substr(i, ie - i));
      const unsigned long long y = std::stoull(b.substr(j, je - j));
      if (x != y) return x < y;
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

Bandwidth measure_bandwidth(int threads, const BandwidthOptions& options) {
  const int saved_threads = parallel::num_threads();
  parallel::set_num_threads(threads);
  const std::size_t n = options.array_mib * (std::size_t{1} << 20) / sizeof(double);
  const std::size_t per_thread = (n + threads - 1) / threads;
  const std::size_t grain = (per_thread + 511) / 512 * 512;  // blocks start on a page
  Array a = allocate(n), b = allocate(n), c = allocate(n);
  double* pa = a.get();
  double* pb = b.get();
  double* pc = c.get();
  // First touch with the partition the kernels use.
  parallel::for_each_block(n, grain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      pa[i] = 1.0;
      pb[i] = 2.0;
      pc[i] = 0.0;
    }
  });
  const double inf = std::numeric_limits<double>::infinity();
  double best_copy = inf, best_triad = inf, best_update = inf;
  // One untimed warm-up pass (STREAM also drops its first iteration), then the timed ones.
  for (int rep = 0; rep <= options.repetitions; ++rep) {
    const double t_copy = timed_pass(
        n, grain, [&](std::size_t begin, std::size_t end) { copy_kernel(pa, pc, begin, end); });
    const double t_triad = timed_pass(n, grain, [&](std::size_t begin, std::size_t end) {
      triad_kernel(pa, pb, pc, 3.0, begin, end);
    });
    const double t_update = timed_pass(n, grain, [&](std::size_t begin, std::size_t end) {
      update_kernel(pa, 0.5, 1.0, begin, end);
    });
    if (rep == 0) continue;
    best_copy = std::min(best_copy, t_copy);
    best_triad = std::min(best_triad, t_triad);
    best_update = std::min(best_update, t_update);
  }
  // Keep the results observable so no pass can be optimised away.
  volatile double sink = pa[n / 3] + pc[n / 2];
  (void)sink;
  parallel::set_num_threads(saved_threads);

  const double elements = static_cast<double>(n);
  Bandwidth bw;
  bw.threads = threads;
  bw.copy_GBps = 16.0 * elements / best_copy * 1e-9;
  bw.triad_GBps = 24.0 * elements / best_triad * 1e-9;
  bw.update_GBps = 16.0 * elements / best_update * 1e-9;
  bw.array_mib = options.array_mib;
  bw.repetitions = options.repetitions;
  return bw;
}

void set_bandwidth_options(const BandwidthOptions& options) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_options = options;
}

const Bandwidth& bandwidth(int threads) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_bandwidth.find(threads);
  if (it == g_bandwidth.end())
    it = g_bandwidth.emplace(threads, measure_bandwidth(threads, g_options)).first;
  return it->second;
}

std::vector<Bandwidth> measured_bandwidths() {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::vector<Bandwidth> out;
  for (const auto& [threads, bw] : g_bandwidth) out.push_back(bw);
  return out;
}

void record_case(const RooflineCase& result) {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (CaseSamples& c : g_cases) {
    if (c.last.name != result.name) continue;
    if (result.iterations > c.last.iterations)  // still sizing: replaces the smaller trial
      c.updates_per_s.back() = result.updates_per_s;
    else  // a further repetition
      c.updates_per_s.push_back(result.updates_per_s);
    c.last = result;
    return;
  }
  g_cases.push_back({result, {result.updates_per_s}});
}

void print_roofline_summary(std::ostream& out) {
  const std::vector<Bandwidth> bws = measured_bandwidths();
  if (bws.empty()) return;
  char line[256];
  out << "\nMemory bandwidth (STREAM counting, no write-allocate; best of "
      << bws.front().repetitions << ", 3 x " << bws.front().array_mib << " MiB arrays):\n";
  std::snprintf(line, sizeof line, "  %-8s %12s %12s %12s\n", "threads", "copy GB/s", "triad GB/s",
                "update GB/s");
  out << line;
  for (const Bandwidth& bw : bws) {
    std::snprintf(line, sizeof line, "  %-8d %12.2f %12.2f %12.2f\n", bw.threads, bw.copy_GBps,
                  bw.triad_GBps, bw.update_GBps);
    out << line;
  }
  std::vector<CaseSamples> cases;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    cases = g_cases;
  }
  if (cases.empty()) return;
  std::stable_sort(cases.begin(), cases.end(), [](const CaseSamples& a, const CaseSamples& b) {
    return natural_less(a.last.name, b.last.name);
  });
  out << "\nRoofline (fraction = updates/s x bytes/update / bandwidth at the same thread count;\n"
         "median over repetitions):\n";
  std::snprintf(line, sizeof line, "  %-42s %4s %7s %12s %8s %9s %9s %10s\n", "case", "reps",
                "threads", "G updates/s", "B/update", "GB/s", "of triad", "of update");
  out << line;
  for (const CaseSamples& c : cases) {
    const Bandwidth& bw = bandwidth(c.last.threads);
    const double ups = median(c.updates_per_s);
    const double GBps = ups * c.last.bytes_per_update * 1e-9;
    std::snprintf(line, sizeof line, "  %-42s %4zu %7d %12.4f %8.0f %9.2f %9.3f %10.3f\n",
                  c.last.name.c_str(), c.updates_per_s.size(), c.last.threads, ups * 1e-9,
                  c.last.bytes_per_update, GBps, GBps / bw.triad_GBps, GBps / bw.update_GBps);
    out << line;
  }
}

}  // namespace skinheal::bench
