// expect-error: static assertion failed: VO-1
// Negative control for VO-1: W_V = [[0, 0], [W_0, +I]] (the opposite sign of the −I block).
// The layer then adds (η/N) Σ (W_0 x_i + y_i) x_iᵀ x_j, which is not a GD step. If this compiled,
// the proof would be blind to the sign convention of Prop. 1 (docs/papers/von_oswald.md, "Proposition 1").
// (Replacing η by −η would NOT be a control: both sides flip together — docs/verification.md.)
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"

constexpr bool broken_vo1() {
  using namespace icgd;
  const auto p = icl::symbolic_instance<2, 1, 3>();
  auto head = icl::prop1_head(p.W0, p.eta, 3);
  head.W_V(2, 2) = Polynomial(1);  // was −1
  return icl::stack_matches_gd(p, head, icl::QueryInKeys::excluded, 1, icl::Columns::context);
}
static_assert(broken_vo1(), "VO-1 (negative control: +I in W_V) must not hold");
