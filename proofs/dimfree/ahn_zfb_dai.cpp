// Ahn et al. (D.1, AHN-1), Zhang–Frei–Bartlett (B.1, B.4; ZFB-1, ZFB-2) and Dai et al. (C.1, C.2,
// C.4; DAI-1, DAI-2, DAI-4), proved for every size of every symbolic dimension at once.
#include "icgd/dimfree/claims.hpp"

namespace {
using icgd::dimfree::holds;
namespace c = icgd::dimfree::claims;

static_assert(holds<c::ahn1<1>>(), "AHN-1 (L = 1): masked LSA with P, Q_l = -[[A_l,0],[0,0]] = preconditioned GD");
static_assert(holds<c::ahn1<2>>(), "AHN-1 (L = 2): masked LSA = preconditioned GD");
static_assert(holds<c::ahn1<3>>(), "AHN-1 (L = 3): masked LSA = preconditioned GD");
static_assert(!holds<c::ahn1b>(), "AHN-1b: a non-symmetric A without the transpose must break AHN-1");

static_assert(holds<c::zfb1>(), "ZFB-1: W^KQ = c[[G,0],[0,0]], W^PV = c^-1[[0,0],[0,1]] predicts x_q^T G S_M w");
static_assert(!holds<c::zfb1b>(), "ZFB-1b: a non-symmetric G must break ZFB-1");
static_assert(holds<c::zfb2>(), "ZFB-2: Eq. (6), prediction for arbitrary W^PV, W^KQ");

static_assert(holds<c::dai1>(), "DAI-1: (W0 + sum e_i x'_i^T) x = W0 x + LinearAttn(E, X', x)");
static_assert(holds<c::dai2>(), "DAI-2: W_V[X'|X](W_K[X'|X])^T q = (W_ZSL + dW_ICL) q");
static_assert(holds<c::dai4>(), "DAI-4: momentum recursion = sum_{i<t} eta^(t-i) v_i, t <= 8");
}  // namespace
