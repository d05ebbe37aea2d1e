// Ahn et al. 2023 (AHN-1; docs/papers/ahn_mahankali.md), Zhang, Frei & Bartlett 2024 (ZFB-1,
// ZFB-2; docs/papers/zhang_frei_bartlett.md) and Dai et al. 2023 (DAI-1, DAI-2, DAI-4;
// docs/papers/dai.md), proved for every size of every symbolic dimension at once; each
// ICGD_PROVE leaves a receipt that `icgd verify` reports.
#include "icgd/claims/receipt.hpp"
#include "icgd/dimfree/claims.hpp"

namespace {
using icgd::dimfree::holds;
namespace c = icgd::dimfree::claims;

ICGD_PROVE("AHN-1", "every size; L = 1", proved, (holds<c::ahn1<1>>()), "AHN-1 (L = 1): masked LSA with P, Q_l = -[[A_l,0],[0,0]] = preconditioned GD");
ICGD_PROVE("AHN-1", "every size; L = 2", proved, (holds<c::ahn1<2>>()), "AHN-1 (L = 2): masked LSA = preconditioned GD");
ICGD_PROVE("AHN-1", "every size; L = 3", proved, (holds<c::ahn1<3>>()), "AHN-1 (L = 3): masked LSA = preconditioned GD");
ICGD_PROVE("AHN-1b", "every size", refuted, !(holds<c::ahn1b>()), "AHN-1b: a non-symmetric A without the transpose must break AHN-1");

ICGD_PROVE("ZFB-1", "every size", proved, (holds<c::zfb1>()), "ZFB-1: W^KQ = c[[G,0],[0,0]], W^PV = c^-1[[0,0],[0,1]] predicts x_q^T G S_M w");
ICGD_PROVE("ZFB-1b", "every size", refuted, !(holds<c::zfb1b>()), "ZFB-1b: a non-symmetric G must break ZFB-1");
ICGD_PROVE("ZFB-2", "every size", proved, (holds<c::zfb2>()), "ZFB-2: Eq. (6), prediction for arbitrary W^PV, W^KQ");

ICGD_PROVE("DAI-1", "every size", proved, (holds<c::dai1>()), "DAI-1: (W0 + sum e_i x'_i^T) x = W0 x + LinearAttn(E, X', x)");
ICGD_PROVE("DAI-2", "every size", proved, (holds<c::dai2>()), "DAI-2: W_V[X'|X](W_K[X'|X])^T q = (W_ZSL + dW_ICL) q");
ICGD_PROVE("DAI-4", "every size", proved, (holds<c::dai4>()), "DAI-4: momentum recursion = sum_{i<t} eta^(t-i) v_i, t <= 8");
}  // namespace
