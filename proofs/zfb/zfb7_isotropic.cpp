// ZFB-7 (Zhang, Frei & Bartlett 2024, Theorem 4.1 at Λ = I; docs/papers/zhang_frei_bartlett.md):
// Γ(I_d) = (1 + (d+1)/N) I as a polynomial identity in 1/N for d = 1..8, and the moment engine's
// risk at Λ = I_d is stationary at N/(N+d+1)·I for every N (d = 1, 2), while N/(N+d)·I is not
// (control, inside zfb7_holds). Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;

constexpr bool gamma_identity() {
  for (int d = 1; d <= 8; ++d)
    if (!zfb7_gamma_identity(d)) return false;
  return true;
}
constexpr bool engine_minimiser() { return zfb7_holds(1) && zfb7_holds(2); }
ICGD_PROVE("ZFB-7", "Gamma identity d=1..8 every N; engine minimiser d=1,2 every N", proved,
           gamma_identity() && engine_minimiser(), "ZFB-7");
}  // namespace
