// icgd/train/model.hpp — transformer stacks over token batches (docs/papers/von_oswald.md, "The linear self-attention layer", "Proposition 1", "Several layers and the damped recurrence", "GD++: curvature correction", "Proposition 2", "Proposition 3").
//
// Forward of one task (tokens E: width × L, query last), following the reference code
// (reference transformer.py):
//   h = E                                   (or h = W_emb E + b_emb with an input embedding)
//   h = h + MLP_in(h)                       (optional input MLP, sine experiment, A.6)
//   for layer l = 0..num_layers−1 (shared weights when recurrent):
//     a = LN1(h) if layer_norm and (recurrent or l > 0) else h
//     h = h + λ · Attention_l(a)            (λ = damping; linear or softmax; query masked)
//     if mlp_blocks: h = h + λ · MLP_l(LN2(h) or h)
//   ŷ = readout_sign · (last y_dim entries of the query token h[:, L−1])    (von_oswald.md, "Proposition 1": sign −1)
// Loss: 0.5 · mean over tasks of ‖ŷ − y‖² (the code's factor 0.5, docs/papers/von_oswald.md, "Conventions that bite").
//
// Parameter names (all matrices, column vectors convention q = W_Q e; shapes in layers.hpp):
//   embed.W, embed.b; input_mlp.W1, input_mlp.b1, input_mlp.W2, input_mlp.b2;
//   layer<l>.attn.W_Q/W_K/W_V/P, layer<l>.ln1.gamma/beta, layer<l>.ln2.gamma/beta,
//   layer<l>.mlp.W1/b1/W2/b2 — with "shared" in place of "layer<l>" for recurrent models;
//   layer<l>.gd.eta (and layer<l>.gd.gamma) for the GD-structured attention below.
#pragma once

#include "icgd/train/layers.hpp"
#include "icgd/train/momentum_attention.hpp"
#include "icgd/train/params.hpp"
#include "icgd/train/tokens.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace icgd::train {

/// How the attention weights are parametrised.
enum class AttentionParam {
  full,  ///< W_Q, W_K, W_V, P all trained
  /// Prop. 1 structure with W_0 = 0 and one trained scalar η per layer: W_K = W_Q =
  /// diag(I_x, 0), W_V = [[0, 0], [0, −I_y]], P = (η/N) I (the meta-learned "GD on the
  /// output head" control of the sine experiment; K-step GD with per-step η).
  gd,
  /// GD++ (docs/papers/von_oswald.md, "GD++: curvature correction"): W_V = [[I, 0], [0, −I]], P = diag(−γ I_x, (η/N) I_y),
  /// trained γ and η per layer.
  gd_plus_plus,
};

/// Initialisation of the trained matrices.
enum class InitKind {
  /// init_scale · N(0, 1) per entry.
  scaled_normal,
  /// Haiku VarianceScaling(init_scale) as in the reference: truncated normal (±2σ, rescaled
  /// by 0.87962566103423978) with σ = √(init_scale / fan_in).
  variance_scaling,
};

struct ModelConfig {
  int token_width = 11;  ///< width of the input tokens
  int y_dim = 1;         ///< readout size (last y_dim slots of the query token)
  int num_context = 10;  ///< N: only used by the GD-structured parametrisations (η/N)

  int num_layers = 1;
  bool recurrent = false;  ///< one set of weights applied num_layers times (reference `deq`)
  int num_heads = 1;
  int key_size = 0;  ///< per head; 0 means the (embedded) token width
  AttentionParam attention = AttentionParam::full;
  bool softmax = false;              ///< softmax attention in every layer
  bool first_layer_softmax = false;  ///< softmax in layer 0 only (classic tokens, A.7)
  bool include_query_in_kv = false;  ///< von Oswald: false (docs/papers/von_oswald.md, "Conventions that bite")
  double damping = 1.0;              ///< λ in h ← h + λ·layer(h) (von_oswald.md, "Several layers and the damped recurrence")
  /// η of momentum attention in every layer (Dai et al. 2023; train/momentum_attention.hpp):
  /// attention + Σ_{i<t} η^{t−i} v_i. 0 (the default) is plain attention.
  double momentum_decay = 0;

  bool mlp_blocks = false;  ///< attention + MLP blocks (reference only_attention = false)
  int widening_factor = 4;  ///< MLP hidden = widening_factor · width
  bool layer_norm = false;
  bool use_bias = false;  ///< biases in the per-layer MLPs and the embedding

  /// Optional input embedding (reference `in_proj`/"emb"): token_width → embed_dim.
  bool input_embedding = false;
  int embed_dim = 40;
  /// Optional residual input MLP (reference `input_mlp`; sine: 40-dim, 160 hidden, GELU).
  bool input_mlp = false;
  int input_mlp_hidden = 160;

  double readout_sign = -1.0;  ///< von Oswald reads ŷ = −(query y-slot) (docs/papers/von_oswald.md, "Conventions that bite")

