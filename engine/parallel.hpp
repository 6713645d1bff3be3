/// \file parallel.hpp
/// \brief The one place that owns OpenMP. Physics and numerics call these helpers.
///
/// Every helper partitions work statically and independently of the thread count where the
/// result depends on the order (sums use fixed-size chunks summed in index order), so results
/// are bitwise identical for any number of threads.
#pragma once

#include <cstddef>
#include <functional>

namespace skinheal::parallel {

/// Number of threads the helpers use (defaults to OpenMP's default).
int num_threads();
/// Set the number of threads; n <= 0 restores the default.
void set_num_threads(int n);

/// Call body(i) for i in [0, n), in parallel. body must only write to data owned by i.
/// `work` estimates the total cost in cell updates; below ~32k the loop runs on the calling
/// thread (a parallel region costs more than it saves). Results do not depend on this choice.
void for_each(std::size_t n, const std::function<void(std::size_t)>& body,
              std::size_t work = 1u << 30);

/// Call body(begin, end) over [0, n) split into blocks of `grain` items, in parallel.
void for_each_block(std::size_t n, std::size_t grain,
                    const std::function<void(std::size_t, std::size_t)>& body,
                    std::size_t work = 1u << 30);

/// As for_each_block, but blocks are handed to threads as they become free
/// (schedule(dynamic)): for loops whose cost per item varies, such as per-voxel stiff
/// integrations that take more sub-steps near a wound. body must not depend on which thread
/// runs a block, so results stay independent of the thread count.
void for_each_block_balanced(std::size_t n, std::size_t grain,
                             const std::function<void(std::size_t, std::size_t)>& body,
                             std::size_t work = 1u << 30);
/// Default work (cell updates) below which loops stay on the calling thread.
inline constexpr std::size_t kSerialWork = 1u << 15;
/// Change that threshold (0: always parallel; tests use it to exercise threads on small grids).
void set_serial_work(std::size_t work);

/// Deterministic sum of term(i) for i in [0, n): fixed chunks of 4096, chunk sums added in
/// order, so the result does not depend on the thread count.
double sum(std::size_t n,
           const std::function<double(std::size_t begin, std::size_t end)>& chunk_sum);

/// Maximum of chunk_max(begin, end) over fixed chunks (order-independent).
double max(std::size_t n,
           const std::function<double(std::size_t begin, std::size_t end)>& chunk_max);

}  // namespace skinheal::parallel
