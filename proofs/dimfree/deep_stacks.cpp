// The deepest stacks proved in the default build, under the default -fconstexpr-ops-limit
// (2^25 operations per static_assert). VO-3's normal form grows like K² terms: K = 20 needs
// about 27M operations (K = 22 still fits, K = 24 does not). AHN-1 with a different A_l per
// layer has 2^L terms per block (one per subset of layers): L = 7 needs about 20M, L = 8 about
// twice that. docs/dimension_free.md records how these were measured and their compile cost.
#include "icgd/claims/receipt.hpp"
#include "icgd/dimfree/claims.hpp"

namespace {
using icgd::dimfree::holds;
namespace c = icgd::dimfree::claims;

ICGD_PROVE("VO-3", "every size; K = 20", proved, (holds<c::vo3<20>>()), "VO-3 (K = 20): K layers = K GD steps");
ICGD_PROVE("AHN-1", "every size; L = 7", proved, (holds<c::ahn1<7>>()), "AHN-1 (L = 7): masked LSA = preconditioned GD");
}  // namespace
