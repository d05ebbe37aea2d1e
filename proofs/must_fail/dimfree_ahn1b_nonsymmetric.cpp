// Negative control AHN-1b (Ahn et al. 2023; docs/papers/ahn_mahankali.md): for a non-symmetric A the layer implements the update
// with Aᵀ, not A; claiming the latter must be refused.
// expect-error: static assertion failed: AHN-1b
#include "icgd/dimfree/claims.hpp"

static_assert(icgd::dimfree::holds<icgd::dimfree::claims::ahn1b>(),
              "AHN-1b: non-symmetric A, update w - A grad R claimed");
