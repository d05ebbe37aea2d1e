// ZFB-8 (Zhang, Frei & Bartlett 2024, §4.2 covariate shift; docs/papers/zhang_frei_bartlett.md) at
// d = 2 by the exact Gaussian-moment engine: trained on Λ = I at N = 20 and tested on Ω = 2I (and on
// a full Ω against a full Λ at N = 6), the error is a polynomial in 1/M whose value at 1/M = 0 is
// tr((Γ⁻¹Ω − I)ᵀ Ω (Γ⁻¹Ω − I)) > 0. Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Rational;

constexpr bool claim() {
  const RatMatrix l = identity<Rational>(2), om = rational_diagonal({2, 2});
  const RatMatrix l2 = rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1});
  const RatMatrix om2 = rational_matrix(2, {1, Rational(-1, 3), Rational(-1, 3), 3});
  return zfb8_holds(l, om, 20) && zfb8_holds(l2, om2, 6);
}
ICGD_PROVE("ZFB-8", "d=2, Lambda=I Omega=2I N=20; full Lambda, Omega N=6; M -> infinity", proved, claim(), "ZFB-8 at d = 2");
}  // namespace
