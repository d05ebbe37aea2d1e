// The three implementations of ARS (fast/ars.hpp) and the run-time choice between them.
//
// How the binary stays runnable everywhere: this file is compiled for the project's target
// (x86-64-v3: AVX2, FMA, BMI2, no AES). The AES-NI and VAES loops carry GCC target attributes
// (target("aes"), target("avx2,aes,vaes")), so only those functions contain AES instructions,
// and they are called only after __builtin_cpu_supports has seen the CPUID bits (ars_best_backend).
// A CPU without them gets the portable rounds, which produce the same words (tested word for
// word against the hardware and against Random123's known answers, test_rng_ars.cpp).
#include "fast/ars.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ICGD_ARS_HAVE_X86 1
#else
#define ICGD_ARS_HAVE_X86 0
#endif

namespace icgd::train::fast {

namespace {

// ----- Portable AES rounds (FIPS-197: SubBytes, ShiftRows, MixColumns, AddRoundKey) -----

constexpr std::uint8_t xtime(std::uint8_t a) {
  return static_cast<std::uint8_t>((a << 1) ^ ((a & 0x80) ? 0x1b : 0x00));
}
constexpr std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) {
  std::uint8_t r = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & 1) r ^= a;
    a = xtime(a);
    b = static_cast<std::uint8_t>(b >> 1);
  }
  return r;
}
constexpr std::uint8_t rotl8(std::uint8_t b, int s) {
  return static_cast<std::uint8_t>((b << s) | (b >> (8 - s)));
}
/// The AES S-box, derived rather than typed in: multiplicative inverse in GF(2^8) (x^254),
/// then the affine map b ⊕ rotl(b,1) ⊕ rotl(b,2) ⊕ rotl(b,3) ⊕ rotl(b,4) ⊕ 0x63.
constexpr std::array<std::uint8_t, 256> make_sbox() {
  std::array<std::uint8_t, 256> s{};
  for (int x = 0; x < 256; ++x) {
    std::uint8_t inv = 0;
    if (x != 0) {
      std::uint8_t p = 1, base = static_cast<std::uint8_t>(x);
      for (int e = 254; e > 0; e >>= 1) {
        if (e & 1) p = gf_mul(p, base);
        base = gf_mul(base, base);
      }
      inv = p;
    }
    s[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(
        inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63);
  }
  return s;
}
constexpr std::array<std::uint8_t, 256> kSbox = make_sbox();
static_assert(kSbox[0x00] == 0x63 && kSbox[0x01] == 0x7c && kSbox[0x53] == 0xed &&
              kSbox[0xff] == 0x16);

/// SubBytes + MixColumns of one state byte in row 0, as a column word (rows 0..3 in bytes
/// 0..3): (2·S, S, S, 3·S). A byte in row r contributes this word rotated left by 8r bits.
constexpr std::array<std::uint32_t, 256> make_mix_table() {
  std::array<std::uint32_t, 256> t{};
  for (int x = 0; x < 256; ++x) {
    const std::uint8_t s = kSbox[static_cast<std::size_t>(x)];
    t[static_cast<std::size_t>(x)] = static_cast<std::uint32_t>(gf_mul(s, 2)) |
                                     static_cast<std::uint32_t>(s) << 8 |
                                     static_cast<std::uint32_t>(s) << 16 |
                                     static_cast<std::uint32_t>(gf_mul(s, 3)) << 24;
  }
  return t;
}
constexpr std::array<std::uint32_t, 256> kMix = make_mix_table();

constexpr std::uint32_t rotl32(std::uint32_t w, int s) { return (w << s) | (w >> (32 - s)); }

/// Byte of row r in column c of the state (the state is column-major: word c is column c,
/// row r in bits 8r..8r+7, exactly the byte order of AESENC's xmm operand).
inline std::uint32_t state_byte(const Block& s, int r, int c) { return (s[static_cast<std::size_t>(c & 3)] >> (8 * r)) & 0xffu; }

/// AESENC: ShiftRows (row r rotated left by r: new(r, c) = old(r, c + r)), SubBytes,
/// MixColumns, ⊕ round key. With `last`, AESENCLAST: no MixColumns.
Block aes_round(const Block& s, const Block& round_key, bool last) {
  Block out{};
  for (int c = 0; c < 4; ++c) {
    std::uint32_t w;
    if (last) {
      w = static_cast<std::uint32_t>(kSbox[state_byte(s, 0, c)]) |
          static_cast<std::uint32_t>(kSbox[state_byte(s, 1, c + 1)]) << 8 |
          static_cast<std::uint32_t>(kSbox[state_byte(s, 2, c + 2)]) << 16 |
          static_cast<std::uint32_t>(kSbox[state_byte(s, 3, c + 3)]) << 24;
    } else {
      w = kMix[state_byte(s, 0, c)] ^ rotl32(kMix[state_byte(s, 1, c + 1)], 8) ^
          rotl32(kMix[state_byte(s, 2, c + 2)], 16) ^ rotl32(kMix[state_byte(s, 3, c + 3)], 24);
    }
    out[static_cast<std::size_t>(c)] = w ^ round_key[static_cast<std::size_t>(c)];
  }
  return out;
}

Block block_xor(const Block& a, const Block& b) {
  return {a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3]};
}

