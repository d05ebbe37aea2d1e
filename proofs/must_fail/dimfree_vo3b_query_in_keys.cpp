// Negative control VO-3b (docs/papers/von_oswald.md, "Several layers and the damped recurrence"): with the query among the keys and values, K = 2
// applications of the Prop. 1 layer are NOT K GD steps (W_0 ≠ 0 makes the query's value
// W_0 x_q − y_q nonzero). Asserting the identity must be refused, naming the claim.
// expect-error: static assertion failed: VO-3b
#include "icgd/dimfree/claims.hpp"

static_assert(icgd::dimfree::holds<icgd::dimfree::claims::vo3b>(),
              "VO-3b: query among keys and values, K = 2, claimed equal to 2 GD steps");
