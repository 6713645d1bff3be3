// The only translation unit with OpenMP pragmas (STYLE.md practice 3).
#include "engine/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <vector>

namespace skinheal::parallel {
namespace {
int g_threads = 0;  // 0: OpenMP default
std::size_t g_serial_work = kSerialWork;
constexpr std::size_t kChunk = 4096;

// Exceptions must not leave an OpenMP region: the first one (lowest index) is kept and
// rethrown after the loop, so the error reported does not depend on the thread count.
class ExceptionSlot {
 public:
  void capture(long long index) {
#pragma omp critical(skinheal_exception_slot)
    {
      if (!error_ || index < index_) {
        error_ = std::current_exception();
        index_ = index;
      }
    }
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
  long long index_ = 0;
};
}  // namespace

int num_threads() {
  return g_threads > 0 ? g_threads : omp_get_max_threads();
}

void set_num_threads(int n) {
  g_threads = n > 0 ? n : 0;
}

void set_serial_work(std::size_t work) {
  g_serial_work = work;
}

void for_each(std::size_t n, const std::function<void(std::size_t)>& body, std::size_t work) {
  const long long count = static_cast<long long>(n);
  ExceptionSlot slot;
#pragma omp parallel for schedule(static) \
    num_threads(num_threads()) if (work >= g_serial_work && count > 1)
  for (long long i = 0; i < count; ++i) {
    try {
      body(static_cast<std::size_t>(i));
    } catch (...) {
      slot.capture(i);
    }
  }
  slot.rethrow();
}

namespace {
// Blocks of `grain` items, statically partitioned or handed out as threads free up.
void run_blocks(std::size_t n, std::size_t grain,
                const std::function<void(std::size_t, std::size_t)>& body, std::size_t work,
                bool dynamic) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const long long blocks = static_cast<long long>((n + grain - 1) / grain);
  const bool parallel = work >= g_serial_work && blocks > 1;
  ExceptionSlot slot;
  auto run = [&](long long b) {
    const std::size_t begin = static_cast<std::size_t>(b) * grain;
    try {
      body(begin, std::min(n, begin + grain));
    } catch (...) {
      slot.capture(b);
    }
  };
  if (dynamic) {
#pragma omp parallel for schedule(dynamic) num_threads(num_threads()) if (parallel)
    for (long long b = 0; b < blocks; ++b) run(b);
  } else {
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (parallel)
    for (long long b = 0; b < blocks; ++b) run(b);
  }
  slot.rethrow();
}
}  // namespace

void for_each_block(std::size_t n, std::size_t grain,
                    const std::function<void(std::size_t, std::size_t)>& body, std::size_t work) {
  run_blocks(n, grain, body, work, false);
}

void for_each_block_balanced(std::size_t n, std::size_t grain,
                             const std::function<void(std::size_t, std::size_t)>& body,
                             std::size_t work) {
  run_blocks(n, grain, body, work, true);
}

double sum(std::size_t n, const std::function<double(std::size_t, std::size_t)>& chunk_sum) {
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks, 0.0);
  const long long count = static_cast<long long>(chunks);
  ExceptionSlot slot;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (n >= 8 * g_serial_work)
  for (long long c = 0; c < count; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunk;
    try {
      partial[c] = chunk_sum(begin, std::min(n, begin + kChunk));
    } catch (...) {
      slot.capture(c);
    }
  }
  slot.rethrow();
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

double max(std::size_t n, const std::function<double(std::size_t, std::size_t)>& chunk_max) {
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(chunks, -std::numeric_limits<double>::infinity());
  const long long count = static_cast<long long>(chunks);
  ExceptionSlot slot;
#pragma omp parallel for schedule(static) num_threads(num_threads()) if (n >= 8 * g_serial_work)
  for (long long c = 0; c < count; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunk;
    try {
      partial[c] = chunk_max(begin, std::min(n, begin + kChunk));
    } catch (...) {
      slot.capture(c);
    }
  }
  slot.rethrow();
  double m = -std::numeric_limits<double>::infinity();
  for (double p : partial) m = std::max(m, p);
  return m;
}

}  // namespace skinheal::parallel
