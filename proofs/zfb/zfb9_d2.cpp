// ZFB-9 (Zhang, Frei & Bartlett 2024, §4.2 task shift; docs/papers/zhang_frei_bartlett.md) at d = 2
// by the exact Gaussian-moment engine: with the prompt covariance full, the query covariance
// different, and A symbolic, the error under w ~ N(0, diag(1/2, 3)) and under w_k = ±sqrt(v_k)
// (independent signs; same second moment, fourth moments 3v² against v²) is the same polynomial
// in A and 1/M. Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Rational;

constexpr bool claim() {
  const RatMatrix prompt = rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1});
  const RatMatrix query = rational_diagonal({1, 2});
  return zfb9_holds(prompt, query, {Rational(1, 2), 3});
}
ICGD_PROVE("ZFB-9", "d=2, A symbolic, every M", proved, claim(), "ZFB-9 at d = 2");
}  // namespace
