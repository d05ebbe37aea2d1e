// AHN-2 (Ahn et al. 2023, Theorem 1, single-layer optimum; docs/papers/ahn_mahankali.md) at d = 2 by
// the exact Gaussian-moment engine: the masked layer with P = [[0,0],[0,1]] and free Q-columns
// [[B],[cᵀ]], read-out negated, has its risk stationary at B = −Γ⁻¹, c = 0 for every n; at c = 0
// its risk is ZFB's R(−Bᵀ); its Hessian in (B, c) is positive definite at n = 1, 2; B = +Γ⁻¹ is not
// stationary (control). Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Rational;

constexpr bool claim() {
  const PolyMatrix l = to_poly(rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1}));
  return ahn2_holds(l, 2);
}
ICGD_PROVE("AHN-2", "d=2, Sigma=[[2,1/2],[1/2,1]], every n (Hessian n=1,2)", proved, claim(), "AHN-2 at d = 2");
}  // namespace
