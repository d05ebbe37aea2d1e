// Transformer stacks (docs/papers/von_oswald.md, "The linear self-attention layer", "Proposition 1", "Several layers and the damped recurrence", "GD++: curvature correction", "Proposition 2", "Proposition 3"; reference transformer.py). See model.hpp.
#include "icgd/train/model.hpp"

#include "icgd/train/parallel.hpp"
#include "icgd/train/rng.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace icgd::train {

// ----------------------------------------------------------------------------- ModelConfig

namespace {

const char* attention_name(AttentionParam a) {
  switch (a) {
    case AttentionParam::full: return "full";
    case AttentionParam::gd: return "gd";
    case AttentionParam::gd_plus_plus: return "gd_plus_plus";
  }
  return "full";
}

AttentionParam attention_from(const std::string& s) {
  if (s == "full") return AttentionParam::full;
  if (s == "gd") return AttentionParam::gd;
  if (s == "gd_plus_plus") return AttentionParam::gd_plus_plus;
  throw std::invalid_argument("ModelConfig: unknown attention parametrisation " + s);
}

const char* init_name(InitKind k) {
  return k == InitKind::scaled_normal ? "scaled_normal" : "variance_scaling";
}

InitKind init_from(const std::string& s) {
  if (s == "scaled_normal") return InitKind::scaled_normal;
  if (s == "variance_scaling") return InitKind::variance_scaling;
  throw std::invalid_argument("ModelConfig: unknown init " + s);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ModelConfig ModelConfig::for_von_oswald(int x_dim, int y_dim, int num_context, int num_layers,
                                        bool recurrent) {
  ModelConfig c;
  c.token_width = x_dim + y_dim;
  c.y_dim = y_dim;
  c.num_context = num_context;
  c.num_layers = num_layers;
  c.recurrent = recurrent;
  c.num_heads = 1;
  c.key_size = 0;
  c.init_scale = 0.002 / num_layers;
  return c;
}

void ModelConfig::validate() const {
  if (token_width < 1 || y_dim < 1) throw std::invalid_argument("ModelConfig: bad widths");
  if (y_dim > hidden_width()) throw std::invalid_argument("ModelConfig: y_dim exceeds hidden width");
  if (num_layers < 1 || num_heads < 1) throw std::invalid_argument("ModelConfig: need >= 1 layer and head");
  if (input_embedding && embed_dim < 1) throw std::invalid_argument("ModelConfig: bad embed_dim");
  if (attention != AttentionParam::full) {
    if (num_heads != 1 || head_key_size() != hidden_width())
      throw std::invalid_argument(
          "ModelConfig: GD-structured attention needs one head with key size = width");
    if (num_context < 1) throw std::invalid_argument("ModelConfig: GD-structured attention needs N");
  }
}

nlohmann::json ModelConfig::to_json() const {
  return {{"token_width", token_width},
          {"y_dim", y_dim},
          {"num_context", num_context},
          {"num_layers", num_layers},
          {"recurrent", recurrent},
          {"num_heads", num_heads},
          {"key_size", key_size},
          {"attention", attention_name(attention)},
          {"softmax", softmax},
          {"first_layer_softmax", first_layer_softmax},
          {"include_query_in_kv", include_query_in_kv},
          {"damping", damping},
          {"mlp_blocks", mlp_blocks},
          {"widening_factor", widening_factor},
          {"layer_norm", layer_norm},
          {"use_bias", use_bias},
          {"input_embedding", input_embedding},
          {"embed_dim", embed_dim},
          {"input_mlp", input_mlp},
          {"input_mlp_hidden", input_mlp_hidden},
          {"readout_sign", readout_sign},
          {"init", init_name(init)},
          {"init_scale", init_scale},
          {"gd_eta_init", gd_eta_init},
          {"gd_gamma_init", gd_gamma_init}};
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j) {
  ModelConfig c;
  c.token_width = j.value("token_width", c.token_width);
  c.y_dim = j.value("y_dim", c.y_dim);
  c.num_context = j.value("num_context", c.num_context);
  c.num_layers = j.value("num_layers", c.num_layers);
  c.recurrent = j.value("recurrent", c.recurrent);
  c.num_heads = j.value("num_heads", c.num_heads);
  c.key_size = j.value("key_size", c.key_size);
  c.attention = attention_from(j.value("attention", std::string("full")));
  c.softmax = j.value("softmax", c.softmax);
  c.first_layer_softmax = j.value("first_layer_softmax", c.first_layer_softmax);
  c.include_query_in_kv = j.value("include_query_in_kv", c.include_query_in_kv);
  c.damping = j.value("damping", c.damping);
  c.mlp_blocks = j.value("mlp_blocks", c.mlp_blocks);
  c.widening_factor = j.value("widening_factor", c.widening_factor);
  c.layer_norm = j.value("layer_norm", c.layer_norm);
  c.use_bias = j.value("use_bias", c.use_bias);
  c.input_embedding = j.value("input_embedding", c.input_embedding);
  c.embed_dim = j.value("embed_dim", c.embed_dim);
  c.input_mlp = j.value("input_mlp", c.input_mlp);
  c.input_mlp_hidden = j.value("input_mlp_hidden", c.input_mlp_hidden);
  c.readout_sign = j.value("readout_sign", c.readout_sign);
  c.init = init_from(j.value("init", std::string("variance_scaling")));
  c.init_scale = j.value("init_scale", c.init_scale);
  c.gd_eta_init = j.value("gd_eta_init", c.gd_eta_init);
  c.gd_gamma_init = j.value("gd_gamma_init", c.gd_gamma_init);
  c.validate();
  return c;
}

// ----------------------------------------------------------------------------- Model layout

template <class T>
Model<T>::Model(ModelConfig config) : config_(std::move(config)) {
  config_.validate();
  build_layout();
  refresh();
}

template <class T>
void Model<T>::build_layout() {
  const ModelConfig& c = config_;
  const int D_in = c.token_width;
  const int D = c.hidden_width();
  const int Hk = c.num_heads * c.head_key_size();
  const bool structured = c.attention != AttentionParam::full;
  // The layers always run on the full layout; it is params_ itself for `full` attention,
  // else expanded_ (and params_ holds the non-attention arrays plus the GD scalars).
  ParamStore<T>& full = structured ? expanded_ : params_;
  params_ = ParamStore<T>();
  expanded_ = ParamStore<T>();
  auto add_both = [&](const std::string& name, int rows, int cols) {
    const int i = full.add(name, rows, cols);
    if (structured) params_.add(name, rows, cols);
    return i;
  };
  if (c.input_embedding) {
    embed_W_ = add_both("embed.W", D, D_in);
    if (c.use_bias) embed_b_ = add_both("embed.b", D, 1);
  }
  if (c.input_mlp) {
    // The reference input MLP always has biases (reference transformer.py: use_bias_p=True).
    in_W1_ = add_both("input_mlp.W1", c.input_mlp_hidden, D);
    in_b1_ = add_both("input_mlp.b1", c.input_mlp_hidden, 1);
    in_W2_ = add_both("input_mlp.W2", D, c.input_mlp_hidden);
    in_b2_ = add_both("input_mlp.b2", D, 1);
  }
  const int sets = c.recurrent ? 1 : c.num_layers;
  std::vector<LayerSlots> set_slots(static_cast<std::size_t>(sets));
  for (int s = 0; s < sets; ++s) {
    const std::string prefix = c.recurrent ? std::string("shared") : fmt::format("layer{}", s);
    LayerSlots& sl = set_slots[static_cast<std::size_t>(s)];
    sl.W_Q = full.add(prefix + ".attn.W_Q", Hk, D);
    sl.W_K = full.add(prefix + ".attn.W_K", Hk, D);
    sl.W_V = full.add(prefix + ".attn.W_V", Hk, D);
    sl.P = full.add(prefix + ".attn.P", D, Hk);
    if (structured) {
      sl.gd_eta = params_.add(prefix + ".gd.eta", 1, 1);
      if (c.attention == AttentionParam::gd_plus_plus)
        sl.gd_gamma = params_.add(prefix + ".gd.gamma", 1, 1);
    }
    // LN1 is skipped for layer 0 of a non-recurrent stack, as in the reference.
    if (c.layer_norm && (c.recurrent || s > 0)) {
      sl.ln1_gamma = add_both(prefix + ".ln1.gamma", D, 1);
      sl.ln1_beta = add_both(prefix + ".ln1.beta", D, 1);
    }
    if (c.mlp_blocks) {
      if (c.layer_norm) {
        sl.ln2_gamma = add_both(prefix + ".ln2.gamma", D, 1);
        sl.ln2_beta = add_both(prefix + ".ln2.beta", D, 1);
      }
      const int hidden = c.widening_factor * D;
      sl.mlp_W1 = add_both(prefix + ".mlp.W1", hidden, D);
      if (c.use_bias) sl.mlp_b1 = add_both(prefix + ".mlp.b1", hidden, 1);
      sl.mlp_W2 = add_both(prefix + ".mlp.W2", D, hidden);
      if (c.use_bias) sl.mlp_b2 = add_both(prefix + ".mlp.b2", D, 1);
    }
  }
  layers_.clear();
  for (int l = 0; l < c.num_layers; ++l)
    layers_.push_back(set_slots[static_cast<std::size_t>(c.recurrent ? 0 : l)]);
}

template <class T>
const ParamStore<T>& Model<T>::layer_store() const {
  return config_.attention == AttentionParam::full ? params_ : expanded_;
}

template <class T>
const ParamStore<T>& Model<T>::expanded_params() const {
  return layer_store();
}

template <class T>
void Model<T>::refresh() {
  const ModelConfig& c = config_;
  if (c.attention == AttentionParam::full) return;
  // Copy the arrays both stores have, then build the structured attention matrices
  // (docs/papers/von_oswald.md, "Proposition 1" with W_0 = 0 for `gd`; §0 item 8 for `gd_plus_plus`).
  for (std::size_t i = 0; i < params_.count(); ++i) {
    const ParamInfo& p = params_.info(static_cast<int>(i));
    const int e = expanded_.find(p.name);
    if (e >= 0) expanded_.mat(e) = params_.mat(static_cast<int>(i));
  }
  const int D = c.hidden_width();
  const int ny = c.y_dim;
  const int nx = D - ny;
  const T inv_n = T(1) / static_cast<T>(c.num_context);
  const int sets = c.recurrent ? 1 : c.num_layers;
  for (int s = 0; s < sets; ++s) {
    const LayerSlots& sl = layers_[static_cast<std::size_t>(s)];
    const T eta = params_.mat(sl.gd_eta)(0, 0);
    auto WQ = expanded_.mat(sl.W_Q);
    auto WK = expanded_.mat(sl.W_K);
    auto WV = expanded_.mat(sl.W_V);
    auto P = expanded_.mat(sl.P);
    WQ.setZero();
    WQ.topLeftCorner(nx, nx).setIdentity();
    WK = WQ;
    WV.setZero();
    WV.bottomRightCorner(ny, ny) = -MatrixX<T>::Identity(ny, ny);
    P.setZero();
    if (c.attention == AttentionParam::gd) {
      P.diagonal().setConstant(eta * inv_n);
    } else {
      const T gamma = params_.mat(sl.gd_gamma)(0, 0);
      WV.topLeftCorner(nx, nx).setIdentity();
      P.diagonal().head(nx).setConstant(-gamma);
      P.diagonal().tail(ny).setConstant(eta * inv_n);
    }
  }
}

template <class T>
void Model<T>::contract_gradient(const std::vector<T>& expanded_grad, std::vector<T>& grad) const {
  const ModelConfig& c = config_;
  if (c.attention == AttentionParam::full) {
    grad = expanded_grad;
    return;
  }
  grad.assign(params_.total_size(), T(0));
  for (std::size_t i = 0; i < params_.count(); ++i) {
    const ParamInfo& p = params_.info(static_cast<int>(i));
    const int e = expanded_.find(p.name);
    if (e >= 0) params_.view_in(grad, static_cast<int>(i)) = expanded_.view_in(expanded_grad, e);
  }
  const int D = c.hidden_width();
  const int ny = c.y_dim;
  const int nx = D - ny;
  const T inv_n = T(1) / static_cast<T>(c.num_context);
  const int sets = c.recurrent ? 1 : c.num_layers;
  for (int s = 0; s < sets; ++s) {
    const LayerSlots& sl = layers_[static_cast<std::size_t>(s)];
    const auto dP = expanded_.view_in(expanded_grad, sl.P);
    // P = (η/N) I (gd) or diag(−γ I_x, (η/N) I_y) (gd++): chain rule through the diagonal.
    if (c.attention == AttentionParam::gd) {
      params_.view_in(grad, sl.gd_eta)(0, 0) = dP.diagonal().sum() * inv_n;
    } else {
      params_.view_in(grad, sl.gd_eta)(0, 0) = dP.diagonal().tail(ny).sum() * inv_n;
      params_.view_in(grad, sl.gd_gamma)(0, 0) = -dP.diagonal().head(nx).sum();
    }
  }
}

template <class T>
void Model<T>::init_params(std::uint64_t seed) {
  const ModelConfig& c = config_;
  for (std::size_t i = 0; i < params_.count(); ++i) {
    const ParamInfo& p = params_.info(static_cast<int>(i));
    auto M = params_.mat(static_cast<int>(i));
    if (ends_with(p.name, ".gd.eta")) {
      M.setConstant(static_cast<T>(c.gd_eta_init));
    } else if (ends_with(p.name, ".gd.gamma")) {
      M.setConstant(static_cast<T>(c.gd_gamma_init));
    } else if (ends_with(p.name, ".gamma")) {
      M.setOnes();  // LayerNorm scale (Haiku: ones)
    } else if (ends_with(p.name, ".beta") || ends_with(p.name, ".b") || ends_with(p.name, ".b1") ||
               ends_with(p.name, ".b2")) {
      M.setZero();  // offsets and biases (Haiku: zeros)
    } else {
      // Each array has its own counter (task index = array index), so adding an array never
      // changes the others' initial values.
      TaskRng rng(seed, Stream::init, 0, static_cast<std::uint32_t>(i));
      if (c.init == InitKind::scaled_normal) {
        for (Eigen::Index k = 0; k < M.size(); ++k)
          M.data()[k] = static_cast<T>(c.init_scale * rng.normal());
      } else {
        // Haiku VarianceScaling(scale, fan_in, truncated_normal): σ = √(scale/fan_in)/0.8796…,
        // samples outside ±2 standard deviations are redrawn.
        const double sigma = std::sqrt(c.init_scale / static_cast<double>(p.cols)) / 0.87962566103423978;
        for (Eigen::Index k = 0; k < M.size(); ++k) {
          double z;
          do {
            z = rng.normal();
          } while (std::abs(z) > 2.0);
          M.data()[k] = static_cast<T>(sigma * z);
        }
      }
    }
  }
  refresh();
}

// ----------------------------------------------------------------------------- forward/backward

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
      if (sl.ln2_gamma >= 0) {
        const LayerNormWeights<T> lw{cmap(S, sl.ln2_gamma), cmap(S, sl.ln2_beta)};
        LayerNormGrads<T> lg{gmap(S, grad, sl.ln2_gamma), gmap(S, grad, sl.ln2_beta)};
        layernorm_backward(lw, ws.ln2[ul], ws.d_tmp2, lg, ws.d_tmp);
        ws.d_state += ws.d_tmp;
      } else {
        ws.d_state += ws.d_tmp2;
      }
    }
    // state = h + λ·Attn(LN1(h) or h).
    const AttentionWeights<T> aw{cmap(S, sl.W_Q), cmap(S, sl.W_K), cmap(S, sl.W_V), cmap(S, sl.P),
                                 c.num_heads};
    AttentionGrads<T> ag{gmap(S, grad, sl.W_Q), gmap(S, grad, sl.W_K), gmap(S, grad, sl.W_V),
                         gmap(S, grad, sl.P)};
    ws.d_tmp = lambda * ws.d_state;
    attention_backward(aw, ws.attn[ul], ws.d_tmp, ag, ws.d_tmp2);
    if (sl.ln1_gamma >= 0) {
      const LayerNormWeights<T> lw{cmap(S, sl.ln1_gamma), cmap(S, sl.ln1_beta)};
      LayerNormGrads<T> lg{gmap(S, grad, sl.ln1_gamma), gmap(S, grad, sl.ln1_beta)};
      layernorm_backward(lw, ws.ln1[ul], ws.d_tmp2, lg, ws.d_tmp);
      ws.d_state += ws.d_tmp;
    } else {
      ws.d_state += ws.d_tmp2;
    }
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

// ----------------------------------------------------------------------------- batches

namespace {

constexpr int kPredictBlock = 64;

int num_blocks(int batch, int block) { return (batch + block - 1) / block; }

}  // namespace

template <class T>
MatrixX<T> Model<T>::predict(const TokenBatch<T>& tokens, int threads) const {
  MatrixX<T> out(config_.y_dim, tokens.batch);
  const int L = tokens.seq_len;
  const int blocks = num_blocks(tokens.batch, kPredictBlock);
  const int nt = effective_threads(blocks, threads);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    const int b0 = blk * kPredictBlock;
    const int nb = std::min(tokens.batch, b0 + kPredictBlock) - b0;
    out.middleCols(b0, nb) =
        forward_block(tokens.data.middleCols(b0 * L, nb * L), L, ws[static_cast<std::size_t>(t)]);
  });
  return out;
}

