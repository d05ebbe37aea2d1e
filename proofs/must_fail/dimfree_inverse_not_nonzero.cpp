// The engine inverts only scalars declared nonzero (c · c⁻¹ = 1 needs c ≠ 0): inverting the
// plain scalar η inside a proof is a compile error.
// expect-error: not declared nonzero
#include "icgd/dimfree/matrix.hpp"

using namespace icgd::dimfree;

constexpr bool eta_times_inverse_is_one() {
  const Scalar eta = scalar<"eta">();
  return eta * inverse(eta) == Scalar(1);
}
static_assert(eta_times_inverse_is_one(), "inverse of an undeclared scalar");