  InitKind init = InitKind::variance_scaling;
  double init_scale = 0.002;  ///< reference: 0.002 / num_layers (see for_von_oswald)
  double gd_eta_init = 1.0;   ///< initial η of the GD-structured parametrisations
  double gd_gamma_init = 0.0; ///< initial γ of GD++

  /// Width of the hidden state the layers act on (embed_dim with an embedding).
  int hidden_width() const { return input_embedding ? embed_dim : token_width; }
  int head_key_size() const { return key_size > 0 ? key_size : hidden_width(); }
  bool layer_uses_softmax(int layer) const { return softmax || (first_layer_softmax && layer == 0); }

  /// The paper's LSA stack for linear regression: width d + 1, key size d + 1, one head,
  /// no bias/LN/MLP, init_scale 0.002 / num_layers.
  static ModelConfig for_von_oswald(int x_dim, int y_dim, int num_context, int num_layers,
                                    bool recurrent);

  void validate() const;
  nlohmann::json to_json() const;
  static ModelConfig from_json(const nlohmann::json& j);
};

/// Per-task scratch of a forward pass; backward reads it. One per thread.
template <class T>
struct ModelWorkspace {
  std::vector<MatrixX<T>> hidden;  ///< hidden[0] = state entering layer 0, hidden[l+1] after layer l
  MatrixX<T> input_tokens;         ///< copy of the tokens (only with an input embedding)
  MatrixX<T> embedded;             ///< after the embedding (before the input MLP)
  MlpCache<T> input_mlp;
  std::vector<LayerNormCache<T>> ln1, ln2;
  std::vector<MatrixX<T>> ln1_out, ln2_out, mid;  ///< mid[l]: state between attention and MLP
  std::vector<AttentionCache<T>> attn;
  std::vector<MomentumCache<T>> momentum;  ///< only with momentum_decay != 0
  std::vector<MlpCache<T>> mlp;
  MatrixX<T> tmp, tmp2, d_state, d_tmp, d_tmp2;
  int seq_len = 0;
  std::vector<T> scratch_grad;  ///< parameter gradients nobody asked for (sensitivities)
};

template <class T>
class Model {
 public:
  explicit Model(ModelConfig config);

  const ModelConfig& config() const { return config_; }
  /// The trained parameters (what the optimiser updates and what is saved).
  ParamStore<T>& params() { return params_; }
  const ParamStore<T>& params() const { return params_; }

  /// Draws the initial parameters from (seed, Stream::init); GD-structured scalars get
  /// gd_eta_init / gd_gamma_init.
  void init_params(std::uint64_t seed);

  /// Predictions ŷ, y_dim × B. Parallel over tasks; the result does not depend on `threads`.
  MatrixX<T> predict(const TokenBatch<T>& tokens, int threads = 1) const;
  /// 0.5 · mean_b ‖ŷ_b − y_b‖².
  T loss(const TokenBatch<T>& tokens, const MatrixX<T>& targets, int threads = 1) const;
  /// Loss and its gradient (grad resized to params().total_size(), overwritten).
  /// Per-task gradients are summed in fixed blocks of kGradientBlock tasks, then the blocks in
  /// order: the result is bit-identical for every thread count.
  T loss_and_grad(const TokenBatch<T>& tokens, const MatrixX<T>& targets, std::vector<T>& grad,
                  int threads = 1) const;
  static constexpr int kGradientBlock = 32;

  /// Exact sensitivity ∂ŷ_0/∂(query token rows [0, rows)) by backpropagation (von_oswald.md, "Experiments and the numbers to hit", metric ii), for
  /// the first output component: rows × B.
  MatrixX<T> query_sensitivity(const TokenBatch<T>& tokens, int rows, int threads = 1) const;

  /// Read-out after each layer (reference "stack"): (num_layers + 1) × B for the first output
  /// component; row 0 is the read-out of the state entering layer 0.
  MatrixX<T> predict_per_layer(const TokenBatch<T>& tokens, int threads = 1) const;

