// lib/src/train/fast/philox.hpp — Random123 Philox4x32-10 for 8 tasks at once, and the fast
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

#include "fast/simd.hpp"

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

// Slot form of eight 32-bit Philox words: one vector has the words of lanes 0, 2, 4, 6 in the
// low halves of its four 64-bit slots, another those of lanes 1, 3, 5, 7. Then
// _mm256_mul_epu32 yields the whole 64-bit product (hi in the upper half, lo already in the
// lower half, which is all the next multiplication reads), so a round costs 2 multiplies,
// 2 shifts and 4 xors per half, and the two halves are independent chains for the scheduler
// (1.6× faster than unpacking hi/lo into 32-bit lanes every round). The upper halves hold
// garbage that is never read.

#if defined(__AVX2__)
inline __m256i slot_splat(std::uint32_t x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
inline __m256i slot_xor(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); }
inline __m256i slot_mul(__m256i a, std::uint32_t m) { return _mm256_mul_epu32(a, slot_splat(m)); }
inline __m256i slot_hi(__m256i p) { return _mm256_srli_epi64(p, 32); }
/// Low halves of (even, odd) back into 8 consecutive 32-bit lanes.
inline U32x8 slot_pack(__m256i even, __m256i odd) {
  return std::bit_cast<U32x8>(_mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA));
}
#endif

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
    for (int b = 0; b < kCachedBlocks; ++b) {
      inputs_keys_[b] = block_key(kFastStreamTag | kDomainInputs | static_cast<std::uint32_t>(b));
      weights_keys_[b] = block_key(kFastStreamTag | kDomainWeights | static_cast<std::uint32_t>(b));
    }
  }

  /// What rounds 2 and 3 compute per task (independent of the block), in slot form.
  struct Group {
#if defined(__AVX2__)
    __m256i r3_prod[2];  // round 3: M1 · (round-2 output word 2), even/odd lanes
    __m256i r2_prod[2];  // round 2: M0 · (round-1 output word 0); its low half is word 3
#else
    std::uint32_t task[8];
#endif
  };

  Group group(std::uint32_t first_task) const {
    Group g;
#if defined(__AVX2__)
    for (int half = 0; half < 2; ++half) {
      const __m256i task = _mm256_set_epi64x(first_task + 6 + half, first_task + 4 + half,
                                             first_task + 2 + half, first_task + half);
      // Round 1 output word 0 = hi1 ^ c1 ^ k0 (the only per-lane word).
      const __m256i a0 = slot_xor(task, slot_splat(r1_hi1_ ^ k0_[0]));
      // Round 2: M0 · a0; output word 2 = hi0 ^ a3 ^ k1 with a3 = round 1's lo0.
      g.r2_prod[half] = slot_mul(a0, kPhiloxM0);
      const __m256i b2 = slot_xor(slot_hi(g.r2_prod[half]), slot_splat(r1_lo0_ ^ k1_[1]));
      // Round 3: M1 · b2.
      g.r3_prod[half] = slot_mul(b2, kPhiloxM1);
    }
#else
    for (int i = 0; i < 8; ++i) g.task[i] = first_task + static_cast<std::uint32_t>(i);
#endif
    return g;
  }

  /// The lane-uniform part of rounds 1–3 for counter block c3: it depends on (seed, step, c3)
  /// only, so callers compute it once per step (cached_key) rather than once per 8 tasks.
  struct BlockKey {
    std::uint32_t x0;  // xored into round-3 output word 0 (b1 ^ k0)
    std::uint32_t x2;  // xored into round-3 output word 2 (hi0 ^ k1)
    std::uint32_t w3;  // round-3 output word 3 (lo0)
  };
  BlockKey block_key(std::uint32_t c3) const {
    // Round 1, lane-uniform words: a1 = lo1, a2 = hi0 ^ c3 ^ k1, a3 = lo0.
    const std::uint32_t a1 = r1_lo1_;
    const std::uint32_t a2 = r1_hi0_ ^ c3 ^ k1_[0];
    // Round 2: M1 · a2 is lane-uniform; outputs b0 = hi1 ^ a1 ^ k0, b1 = lo1 (uniform);
    // b2, b3 per lane (in Group).
    std::uint32_t h, l;
    mulhilo32(kPhiloxM1, a2, h, l);
    const std::uint32_t b0 = h ^ a1 ^ k0_[1];
    const std::uint32_t b1 = l;
    // Round 3: M0 · b0 lane-uniform, M1 · b2 per lane (in Group); outputs
    // c0 = hi1 ^ b1 ^ k0, c1 = lo1, c2 = hi0 ^ b3 ^ k1, c3 = lo0.
    mulhilo32(kPhiloxM0, b0, h, l);
    return {b1 ^ k0_[2], h ^ k1_[2], l};
  }

  /// Block keys of blocks 0..kCachedBlocks−1 of the two task domains, computed at construction.
  static constexpr int kCachedBlocks = 48;
  BlockKey cached_key(std::uint32_t domain, std::uint32_t block) const {
    if (block < static_cast<std::uint32_t>(kCachedBlocks)) {
      if (domain == kDomainInputs) return inputs_keys_[block];
      if (domain == kDomainWeights) return weights_keys_[block];
    }
    return block_key(kFastStreamTag | domain | block);
  }

  /// The four output words of counter block `c3` (tag | domain | block) for the group's lanes.
  void block(const Group& g, std::uint32_t c3, U32x8 out[4]) const { block(g, block_key(c3), out); }

  void block(const Group& g, const BlockKey& key, U32x8 out[4]) const {
#if defined(__AVX2__)
    __m256i c0[2], c1[2], c2[2], c3v[2];
    for (int half = 0; half < 2; ++half) {
      c0[half] = slot_xor(slot_hi(g.r3_prod[half]), slot_splat(key.x0));
      c1[half] = g.r3_prod[half];
      c2[half] = slot_xor(g.r2_prod[half], slot_splat(key.x2));
      c3v[half] = slot_splat(key.w3);
    }
    // Rounds 4..10: every word differs between lanes; the halves are independent chains.
#pragma GCC unroll 8
    for (int r = 3; r < kPhiloxRounds; ++r) {
      const __m256i k0 = slot_splat(k0_[r]), k1 = slot_splat(k1_[r]);
#pragma GCC unroll 2
      for (int half = 0; half < 2; ++half) {
        const __m256i p0 = slot_mul(c0[half], kPhiloxM0);
        const __m256i p1 = slot_mul(c2[half], kPhiloxM1);
        c0[half] = slot_xor(slot_hi(p1), slot_xor(c1[half], k0));
        c1[half] = p1;
        c2[half] = slot_xor(slot_hi(p0), slot_xor(c3v[half], k1));
        c3v[half] = p0;
      }
    }
    out[0] = slot_pack(c0[0], c0[1]);
    out[1] = slot_pack(c1[0], c1[1]);
    out[2] = slot_pack(c2[0], c2[1]);
    out[3] = slot_pack(c3v[0], c3v[1]);
#else
    // Portable fallback: the scalar rounds 4..10 per lane.
    for (int lane = 0; lane < 8; ++lane) {
      std::uint32_t a0 = g.task[lane] ^ r1_hi1_ ^ k0_[0];
      std::uint32_t p0h, p0l;
      mulhilo32(kPhiloxM0, a0, p0h, p0l);
      const std::uint32_t b2 = p0h ^ r1_lo0_ ^ k1_[1], b3 = p0l;
      std::uint32_t p1h, p1l;
      mulhilo32(kPhiloxM1, b2, p1h, p1l);
      std::uint32_t w[4] = {p1h ^ key.x0, p1l, b3 ^ key.x2, key.w3};
      for (int r = 3; r < kPhiloxRounds; ++r) {
        std::uint32_t h0, l0, h1, l1;
        mulhilo32(kPhiloxM0, w[0], h0, l0);
        mulhilo32(kPhiloxM1, w[2], h1, l1);
        const std::uint32_t n[4] = {h1 ^ w[1] ^ k0_[r], l1, h0 ^ w[3] ^ k1_[r], l0};
        for (int i = 0; i < 4; ++i) w[i] = n[i];
      }
      for (int i = 0; i < 4; ++i) out[i][lane] = w[i];
    }
#endif
  }

 private:
  std::uint32_t k0_[kPhiloxRounds], k1_[kPhiloxRounds];
  std::uint32_t r1_hi0_, r1_lo0_, r1_hi1_, r1_lo1_;
  BlockKey inputs_keys_[kCachedBlocks], weights_keys_[kCachedBlocks];
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
/// 9 bits each and cost a third more Philox work, the bulk of a 1-layer training step):
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
