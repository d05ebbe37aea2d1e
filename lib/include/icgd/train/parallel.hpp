// icgd/train/parallel.hpp — deterministic parallel loops over tasks (std::thread).
//
// Work is cut into fixed blocks whose boundaries do not depend on the thread count; each block
// is processed by exactly one thread, sequentially. Reductions sum per-block partial results
// in block order afterwards, so results are bit-identical for every thread count.
#pragma once

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace icgd::train {

/// Number of threads to use: `requested` if > 0, else hardware concurrency (at least 1).
/// The one place the library reads the hardware's thread count: every `threads = 0` setting
/// (TrainConfig, FastLsaConfig, the `threads` arguments) means what this returns.
inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Effective thread count of parallel_blocks for `num_blocks` blocks.
inline int effective_threads(int num_blocks, int threads) {
  return std::max(1, std::min(resolve_threads(threads), num_blocks));
}

/// Calls fn(block, thread) for block = 0..num_blocks−1; block b runs on thread
/// b mod effective_threads(num_blocks, threads), so per-thread scratch can be indexed by
/// `thread`. Exceptions are rethrown (the first one) after all threads have joined.
template <class Fn>
void parallel_blocks(int num_blocks, int threads, Fn&& fn) {
  threads = effective_threads(num_blocks, threads);
  if (threads <= 1) {
    for (int b = 0; b < num_blocks; ++b) fn(b, 0);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](int t) {
    try {
      for (int b = t; b < num_blocks; b += threads) fn(b, t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads - 1));
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace icgd::train