  // ----- primitives on a block of tasks (tests, metrics, the copy diagnostic, fast paths) ----
  /// Forward of the tasks in `tokens` (width × (n·seq_len), tasks side by side); returns ŷ,
  /// y_dim × n. Fills ws (hidden states are hidden_width × (n·seq_len)).
  MatrixX<T> forward_block(const Eigen::Ref<const MatrixX<T>>& tokens, int seq_len,
                           ModelWorkspace<T>& ws) const;
  /// Backward from dL/dŷ (y_dim × n); accumulates into grad (expanded layout, see below) and
  /// writes dL/d(tokens) into d_tokens when non-null. Requires forward_block first.
  void backward_block(ModelWorkspace<T>& ws, const MatrixX<T>& d_pred, std::vector<T>* grad,
                      MatrixX<T>* d_tokens) const;
  /// One task (seq_len = tokens.cols()).
  VectorX<T> forward_task(const Eigen::Ref<const MatrixX<T>>& tokens, ModelWorkspace<T>& ws) const {
    return forward_block(tokens, static_cast<int>(tokens.cols()), ws).col(0);
  }
  void backward_task(ModelWorkspace<T>& ws, const VectorX<T>& d_pred, std::vector<T>* grad,
                     MatrixX<T>* d_tokens) const {
    backward_block(ws, MatrixX<T>(d_pred), grad, d_tokens);
  }
  /// Vector–Jacobian product from the hidden state after layer `layer` (0-based) back to the
  /// input tokens, with cotangent `d_hidden` (hidden_width × columns). Requires a forward first.
  void vjp_from_layer(ModelWorkspace<T>& ws, int layer, const MatrixX<T>& d_hidden,
                      MatrixX<T>& d_tokens) const;

  /// For GD-structured parametrisations the layers run on expanded matrices; these give the
  /// expanded layout and convert (identity for AttentionParam::full).
  const ParamStore<T>& expanded_params() const;
  void contract_gradient(const std::vector<T>& expanded_grad, std::vector<T>& grad) const;

  /// Same model in another scalar type.
  template <class U>
  Model<U> cast() const {
    Model<U> out(config_);
    out.params() = params_.template cast<U>();
    out.refresh();
    return out;
  }

  /// Must be called after params() were modified directly when the parametrisation is not
  /// `full` (rebuilds the expanded matrices). Cheap; the training loop calls it each step.
  void refresh();

  // ----- typed access to a layer's attention matrices (model surgery, train/surgery.hpp) -----
  /// Views of the four attention matrices of applied layer `layer` (0 ≤ layer < num_layers):
  /// W_Q, W_K, W_V are (heads · key size) × width, P is width × (heads · key size); head h owns
  /// rows [h·k, (h+1)·k) of W_Q/W_K/W_V and those columns of P. For a recurrent model every
  /// layer index views the same shared matrices. The parameter names behind them are the
  /// model's business; these views are how code outside the model reaches the weights.
  /// (Not layers.hpp's AttentionWeights<T>, the kernel's read-only argument.)
  struct AttentionView {
    typename ParamStore<T>::Map W_Q, W_K, W_V, P;
  };
  struct ConstAttentionView {
    typename ParamStore<T>::ConstMap W_Q, W_K, W_V, P;
  };
  /// Writable views into params(). Only for AttentionParam::full: the GD-structured
  /// parametrisations derive their matrices from the trained scalars (std::logic_error).
  /// Views stay valid until the model is moved, copied over or re-laid-out.
  AttentionView attention(int layer) {
    if (config_.attention != AttentionParam::full)
      throw std::logic_error(
          "Model::attention: the GD-structured parametrisations have no writable attention "
          "matrices (set gd.eta / gd.gamma instead)");
    const LayerSlots& s = slots_of(layer);
    return {params_.mat(s.W_Q), params_.mat(s.W_K), params_.mat(s.W_V), params_.mat(s.P)};
  }
  /// The matrices the layer computes with: params() for `full`, the expanded matrices of the
  /// GD-structured parametrisations otherwise (current as of the last refresh()).
  ConstAttentionView attention(int layer) const {
    const LayerSlots& s = slots_of(layer);
    const ParamStore<T>& store = layer_store();
    return {store.mat(s.W_Q), store.mat(s.W_K), store.mat(s.W_V), store.mat(s.P)};
  }

 private:
  struct LayerSlots {
    int W_Q = -1, W_K = -1, W_V = -1, P = -1;
    int ln1_gamma = -1, ln1_beta = -1, ln2_gamma = -1, ln2_beta = -1;
    int mlp_W1 = -1, mlp_b1 = -1, mlp_W2 = -1, mlp_b2 = -1;
    int gd_eta = -1, gd_gamma = -1;  // in params_ (GD-structured only)
  };
  void build_layout();
  const LayerSlots& slots_of(int layer) const {
    if (layer < 0 || layer >= config_.num_layers)
      throw std::out_of_range("Model::attention: layer index out of range");
    return layers_[static_cast<std::size_t>(layer)];
  }
  const ParamStore<T>& layer_store() const;
  void backprop_input(ModelWorkspace<T>& ws, std::vector<T>& grad, MatrixX<T>* d_tokens) const;

  ModelConfig config_;
  ParamStore<T> params_;    // trained parameters
  ParamStore<T> expanded_;  // full matrices (only used when attention != full)
  std::vector<LayerSlots> layers_;  // per applied layer (recurrent: identical slots)
  int embed_W_ = -1, embed_b_ = -1;
  int in_W1_ = -1, in_b1_ = -1, in_W2_ = -1, in_b2_ = -1;
};

extern template class Model<float>;
extern template class Model<double>;
extern template class Model<long double>;

}  // namespace icgd::train
