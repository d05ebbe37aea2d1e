// expect-error: static assertion failed: VO-1
// Negative control for VO-1: P = η I instead of (η/N) I (the 1/N of L(W) = 1/(2N) Σ‖W x_i − y_i‖²
// forgotten). For N ≥ 2 the layer takes a step N times too large. If this compiled, the proof
// would not see where the 1/N lives (docs/papers/von_oswald.md, "Conventions that bite").
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"

constexpr bool broken_vo1() {
  using namespace icgd;
  const auto p = icl::symbolic_instance<2, 1, 3>();
  auto head = icl::prop1_head(p.W0, p.eta, 1);  // 1/N with N = 1: the missing 1/N
  return icl::stack_matches_gd(p, head, icl::QueryInKeys::excluded, 1, icl::Columns::context);
}
static_assert(broken_vo1(), "VO-1 (negative control: P = eta*I without 1/N) must not hold");
