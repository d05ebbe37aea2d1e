// ZFB-4 (Zhang, Frei & Bartlett 2024, Theorem 4.2 for linear tasks; docs/papers/zhang_frei_bartlett.md)
// at d = 2 by the exact Gaussian-moment engine inside the compiler: trained at N (A = Γ⁻¹, exact
// over Rational) and tested at M, the engine's error is, as a polynomial in 1/M,
// (1/M) tr(Γ⁻²(Λ³ + TΛ²)) + (1/N²) tr(Γ⁻²(Λ³ + 2TΛ² + T²Λ)) — for Λ = diag(1, 3), N = 4 and a full
// Λ at N = 5 — and at M = 6 it equals the eigenvalue form. Control ZFB-4b: 1/N in place of 1/N²
// (checked inside zfb4_holds, asserted refuted separately). Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Polynomial;
using icgd::Rational;

constexpr bool diagonal_case() {
  const RatMatrix l = rational_diagonal({1, 3});
  if (!zfb4_holds(l, 4)) return false;
  const Polynomial e = engine_error_at_optimum(l, 4);
  return icgd::moments::constant_term(at_value(e, test_nu, Rational(1, 6))) == zfb4_eigenvalue_form({1, 3}, 4, 6);
}
constexpr bool full_case() {
  const RatMatrix l = rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1});
  return zfb4_holds(l, 5);
}
constexpr bool control_holds() {
  const RatMatrix l = rational_diagonal({1, 3});
  const Polynomial e = engine_error_at_optimum(l, 4);
  const Polynomial wrong = zfb4_closed_form(l, 4, true);
  return e == wrong;
}
ICGD_PROVE("ZFB-4", "d=2, Lambda=diag(1,3) N=4 (and M=6), Lambda=[[2,1/2],[1/2,1]] N=5, every M", proved,
           diagonal_case() && full_case(), "ZFB-4 at d = 2");
ICGD_PROVE("ZFB-4b", "d=2", refuted, !control_holds(), "ZFB-4b must fail at d = 2");
}  // namespace
