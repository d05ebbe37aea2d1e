// ZFB-3 (Zhang, Frei & Bartlett 2024, §4.1 / Theorem 4.1; docs/papers/zhang_frei_bartlett.md) at
// d = 2, decided by the exact Gaussian-moment engine inside the compiler: for a full rational Λ,
// the engine's E(ŷ − y)² with A symbolic and ν = 1/N symbolic equals
// tr Λ − 2 tr(AΛ²) + tr(AᵀΛAΛΓ); its gradient vanishes at Γ⁻¹ for every N; its Hessian is
// positive definite at N = 1..3 (so Γ⁻¹ is the only minimiser). Control ZFB-3b: the gradient
// does not vanish at ((1 + 1/N)Λ)⁻¹. Building this file is the proof; its receipts tell `icgd verify`.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Polynomial;
using icgd::Rational;

constexpr PolyMatrix lambda() { return to_poly(rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1})); }
// The instances are built inside the functions the static_asserts call (docs/verification.md,
// "Compiler notes").
constexpr bool claim() {
  const PolyMatrix l = lambda();
  return zfb3_holds(l, 3);
}
constexpr bool control_holds() {
  const PolyMatrix l = lambda();
  const Polynomial risk = engine_training_risk(l);
  const PolyMatrix wrong = gamma_without_trace_term(l);
  return zfb3_gradient_vanishes(risk, wrong);
}
ICGD_PROVE("ZFB-3", "d=2, Lambda=[[2,1/2],[1/2,1]], every N (Hessian N=1..3)", proved, claim(), "ZFB-3 at d = 2");
ICGD_PROVE("ZFB-3b", "d=2", refuted, !control_holds(), "ZFB-3b must fail at d = 2");
}  // namespace
