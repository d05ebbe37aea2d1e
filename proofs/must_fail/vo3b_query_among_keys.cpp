// expect-error: static assertion failed: VO-3b
// Negative control VO-3b (docs/papers/von_oswald.md, "Several layers and the damped recurrence"): the Prop. 1 layer applied K = 2 times with the
// query token INCLUDED among keys and values. Its y-slot (−W_0 x_q, then −W_1 x_q) adds the
// spurious term (η/N)(W_0 x_q − y_q) x_qᵀ x_j, so the stack is no longer 2 GD steps. If this
// compiled, the masking of the query would not be doing anything.
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"

constexpr bool query_among_keys_is_gd() {
  using namespace icgd;
  const auto p = icl::symbolic_instance<2, 1, 2>();
  return icl::stack_matches_gd(p, icl::prop1_head(p.W0, p.eta, 2), icl::QueryInKeys::included,
                               2, icl::Columns::all);
}
static_assert(query_among_keys_is_gd(), "VO-3b (negative control: query among keys/values, K = 2) must not hold");
