// lib/src/train/model/forward_backward.hpp — private to icgd_train: Model<T>'s forward and
// backward pass over a block of tasks (model.hpp): embedding, input MLP, the layer stack
// (LayerNorm, attention, MLP; layers.hpp), read-out, and their backward.
// Defined here as templates and instantiated once per scalar type, in its own unit
// (forward_backward_<type>.cpp): the three instantiations are the costliest code of the library
// to compile, and apart they build in parallel (docs/build.md).
#pragma once

#include "icgd/train/model.hpp"

#include <stdexcept>

namespace icgd::train {

namespace {

template <class T>
Eigen::Map<const MatrixX<T>> cmap(const ParamStore<T>& s, int i) {
  if (i < 0) return Eigen::Map<const MatrixX<T>>(nullptr, 0, 0);
  return s.mat(i);
}

template <class T>
Eigen::Map<MatrixX<T>> gmap(const ParamStore<T>& s, std::vector<T>& g, int i) {
  if (i < 0) return Eigen::Map<MatrixX<T>>(nullptr, 0, 0);
  return s.view_in(g, i);
}

}  // namespace

template <class T>
MatrixX<T> Model<T>::forward_block(const Eigen::Ref<const MatrixX<T>>& tokens, int seq_len,
                                   ModelWorkspace<T>& ws) const {
  const ModelConfig& c = config_;
  const ParamStore<T>& S = layer_store();
  const int L = seq_len;
  const int tasks = static_cast<int>(tokens.cols()) / L;
  if (tasks * L != tokens.cols() || tokens.rows() != c.token_width)
    throw std::invalid_argument("Model: token block does not match the model / seq_len");
  ws.seq_len = L;
  const int nl = c.num_layers;
  const T lambda = static_cast<T>(c.damping);
  ws.hidden.resize(static_cast<std::size_t>(nl + 1));
  ws.attn.resize(static_cast<std::size_t>(nl));
  ws.momentum.resize(c.momentum_decay != 0 ? static_cast<std::size_t>(nl) : 0);
  ws.ln1.resize(static_cast<std::size_t>(nl));
  ws.ln2.resize(static_cast<std::size_t>(nl));
  ws.ln1_out.resize(static_cast<std::size_t>(nl));
  ws.ln2_out.resize(static_cast<std::size_t>(nl));
  ws.mid.resize(static_cast<std::size_t>(nl));
  ws.mlp.resize(static_cast<std::size_t>(nl));
  if (c.input_embedding) {
    ws.input_tokens = tokens;
    linear_forward<T>(cmap(S, embed_W_), cmap(S, embed_b_), tokens, ws.embedded);
  } else
    ws.embedded = tokens;
  if (c.input_mlp) {
    // Reference: embeddings = embeddings + input_mlp(embeddings) (von_oswald.md, "Proposition 2").
    const MlpWeights<T> w{cmap(S, in_W1_), cmap(S, in_b1_), cmap(S, in_W2_), cmap(S, in_b2_)};
    mlp_forward(w, ws.embedded, ws.tmp, ws.input_mlp);
    ws.hidden[0] = ws.embedded + ws.tmp;
  } else {
    ws.hidden[0] = ws.embedded;
  }
  const int num_kv = c.include_query_in_kv ? L : L - 1;
  for (int l = 0; l < nl; ++l) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerSlots& sl = layers_[ul];
    const MatrixX<T>& h = ws.hidden[ul];
    const MatrixX<T>* a = &h;
    if (sl.ln1_gamma >= 0) {
      const LayerNormWeights<T> lw{cmap(S, sl.ln1_gamma), cmap(S, sl.ln1_beta)};
      layernorm_forward(lw, h, ws.ln1_out[ul], ws.ln1[ul]);
      a = &ws.ln1_out[ul];
    }
    const AttentionWeights<T> aw{cmap(S, sl.W_Q), cmap(S, sl.W_K), cmap(S, sl.W_V), cmap(S, sl.P),
                                 c.num_heads};
    if (c.momentum_decay != 0)
      momentum_attention_forward(aw, *a, num_kv, c.layer_uses_softmax(l), static_cast<T>(c.momentum_decay), ws.tmp,
                                 ws.attn[ul], ws.momentum[ul], L);
    else
      attention_forward(aw, *a, num_kv, c.layer_uses_softmax(l), ws.tmp, ws.attn[ul], L);
    if (!c.mlp_blocks) {
      ws.hidden[ul + 1] = h + lambda * ws.tmp;
      continue;
    }
    ws.mid[ul] = h + lambda * ws.tmp;
    const MatrixX<T>* b = &ws.mid[ul];
    if (sl.ln2_gamma >= 0) {
      const LayerNormWeights<T> lw{cmap(S, sl.ln2_gamma), cmap(S, sl.ln2_beta)};
      layernorm_forward(lw, ws.mid[ul], ws.ln2_out[ul], ws.ln2[ul]);
      b = &ws.ln2_out[ul];
    }
    const MlpWeights<T> mw{cmap(S, sl.mlp_W1), cmap(S, sl.mlp_b1), cmap(S, sl.mlp_W2),
                           cmap(S, sl.mlp_b2)};
    mlp_forward(mw, *b, ws.tmp, ws.mlp[ul]);
    ws.hidden[ul + 1] = ws.mid[ul] + lambda * ws.tmp;
  }
  const int D = c.hidden_width();
  MatrixX<T> pred(c.y_dim, tasks);
  const T sign = static_cast<T>(c.readout_sign);
  const MatrixX<T>& last = ws.hidden[static_cast<std::size_t>(nl)];
  for (int t = 0; t < tasks; ++t) pred.col(t) = sign * last.col(t * L + L - 1).segment(D - c.y_dim, c.y_dim);
  return pred;
}

