// icgd/train/baselines.hpp — the algorithms trained transformers are compared with
// (docs/papers/von_oswald.md, "Setting and notation", "Several layers and the damped recurrence", "GD++: curvature correction", "Experiments and the numbers to hit"): GD from W_0 = 0 with a line-searched learning rate, K-step
// GD, GD++ with fitted (γ, η), least squares and ridge. All work on a TaskBatch in double;
// losses are 0.5 · mean over tasks of ‖ŷ − y_q‖² like the models'.
#pragma once

#include "icgd/train/tasks.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace icgd::train {

/// 0.5 · mean_b ‖predictions_b − y_q,b‖² (predictions: y_dim × B).
double half_mse(const TaskBatch& tasks, const Eigen::MatrixXd& predictions);

/// ŷ = 0 (the trivial baseline).
double zero_predictor_loss(const TaskBatch& tasks);

/// K steps of GD on L(W) = 1/(2N) Σ ‖W x_i − y_i‖² from W_0 (zero when empty), learning rate
/// etas[k] at step k; returns W_K x_q for every task (y_dim × B). A.1/A.4.
Eigen::MatrixXd gd_predictions(const TaskBatch& tasks, const std::vector<double>& etas,
                               const Eigen::MatrixXd& W0 = {}, int threads = 1);
/// Shorthand: `steps` steps with the same η.
Eigen::MatrixXd gd_predictions(const TaskBatch& tasks, double eta, int steps = 1, int threads = 1);
double gd_loss(const TaskBatch& tasks, double eta, int steps = 1, int threads = 1);

struct LineSearchConfig {
  /// The reference grid: η ∈ [0.001, 25) in steps of 0.1 (reference `scan_lrs`).
  double lo = 0.001, hi = 25.0, step = 0.1;
  /// Golden-section refinement inside the best grid cell's neighbours.
  bool refine = true;
  double refine_tolerance = 1e-7;
};

struct LineSearchResult {
  double grid_eta = 0, grid_loss = 0;  ///< best grid point (the code's lr_min and its loss)
  double eta = 0, loss = 0;            ///< after refinement (= grid values without it)
};

/// Learning rate of K-step GD (same η each step) minimising the loss on `tasks`.
LineSearchResult line_search_gd(const TaskBatch& tasks, int steps = 1,
                                const LineSearchConfig& config = {}, int threads = 1);

/// GD++ (docs/papers/von_oswald.md, "GD++: curvature correction"): per layer l, all inputs (context and query) move by
/// x ← (I − γ_l X Xᵀ) x, where X are the current context inputs, and the labels take a GD step
/// y_j ← y_j − (η_l/N) Σ_i (y_i − W_0 x_i)·x_iᵀ x_j, with the query label starting at 0;
/// ŷ = −(query label). Equals the constructed GD++ transformer (construct.hpp).
Eigen::MatrixXd gd_plus_plus_predictions(const TaskBatch& tasks, const std::vector<double>& gammas,
                                         const std::vector<double>& etas, int threads = 1);

struct GdFitConfig {
  int iterations = 500;          ///< maximum BFGS iterations (GD++ converges in ~20–150)
  double gradient_tolerance = 1e-9;  ///< stop when ‖∇L‖ falls below this
  double initial_eta = -1;       ///< ≤ 0: the line-searched K-step η (same for every step)
  double initial_gamma = 0.0;
  int threads = 1;
};

struct GdFitResult {
  std::vector<double> gammas, etas;  ///< per layer (gammas all 0 for plain GD)
  double loss = 0;                   ///< on the fit tasks
  int iterations = 0;                ///< BFGS iterations used
};

/// Fits per-layer (γ_l, η_l) of GD++ (plus_plus = true) or per-layer η_l of K-step GD
/// (plus_plus = false) to `tasks` (reference `pre_train_gd_hps`, which uses Adam). Here: BFGS
/// with a backtracking (Armijo) line search on the full batch, with exact gradients through the
/// GD-structured model — the few parameters live on very different scales (γ ~ 0.1, η ~ 10),
/// where first-order methods crawl. Deterministic. With recurrent = true one (γ, η) is shared.
/// The last layer's γ has no effect on the read-out and stays at its initial value.
GdFitResult fit_gd(const TaskBatch& tasks, int layers, bool plus_plus, bool recurrent,
                   const GdFitConfig& config = {});

/// Least-squares predictions, minimum-norm solution when N < d (pseudo-inverse).
Eigen::MatrixXd least_squares_predictions(const TaskBatch& tasks, int threads = 1);
/// Ridge: W = Y Xᵀ (X Xᵀ + λ I)⁻¹.
Eigen::MatrixXd ridge_predictions(const TaskBatch& tasks, double lambda, int threads = 1);

}  // namespace icgd::train
