// The fast path's thread pool (pool.hpp).
#include "fast/pool.hpp"

#include <algorithm>
#include <stdexcept>

namespace icgd::train::fast {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

Pool::Pool(int threads) : threads_(std::max(1, threads)) {
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { loop(t); });
}

Pool::~Pool() {
  stop_.store(true, std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void Pool::run(ChunkFn fn, void* ctx, long chunks) {
  if (chunks <= 0) return;
  if (chunks >= (1L << 20)) throw std::invalid_argument("fast LSA: too many chunks in one job");
  if (threads_ == 1) {
    for (long c = 0; c < chunks; ++c) fn(ctx, 0, c);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  epoch_ = (epoch_ + 1) & 0xffffffu;
  state_.store(pack(epoch_, static_cast<std::uint64_t>(chunks), 0), std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_all();
  work(0);
  for (long spins = 0; done_.load(std::memory_order_acquire) < chunks; ++spins) {
    if (spins < 4096)
      cpu_relax();
    else
      std::this_thread::yield();
  }
}

bool Pool::work(int t) {
  bool any = false;
  std::uint64_t s = state_.load(std::memory_order_acquire);
  while (next_of(s) < count_of(s)) {
    if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire))
      continue;  // s was reloaded
    fn_(ctx_, t, static_cast<long>(next_of(s)));
    done_.fetch_add(1, std::memory_order_release);
    any = true;
    s = state_.load(std::memory_order_acquire);
  }
  return any;
}

void Pool::loop(int t) {
  auto idle_since = std::chrono::steady_clock::now();
  for (long spins = 0;; ++spins) {
    const std::uint32_t w = wake_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    if (work(t)) {
      idle_since = std::chrono::steady_clock::now();
      spins = 0;
      continue;
    }
    if (spins % 64 != 63 || std::chrono::steady_clock::now() - idle_since < kSpinFor) {
      cpu_relax();
      continue;
    }
    wake_.wait(w, std::memory_order_acquire);  // returns when a job (or stop) is published
    idle_since = std::chrono::steady_clock::now();
    spins = 0;
  }
}

}  // namespace icgd::train::fast
