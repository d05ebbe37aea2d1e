// A deliberately wrong identity: von Oswald's prediction read as +(query y-slot) instead of
// −(y-slot) (docs/papers/von_oswald.md, "Conventions that bite"). The compiler's error must name the claim.
// expect-error: static assertion failed: VO-2
#include "icgd/dimfree/claims.hpp"

static_assert(icgd::dimfree::holds<icgd::dimfree::claims::vo2b>(),
              "VO-2: prediction = +(y-slot) (wrong: the paper reads -(y-slot))");
