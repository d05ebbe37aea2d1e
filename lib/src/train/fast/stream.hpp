// lib/src/train/fast/stream.hpp — the fast path's task stream (docs/performance.md, "Task
// stream"): which ARS-7 words (fast/ars.hpp) a task's numbers come from, and the exact word →
// number conversions.
//
// Why not rng.hpp's TaskRng: it is scalar, draws each uniform from two Philox words and each
// normal through libm; at d = N = 10 that is ~240 Philox calls' worth of words per task, several
// times the whole budget of a training step. Here every uniform uses three quarters of a word
// and eight tasks are generated side by side in the lanes of one 256-bit vector.
//
// Word `word` of `domain` of task t at (seed, step) is word (t mod 4) of
//   ARS-7(ctr = (t / 4, kFastStreamTag | domain | word, step low 32, (step high 32) ^ "FAST"),
//         key = (seed low 32, seed high 32, 0, 0)).
// One ARS block thus holds the same word of four consecutive tasks, so the two blocks of one
// VAES instruction are directly the 8 lanes of 8 tasks (no transposition). The tag keeps the
// counters apart from the general engine's (rng.hpp puts a small stream id in c3, and uses
// another generator).
#pragma once

#include "fast/ars.hpp"
#include "fast/simd.hpp"

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace icgd::train::fast {

inline constexpr std::uint32_t kFastStreamTag = 0x40000000u;
inline constexpr std::uint32_t kFastStepTag = 0x46415354u;    // "FAST"
inline constexpr std::uint32_t kDomainInputs = 0x00000000u;   // x of every token
inline constexpr std::uint32_t kDomainWeights = 0x00100000u;  // the task's w (Box–Muller)
inline constexpr std::uint32_t kWordsPerDomain = 0x00100000u; // word indices stay below 2^20

/// The counter of `word` of `domain` for the four tasks 4·quad .. 4·quad + 3.
inline Block stream_counter(std::uint64_t step, std::uint32_t quad, std::uint32_t domain,
                            std::uint32_t word) {
  return {quad, kFastStreamTag | domain | word, static_cast<std::uint32_t>(step),
          static_cast<std::uint32_t>(step >> 32) ^ kFastStepTag};
}
inline Block stream_key(std::uint64_t seed) {
  return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), 0u, 0u};
}

/// The words of one (seed, step), eight tasks at a time.
class TaskStream {
 public:
  TaskStream(std::uint64_t seed, std::uint64_t step, ArsBackend backend = ars_best_backend())
      : keys_(ars_keys(stream_key(seed))), step_(step), backend_(backend) {
    if (!ars_backend_available(backend))
      throw std::invalid_argument(std::string("ARS backend '") + ars_backend_name(backend) +
                                  "' is not available on this CPU");
  }

  /// out[i][l] = word first_word + i of `domain` of task first_task + l (l < 8, i < count;
  /// task indices wrap modulo 2^32). first_task must be a multiple of 4, and
  /// first_word + count ≤ kWordsPerDomain.
  void words(std::uint32_t first_task, std::uint32_t domain, std::uint32_t first_word, int count,
             U32x8* out) const {
    ars_lane_words(backend_, keys_, stream_counter(step_, first_task >> 2, domain, first_word),
                   stream_counter(step_, (first_task + 4u) >> 2, domain, first_word), count, out);
  }

  /// The scalar definition the lanes must match (one block per word: for tests).
  std::uint32_t word(std::uint32_t task, std::uint32_t domain, std::uint32_t word_index) const {
    const Block b = ars_block(backend_, stream_counter(step_, task >> 2, domain, word_index), keys_);
    return b[task & 3u];
  }

  ArsBackend backend() const { return backend_; }

 private:
  ArsKeys keys_;
  std::uint64_t step_;
  ArsBackend backend_;
};

