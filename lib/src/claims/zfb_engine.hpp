// The rows `icgd verify` gives the analytic claims of Zhang, Frei & Bartlett 2024 (ZFB-3, 4, 7,
// 8, 9, 10, 11, 12), Ahn et al. 2023 (AHN-2) and Mahankali et al. 2023 (MAH-1) from two engines:
// the exact Gaussian-moment engine (icgd/zfb/exact_claims.hpp, at d = 2 and 3) and Monte Carlo
// against the closed forms of icgd/zfb/closed_form.hpp (held within 3 standard errors).
// Statements: docs/papers/zhang_frei_bartlett.md, docs/papers/ahn_mahankali.md. Internal to
// icgd_claims; verify.cpp calls it.
#pragma once

#include "icgd/claims/registry.hpp"

#include <functional>
#include <vector>

namespace icgd::claims::zfb_analytic {

/// True for the ids whose rows this file produces.
bool has_rows(const std::string& claim_id);
/// The rows of the selected engines the registry lists for `claim`.
std::vector<EngineResult> rows(const Claim& claim, const VerifyOptions& options,
                               const std::function<bool(Engine)>& selected);

}  // namespace icgd::claims::zfb_analytic