namespace {

// Backpropagates d_state (w.r.t. hidden[last+1]) through layers last..0 of the model, leaving
// d_state w.r.t. hidden[0]. Shared by backward_task and vjp_from_layer.
template <class T, class Slots>
void backprop_layers(const ModelConfig& c, const ParamStore<T>& S, const std::vector<Slots>& layers,
                     ModelWorkspace<T>& ws, int last, std::vector<T>& grad) {
  const T lambda = static_cast<T>(c.damping);
  // A residual branch's gradient ws.d_tmp2 (w.r.t. its input after the optional pre-LayerNorm)
  // joins ws.d_state, through that LayerNorm's backward when the layer has one.
  const auto add_through_layernorm = [&](int gamma, int beta, const auto& cache) {
    if (gamma < 0) {
      ws.d_state += ws.d_tmp2;
      return;
    }
    const LayerNormWeights<T> lw{cmap(S, gamma), cmap(S, beta)};
    LayerNormGrads<T> lg{gmap(S, grad, gamma), gmap(S, grad, beta)};
    layernorm_backward(lw, cache, ws.d_tmp2, lg, ws.d_tmp);
    ws.d_state += ws.d_tmp;
  };
  for (int l = last; l >= 0; --l) {
    const auto ul = static_cast<std::size_t>(l);
    const Slots& sl = layers[ul];
    if (c.mlp_blocks) {
      // hidden[l+1] = mid + λ·MLP(LN2(mid)): d_mid = d_state + (through the MLP).
      const MlpWeights<T> mw{cmap(S, sl.mlp_W1), cmap(S, sl.mlp_b1), cmap(S, sl.mlp_W2),
                             cmap(S, sl.mlp_b2)};
      MlpGrads<T> mg{gmap(S, grad, sl.mlp_W1), gmap(S, grad, sl.mlp_b1), gmap(S, grad, sl.mlp_W2),
                     gmap(S, grad, sl.mlp_b2)};
      ws.d_tmp = lambda * ws.d_state;
      mlp_backward(mw, ws.mlp[ul], ws.d_tmp, mg, ws.d_tmp2);
      add_through_layernorm(sl.ln2_gamma, sl.ln2_beta, ws.ln2[ul]);
    }
    // state = h + λ·Attn(LN1(h) or h).
    const AttentionWeights<T> aw{cmap(S, sl.W_Q), cmap(S, sl.W_K), cmap(S, sl.W_V), cmap(S, sl.P),
                                 c.num_heads};
    AttentionGrads<T> ag{gmap(S, grad, sl.W_Q), gmap(S, grad, sl.W_K), gmap(S, grad, sl.W_V),
                         gmap(S, grad, sl.P)};
    ws.d_tmp = lambda * ws.d_state;
    if (c.momentum_decay != 0)
      momentum_attention_backward(aw, ws.attn[ul], ws.momentum[ul], ws.d_tmp, ag, ws.d_tmp2);
    else
      attention_backward(aw, ws.attn[ul], ws.d_tmp, ag, ws.d_tmp2);
    add_through_layernorm(sl.ln1_gamma, sl.ln1_beta, ws.ln1[ul]);
  }
}

}  // namespace

