// icgd/train/icl_metrics.hpp — Dai et al. 2023's comparison of in-context learning (ICL) with
// finetuning (FT) (docs/papers/dai.md, "The experiments: ICL against finetuning", claim DAI-5):
// what is recorded from a forward pass, and the metrics as the paper's released code
// (`understand_icl/icl_ft/compute_sim.py`, `compute_training_example_attn.py`) computes them.
//
// Three predictions of the same query are compared: ZSL (zero-shot: the query prompt alone),
// ICL (the demonstrations prepended) and FT (the zero-shot prompt on the model finetuned on the
// demonstrations, icgd/train/finetune.hpp).
//   Rec2FTP = 100 · #{ZSL wrong ∧ FT right ∧ ICL right} / #{ZSL wrong ∧ FT right}
//   SimAOU  = cos(n(h_ICL) − n(h_ZSL), n(h_FT) − n(h_ZSL)), n(h) = h / (‖h‖ + 1e−20), h the
//             attention output of the query token at one layer (normalised BEFORE differencing)
//   SimAM   = mean over heads of cos(s_A, s_B), s the query's PRE-softmax scores q·k/√k over the
//             zero-shot prompt's tokens; "after finetuning" A = ICL, B = FT, "before" B = ZSL
//   Kendall = Kendall's τ_b between the ICL attention to the demonstration tokens and the FT
//             "attention" to the training tokens (see kendall_tau_b).
// The cosine is the reference's: a·b / (‖a‖‖b‖ + 1e−20), so a zero vector gives 0.
#pragma once

#include "icgd/train/model.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace icgd::train {

/// What one layer's attention does for the query (the last token) in one forward pass.
struct QueryAttentionRecord {
  /// The attention block's output at the query token, Σ_h P_h V_h a_h (before the residual):
  /// the reference's `self_attn_out_hiddens`. hidden_width entries.
  Eigen::VectorXd output;
  /// Heads × keys: the query's scores before normalisation, q·k/√k for a softmax layer (the
  /// reference's `attn_map`: q is scaled by head_dim^(−1/2) before the product), q·k for a
  /// linear one. Keys are the tokens the query attends to, in prompt order.
  Eigen::MatrixXd scores;
  /// Heads × keys: the attention weights actually applied (softmax of `scores`, or the scores).
  Eigen::MatrixXd weights;
  /// (heads · key size) × tokens: the query vectors W_Q a_j of every token of the prompt.
  Eigen::MatrixXd queries;
};

struct PromptRecord {
  Eigen::VectorXd prediction;               ///< ŷ (y_dim)
  std::vector<QueryAttentionRecord> layers;  ///< one per applied layer
};

/// Runs `model` on one prompt (tokens: token_width × L, the query last) and records every
/// layer's attention for the query. Requires the full attention parametrisation.
PromptRecord record_prompt(const Model<double>& model, const Eigen::MatrixXd& tokens);

/// The reference cosine a·b / (‖a‖‖b‖ + 1e−20) (`cal_cos_sim`). Sizes must agree.
double reference_cosine(const Eigen::VectorXd& a, const Eigen::VectorXd& b);
/// h / (‖h‖ + 1e−20) (`norm_hidden`).
Eigen::VectorXd reference_normalised(const Eigen::VectorXd& h);

/// Rec2FTP's counts and ratio. `percent` is NaN when no example went from wrong to right under FT.
struct RecallToFinetuning {
  int examples = 0;
  int zsl_wrong_ft_right = 0;           ///< the denominator
  int zsl_wrong_ft_right_icl_right = 0; ///< the numerator
  int zsl_wrong_icl_right = 0;          ///< reported by the reference beside them
  double percent = 0;
};
RecallToFinetuning recall_to_finetuning(const std::vector<bool>& zsl_right, const std::vector<bool>& ft_right,
                                        const std::vector<bool>& icl_right);

/// SimAOU of one example at one layer: cos(n(icl) − n(zsl), n(ft) − n(zsl)).
double attention_output_update_similarity(const Eigen::VectorXd& zsl, const Eigen::VectorXd& icl,
                                          const Eigen::VectorXd& ft);

/// SimAM of one example at one layer: heads × len score maps, mean over heads of the row cosines.
/// Pass pre-softmax scores (the reference's analyze_attn_map(..., softmax=False)).
double attention_map_similarity(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

/// Kendall's τ_b (ties counted as scipy.stats.kendalltau does; NaN when either side is constant).
/// τ depends only on the orders, so any strictly increasing map of either side (the softmax the
/// reference applies to the FT inner products) leaves it unchanged.
double kendall_tau_b(const Eigen::VectorXd& a, const Eigen::VectorXd& b);

/// A direction with no relation to the data: `reference` = false gives a centred Gaussian vector
/// scaled to `norm`; `reference` = true the reference's baseline, uniform on [0, 1) per entry
/// (np.random.random — NOT centred, so its cosine with a vector is not centred at 0 either).
Eigen::VectorXd random_direction(Eigen::Index size, double norm, bool reference, std::uint64_t seed,
                                 std::uint64_t index);

}  // namespace icgd::train
