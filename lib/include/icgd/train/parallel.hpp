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
inline int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

/// Calls fn(block) for block = 0..num_blocks−1, block b on thread b mod threads.
/// Exceptions are rethrown (the first one) after all threads have joined.
template <class Fn>
void parallel_blocks(int num_blocks, int threads, Fn&& fn) {
  threads = std::max(1, std::min(resolve_threads(threads), num_blocks));
  if (threads <= 1) {
    for (int b = 0; b < num_blocks; ++b) fn(b);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](int t) {
    try {
      for (int b = t; b < num_blocks; b += threads) fn(b);
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
