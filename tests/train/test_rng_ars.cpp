// The ARS generator of the fast path's task stream (lib/src/train/fast/ars.hpp): every
// implementation (portable C++, AES-NI, VAES) must give Random123's words, bit for bit, so that
// a seed means the same tasks on every x86-64-v3 machine, with or without AES instructions.
//   * Random123's published known answers (its kat_vectors file, ars4x32 with 10 rounds);
//   * Random123's own ars4x32_R at the stream's 7 rounds, on pseudo-random counters and keys,
//     where the CPU has AES-NI (Random123's ARS exists only as AES-NI code);
//   * the lane loops (8 and 1 vectors at a time) against the one-block definition.
#include "fast/ars.hpp"  // private: lib/src/train (tests/train/CMakeLists.txt)
#include "fast/stream.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

// Random123's ARS is written with AES-NI intrinsics and compiled only when __AES__ is defined;
// the project builds for x86-64-v3 (no AES), so the reference is compiled for AES here alone
// and called only after a run-time check.
#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("aes")
#define R123_USE_AES_NI 1
#include <Random123/ars.h>
namespace {
icgd::train::fast::Block random123_ars(int rounds, const icgd::train::fast::Block& ctr,
                                       const icgd::train::fast::Block& key) {
  const r123array4x32 c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  const r123array4x32 k = {{key[0], key[1], key[2], key[3]}};
  const r123array4x32 r = ars4x32_R(static_cast<unsigned>(rounds), c, k);
  return {r.v[0], r.v[1], r.v[2], r.v[3]};
}
}  // namespace
#pragma GCC pop_options
#define ICGD_HAVE_RANDOM123_ARS 1
#endif

using namespace icgd::train::fast;

namespace {

std::vector<ArsBackend> available_backends() {
  std::vector<ArsBackend> out;
  for (ArsBackend b : {ArsBackend::portable, ArsBackend::aesni, ArsBackend::vaes})
    if (ars_backend_available(b)) out.push_back(b);
  return out;
}

/// A small deterministic generator for test inputs (splitmix64).
struct SplitMix {
  std::uint64_t s;
  std::uint32_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<std::uint32_t>(z ^ (z >> 31));
  }
  Block block() { return {next(), next(), next(), next()}; }
};

}  // namespace

TEST_CASE("ARS known answers (Random123 kat_vectors, ars4x32 with 10 rounds), every backend") {
  struct Kat {
    Block ctr, key, out;
  };
  // ctr, key, expected: lines "ars4x32 10 ..." of Random123's kat_vectors.
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0, 0, 0}, {0x8d73ee19, 0x506401ef, 0x13c2dbe4, 0x0cbe9c0d}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89},
       {0xa516e7d6, 0x8357ad74, 0x5b59b3ec, 0x8763fff3}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff, 0x00000000, 0x00000000},
       {0xbb3743b1, 0x9f635551, 0xecbc87fc, 0xa19478a9}},
  };
  const auto backends = available_backends();
  CHECK(backends.front() == ArsBackend::portable);
  for (ArsBackend b : backends) {
    INFO("backend " << ars_backend_name(b));
    for (const Kat& k : kats) CHECK(ars_block(b, k.ctr, ars_keys(k.key, 10)) == k.out);
  }
}

TEST_CASE("ARS-7 is Random123's ars4x32_R(7), word for word, in every backend") {
  SplitMix rng{12345};
  int compared = 0;
#if defined(ICGD_HAVE_RANDOM123_ARS)
  const bool reference = ars_backend_available(ArsBackend::aesni);
#else
  const bool reference = false;
#endif
  for (int i = 0; i < 500; ++i) {
    const Block ctr = rng.block(), key = rng.block();
    const int rounds = i < 400 ? kArsRounds : 1 + i % kArsMaxRounds;
    const ArsKeys keys = ars_keys(key, rounds);
    const Block portable = ars_block(ArsBackend::portable, ctr, keys);
    for (ArsBackend b : available_backends()) CHECK(ars_block(b, ctr, keys) == portable);
#if defined(ICGD_HAVE_RANDOM123_ARS)
    if (reference) {
      CHECK(random123_ars(rounds, ctr, key) == portable);
      ++compared;
    }
#endif
  }
  // Without AES-NI only the known answers and the backends' agreement are checked.
  MESSAGE("compared with Random123's ars4x32_R on " << compared << " blocks");
  CHECK((compared == 500 || !reference));
}

