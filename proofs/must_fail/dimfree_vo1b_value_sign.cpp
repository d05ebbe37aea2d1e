// Negative control VO-1b (docs/papers/von_oswald.md, "Claim definitions": a sign flip in W_V's −I must show up in VO-1): with
// W_V = [[0, 0], [W_0, +I]] the layer is not a GD step. Asserting it must be refused.
// expect-error: static assertion failed: VO-1b
#include "icgd/dimfree/claims.hpp"

static_assert(icgd::dimfree::holds<icgd::dimfree::claims::vo1b>(),
              "VO-1b: W_V with the opposite sign claimed to implement one GD step");
