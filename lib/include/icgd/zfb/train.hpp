// icgd/zfb/train.hpp — the one-layer linear self-attention of Zhang, Frei & Bartlett 2024
// ("ZFB", *Trained Transformers Learn Linear Models In-Context*, JMLR 25(49)) in its merged
// parametrisation, trained on sampled prompts, and the gradient flow of its reduced model.
//
// The model (ZFB Eq. 3–6; docs/papers/zhang_frei_bartlett.md, "The model"): a prompt of length M
// is embedded as E = [[x_1 … x_M x_q], [y_1 … y_M 0]] ∈ ℝ^{(d+1)×(M+1)} and
//   f_LSA(E) = E + W^PV E (Eᵀ W^KQ E) / ρ,   ρ = M (the number of columns − 1),
// with the query column among the keys and values; the prediction is the bottom-right entry of
// f_LSA(E), as it is (no sign flip). W^KQ and W^PV are the merged (d+1)×(d+1) matrices and every
// entry of both is a trained parameter here. The general training engine (icgd/train) computes
// the same layer in the factored form P·W_V, W_Kᵀ·W_Q (tests/zfb_train check that they agree);
// this engine exists because ZFB's gradient flow acts on the merged matrices.
//
// The closed forms (Γ, the Theorem 4.1 minimiser, the population risk, the test-time error) live
// in icgd/zfb/closed_form.hpp; this header only uses them.
#pragma once

#include "icgd/zfb/closed_form.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace icgd::zfb {

/// The merged weights W^KQ = (W^K)ᵀ W^Q and W^PV = W^P W^V, both (d+1)×(d+1) (ZFB Eq. 3).
struct LsaWeights {
  Eigen::MatrixXd W_KQ, W_PV;
  [[nodiscard]] int dim() const { return static_cast<int>(W_KQ.rows()) - 1; }  ///< d
};
/// Throws std::invalid_argument unless both matrices are (d+1)×(d+1) with d ≥ 1 and finite.
void require_valid(const LsaWeights& weights);

/// ZFB Assumption 3 (Eq. 10): W^PV(0) = σ [[0, 0], [0, 1]], W^KQ(0) = σ [[ΘΘᵀ, 0], [0, 0]].
/// `theta_theta` is ΘΘᵀ (d × d, symmetric, ‖ΘΘᵀ‖_F = 1 to 1e-12).
[[nodiscard]] LsaWeights assumption3_init(const Eigen::MatrixXd& theta_theta, double sigma);
/// The example of Assumption 3: ΘΘᵀ = G Gᵀ / ‖G Gᵀ‖_F with G of i.i.d. N(0, 1) entries drawn
/// from (seed, stream train::Stream::init).
[[nodiscard]] Eigen::MatrixXd random_theta_theta(int d, std::uint64_t seed);

/// The whole layer output f_LSA(E) of ZFB Eq. (3), ρ = E.cols() − 1 (at least 2 columns).
[[nodiscard]] Eigen::MatrixXd lsa_layer(const LsaWeights& weights, const Eigen::MatrixXd& E);
/// Its bottom-right entry, ŷ = e_{d+1}ᵀ W^PV (E Eᵀ/ρ) W^KQ E_{:,M+1} (what the model predicts).
/// The query's label slot E(d, M) must be 0, as in the embedding; then this equals
/// lsa_layer(weights, E)(d, M) exactly.
[[nodiscard]] double lsa_prediction(const LsaWeights& weights, const Eigen::MatrixXd& E);

/// The preconditioner the weights implement when every block except W^KQ_11 and w^PV_22 is
/// zero: ŷ = x_qᵀ A Ŝ_M w with A = w^PV_22 · (W^KQ_11)ᵀ (ZFB Eq. 6 and 12).
[[nodiscard]] Eigen::MatrixXd effective_preconditioner(const LsaWeights& weights);

