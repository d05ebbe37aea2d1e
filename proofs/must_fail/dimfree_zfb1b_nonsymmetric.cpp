// Negative control ZFB-1b (Zhang, Frei & Bartlett 2024, Eq. (12); docs/papers/zhang_frei_bartlett.md): ZFB-1 needs G symmetric; with a general G the layer
// predicts x_qᵀ Gᵀ Ŝ w. Claiming x_qᵀ G Ŝ w must be refused.
// expect-error: static assertion failed: ZFB-1b
#include "icgd/dimfree/claims.hpp"

static_assert(icgd::dimfree::holds<icgd::dimfree::claims::zfb1b>(),
              "ZFB-1b: non-symmetric G claimed to give x_q^T G S_M w");