Block ars_portable(const Block& ctr, const ArsKeys& keys) {
  Block v = block_xor(ctr, keys.k[0]);
  for (int r = 1; r < keys.rounds; ++r) v = aes_round(v, keys.k[r], false);
  return aes_round(v, keys.k[keys.rounds], true);
}

void lane_words_portable(const ArsKeys& keys, const Block& ctr_low, const Block& ctr_high,
                         int count, U32x8* out) {
  for (int i = 0; i < count; ++i) {
    Block lo = ctr_low, hi = ctr_high;
    lo[1] += static_cast<std::uint32_t>(i);
    hi[1] += static_cast<std::uint32_t>(i);
    const Block a = ars_portable(lo, keys), b = ars_portable(hi, keys);
    for (int w = 0; w < 4; ++w) {
      out[i][w] = a[static_cast<std::size_t>(w)];
      out[i][w + 4] = b[static_cast<std::size_t>(w)];
    }
  }
}

#if ICGD_ARS_HAVE_X86

// ----- AES-NI: one block per instruction -----

[[gnu::target("aes")]] inline __m128i load_block(const Block& b) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.data()));
}

[[gnu::target("aes")]] Block ars_aesni(const Block& ctr, const ArsKeys& keys) {
  __m128i v = _mm_xor_si128(load_block(ctr), load_block(keys.k[0]));
  for (int r = 1; r < keys.rounds; ++r) v = _mm_aesenc_si128(v, load_block(keys.k[r]));
  v = _mm_aesenclast_si128(v, load_block(keys.k[keys.rounds]));
  Block out;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data()), v);
  return out;
}

/// kR rounds at compile time (the loops unroll); 8 vectors in flight per iteration, enough
/// for AESENC's latency (3–4 cycles) at two instructions per cycle. The ragged end runs one
/// vector at a time: those iterations are independent, so out-of-order execution overlaps them.
template <int kR>
[[gnu::target("aes")]] void lane_words_aesni(const ArsKeys& keys, const Block& ctr_low,
                                             const Block& ctr_high, int count, U32x8* out) {
  __m128i rk[kR + 1];
  for (int r = 0; r <= kR; ++r) rk[r] = load_block(keys.k[r]);
  __m128i lo = load_block(ctr_low), hi = load_block(ctr_high);
  const __m128i one = _mm_set_epi32(0, 0, 1, 0);
  auto* dst = reinterpret_cast<__m128i*>(out);
  int i = 0;
  for (; i + 4 <= count; i += 4) {
    __m128i v[8];
    for (int j = 0; j < 4; ++j) {
      v[2 * j] = _mm_xor_si128(lo, rk[0]);
      v[2 * j + 1] = _mm_xor_si128(hi, rk[0]);
      lo = _mm_add_epi32(lo, one);
      hi = _mm_add_epi32(hi, one);
    }
#pragma GCC unroll 16
    for (int r = 1; r < kR; ++r)
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) v[j] = _mm_aesenc_si128(v[j], rk[r]);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm_storeu_si128(dst + 2 * i + j, _mm_aesenclast_si128(v[j], rk[kR]));
  }
  for (; i < count; ++i) {
    __m128i a = _mm_xor_si128(lo, rk[0]), b = _mm_xor_si128(hi, rk[0]);
    lo = _mm_add_epi32(lo, one);
    hi = _mm_add_epi32(hi, one);
#pragma GCC unroll 16
    for (int r = 1; r < kR; ++r) {
      a = _mm_aesenc_si128(a, rk[r]);
      b = _mm_aesenc_si128(b, rk[r]);
    }
    _mm_storeu_si128(dst + 2 * i, _mm_aesenclast_si128(a, rk[kR]));
    _mm_storeu_si128(dst + 2 * i + 1, _mm_aesenclast_si128(b, rk[kR]));
  }
}

// ----- VAES: two blocks per instruction (the two halves of a 256-bit register) -----

template <int kR>
[[gnu::target("avx2,aes,vaes")]] void lane_words_vaes(const ArsKeys& keys, const Block& ctr_low,
                                                      const Block& ctr_high, int count, U32x8* out) {
  __m256i rk[kR + 1];
  for (int r = 0; r <= kR; ++r)
    rk[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keys.k[r].data())));
  __m256i ctr = _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ctr_high.data())),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i*>(ctr_low.data())));
  const __m256i one = _mm256_set_epi32(0, 0, 1, 0, 0, 0, 1, 0);
  auto* dst = reinterpret_cast<__m256i*>(out);
  int i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256i v[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      v[j] = _mm256_xor_si256(ctr, rk[0]);
      ctr = _mm256_add_epi32(ctr, one);
    }
