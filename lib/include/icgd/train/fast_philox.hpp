// icgd/train/fast_philox.hpp — Random123 Philox4x32-10 for 8 tasks at once, and the fast
// path's task stream (docs/performance.md, "Task stream").
//
// Why not rng.hpp's TaskRng: it is scalar, draws each uniform from two words and each normal
// through libm; at d = N = 10 that is ~240 Philox calls' worth of words per task, several times
// the whole 0.1 ms budget of a training step. Here eight tasks run in the eight 32-bit lanes of
// one AVX2 register, every uniform uses one word, and the first three of the ten rounds are
// mostly computed once per step (see PhiloxLanes). The words are exactly those of Random123's
// philox4x32 (checked word for word in test_fast_philox.cpp).
//
// Counter layout of the fast stream (key = (seed low, seed high)):
//   c0 = step low 32 bits, c1 = task index, c2 = (step high 32 bits) ^ 0x46415354 ("FAST"),
//   c3 = kFastStreamTag | domain | block.
// Only c1 differs between the lanes; that is what makes rounds 1–3 cheap (c0, c2, c3 enter the
// first multiplications). The tag keeps this stream apart from TaskRng's counters
// (rng.hpp puts a small stream id in c3; ours has bit 30 set).
#pragma once

#include "icgd/train/fast_simd.hpp"

#include <array>
#include <bit>
#include <cstdint>