/// Sizes of the blocks that ZFB Theorem 4.1 says stay zero along the flow: the largest
/// absolute entry of W^PV_11, w^PV_12, w^PV_21 and of w^KQ_12, w^KQ_21, w^KQ_22.
struct OffBlocks {
  double pv_11 = 0, pv_12 = 0, pv_21 = 0, kq_12 = 0, kq_21 = 0, kq_22 = 0;
  [[nodiscard]] double max() const;
};
[[nodiscard]] OffBlocks off_blocks(const LsaWeights& weights);

// ---------------------------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------------------------

/// How the covariance of a prompt is chosen.
enum class CovarianceLaw {
  fixed,  ///< prompt inputs ~ N(0, law.prompt_cov), the query ~ N(0, law.query_cov)
  /// ZFB §4.3 (Theorem 4.5): per prompt Λ_τ = diag(λ_1..λ_d), λ_k ~ Exponential(1) i.i.d.;
  /// the prompt inputs and the query both ~ N(0, Λ_τ) (law.prompt_cov/query_cov unused).
  exponential_diagonal,
};

/// The distribution of prompts: a TestLaw (closed_form.hpp: covariances, E wwᵀ, label noise),
/// how w is drawn (Gaussian, or Rademacher-like with the same second moment; ZFB-9), and the
/// covariance law. Labels y_i = wᵀx_i + ε_i; the query target is wᵀx_q + ε_q.
struct PromptLaw {
  TestLaw law;
  TaskLaw task = TaskLaw::gaussian;
  CovarianceLaw covariance = CovarianceLaw::fixed;
};
/// The training law of ZFB §3: x ~ N(0, Λ), w ~ N(0, I), no noise.
[[nodiscard]] PromptLaw training_prompt_law(const Eigen::MatrixXd& Lambda);
/// Throws std::invalid_argument for an inconsistent law (closed_form.hpp's require_valid; a
/// Rademacher task law needs a diagonal E wwᵀ).
void require_valid(const PromptLaw& law);

/// A set of prompts of one length M, embedded as ZFB Eq. (4): tokens is (d+1) × count·(M+1),
/// prompt b in columns [b(M+1), (b+1)(M+1)), query last with label slot 0; targets(b) is the
/// query's target y_q.
struct Prompts {
  int dim = 0, length = 0, count = 0;  ///< d, M, number of prompts
  Eigen::MatrixXd tokens;
  Eigen::VectorXd targets;
  [[nodiscard]] auto prompt(int b) const { return tokens.middleCols(static_cast<Eigen::Index>(b) * (length + 1), length + 1); }
};
/// Draws prompts first .. first + count − 1 of (seed, stream, step); each prompt's numbers come
/// from its own counter (train::TaskRng), so the result does not depend on `threads`.
/// Draw order per prompt: the covariance's diagonal (exponential_diagonal only), w (d normals or
/// d signs), x_1..x_M, x_q (d normals each, times the Cholesky factor), then the label noise.
[[nodiscard]] Prompts sample_prompts(const PromptLaw& law, int M, int count, std::uint64_t seed, std::uint32_t stream,
                                     std::uint64_t step, int threads = 1, std::uint32_t first = 0);

/// Predictions of a prompt set (length count).
[[nodiscard]] Eigen::VectorXd lsa_predictions(const LsaWeights& weights, const Prompts& prompts, int threads = 1);
/// E(ŷ − y_q)² estimated on a prompt set: sample mean of the squared errors and its standard error.
[[nodiscard]] McEstimate lsa_squared_error(const LsaWeights& weights, const Prompts& prompts, int threads = 1);

/// The empirical risk of ZFB Eq. (7), L̂ = 1/(2B) Σ_b (ŷ_b − y_b)², and its gradient with respect
/// to every entry of W^KQ and W^PV:
///   ∂ŷ/∂W^PV = e_{d+1} (G W^KQ e_q)ᵀ,  ∂ŷ/∂W^KQ = G (W^PV)ᵀ e_{d+1} e_qᵀ,  G = E Eᵀ/ρ, e_q = E_{:,M+1}.
/// Per-prompt terms are summed in fixed blocks, then the blocks in order: the result is the same
/// for every thread count.
struct LossAndGradient {
  double loss = 0;
  LsaWeights gradient;
};
[[nodiscard]] LossAndGradient lsa_loss_and_gradient(const LsaWeights& weights, const Prompts& prompts, int threads = 1);

