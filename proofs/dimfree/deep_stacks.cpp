// The deepest stacks proved under the default -fconstexpr-ops-limit (2^25 operations per
// static_assert). VO-3's normal form grows like K² terms, so K = 16 still fits; AHN-1 with a
// different A_l per layer has 2^L terms per block (one per subset of layers), so L = 6.
// docs/dimension_free.md records the measured cost of each.
#include "icgd/dimfree/claims.hpp"

namespace {
using icgd::dimfree::holds;
namespace c = icgd::dimfree::claims;

static_assert(holds<c::vo3<16>>(), "VO-3 (K = 16): K layers = K GD steps");
static_assert(holds<c::ahn1<6>>(), "AHN-1 (L = 6): masked LSA = preconditioned GD");
}  // namespace