template <class T>
T Model<T>::loss(const TokenBatch<T>& tokens, const MatrixX<T>& targets, int threads) const {
  const MatrixX<T> pred = predict(tokens, threads);
  // Accumulate in long double in task order: the same value for every thread count.
  long double s = 0;
  for (int b = 0; b < tokens.batch; ++b)
    s += static_cast<long double>((pred.col(b) - targets.col(b)).squaredNorm());
  return static_cast<T>(0.5L * s / static_cast<long double>(tokens.batch));
}

template <class T>
T Model<T>::loss_and_grad(const TokenBatch<T>& tokens, const MatrixX<T>& targets,
                          std::vector<T>& grad, int threads) const {
  if (targets.cols() != tokens.batch || targets.rows() != config_.y_dim)
    throw std::invalid_argument("Model::loss_and_grad: targets must be y_dim x batch");
  const int B = tokens.batch;
  const int L = tokens.seq_len;
  const int blocks = num_blocks(B, kGradientBlock);
  const int nt = effective_threads(blocks, threads);
  const std::size_t size = layer_store().total_size();
  std::vector<std::vector<T>> block_grads(static_cast<std::size_t>(blocks));
  std::vector<long double> block_loss(static_cast<std::size_t>(blocks), 0.0L);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  const T inv_b = T(1) / static_cast<T>(B);
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    auto& g = block_grads[static_cast<std::size_t>(blk)];
    g.assign(size, T(0));
    auto& w = ws[static_cast<std::size_t>(t)];
    const int b0 = blk * kGradientBlock;
    const int nb = std::min(B, b0 + kGradientBlock) - b0;
    const MatrixX<T> r = forward_block(tokens.data.middleCols(b0 * L, nb * L), L, w) - targets.middleCols(b0, nb);
    long double l = 0;
    for (int j = 0; j < nb; ++j) l += 0.5L * static_cast<long double>(r.col(j).squaredNorm());
    backward_block(w, MatrixX<T>(r * inv_b), &g, nullptr);
    block_loss[static_cast<std::size_t>(blk)] = l;
  });
  // Fixed-order reduction: block 0, 1, 2, … regardless of which thread computed which.
  std::vector<T> total(size, T(0));
  long double loss_sum = 0;
  for (int blk = 0; blk < blocks; ++blk) {
    const auto& g = block_grads[static_cast<std::size_t>(blk)];
    for (std::size_t i = 0; i < size; ++i) total[i] += g[i];
    loss_sum += block_loss[static_cast<std::size_t>(blk)];
  }
  contract_gradient(total, grad);
  return static_cast<T>(loss_sum / static_cast<long double>(B));
}

