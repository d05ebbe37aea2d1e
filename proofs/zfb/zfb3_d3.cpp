// ZFB-3 (Zhang, Frei & Bartlett 2024, §4.1 / Theorem 4.1; docs/papers/zhang_frei_bartlett.md) at
// d = 3, decided by the exact Gaussian-moment engine inside the compiler: for a full rational Λ,
// the engine's E(ŷ − y)² with A symbolic and ν = 1/N symbolic equals
// tr Λ − 2 tr(AΛ²) + tr(AᵀΛAΛΓ); its gradient vanishes at Γ⁻¹ for every N; its Hessian is
// positive definite at N = 1..2 (so Γ⁻¹ is the only minimiser). The control ZFB-3b is refuted in
// zfb3_d2.cpp (here it would double this unit's compile time). Building this file is the proof;
// its receipts tell `icgd verify`.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Polynomial;
using icgd::Rational;

constexpr PolyMatrix lambda() { return to_poly(rational_matrix(3, {2, Rational(1, 2), 0, Rational(1, 2), 1, Rational(1, 3), 0, Rational(1, 3), 3})); }
// The instances are built inside the functions the static_asserts call (docs/verification.md,
// "Compiler notes").
constexpr bool claim() {
  const PolyMatrix l = lambda();
  return zfb3_holds(l, 2);
}
ICGD_PROVE("ZFB-3", "d=3, Lambda=[[2,1/2,0],[1/2,1,1/3],[0,1/3,3]], every N (Hessian N=1..2)", proved, claim(), "ZFB-3 at d = 3");
}  // namespace
