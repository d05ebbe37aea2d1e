// lib/src/train/fast/simd.hpp — lane vectors for the fast LSA path (private to icgd_train and
// its tests; docs/performance.md).
//
// The fast path keeps several independent tasks side by side in the lanes of one 256-bit
// register (8 floats or 4 doubles): every scalar of the per-task computation becomes a lane
// vector, the shared weights are broadcast, and no shuffles are needed in the hot loops.
// GCC vector extensions give portable element-wise arithmetic; the few operations they lack
// (square root) use AVX intrinsics when compiled for x86-64-v3, scalar code otherwise.
//
// Also here: the two transcendental functions Box–Muller needs (log and sin/cos of 2πu),
// written for lanes from their Taylor series with exact coefficients 1/k and 1/k!. They are
// not correctly rounded (error a few ulp, tested against long double in test_fast_stream.cpp),
// but they are pure arithmetic, so the task stream is the same on every machine and libm.
#pragma once

#include <bit>
#include <cstdint>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace icgd::train::fast {

template <class T>
struct Lanes;

template <>
struct Lanes<float> {
  using V = float __attribute__((vector_size(32)));
  using I = std::int32_t __attribute__((vector_size(32)));  // same-width integer (masks, bits)
  static constexpr int width = 8;
};

template <>
struct Lanes<double> {
  using V = double __attribute__((vector_size(32)));
  using I = std::int64_t __attribute__((vector_size(32)));
  static constexpr int width = 4;
};

/// 8 × uint32: the raw words of the counter-based generator (one per generated task).
using U32x8 = std::uint32_t __attribute__((vector_size(32)));
using I32x8 = std::int32_t __attribute__((vector_size(32)));

template <class V>
inline V splat(decltype(V{}[0]) x) {
  return V{} + x;
}

template <class T>
inline typename Lanes<T>::V lane_sqrt(typename Lanes<T>::V x) {
#if defined(__AVX__)
  if constexpr (sizeof(T) == 4) {
    __m256 r = _mm256_sqrt_ps(std::bit_cast<__m256>(x));
    return std::bit_cast<typename Lanes<T>::V>(r);
  } else {
    __m256d r = _mm256_sqrt_pd(std::bit_cast<__m256d>(x));
    return std::bit_cast<typename Lanes<T>::V>(r);
  }
#else
  typename Lanes<T>::V out;
  for (int i = 0; i < Lanes<T>::width; ++i) out[i] = __builtin_sqrt(x[i]);
  return out;
#endif
}

/// Sum of the lanes, in lane order (a fixed order: part of the determinism contract).
template <class V>
inline double lane_sum(const V& v) {
  double s = 0;
  for (int i = 0; i < static_cast<int>(sizeof(V) / sizeof(v[0])); ++i) s += static_cast<double>(v[i]);
  return s;
}

/// lane_sum of n lane vectors, vectorised across them: the lanes are converted to double and
/// added in a fixed order (pairs (i, i+4) for float, then the four double lanes in order), so
/// the result is the same whatever thread computes it.
template <class V>
inline void lane_sums(const V* in, long n, double* out) {
  using D4 = double __attribute__((vector_size(32)));
  for (long k = 0; k < n; ++k) {
    D4 a;
    if constexpr (sizeof(in[0][0]) == 4) {
      using F4 = float __attribute__((vector_size(16)));
      const F4 lo = __builtin_shufflevector(in[k], in[k], 0, 1, 2, 3);
      const F4 hi = __builtin_shufflevector(in[k], in[k], 4, 5, 6, 7);
      a = __builtin_convertvector(lo, D4) + __builtin_convertvector(hi, D4);
    } else {
      a = in[k];
    }
    out[k] = (a[0] + a[1]) + (a[2] + a[3]);
  }
}