template <class T>
MatrixX<T> Model<T>::query_sensitivity(const TokenBatch<T>& tokens, int rows, int threads) const {
  MatrixX<T> out(rows, tokens.batch);
  const int L = tokens.seq_len;
  const int blocks = num_blocks(tokens.batch, kPredictBlock);
  const int nt = effective_threads(blocks, threads);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    auto& w = ws[static_cast<std::size_t>(t)];
    const int b0 = blk * kPredictBlock;
    const int nb = std::min(tokens.batch, b0 + kPredictBlock) - b0;
    forward_block(tokens.data.middleCols(b0 * L, nb * L), L, w);
    // ŷ_0 of different tasks depend on disjoint inputs, so one backward with d ŷ_0 = 1 for every
    // task gives every task's sensitivity at once.
    MatrixX<T> d_pred = MatrixX<T>::Zero(config_.y_dim, nb);
    d_pred.row(0).setOnes();
    MatrixX<T> d_tokens;
    backward_block(w, d_pred, nullptr, &d_tokens);
    for (int j = 0; j < nb; ++j) out.col(b0 + j) = d_tokens.col(j * L + L - 1).head(rows);
  });
  return out;
}

template <class T>
MatrixX<T> Model<T>::predict_per_layer(const TokenBatch<T>& tokens, int threads) const {
  const int nl = config_.num_layers;
  const int L = tokens.seq_len;
  MatrixX<T> out(nl + 1, tokens.batch);
  const int blocks = num_blocks(tokens.batch, kPredictBlock);
  const int nt = effective_threads(blocks, threads);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  const int slot = config_.hidden_width() - config_.y_dim;
  const T sign = static_cast<T>(config_.readout_sign);
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    auto& w = ws[static_cast<std::size_t>(t)];
    const int b0 = blk * kPredictBlock;
    const int nb = std::min(tokens.batch, b0 + kPredictBlock) - b0;
    forward_block(tokens.data.middleCols(b0 * L, nb * L), L, w);
    for (int j = 0; j < nb; ++j)
      for (int l = 0; l <= nl; ++l)
        out(l, b0 + j) = sign * w.hidden[static_cast<std::size_t>(l)](slot, j * L + L - 1);
  });
  return out;
}

template class Model<float>;
template class Model<double>;
template class Model<long double>;

}  // namespace icgd::train
