// MAH-1 (Mahankali et al. 2023, noisy labels; docs/papers/ahn_mahankali.md) at d = 2 by the exact
// Gaussian-moment engine: with σ² and ν = 1/n symbolic, the noisy risk is stationary at
// A* = Σ_wΛ[(1+1/n)ΛΣ_wΛ + ((tr(Σ_wΛ) + σ²)/n)Λ]⁻¹ and not at the noise-free formula (control);
// isotropic (Λ = Σ_w = I): A* = n/(n + d + 1 + σ²)·I, d = 1, 2. Building this file is the proof.
#include "icgd/claims/receipt.hpp"
#include "icgd/zfb/exact_claims.hpp"

namespace {
using namespace icgd::zfb::exact;
using icgd::Rational;

constexpr bool general() {
  const PolyMatrix l = to_poly(rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1}));
  const PolyMatrix sw = to_poly(rational_diagonal({Rational(1, 2), 2}));
  return mah1_holds(l, sw);
}
constexpr bool isotropic() { return mah1_isotropic_holds(1) && mah1_isotropic_holds(2); }
ICGD_PROVE("MAH-1", "d=2, every n and sigma^2; isotropic d=1,2", proved, general() && isotropic(), "MAH-1 at d = 2");
}  // namespace
