// Model<T>'s parameter layout (model.hpp): the arrays of each configuration, the expansion of
// the GD-structured parametrisations and its chain rule, the initial values.
#include "icgd/train/model.hpp"

#include "icgd/train/rng.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace icgd::train {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

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
template class Model<float>;
template class Model<double>;
template class Model<long double>;

}  // namespace icgd::train
