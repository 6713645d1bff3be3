/// \file bandwidth.hpp
/// \brief Memory bandwidth measured in the benchmark's own process (STREAM-like), and the
/// memory-bandwidth roofline the diffusion benchmarks compare themselves against.
///
/// Kernels, on three arrays of `array_mib` MiB each (default 256 MiB, far above the 32 MiB
/// last-level cache of the machines we run on), best of `repetitions` timed passes:
///   copy    c[i] = a[i]              16 bytes per element
///   triad   a[i] = b[i] + s · c[i]   24 bytes per element
///   update  a[i] = s · a[i] + t      16 bytes per element (in place)
/// Bytes are counted as STREAM counts them: what the source code reads and writes, without
/// the write-allocate read a cache line takes before an ordinary store. So the actual DRAM
/// traffic of copy is 24 and of triad 32 bytes per element; `update` writes back the line it
/// has just read and takes no write-allocate, so its count is its traffic. `update` is the
/// access pattern of an in-place line sweep (read u, write u).
///
/// The loops run through skinheal::parallel::for_each_block (one contiguous block per thread,
/// first-touch initialised with the same partition), so the engine's single OpenMP place holds.
///
/// The roofline of a kernel that moves B bytes per voxel-species update is bandwidth / B
/// updates per second; a case's roofline fraction is updates_per_s · B / triad bandwidth at
/// the same thread count. 1 GB = 10⁹ bytes throughout.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace skinheal::bench {

/// \brief Size and repetitions of the bandwidth measurement.
struct BandwidthOptions {
  std::size_t array_mib = 256;  ///< MiB per array (three arrays)
  int repetitions = 10;         ///< timed passes per kernel; the best is kept
};

/// \brief Best-of-N bandwidth of each kernel at one thread count, in GB/s (10⁹ bytes/s).
struct Bandwidth {
  int threads = 1;
  double copy_GBps = 0.0;
  double triad_GBps = 0.0;
  double update_GBps = 0.0;
  std::size_t array_mib = 0;
  int repetitions = 0;
};

/// Measure now (takes a few seconds; allocates 3 × array_mib MiB).
Bandwidth measure_bandwidth(int threads, const BandwidthOptions& options);

/// Options used by bandwidth() for measurements not yet made (set before the first one).
void set_bandwidth_options(const BandwidthOptions& options);
/// The bandwidth at `threads`, measured on the first request and cached for the run.
const Bandwidth& bandwidth(int threads);
/// Every bandwidth measured so far, by thread count.
std::vector<Bandwidth> measured_bandwidths();

/// \brief Throughput of one benchmark case, for the end-of-run roofline summary.
struct RooflineCase {
  std::string name;               ///< e.g. "BM_Diffusion3D/200/1/threads:2"
  int threads = 1;                ///< engine (OpenMP) threads
  double updates_per_s = 0.0;     ///< voxel-species updates per second
  double bytes_per_update = 0.0;  ///< memory traffic model of the scheme, STREAM counting
  long long iterations = 0;       ///< Google Benchmark iterations of this call
};

/// Record one call of a case. Google Benchmark calls a case with growing iteration counts
/// while it sizes the run, then once per further repetition with the same count; so a call
/// with more iterations than the previous one of its case replaces it, and any other call is a
/// new repetition. What is kept is what Google Benchmark reports.
void record_case(const RooflineCase& result);
/// Print the bandwidth table and one roofline line per recorded case (the median over
/// repetitions, and their number).
void print_roofline_summary(std::ostream& out);

}  // namespace skinheal::bench