// ---------------------------------------------------------------------------------------------
// Training on sampled prompts
// ---------------------------------------------------------------------------------------------

enum class Optimiser {
  sgd,   ///< W ← W − lr · ∇L̂: the Euler discretisation of the gradient flow (ZFB Eq. 9) with noise
  adam,  ///< Adam (train::Adam, β = (0.9, 0.999)); faster, but not a discretisation of the flow
};

struct LsaTrainConfig {
  PromptLaw law;
  int prompt_length = 20;  ///< N
  int batch = 1000;        ///< prompts per step, fresh every step
  std::int64_t steps = 1000;
  Optimiser optimiser = Optimiser::sgd;
  double learning_rate = 0.01;
  /// Adam only: the learning rate falls linearly to lr · final_lr_fraction over the run
  /// (1: constant). A decaying rate lets the iterate settle despite the batch noise.
  double final_lr_fraction = 1.0;
  std::uint64_t seed = 0;  ///< training prompts: (seed, train::Stream::train_tasks, step)
  int threads = 1;
  void validate() const;  ///< throws std::invalid_argument
};

/// A record every `record_every` steps (and at step 0 and the last step).
struct LsaTrainRecord {
  std::int64_t step = 0;
  double batch_loss = 0;  ///< L̂ of that step's batch, before its update
  LsaWeights weights;     ///< after `step` updates
};

/// Trains `weights` in place; returns the records. `on_step(step)` is called after each update
/// (progress bars, interruption); it may throw to stop.
std::vector<LsaTrainRecord> train_lsa(LsaWeights& weights, const LsaTrainConfig& config, std::int64_t record_every,
                                      const std::function<void(std::int64_t)>& on_step = {});

// ---------------------------------------------------------------------------------------------
// The reduced model and its gradient flow (ZFB-5, ZFB-6)
// ---------------------------------------------------------------------------------------------

/// The parameters that Theorem 4.1's flow moves: W^KQ_11 (d × d) and w^PV_22, every other block
/// zero. The population loss is L = ½ R(A) with A = w22 · W11ᵀ (closed_form.hpp's R) and
///   ∂L/∂W11 = ½ w22 (∇R(A))ᵀ,   ∂L/∂w22 = ½ ⟨∇R(A), W11ᵀ⟩_F.
/// Because L depends on (w22, W11) only through their product, d/dt (w22² − ‖W11‖²_F) = 0 along
/// the flow (balancedness, ZFB-5).
struct ReducedState {
  double w22 = 0;
  Eigen::MatrixXd W11;
  [[nodiscard]] Eigen::MatrixXd preconditioner() const { return w22 * W11.transpose(); }  ///< A
  [[nodiscard]] double balance() const { return w22 * w22 - W11.squaredNorm(); }         ///< w22² − ‖W11‖²_F
  [[nodiscard]] LsaWeights as_weights() const;  ///< the full matrices (other blocks 0)
};
/// −∇L: the right-hand side of the gradient flow dθ/dt = −∇L(θ) (ZFB Eq. 9).
[[nodiscard]] ReducedState reduced_flow_velocity(const ReducedState& state, const Eigen::MatrixXd& Lambda, int N);
/// The population loss ½ R(w22 W11ᵀ).
[[nodiscard]] double reduced_loss(const ReducedState& state, const Eigen::MatrixXd& Lambda, int N);
/// One classical fourth-order Runge–Kutta step of length dt.
[[nodiscard]] ReducedState rk4_step(const ReducedState& state, const Eigen::MatrixXd& Lambda, int N, double dt);
/// The reduced part of Assumption 3: w22 = σ, W11 = σ ΘΘᵀ.
[[nodiscard]] ReducedState reduced_assumption3(const Eigen::MatrixXd& theta_theta, double sigma);

}  // namespace icgd::zfb
