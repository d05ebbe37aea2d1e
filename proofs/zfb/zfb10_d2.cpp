// ZFB-10 (Zhang, Frei & Bartlett 2024, Theorem 4.2 / Eq. 4.6 for a fixed joint law of (x, y);
// docs/papers/zhang_frei_bartlett.md) at d = 2 by the exact Gaussian-moment engine: for the
// non-linear noisy target y = x_0 − x_1/2 + (x_0 + x_1)² + ε (σ² = 1/4) with x ~ N(0, Λ), Λ full,
// trained at N = 4, the engine's error at A = Γ⁻¹ equals, as a polynomial in 1/M,
// best-linear error + (1/M) tr(ΣΓ⁻²Λ) + (1/N²) aᵀΛΓ⁻²(Λ + tr(Λ) I)²a, a = Λ⁻¹E[xy], Σ = Cov(xy)
// (those moments from the engine too). Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Polynomial;
using icgd::Rational;

constexpr bool claim() {
  const RatMatrix l = rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1});
  const Polynomial x0(prompt(0, 0)), x1(prompt(0, 1));
  const Polynomial target = x0 - Rational(1, 2) * x1 + (x0 + x1) * (x0 + x1);
  return zfb10_holds(l, 4, target, Rational(1, 4));
}
ICGD_PROVE("ZFB-10", "d=2, y = x0 - x1/2 + (x0+x1)^2 + noise, N=4, every M", proved, claim(), "ZFB-10 at d = 2");
}  // namespace
