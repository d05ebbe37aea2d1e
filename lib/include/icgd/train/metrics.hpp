// icgd/train/metrics.hpp — how trained and constructed models are compared (docs/papers/von_oswald.md, "Experiments and the numbers to hit"):
// loss, prediction difference, cosine and L2 difference of the exact sensitivities ∂ŷ/∂x_q,
// interpolation of trained and constructed weights, out-of-distribution sweeps, and the copy
// diagnostic of the classic-token experiment (von_oswald.md, "Proposition 3").
#pragma once

#include "icgd/train/model.hpp"
#include "icgd/train/tasks.hpp"
#include "icgd/train/tokens.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace icgd::train {

struct AlignmentMetrics {
  double loss_a = 0, loss_b = 0;  ///< 0.5·MSE of each model on the batch
  double pred_diff = 0;   ///< mean_b |ŷ_a − ŷ_b| (first output)                     (von_oswald.md, "Experiments and the numbers to hit", metric iv)
  double sens_cos = 0;    ///< mean_b cos(∂ŷ_a/∂x_q, ∂ŷ_b/∂x_q), 1e−8 added to norms (von_oswald.md, "Experiments and the numbers to hit", metric ii)
  double sens_l2 = 0;     ///< mean_b ‖∂ŷ_a/∂x_q − ∂ŷ_b/∂x_q‖₂                      (von_oswald.md, "Experiments and the numbers to hit", metric iii)
};

/// Compares two models on the same batch. The sensitivity is taken w.r.t. the query token's
/// rows [0, x_rows) (its x-part), exactly by backpropagation (Model::query_sensitivity).
template <class T>
AlignmentMetrics compare_models(const Model<T>& a, const Model<T>& b, const Batch<T>& batch,
                                int x_rows, int threads = 1);

/// Metric (v) of von_oswald.md, "Experiments and the numbers to hit": for one-head models with key size = width, rescales the trained W_KQ = W_Kᵀ W_Q by
/// the mean of its top-left (x) diagonal block and W_PV = P W_V by the inverse (which leaves
/// the trained function unchanged), then averages with the constructed products:
///   W_KQ = (1−t)·W_KQ_trained/s + t·W_KQ_constructed, same for W_PV with s·W_PV_trained.
/// Returns a model (same config as `trained`) with W_K = I, W_Q = W_KQ, W_V = W_PV, P = I.
/// Requires the full attention parametrisation, no MLP/LN/embedding. Applied per layer.
template <class T>
Model<T> interpolate_with_construction(const Model<T>& trained, const Model<T>& constructed,
                                       double t = 0.5);

enum class OodAxis {
  input_scale,   ///< x ← α x (uniform inputs: U(−αa, αa))
  weight_scale,  ///< W ← α W
};

/// The reference code's sweep ranges (reference `ood`): inputs α ∈ [0.5, 2] step 0.03, weights
/// α ∈ [0.5, 5] step 0.1 (the paper's text uses [1, 5] for weights; docs/papers/von_oswald.md, "Paper versus reference code").
std::vector<double> default_ood_alphas(OodAxis axis);

/// Task configuration with the axis scaled by alpha.
TaskConfig scaled_task(const TaskConfig& base, OodAxis axis, double alpha);

/// Loss of a model on tasks 0..num_tasks−1 of (seed, Stream::ood_tasks, step 0), scaled by α:
/// common random numbers across α and across models (as the reference), so curves are smooth
/// and comparable.
template <class T>
std::vector<double> ood_losses(const Model<T>& model, const TaskConfig& base,
                               const TokenConfig& tokens, OodAxis axis,
                               const std::vector<double>& alphas, int num_tasks,
                               std::uint64_t seed, int threads = 1);

/// The same sweep for K-step GD with learning rate eta (baselines.hpp).
std::vector<double> ood_gd_losses(const TaskConfig& base, OodAxis axis,
                                  const std::vector<double>& alphas, double eta, int steps,
                                  int num_tasks, std::uint64_t seed, int threads = 1);

/// Copy diagnostic (docs/papers/von_oswald.md, "Proposition 3", reference `analyse_copy`): for each token k < L − 2, the
/// gradient of Σ_c (state after layer 0)[c, k] w.r.t. the input tokens, averaged over tasks;
/// its per-token norms give own = ‖·‖ at token k, next = at k + 1, other = mean over the
/// remaining tokens (the reference folds k+1 into "other"; here it is excluded). Averaged
/// over k. Returns {own, next, other}.
struct CopyDiagnostic {
  double own = 0, next = 0, other = 0;
};
template <class T>
CopyDiagnostic copy_diagnostic(const Model<T>& model, const TokenBatch<T>& tokens, int threads = 1);

/// How far a training run still was from converging, from its evaluation checkpoints (step,
/// loss) in step order: the relative fall of the mean loss from the third quarter of the run to
/// the last, (mean L over [T/2, 3T/4) − mean L over [3T/4, T]) / |mean L over [3T/4, T]|, with T
/// the last step. When no checkpoint lies in the third quarter, the last one before 3T/4 stands
/// in for it. About 0 for a converged run (noise either way), clearly positive for one still
/// improving. Throws std::invalid_argument for fewer than two checkpoints or none before 3T/4.
double late_relative_fall(const std::vector<std::pair<std::int64_t, double>>& curve);

}  // namespace icgd::train
