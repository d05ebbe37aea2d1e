// demos/demo/zfb_support.hpp — what the four ZFB demos (zfb-flow, zfb-error, zfb-shift,
// zfb-transformer) share on top of icgd/zfb: the covariances they use, two closed-form routes
// that the claims state in their own words (the eigenvalue form of Theorem 4.2, the covariate-
// shift floor), training the merged LSA with a progress bar, and small helpers.
#pragma once

#include "demo/framework.hpp"
#include "icgd/train/tasks.hpp"
#include "icgd/zfb/closed_form.hpp"
#include "icgd/zfb/train.hpp"

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <vector>

namespace icgd::demo::zfb_demo {

/// M = ∞: the test prompt length of the population limit (Theorem 4.2 at M → ∞).
inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// A named covariance Λ (or Ω) of the demos.
struct NamedCovariance {
  std::string name;   ///< e.g. "I_5", "diag(1,3)", "KMS_3(0.5)"
  Eigen::MatrixXd matrix;
};
/// Λ_ij = r^|i−j| (Kac–Murdock–Szegő): symmetric positive definite for |r| < 1, with eigenvalues
/// in [(1−r)/(1+r), (1+r)/(1−r)] — a full (non-diagonal) covariance for every d.
[[nodiscard]] NamedCovariance kms(int d, double r);
[[nodiscard]] NamedCovariance identity(int d);
[[nodiscard]] NamedCovariance diagonal(const std::vector<double>& entries);
[[nodiscard]] NamedCovariance scaled(const NamedCovariance& base, double c);  ///< c·Λ, named "c·Λ"

[[nodiscard]] nlohmann::json matrix_json(const Eigen::MatrixXd& m);  ///< rows as arrays

/// ZFB Theorem 4.2 (Eq. 4.6) for noiseless tasks w ~ N(0, I), x ~ N(0, Λ), in the eigenvalues
/// λ_k of Λ (T = tr Λ, γ_k = (1 + 1/N) λ_k + T/N):
///   Σ_k [ (λ_k³ + T λ_k²)/M + λ_k (λ_k + T)²/N² ] / γ_k².
/// A second route to the error at the minimum, independent of closed_form.hpp's matrix form
/// (ZFB-4 compares the two). M may be +infinity.
[[nodiscard]] double theorem42_error(const Eigen::MatrixXd& Lambda, int N, double M);
/// The covariate-shift floor of ZFB-8: lim_{M→∞} error = tr((Γ⁻¹Ω − I)ᵀ Ω (Γ⁻¹Ω − I)).
[[nodiscard]] double covariate_shift_floor(const Eigen::MatrixXd& Gamma_inverse, const Eigen::MatrixXd& Omega);

/// Prompts (icgd/zfb/train.hpp) holding the same tasks as a training-engine task batch (one
/// output, concatenated tokens): what lets the merged LSA and a transformer be compared on
/// identical prompts.
[[nodiscard]] zfb::Prompts prompts_from_tasks(const train::TaskBatch& tasks);

/// |estimate − exact| in standard errors.
[[nodiscard]] double z_score(const zfb::McEstimate& estimate, double exact);

/// zfb::train_lsa with a progress bar labelled `label`; a pending SIGINT/SIGTERM stops it after
/// the current step (cli::Interrupted). These runs take seconds and are repeated whole on
/// --resume (they are deterministic).
std::vector<zfb::LsaTrainRecord> train_lsa_with_progress(DemoContext& ctx, zfb::LsaWeights& weights,
                                                         const zfb::LsaTrainConfig& config, std::int64_t record_every,
                                                         const std::string& label);

/// ‖a − b‖_F / ‖b‖_F.
[[nodiscard]] double relative_frobenius(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

}  // namespace icgd::demo::zfb_demo