#pragma GCC unroll 16
    for (int r = 1; r < kR; ++r)
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) v[j] = _mm256_aesenc_epi128(v[j], rk[r]);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) _mm256_storeu_si256(dst + i + j, _mm256_aesenclast_epi128(v[j], rk[kR]));
  }
  for (; i < count; ++i) {
    __m256i v = _mm256_xor_si256(ctr, rk[0]);
    ctr = _mm256_add_epi32(ctr, one);
#pragma GCC unroll 16
    for (int r = 1; r < kR; ++r) v = _mm256_aesenc_epi128(v, rk[r]);
    _mm256_storeu_si256(dst + i, _mm256_aesenclast_epi128(v, rk[kR]));
  }
}

using LaneWordsFn = void (*)(const ArsKeys&, const Block&, const Block&, int, U32x8*);

/// Rounds 1..10 each get their own unrolled instantiation (7 is the one the stream uses; 10
/// is Random123's known-answer setting).
template <int... kRs>
constexpr std::array<LaneWordsFn, sizeof...(kRs)> aesni_table(std::integer_sequence<int, kRs...>) {
  return {&lane_words_aesni<kRs + 1>...};
}
template <int... kRs>
constexpr std::array<LaneWordsFn, sizeof...(kRs)> vaes_table(std::integer_sequence<int, kRs...>) {
  return {&lane_words_vaes<kRs + 1>...};
}
constexpr auto kAesniByRounds = aesni_table(std::make_integer_sequence<int, kArsMaxRounds>{});
constexpr auto kVaesByRounds = vaes_table(std::make_integer_sequence<int, kArsMaxRounds>{});

#endif  // ICGD_ARS_HAVE_X86

void require(ArsBackend backend) {
  if (!ars_backend_available(backend))
    throw std::invalid_argument(std::string("ARS backend '") + ars_backend_name(backend) +
                                "' is not available on this CPU");
}

}  // namespace

ArsKeys ars_keys(const Block& key, int rounds) {
  if (rounds < 1 || rounds > kArsMaxRounds)
    throw std::invalid_argument("ARS: rounds must be in 1..10");
  ArsKeys keys;
  keys.rounds = rounds;
  std::uint64_t low = key[0] | static_cast<std::uint64_t>(key[1]) << 32;
  std::uint64_t high = key[2] | static_cast<std::uint64_t>(key[3]) << 32;
  for (int r = 0; r <= rounds; ++r) {
    keys.k[r] = {static_cast<std::uint32_t>(low), static_cast<std::uint32_t>(low >> 32),
                 static_cast<std::uint32_t>(high), static_cast<std::uint32_t>(high >> 32)};
    low += kArsWeylLow;  // 64-bit halves, wrapping: Random123's _mm_add_epi64
    high += kArsWeylHigh;
  }
  return keys;
}

bool ars_backend_available(ArsBackend backend) {
  switch (backend) {
    case ArsBackend::portable:
      return true;
#if ICGD_ARS_HAVE_X86
    case ArsBackend::aesni:
      __builtin_cpu_init();
      return __builtin_cpu_supports("aes");
    case ArsBackend::vaes:
      // avx2 here also means the OS saves the 256-bit registers (libgcc checks XCR0).
      __builtin_cpu_init();
      return __builtin_cpu_supports("aes") && __builtin_cpu_supports("vaes") &&
             __builtin_cpu_supports("avx2");
#else
    default:
      return false;
#endif
  }
  return false;
}

ArsBackend ars_best_backend() {
  static const ArsBackend best = [] {
    if (ars_backend_available(ArsBackend::vaes)) return ArsBackend::vaes;
    if (ars_backend_available(ArsBackend::aesni)) return ArsBackend::aesni;
    return ArsBackend::portable;
  }();
  return best;
}

const char* ars_backend_name(ArsBackend backend) {
  switch (backend) {
    case ArsBackend::portable: return "portable";
    case ArsBackend::aesni: return "aesni";
    case ArsBackend::vaes: return "vaes";
  }
  return "?";
}

Block ars_block(ArsBackend backend, const Block& ctr, const ArsKeys& keys) {
  require(backend);
#if ICGD_ARS_HAVE_X86
  if (backend != ArsBackend::portable) return ars_aesni(ctr, keys);  // one block: VAES = AES-NI
#endif
  return ars_portable(ctr, keys);
}

void ars_lane_words(ArsBackend backend, const ArsKeys& keys, const Block& ctr_low,
                    const Block& ctr_high, int count, U32x8* out) {
#if ICGD_ARS_HAVE_X86
  if (backend == ArsBackend::vaes) {
    kVaesByRounds[static_cast<std::size_t>(keys.rounds - 1)](keys, ctr_low, ctr_high, count, out);
    return;
  }
  if (backend == ArsBackend::aesni) {
    kAesniByRounds[static_cast<std::size_t>(keys.rounds - 1)](keys, ctr_low, ctr_high, count, out);
    return;
  }
#endif
  lane_words_portable(keys, ctr_low, ctr_high, count, out);
}

}  // namespace icgd::train::fast
