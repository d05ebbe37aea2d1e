// The rows `icgd verify` gives Dai et al. 2023's claims (docs/papers/dai.md) from engines other
// than the compile-time proofs and the dimension-free algebra: the fixed-size constructions of
// icl/dai_claims.hpp (runtime symbolic, exact rational), an independent Eigen implementation in
// double (large sizes), the training engine's backward pass (DAI-3), and the search for the
// softmax counterexample (DAI-6). Internal to icgd_claims; verify.cpp calls it.
#pragma once

#include "icgd/claims/registry.hpp"

#include <functional>
#include <vector>

namespace icgd::claims::dai {

/// True for the ids whose runtime rows this file produces (DAI-1, DAI-2, DAI-3, DAI-4, DAI-6).
bool has_runtime_rows(const std::string& claim_id);
/// The rows of the selected engines the registry lists for `claim`.
std::vector<EngineResult> runtime_rows(const Claim& claim, const VerifyOptions& options,
                                       const std::function<bool(Engine)>& selected);
/// The two sides as the fixed-size engines compute them (for `icgd verify --explain`).
std::vector<Explanation> explanations(const Claim& claim, const VerifyOptions& options);

}  // namespace icgd::claims::dai
