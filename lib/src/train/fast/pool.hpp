// lib/src/train/fast/pool.hpp — the fast path's aligned buffers and its lock-free thread pool
// (private to icgd_train; docs/performance.md, "Parallel over tasks, deterministic").
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <thread>
#include <vector>

namespace icgd::train::fast {

/// 64-byte aligned buffer of lane vectors (raw bytes: the lane type depends on T). Grows, never
/// shrinks; the contents are not kept when it grows.
class AlignedBytes {
 public:
  AlignedBytes() = default;
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  AlignedBytes(AlignedBytes&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  ~AlignedBytes() { ::operator delete(data_, std::align_val_t{64}); }
  void resize(std::size_t bytes) {
    if (bytes <= size_) return;
    ::operator delete(data_, std::align_val_t{64});
    data_ = ::operator new(bytes, std::align_val_t{64});
    size_ = bytes;
  }
  template <class V>
  V* as() const {
    return static_cast<V*>(data_);
  }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Persistent workers; thread 0 is the caller. A job is a number of chunks; every thread,
/// the caller included, claims the next unclaimed chunk until none is left (so a worker that
/// the OS has descheduled — the machine is shared — just does fewer chunks, and the caller never
/// waits for a worker that has not started). Which thread runs a chunk does not matter: each
/// chunk writes its own partial sums, added later in chunk order.
///
/// The job state is one 64-bit word, epoch (24 bits) | chunk count (20) | next chunk (20), so a
/// claim (compare-and-swap) can only succeed for the job it was read from. After a successful
/// claim the job's function and context are still valid: the caller does not return before all
/// chunks are done. Idle workers spin for ~0.2 ms (a training step is ~0.1 ms: waking a sleeping
/// thread would cost a sizeable part of it), then sleep on a futex.
class Pool {
 public:
  using ChunkFn = void (*)(void* ctx, int thread, long chunk);

  /// `threads` ≥ 1 in all: the caller and threads − 1 workers.
  explicit Pool(int threads);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  int threads() const { return threads_; }

  /// Runs fn(ctx, thread, chunk) for chunk = 0..chunks−1 and returns when all are done.
  /// Throws std::invalid_argument for 2^20 chunks or more. Not reentrant.
  void run(ChunkFn fn, void* ctx, long chunks);

 private:
  static std::uint64_t pack(std::uint64_t epoch, std::uint64_t count, std::uint64_t next) {
    return (epoch << 40) | (count << 20) | next;
  }
  static std::uint64_t count_of(std::uint64_t s) { return (s >> 20) & 0xfffffu; }
  static std::uint64_t next_of(std::uint64_t s) { return s & 0xfffffu; }

  /// Claims and runs chunks of the current job until none is left; false if none was claimable.
  bool work(int t);
  void loop(int t);

  static constexpr std::chrono::microseconds kSpinFor{200};
  int threads_;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> state_{0};
  std::atomic<long> done_{0};
  std::atomic<std::uint32_t> wake_{0};
  std::atomic<bool> stop_{false};
  std::uint64_t epoch_ = 0;  // caller only
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace icgd::train::fast
