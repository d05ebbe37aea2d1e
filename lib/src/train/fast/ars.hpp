// lib/src/train/fast/ars.hpp — the ARS counter-based generator of Random123 (Salmon, Moraes,
// Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11, section 4.3), the source
// of the fast path's task stream (fast/stream.hpp; docs/performance.md, "Task stream").
//
// ARS-R maps a 128-bit counter and a 128-bit key to 128 bits with R rounds of AES: the key
// schedule is a Weyl sequence instead of AES's (round key r = key + r·W, added as two 64-bit
// halves, W = (golden ratio, √3 − 1) in fixed point), then
//   v = ctr ⊕ k0;  v = AESENC(v, k_r) for r = 1..R−1;  v = AESENCLAST(v, k_R).
// This is bit for bit Random123's ars4x32_R (tested, test_rng_ars.cpp); R = 7 is Random123's
// default. Three implementations give the same words, and the fastest one the CPU has is
// chosen at run time (the library is built for x86-64-v3, which does not promise AES):
//   vaes    — VAES + AVX2: two blocks per instruction (AMD Zen 3+, Intel Ice Lake+);
//   aesni   — AES-NI: one block per instruction (every x86-64-v3 CPU we know of);
//   portable — AES rounds in plain C++ (table lookups), for CPUs without AES instructions
//              and as the independent reference of the tests.
#pragma once

#include "fast/simd.hpp"

#include <array>
#include <cstdint>

namespace icgd::train::fast {

/// 128 bits as four 32-bit words; word 0 holds bits 0..31 (the order of an __m128i and of
/// Random123's r123array4x32).
using Block = std::array<std::uint32_t, 4>;

inline constexpr int kArsRounds = 7;      // Random123's default (ars4x32_rounds)
inline constexpr int kArsMaxRounds = 10;  // what ars4x32_R accepts
/// The Weyl increments of the key schedule, as Random123 defines them (ars.h).
inline constexpr std::uint64_t kArsWeylLow = 0x9E3779B97F4A7C15ULL;   // golden ratio
inline constexpr std::uint64_t kArsWeylHigh = 0xBB67AE8584CAA73BULL;  // √3 − 1

/// Round keys k0..k_R of one key (computed once per training step, not once per block).
struct ArsKeys {
  int rounds = kArsRounds;
  Block k[kArsMaxRounds + 1]{};
};
ArsKeys ars_keys(const Block& key, int rounds = kArsRounds);

enum class ArsBackend { portable, aesni, vaes };
/// Whether this CPU can run `backend` (portable: always).
bool ars_backend_available(ArsBackend backend);
/// The fastest available backend (checked once, with the CPUID bits).
ArsBackend ars_best_backend();
const char* ars_backend_name(ArsBackend backend);

/// One ARS block of `ctr` with `keys`, by `backend` (which must be available).
Block ars_block(ArsBackend backend, const Block& ctr, const ArsKeys& keys);

/// out[i] = (ARS(ctr_low + i·e1) | ARS(ctr_high + i·e1)) for i < count: two blocks per
/// 256-bit vector, the block of `ctr_low` in lanes 0..3. e1 adds i to word 1 (no carry may
/// leave it: the caller keeps word 1 + count below 2^32). This is the inner loop of the task
/// stream: lane l of out[i] is word i of task first + l.
void ars_lane_words(ArsBackend backend, const ArsKeys& keys, const Block& ctr_low,
                    const Block& ctr_high, int count, U32x8* out);

}  // namespace icgd::train::fast