// ----- Word → number conversions of the fast stream (exact, the same in float and double) -----
/// x = a · ((2k + 1)/2^23 − 1) for a 23-bit k: 2^23 equally likely odd numerators, so x is
/// symmetric on (−a, a) and, when a is a power of two (0.5, 1), exactly the same number in float
/// and double. Computed as f = 1 + k/2^23 ∈ [1, 2) (k placed in a float's mantissa, no integer
/// conversion) and x = (2a·f − 3a) + a·2^−23: each step is exact for a power-of-two a
/// (a·(3 − 2^−23) as one constant would not be: it needs 25 significant bits).
/// `k23` holds k in its low 23 bits (upper bits zero).
template <class T>
inline void uniform_lanes(U32x8 k23, T half_width, typename Lanes<T>::V* out) {
  using F = Lanes<float>::V;
  const F f = std::bit_cast<F>(k23 | 0x3f800000u);
  const T scale = T(2) * half_width;
  const T shift = T(-3) * half_width;
  const T offset = half_width * static_cast<T>(0x1.0p-23);
  if constexpr (sizeof(T) == 4) {
    out[0] = (f * scale + shift) + offset;
  } else {
    using F4 = float __attribute__((vector_size(16)));
    using V = typename Lanes<T>::V;
    const F4 lo = __builtin_shufflevector(f, f, 0, 1, 2, 3);
    const F4 hi = __builtin_shufflevector(f, f, 4, 5, 6, 7);
    out[0] = (__builtin_convertvector(lo, V) * scale + shift) + offset;
    out[1] = (__builtin_convertvector(hi, V) * scale + shift) + offset;
  }
}

/// Four 23-bit numbers from three words (92 of their 96 bits; one word per number would discard
/// 9 bits each and cost a third more generator work):
///   k0 = w0 >> 9, k1 = w1 >> 9, k2 = w2 >> 9,
///   k3 = (w0 & 511) | (w1 & 511) << 9 | (w2 & 31) << 18.
inline void split_triple(U32x8 w0, U32x8 w1, U32x8 w2, U32x8 k[4]) {
  k[0] = w0 >> 9;
  k[1] = w1 >> 9;
  k[2] = w2 >> 9;
  k[3] = (w0 & 511u) | ((w1 & 511u) << 9) | ((w2 & 31u) << 18);
}

/// Box–Muller's radius input u1 = (k + 1) / 2^24 ∈ (0, 1] (log finite), k = word >> 8.
inline I32x8 open_unit_numerator(U32x8 words) { return std::bit_cast<I32x8>(words >> 8) + 1; }
/// Box–Muller's angle input u2 = k / 2^24 ∈ [0, 1), k = word >> 8.
inline I32x8 unit_numerator(U32x8 words) { return std::bit_cast<I32x8>(words >> 8); }

/// Converts 8 integer lanes to T: one lane vector for float, two (lanes 0–3, 4–7) for double.
template <class T>
inline void to_lanes(I32x8 v, typename Lanes<T>::V* out) {
  using V = typename Lanes<T>::V;
  if constexpr (sizeof(T) == 4) {
    out[0] = __builtin_convertvector(v, V);
  } else {
    using I32x4 = std::int32_t __attribute__((vector_size(16)));
    const I32x4 lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
    const I32x4 hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
    out[0] = __builtin_convertvector(lo, V);
    out[1] = __builtin_convertvector(hi, V);
  }
}

/// Standard normals of Box–Muller from two word vectors: z0 = ρ cos(2πu2), z1 = ρ sin(2πu2),
/// ρ = √(−2 ln u1).
template <class T>
inline void box_muller(typename Lanes<T>::V u1, typename Lanes<T>::V u2, typename Lanes<T>::V& z0,
                       typename Lanes<T>::V& z1) {
  const auto rho = lane_sqrt<T>(lane_log<T>(u1) * T(-2));
  typename Lanes<T>::V c, s;
  lane_cos_sin_2pi<T>(u2, c, s);
  z0 = rho * c;
  z1 = rho * s;
}

}  // namespace icgd::train::fast
