// ZFB-11 (Corollary 4.3) and ZFB-12 (Theorem 4.5) of Zhang, Frei & Bartlett 2024
// (docs/papers/zhang_frei_bartlett.md), exactly over Rational:
// - ZFB-11: for Λ = diag(1, 3) and diag(1, 1/2, 4) at N ∈ {2, 4, 16} and ε ∈ {1, 1/10}, the error at
//   M = ⌈(d+1) tr(Λ)/ε⌉ is at most ε + (1 + 2d + d²κ) tr(Λ)/N²;
// - ZFB-12: for Λ = diag(λ_0, λ_1) symbolic with i.i.d. Exponential(1) entries (E λ^p = p!), the
//   engine's risk averaged over Λ is stationary at a·I, a = m2/((1+1/N)m3 + (m3 + (d−1)m1m2)/N),
//   with a positive definite Hessian, at N = 3 and 10; as N → ∞ a·m1 → 1/3.
// Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Rational;

constexpr bool corollary43() {
  for (int N : {2, 4, 16})
    for (const Rational eps : {Rational(1), Rational(1, 10)})
      if (!zfb11_holds({1, 3}, N, eps) || !zfb11_holds({1, Rational(1, 2), 4}, N, eps)) return false;
  return true;
}
constexpr bool theorem45() {
  const std::vector<Rational> exponential{1, 2, 6};
  // a·m1 at ν = 0 is m2/m3 = 1/3 (the N → ∞ limit of E ŷ = a·m1·⟨w, x_q⟩).
  const Rational limit = exponential[1] / exponential[2];
  return zfb12_holds(2, 3, exponential) && zfb12_holds(2, 10, exponential) && limit == Rational(1, 3);
}
ICGD_PROVE("ZFB-11", "Lambda=diag(1,3), diag(1,1/2,4); N=2,4,16; eps=1,1/10", proved, corollary43(), "ZFB-11");
ICGD_PROVE("ZFB-12", "d=2, Exponential(1) entries, N=3,10", proved, theorem45(), "ZFB-12 at d = 2");
}  // namespace
