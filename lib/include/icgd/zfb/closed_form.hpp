// icgd/zfb/closed_form.hpp — the closed forms of Zhang, Frei & Bartlett 2024 ("ZFB", *Trained
// Transformers Learn Linear Models In-Context*, JMLR 25(49)) in double, with Eigen.
//
// Conventions (docs/papers/zhang_frei_bartlett.md):
// - the query column is among the keys and values, and 1/ρ uses the prompt length: N in
//   training, M at test (ZFB Eq. 3, Eq. 12);
// - the prediction is the bottom-right entry of the layer's output, no sign flip;
// - at the global minimum (ZFB Theorem 4.1, Eq. 4.1) W^KQ carries tr(Γ⁻²)^{−1/4} and W^PV
//   carries tr(Γ⁻²)^{+1/4}; only their product w₂₂·W₁₁ = Γ⁻¹ enters the prediction
//   ŷ = x_qᵀ Γ⁻¹ (1/M) Σ_i y_i x_i  (ZFB Eq. 12).
//
// The population risk R(A) below is E(ŷ − y_q)² (twice ZFB's ½-loss of Eq. 8).
#pragma once

#include <Eigen/Dense>

#include <cstdint>
#include <string>

namespace icgd::zfb {

/// Throws std::invalid_argument (one line, naming `name`) unless `m` is non-empty, square,
/// finite, symmetric (relative 1e-12) and positive definite.
void require_spd(const Eigen::MatrixXd& m, const std::string& name);

/// Γ = (1 + 1/N) Λ + tr(Λ)/N · I  (ZFB Theorem 4.1). Requires Λ SPD and N ≥ 1.
[[nodiscard]] Eigen::MatrixXd gamma(const Eigen::MatrixXd& Lambda, int N);
/// Γ⁻¹ (symmetric by construction).
[[nodiscard]] Eigen::MatrixXd gamma_inverse(const Eigen::MatrixXd& Lambda, int N);

/// The global minimiser of Theorem 4.1: W_KQ = kq_scale·[[Γ⁻¹,0],[0,0]], W_PV = pv_scale·[[0,0],[0,1]],
/// both (d+1)×(d+1), kq_scale = tr(Γ⁻²)^{−1/4}, pv_scale = tr(Γ⁻²)^{+1/4} (the balanced split).
struct LsaMinimiser {
  Eigen::MatrixXd W_KQ, W_PV;
  double kq_scale, pv_scale;
};
[[nodiscard]] LsaMinimiser theorem41_minimiser(const Eigen::MatrixXd& Lambda, int N);

/// R(A) = tr Λ − 2 tr(A Λ²) + tr(Aᵀ Λ A Λ Γ): the risk E(ŷ − wᵀx_q)² of ŷ = x_qᵀ A Ŝ_N w with
/// w ~ N(0, I), x ~ N(0, Λ), Ŝ_N = (1/N) Σ x_i x_iᵀ (ZFB §4.1, the reduced objective; = 2× the ½-loss).
[[nodiscard]] double population_risk(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Lambda, int N);
/// ∂R/∂A = −2 Λ² + 2 Λ A Λ Γ (Λ and Γ commute); zero exactly at A = Γ⁻¹.
[[nodiscard]] Eigen::MatrixXd population_risk_gradient(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Lambda,
                                                       int N);

/// The test law of the predictor ŷ = x_qᵀ A (1/M) Σ_i y_i x_i with y_i = wᵀx_i + ε_i:
/// x_i ~ N(0, prompt_cov) i.i.d., x_q ~ N(0, query_cov) independent of the prompt, w independent
/// of both with E wwᵀ = task_second_moment, ε_i, ε_q ~ N(0, noise_variance) independent.
/// Training's law is prompt_cov = query_cov = Λ, task_second_moment = I, noise 0.
struct TestLaw {
  Eigen::MatrixXd prompt_cov, query_cov, task_second_moment;
  double noise_variance = 0;
};
/// Throws std::invalid_argument unless the covariances are SPD (task_second_moment: symmetric
/// positive semi-definite), of equal size, and noise_variance is finite and ≥ 0.
void require_valid(const TestLaw& law);
/// The training law of ZFB §3: prompt and query N(0, Λ), w ~ N(0, I), no noise.
[[nodiscard]] TestLaw training_law(const Eigen::MatrixXd& Lambda);

/// E(ŷ − y_q)² in closed form, from E[Ŝ B Ŝ] = (1 + 1/M) Ω B Ω + tr(BΩ)/M · Ω for
/// Ŝ = (1/M) Σ x_i x_iᵀ, x_i ~ N(0, Ω):
///   tr(Ω_q [A ((1+1/M) Ω Σ_w Ω + (tr(Σ_w Ω) + σ²)/M · Ω) Aᵀ − A Ω Σ_w − Σ_w Ω Aᵀ + Σ_w]) + σ².
/// M ≥ 1, or +infinity (then the 1/M terms vanish). The law enters only through second moments
/// of w (ZFB §4.2, task shift).
[[nodiscard]] double predictor_error(const Eigen::MatrixXd& A, const TestLaw& law, double M);

/// The minimiser of the noisy-label risk over A (Mahankali et al. 2023; with Σ_w = I the ZFB Γ
/// with σ² added to the trace term): A* = Σ_w Λ [(1+1/N) Λ Σ_w Λ + ((tr(Σ_w Λ) + σ²)/N) Λ]⁻¹.
[[nodiscard]] Eigen::MatrixXd noisy_minimiser(const Eigen::MatrixXd& Lambda, const Eigen::MatrixXd& Sigma_w,
                                              double noise_variance, int N);

/// ZFB Theorem 4.5 / §4.3: Λ = diag(λ_1..λ_d) with i.i.d. positive entries (moments m1 = E λ,
/// m2 = E λ², m3 = E λ³) drawn per prompt. The minimiser of E_Λ R_Λ(A) is a·I with
///   a = E[λ_k²] / E[λ_k² ((1+1/N) λ_k + tr(Λ)/N)] = m2 / ((1+1/N) m3 + (m3 + (d−1) m1 m2)/N).
[[nodiscard]] double random_covariance_coefficient(int d, int N, double m1, double m2, double m3);

/// A Monte-Carlo estimate: sample mean and its standard error (sample std / √samples).
struct McEstimate {
  double mean, standard_error;
  long samples;
};
/// How w is drawn in Monte Carlo: Gaussian N(0, Σ_w), or with independent entries
/// w_k = ±sqrt((Σ_w)_kk) (signs uniform; Σ_w must then be diagonal) — the same second moment,
/// different fourth moments (ZFB-9).
enum class TaskLaw { gaussian, rademacher };
/// Monte-Carlo estimate of E(ŷ − y_q)² with prompts of length M ≥ 1. Deterministic per seed
/// (Philox, one counter per sample, summed in fixed blocks, so independent of the thread count).
[[nodiscard]] McEstimate monte_carlo_error(const Eigen::MatrixXd& A, const TestLaw& law, int M, long samples,
                                           std::uint64_t seed, TaskLaw task = TaskLaw::gaussian);

// --- Theorem 4.2 for a fixed joint law of (x, y) (ZFB Eq. 4.6) ----------------------------------

/// What Theorem 4.2 needs of a joint law with x ~ N(0, Λ): a = Λ⁻¹ E[xy], Σ = Cov(xy) and the
/// error of the best linear predictor, E y² − aᵀΛa.
struct JointMoments {
  Eigen::VectorXd a;
  Eigen::MatrixXd Sigma;
  double best_linear_error = 0;
};
/// best_linear_error + (1/M) tr(Σ Γ⁻² Λ) + (1/N²) aᵀ Λ Γ⁻² (Λ + tr(Λ) I)² a — the error of the
/// trained predictor ŷ = x_qᵀ Γ⁻¹ (1/M) Σ y_i x_i on prompts of i.i.d. pairs (M may be +infinity).
[[nodiscard]] double theorem42_error(const Eigen::MatrixXd& Lambda, int N, double M, const JointMoments& moments);
/// The moments of a single-index target y = f(wᵀx) + ε (ε ~ N(0, noise_variance)), by
/// Gauss–Hermite quadrature in u = wᵀx ~ N(0, wᵀΛw) (`nodes` points):
/// E[x f(u)] = Λw E[u f]/s², E[x xᵀ f²] = Λ E f² + ΛwwᵀΛ (E[u² f²] − s² E f²)/s⁴.
[[nodiscard]] JointMoments single_index_moments(const Eigen::MatrixXd& Lambda, const Eigen::VectorXd& w,
                                                double (*f)(double), double noise_variance, int nodes = 80);
/// Monte Carlo of E(ŷ − y_q)² for ŷ = x_qᵀ A (1/M) Σ y_i x_i with y = f(wᵀx) + ε, x ~ N(0, Λ).
[[nodiscard]] McEstimate monte_carlo_single_index_error(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Lambda,
                                                        const Eigen::VectorXd& w, double (*f)(double),
                                                        double noise_variance, int M, long samples,
                                                        std::uint64_t seed);

// --- Theorem 4.5: random diagonal covariance ---------------------------------------------------

/// Monte Carlo of E_Λ E(ŷ − y_q)² for ŷ = x_qᵀ A (1/N) Σ y_i x_i where each prompt draws
/// Λ = diag(λ_k), λ_k i.i.d. Exponential(1), then x_i, x_q ~ N(0, Λ), w ~ N(0, I).
[[nodiscard]] McEstimate monte_carlo_exponential_covariance_error(const Eigen::MatrixXd& A, int N, long samples,
                                                                  std::uint64_t seed);

}  // namespace icgd::zfb
