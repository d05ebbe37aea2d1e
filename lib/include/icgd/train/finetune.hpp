// icgd/train/finetune.hpp — Dai et al. 2023's finetuning baseline (docs/papers/dai.md, "The
// experiments: ICL against finetuning"): plain SGD over the demonstrations, one epoch, batch size
// 1, in the order given, updating ONLY the attention key and value projections W_K, W_V of every
// layer (the reference's `optim_group=attn_kv`); everything else stays as it is.
//
// Each demonstration is one zero-shot prompt (tokens, the query last) with its target; the loss
// of one prompt is 0.5‖ŷ − y‖², the model's own loss (model.hpp). For the order test the same
// update is also available as one full-batch step, W ← W − lr Σ_i ∇_W L_i, whose first-order term
// equals the SGD epoch's and which does not depend on the order of the demonstrations.
#pragma once

#include "icgd/train/model.hpp"

#include <Eigen/Dense>

#include <vector>

namespace icgd::train {

/// One demonstration as the finetuning sees it: a zero-shot prompt and its target.
struct FinetuneExample {
  Eigen::MatrixXd tokens;  ///< token_width × L, the query last
  Eigen::VectorXd target;  ///< y_dim
};

/// Gradient of 0.5‖ŷ − y‖² of one example w.r.t. all parameters (params() layout) with every
/// entry outside the W_K, W_V of the attention layers set to zero. Returns the loss.
double key_value_gradient(const Model<double>& model, const FinetuneExample& example, std::vector<double>& grad);

/// What finetuning saw, for the Kendall metric: at each SGD step the query vectors W_Q a of the
/// training prompt's tokens at every layer, under the weights of that step (before its update).
struct FinetuneTrace {
  /// queries[i][l]: (heads · key size) × L_i for example i at layer l.
  std::vector<std::vector<Eigen::MatrixXd>> queries;
};

/// One epoch of SGD, batch size 1, in the given order, updating only W_K and W_V. Requires the
/// full attention parametrisation and a finite learning rate ≥ 0. `trace`, when given, is filled.
Model<double> finetune_key_value_sgd(const Model<double>& model, const std::vector<FinetuneExample>& examples,
                                     double learning_rate, FinetuneTrace* trace = nullptr);

/// One full-batch step on W_K and W_V with the summed gradient of all examples.
Model<double> finetune_key_value_full_batch(const Model<double>& model, const std::vector<FinetuneExample>& examples,
                                            double learning_rate);

}  // namespace icgd::train