/// Natural logarithm of positive normal numbers, for lanes.
/// x = m·2^e with m ∈ [√½, √2); ln m = 2 atanh(s), s = (m−1)/(m+1), |s| ≤ 0.1716, summed as
/// 2s Σ_k s^{2k}/(2k+1) — 5 terms in float, 11 in double (truncation < ½ ulp).
template <class T>
inline typename Lanes<T>::V lane_log(typename Lanes<T>::V x) {
  using V = typename Lanes<T>::V;
  using I = typename Lanes<T>::I;
  constexpr T kSqrt2 = static_cast<T>(1.41421356237309504880168872420969808L);
  constexpr T kLn2 = static_cast<T>(0.693147180559945309417232121458176568L);
  const I bits = std::bit_cast<I>(x);
  V m, e;
  if constexpr (sizeof(T) == 4) {
    const I biased = (bits >> 23) & 0xff;
    const I mant = (bits & 0x007fffff) | 0x3f800000;
    m = std::bit_cast<V>(mant);
    e = __builtin_convertvector(biased - 127, V);
  } else {
    const I biased = (bits >> 52) & 0x7ff;
    const I mant = (bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL;
    m = std::bit_cast<V>(mant);
    // int64 → double without AVX-512: place the integer in the mantissa of 2^52.
    const I magic = biased | 0x4330000000000000LL;
    e = std::bit_cast<V>(magic) - V{} - T(4503599627370496.0) - T(1023);
  }
  const auto big = m > kSqrt2;  // fold [√2, 2) onto [√½, 1)
  m = big ? m * T(0.5) : m;
  e = big ? e + T(1) : e;
  const V s = (m - T(1)) / (m + T(1));
  const V z = s * s;
  constexpr int kTerms = sizeof(T) == 4 ? 5 : 11;
  V p = splat<V>(T(1) / T(2 * kTerms - 1));
  for (int k = kTerms - 2; k >= 0; --k) p = p * z + T(1) / T(2 * k + 1);
  return e * kLn2 + T(2) * s * p;
}

/// cos(2πu) and sin(2πu) for u ∈ [0, 1) given with at most 24 significant bits after the
/// binary point (so that the reduction below is exact).
/// 2πu = q·π/2 + θ with q = round(4u), θ = 2π(u − q/4) ∈ [−π/4, π/4]; Taylor series of sin θ and
/// cos θ up to θ^9/θ^10 in float and θ^17/θ^18 in double; then the quadrant's rotation.
template <class T>
inline void lane_cos_sin_2pi(typename Lanes<T>::V u, typename Lanes<T>::V& cos_out,
                             typename Lanes<T>::V& sin_out) {
  using V = typename Lanes<T>::V;
  constexpr T kTwoPi = static_cast<T>(6.28318530717958647692528676655900577L);
  // round-to-nearest integer by the 2^(mantissa bits) trick (exact for 0 ≤ 4u < 4).
  constexpr T kRound = sizeof(T) == 4 ? T(8388608.0) : T(4503599627370496.0);
  const V four_u = u * T(4);
  V q = (four_u + kRound) - kRound;
  const V theta = (u - q * T(0.25)) * kTwoPi;
  const V z = theta * theta;
  constexpr int kSinTerms = sizeof(T) == 4 ? 5 : 9;  // θ^1 … θ^(2·terms−1)
  constexpr int kCosTerms = sizeof(T) == 4 ? 6 : 10; // θ^0 … θ^(2·terms−2)
  // Horner in z with coefficients (−1)^k/(2k+1)! and (−1)^k/(2k)!, computed in long double.
  constexpr auto coeff = [](int n, int k) {
    long double f = 1.0L;
    for (int i = 2; i <= n; ++i) f *= static_cast<long double>(i);
    return static_cast<T>((k % 2 ? -1.0L : 1.0L) / f);
  };
  V sp = splat<V>(coeff(2 * kSinTerms - 1, kSinTerms - 1));
  V cp = splat<V>(coeff(2 * kCosTerms - 2, kCosTerms - 1));
#pragma GCC unroll 16
  for (int k = kSinTerms - 2; k >= 0; --k) sp = sp * z + coeff(2 * k + 1, k);
#pragma GCC unroll 16
  for (int k = kCosTerms - 2; k >= 0; --k) cp = cp * z + coeff(2 * k, k);
  const V s = theta * sp, c = cp;
  // Quadrant q mod 4 (q = 4 is quadrant 0): rotate (c, s) by q·π/2.
  const auto q1 = q == T(1), q2 = q == T(2), q3 = q == T(3);
  cos_out = q1 ? -s : (q2 ? -c : (q3 ? s : c));
  sin_out = q1 ? c : (q2 ? -s : (q3 ? -c : s));
}

}  // namespace icgd::train::fast
