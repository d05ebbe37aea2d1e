// von Oswald et al. (theory.md A.3 – A.6, claims VO-1 … VO-5, VO-9), proved for every Nx, Ny, N
// at once by the dimension-free engine. The constructions live in icgd/dimfree/claims.hpp and
// are the same ones `icgd verify` evaluates at runtime.
#include "icgd/dimfree/claims.hpp"

namespace {
using icgd::dimfree::holds;
namespace c = icgd::dimfree::claims;

static_assert(holds<c::vo1>(), "VO-1: one Prop. 1 layer maps (x_j, y_j) to (x_j, y_j - dW x_j)");
static_assert(holds<c::vo2>(), "VO-2: query (x_q, -W0 x_q) -> (x_q, -(W0 + dW) x_q), prediction = -(y-slot)");

static_assert(holds<c::vo3<1>>(), "VO-3 (K = 1): K layers = K GD steps");
static_assert(holds<c::vo3<2>>(), "VO-3 (K = 2): K layers = K GD steps");
static_assert(holds<c::vo3<3>>(), "VO-3 (K = 3): K layers = K GD steps");
static_assert(holds<c::vo3<4>>(), "VO-3 (K = 4): K layers = K GD steps");

static_assert(holds<c::vo4<1>>(), "VO-4 (K = 1): damped recurrence = GD with step lambda*eta");
static_assert(holds<c::vo4<2>>(), "VO-4 (K = 2): damped recurrence = GD with step lambda*eta");
static_assert(holds<c::vo4<3>>(), "VO-4 (K = 3): damped recurrence = GD with step lambda*eta");
static_assert(holds<c::vo4<4>>(), "VO-4 (K = 4): damped recurrence = GD with step lambda*eta");

static_assert(holds<c::vo5_layers<1>>(), "VO-5: GD++ layer = input transform (I - gamma X X^T) + GD step on y");
static_assert(holds<c::vo5_layers<2>>(), "VO-5 (2 layers): layer 2 = GD++ on the transformed inputs");

static_assert(holds<c::vo9>(), "VO-9: LSA-GD on opaque features m = kernel regression with k = m(a)^T m(b)");

// Negative controls: the engine must SEE that these differ (proofs/must_fail/ shows that asserting
// them is refused by the compiler; tests/dimfree/ confirms numerically that they are false).
static_assert(!holds<c::vo1b>(), "VO-1b: the opposite sign in W_V must break VO-1");
static_assert(!holds<c::vo2b>(), "VO-2b: reading +(y-slot) must break VO-2");
static_assert(!holds<c::vo3b>(), "VO-3b: the query among keys/values (K = 2) must break VO-3");
}  // namespace