namespace icgd::train::fast {

inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;  // Random123 PHILOX_M4x32_0
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;  // PHILOX_M4x32_1
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;  // PHILOX_W32_0 (key schedule)
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;  // PHILOX_W32_1
inline constexpr int kPhiloxRounds = 10;

inline constexpr std::uint32_t kFastStreamTag = 0x40000000u;
inline constexpr std::uint32_t kFastStepTag = 0x46415354u;
inline constexpr std::uint32_t kDomainInputs = 0x00000000u;   // x of every token
inline constexpr std::uint32_t kDomainWeights = 0x00100000u;  // the task's w (Box–Muller)

/// Philox4x32-10 counter of the fast stream (the scalar definition the lanes must match).
struct FastCounter {
  std::array<std::uint32_t, 4> ctr;
  std::array<std::uint32_t, 2> key;
};
inline FastCounter fast_counter(std::uint64_t seed, std::uint64_t step, std::uint32_t task,
                                std::uint32_t domain, std::uint32_t block) {
  return {{static_cast<std::uint32_t>(step), task,
           static_cast<std::uint32_t>(step >> 32) ^ kFastStepTag, kFastStreamTag | domain | block},
          {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
}

inline void mulhilo32(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

/// (hi, lo) of the 32×32→64 products of every lane with the constant m.
inline void mulhilo_lanes(U32x8 a, std::uint32_t m, U32x8& hi, U32x8& lo) {
#if defined(__AVX2__)
  const __m256i va = std::bit_cast<__m256i>(a);
  const __m256i vm = _mm256_set1_epi32(static_cast<int>(m));
  const __m256i even = _mm256_mul_epu32(va, vm);                         // lanes 0,2,4,6
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(va, 32), vm);   // lanes 1,3,5,7
  const __m256i h = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  const __m256i l = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = std::bit_cast<U32x8>(h);
  lo = std::bit_cast<U32x8>(l);
#else
  for (int i = 0; i < 8; ++i) mulhilo32(a[i], m, hi[i], lo[i]);
#endif
}

/// Philox4x32-10 of the fast stream for one (seed, step), evaluated for 8 consecutive tasks.
///
/// Rounds 1–3 with a lane-uniform c0, c2, c3 (only c1 = task varies): round 1's products are
/// lane-uniform; round 2's lane product depends on the task only, round 3's likewise, so each
/// is computed once per group of 8 tasks (`Group`) and each block then pays for 7 full rounds
/// plus a few xors, instead of 10.
class PhiloxLanes {
 public:
  PhiloxLanes(std::uint64_t seed, std::uint64_t step) {
    const FastCounter base = fast_counter(seed, step, 0, 0, 0);
    for (int r = 0; r < kPhiloxRounds; ++r) {
      k0_[r] = base.key[0] + static_cast<std::uint32_t>(r) * kPhiloxW0;
      k1_[r] = base.key[1] + static_cast<std::uint32_t>(r) * kPhiloxW1;
    }
    // Round 1: products of c0 (step) and c2 (step) — the same for every task and block.
    mulhilo32(kPhiloxM0, base.ctr[0], r1_hi0_, r1_lo0_);
    mulhilo32(kPhiloxM1, base.ctr[2], r1_hi1_, r1_lo1_);
  }

  /// What rounds 2 and 3 compute per task (independent of the block).
  struct Group {
    U32x8 r3_hi1, r3_lo1;  // round 3: M1 · (round-2 output word 2), per lane
    U32x8 r2_lo0;          // round 2 output word 3, per lane
  };

  Group group(std::uint32_t first_task) const {
    const U32x8 task = U32x8{0, 1, 2, 3, 4, 5, 6, 7} + first_task;
    // Round 1 output: (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0); word 0 is the only per-lane one.
    const U32x8 a0 = task ^ (r1_hi1_ ^ k0_[0]);
    // Round 2: M0 · a0 per lane; output word 2 = hi0 ^ a3 ^ k1, word 3 = lo0.
    U32x8 hi0, lo0;
    mulhilo_lanes(a0, kPhiloxM0, hi0, lo0);
    const U32x8 b2 = hi0 ^ (r1_lo0_ ^ k1_[1]);
    Group g;
    g.r2_lo0 = lo0;
    // Round 3: M1 · b2 per lane.
    mulhilo_lanes(b2, kPhiloxM1, g.r3_hi1, g.r3_lo1);
    return g;
  }

  /// The four output words of counter block `c3` (tag | domain | block) for the group's lanes.
  void block(const Group& g, std::uint32_t c3, U32x8 out[4]) const {
    // Round 1, lane-uniform words: a1 = lo1, a2 = hi0 ^ c3 ^ k1, a3 = lo0.
    const std::uint32_t a1 = r1_lo1_;
    const std::uint32_t a2 = r1_hi0_ ^ c3 ^ k1_[0];
    // Round 2: M1 · a2 is lane-uniform; outputs b0 = hi1 ^ a1 ^ k0, b1 = lo1 (uniform),
    // b2, b3 per lane (in g).
    std::uint32_t h, l;
    mulhilo32(kPhiloxM1, a2, h, l);
    const std::uint32_t b0 = h ^ a1 ^ k0_[1];
    const std::uint32_t b1 = l;
    // Round 3: M0 · b0 lane-uniform, M1 · b2 per lane (in g).
    mulhilo32(kPhiloxM0, b0, h, l);
    U32x8 c0 = g.r3_hi1 ^ (b1 ^ k0_[2]);
    U32x8 c1 = g.r3_lo1;
    U32x8 c2 = g.r2_lo0 ^ (h ^ k1_[2]);
    U32x8 cc3 = U32x8{} + l;
    // Rounds 4..10: every word differs between lanes.
#pragma GCC unroll 8
    for (int r = 3; r < kPhiloxRounds; ++r) {
      U32x8 hi0, lo0, hi1, lo1;
      mulhilo_lanes(c0, kPhiloxM0, hi0, lo0);
      mulhilo_lanes(c2, kPhiloxM1, hi1, lo1);
      c0 = hi1 ^ c1 ^ k0_[r];
      c1 = lo1;
      c2 = hi0 ^ cc3 ^ k1_[r];
      cc3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = cc3;
  }

 private:
  std::uint32_t k0_[kPhiloxRounds], k1_[kPhiloxRounds];
  std::uint32_t r1_hi0_, r1_lo0_, r1_hi1_, r1_lo1_;
};

// ----- Word → number conversions of the fast stream (exact, the same in float and double) -----

/// x = a · (2k + 1 − 2^23) / 2^23 with k = word >> 9: 2^23 equally likely odd numerators, so
/// x is symmetric on (−a, a), and exactly the same number in float and double when a is a
/// power of two (0.5, 1). Returns the signed numerator; multiply by a · 2^−23.
inline I32x8 uniform_numerator(U32x8 words) {
  return std::bit_cast<I32x8>((words >> 9) << 1) + (1 - (1 << 23));
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