template <class T>
void Model<T>::backward_block(ModelWorkspace<T>& ws, const MatrixX<T>& d_pred, std::vector<T>* grad,
                              MatrixX<T>* d_tokens) const {
  const ModelConfig& c = config_;
  const int D = c.hidden_width();
  const int cols = static_cast<int>(ws.hidden[0].cols());
  const int L = ws.seq_len;
  const int tasks = cols / L;
  if (d_pred.rows() != c.y_dim || d_pred.cols() != tasks)
    throw std::invalid_argument("Model::backward_block: d_pred must be y_dim x tasks");
  ws.d_state.setZero(D, cols);
  const T sign = static_cast<T>(c.readout_sign);
  for (int t = 0; t < tasks; ++t)
    ws.d_state.col(t * L + L - 1).segment(D - c.y_dim, c.y_dim) = sign * d_pred.col(t);
  std::vector<T>* g = grad;
  if (g == nullptr) {
    ws.scratch_grad.assign(layer_store().total_size(), T(0));
    g = &ws.scratch_grad;
  }
  backprop_layers(c, layer_store(), layers_, ws, c.num_layers - 1, *g);
  backprop_input(ws, *g, d_tokens);
}

template <class T>
void Model<T>::backprop_input(ModelWorkspace<T>& ws, std::vector<T>& grad, MatrixX<T>* d_tokens) const {
  const ModelConfig& c = config_;
  const ParamStore<T>& S = layer_store();
  std::vector<T>* g = &grad;
  if (c.input_mlp) {
    const MlpWeights<T> w{cmap(S, in_W1_), cmap(S, in_b1_), cmap(S, in_W2_), cmap(S, in_b2_)};
    MlpGrads<T> mg{gmap(S, *g, in_W1_), gmap(S, *g, in_b1_), gmap(S, *g, in_W2_), gmap(S, *g, in_b2_)};
    mlp_backward(w, ws.input_mlp, ws.d_state, mg, ws.d_tmp);
    ws.d_state += ws.d_tmp;
  }
  if (c.input_embedding) {
    auto dW = gmap(S, *g, embed_W_);
    auto db = gmap(S, *g, embed_b_);
    MatrixX<T> dummy;
    linear_backward<T>(cmap(S, embed_W_), ws.input_tokens, ws.d_state, dW, db,
                       d_tokens != nullptr ? *d_tokens : dummy);
  } else if (d_tokens != nullptr) {
    *d_tokens = ws.d_state;
  }
}

template <class T>
void Model<T>::vjp_from_layer(ModelWorkspace<T>& ws, int layer, const MatrixX<T>& d_hidden,
                              MatrixX<T>& d_tokens) const {
  if (layer < 0 || layer >= config_.num_layers)
    throw std::out_of_range("Model::vjp_from_layer: bad layer");
  ws.d_state = d_hidden;
  ws.scratch_grad.assign(layer_store().total_size(), T(0));
  backprop_layers(config_, layer_store(), layers_, ws, layer, ws.scratch_grad);
  backprop_input(ws, ws.scratch_grad, &d_tokens);
}
// Model<T> itself is instantiated with the layout (layout.cpp); these are its members defined here.
#define ICGD_MODEL_FORWARD_BACKWARD(T)                                                        \
  template MatrixX<T> Model<T>::forward_block(const Eigen::Ref<const MatrixX<T>>&, int,        \
                                              ModelWorkspace<T>&) const;                        \
  template void Model<T>::backward_block(ModelWorkspace<T>&, const MatrixX<T>&, std::vector<T>*, \
                                         MatrixX<T>*) const;                                    \
  template void Model<T>::backprop_input(ModelWorkspace<T>&, std::vector<T>&, MatrixX<T>*) const; \
  template void Model<T>::vjp_from_layer(ModelWorkspace<T>&, int, const MatrixX<T>&,           \
                                         MatrixX<T>&) const;

}  // namespace icgd::train