TEST_CASE("ARS lane loops equal the one-block definition in every backend") {
  SplitMix rng{777};
  for (ArsBackend b : available_backends()) {
    INFO("backend " << ars_backend_name(b));
    for (int count : {1, 3, 7, 8, 9, 16, 23, 84}) {
      Block lo = rng.block(), hi = rng.block();
      lo[1] &= 0x0fffffffu;  // word 1 counts up: no carry out of it (the documented contract)
      hi[1] &= 0x0fffffffu;
      const ArsKeys keys = ars_keys(rng.block());
      std::vector<U32x8> out(static_cast<std::size_t>(count));
      ars_lane_words(b, keys, lo, hi, count, out.data());
      for (int i = 0; i < count; ++i) {
        Block l = lo, h = hi;
        l[1] += static_cast<std::uint32_t>(i);
        h[1] += static_cast<std::uint32_t>(i);
        const Block a = ars_block(ArsBackend::portable, l, keys), c = ars_block(ArsBackend::portable, h, keys);
        for (int w = 0; w < 4; ++w) {
          CHECK(out[static_cast<std::size_t>(i)][w] == a[static_cast<std::size_t>(w)]);
          CHECK(out[static_cast<std::size_t>(i)][w + 4] == c[static_cast<std::size_t>(w)]);
        }
      }
    }
  }
}

TEST_CASE("task stream: lanes are the scalar definition, including wrapping task indices") {
  const std::uint64_t seeds[] = {0, 1, 0x123456789abcdefULL, ~0ULL};
  const std::uint64_t steps[] = {0, 7, 0x100000003ULL};
  const std::uint32_t firsts[] = {0, 8, 2044, 0xfffffffcu, 0xfffffff8u};
  for (ArsBackend b : available_backends())
    for (auto seed : seeds)
      for (auto step : steps) {
        const TaskStream stream(seed, step, b);
        const TaskStream reference(seed, step, ArsBackend::portable);
        for (auto first : firsts)
          for (std::uint32_t domain : {kDomainInputs, kDomainWeights}) {
            U32x8 out[12];
            stream.words(first, domain, 5, 12, out);
            for (int i = 0; i < 12; ++i)
              for (int lane = 0; lane < 8; ++lane) {
                const std::uint32_t task = first + static_cast<std::uint32_t>(lane);  // wraps
                const std::uint32_t word = 5 + static_cast<std::uint32_t>(i);
                // The documented definition, spelled out: word (task mod 4) of the block of
                // counter (task / 4, tag | domain | word, step low, step high ^ "FAST").
                const Block ctr = {task >> 2, kFastStreamTag | domain | word,
                                   static_cast<std::uint32_t>(step),
                                   static_cast<std::uint32_t>(step >> 32) ^ kFastStepTag};
                const Block key = {static_cast<std::uint32_t>(seed),
                                   static_cast<std::uint32_t>(seed >> 32), 0, 0};
                const std::uint32_t expected =
                    ars_block(ArsBackend::portable, ctr, ars_keys(key, kArsRounds))[task & 3u];
                CHECK(out[i][lane] == expected);
                CHECK(reference.word(task, domain, word) == expected);
              }
          }
      }
}

TEST_CASE("task stream: an unavailable backend is refused, not silently replaced") {
  for (ArsBackend b : {ArsBackend::aesni, ArsBackend::vaes})
    if (!ars_backend_available(b)) CHECK_THROWS_AS(TaskStream(1, 2, b), std::invalid_argument);
  CHECK_THROWS_AS(ars_keys(Block{}, 0), std::invalid_argument);
  CHECK_THROWS_AS(ars_keys(Block{}, 11), std::invalid_argument);
  CHECK(ars_backend_available(ars_best_backend()));
}
