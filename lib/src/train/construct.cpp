// Constructed weights (docs/papers/von_oswald.md, "Proposition 1", "Several layers and the damped recurrence", "GD++: curvature correction" GD++).
#include "icgd/train/construct.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace icgd::train {

namespace {

template <class T>
struct AttentionArrays {
  typename ParamStore<T>::Map W_Q, W_K, W_V, P;
};

template <class T>
AttentionArrays<T> attention_arrays(Model<T>& model, int layer) {
  const ModelConfig& c = model.config();
  if (c.attention != AttentionParam::full)
    throw std::invalid_argument("constructed weights need the full attention parametrisation");
  if (c.num_heads != 1 || c.head_key_size() != c.hidden_width())
    throw std::invalid_argument("constructed weights need one head with key size = width");
  if (layer < 0 || layer >= c.num_layers || (c.recurrent && layer != 0))
    throw std::out_of_range("constructed weights: bad layer index");
  const std::string prefix = c.recurrent ? std::string("shared") : fmt::format("layer{}", layer);
  auto& p = model.params();
  return {p.mat(prefix + ".attn.W_Q"), p.mat(prefix + ".attn.W_K"), p.mat(prefix + ".attn.W_V"),
          p.mat(prefix + ".attn.P")};
}

template <class T>
void set_structured_layer(Model<T>& model, int layer, bool plus_plus, double gamma, double eta,
                          int num_context, const Eigen::MatrixXd& W0) {
  auto a = attention_arrays(model, layer);
  const int D = model.config().hidden_width();
  const int ny = model.config().y_dim;
  const int nx = D - ny;
  if (W0.size() != 0 && (W0.rows() != ny || W0.cols() != nx))
    throw std::invalid_argument("W0 must be y_dim x x_dim");
  // W_K = W_Q = [[I, 0], [0, 0]] (von_oswald.md, "Proposition 1").
  a.W_Q.setZero();
  a.W_Q.topLeftCorner(nx, nx).setIdentity();
  a.W_K = a.W_Q;
  // W_V = [[0, 0], [W_0, −I]] (Prop. 1) or [[I, 0], [W_0, −I]] (GD++).
  a.W_V.setZero();
  if (W0.size() != 0) a.W_V.bottomLeftCorner(ny, nx) = W0.cast<T>();
  a.W_V.bottomRightCorner(ny, ny) = -MatrixX<T>::Identity(ny, ny);
  a.P.setZero();
  const T step = static_cast<T>(eta / num_context);
  if (!plus_plus) {
    a.P.diagonal().setConstant(step);  // P = (η/N) I
  } else {
    a.W_V.topLeftCorner(nx, nx).setIdentity();
    a.P.diagonal().head(nx).setConstant(static_cast<T>(-gamma));  // P = diag(−γ I, (η/N) I)
    a.P.diagonal().tail(ny).setConstant(step);
  }
}

}  // namespace

template <class T>
void set_prop1_layer(Model<T>& model, int layer, double eta, int num_context, const Eigen::MatrixXd& W0) {
  set_structured_layer(model, layer, false, 0.0, eta, num_context, W0);
}

template <class T>
void set_gd_plus_plus_layer(Model<T>& model, int layer, double gamma, double eta, int num_context,
                            const Eigen::MatrixXd& W0) {
  set_structured_layer(model, layer, true, gamma, eta, num_context, W0);
}

template <class T>
Model<T> make_gd_model(int x_dim, int y_dim, int num_context, const std::vector<double>& etas,
                       bool recurrent, const Eigen::MatrixXd& W0) {
  if (etas.empty()) throw std::invalid_argument("make_gd_model: need at least one step");
  if (recurrent)
    for (double e : etas)
      if (e != etas[0]) throw std::invalid_argument("make_gd_model: recurrent needs equal etas");
  ModelConfig c = ModelConfig::for_von_oswald(x_dim, y_dim, num_context,
                                              static_cast<int>(etas.size()), recurrent);
  Model<T> model(c);
  const int sets = recurrent ? 1 : static_cast<int>(etas.size());
  for (int l = 0; l < sets; ++l)
    set_prop1_layer(model, l, etas[static_cast<std::size_t>(l)], num_context, W0);
  return model;
}

template <class T>
Model<T> make_gd_plus_plus_model(int x_dim, int y_dim, int num_context, const std::vector<double>& gammas,
                                 const std::vector<double>& etas, bool recurrent) {
  if (etas.empty() || gammas.size() != etas.size())
    throw std::invalid_argument("make_gd_plus_plus_model: need equal, non-empty gammas and etas");
  ModelConfig c = ModelConfig::for_von_oswald(x_dim, y_dim, num_context,
                                              static_cast<int>(etas.size()), recurrent);
  Model<T> model(c);
  const int sets = recurrent ? 1 : static_cast<int>(etas.size());
  for (int l = 0; l < sets; ++l)
    set_gd_plus_plus_layer(model, l, gammas[static_cast<std::size_t>(l)],
                           etas[static_cast<std::size_t>(l)], num_context);
  return model;
}

template <class T>
void attention_products(const Model<T>& model, int layer, Eigen::MatrixXd& W_KQ, Eigen::MatrixXd& W_PV) {
  const ModelConfig& c = model.config();
  if (layer < 0 || layer >= c.num_layers) throw std::out_of_range("attention_products: bad layer");
  const std::string prefix =
      c.recurrent ? std::string("shared") : fmt::format("layer{}", layer);
  const auto& p = model.expanded_params();
  const Eigen::MatrixXd WQ = p.mat(prefix + ".attn.W_Q").template cast<double>();
  const Eigen::MatrixXd WK = p.mat(prefix + ".attn.W_K").template cast<double>();
  const Eigen::MatrixXd WV = p.mat(prefix + ".attn.W_V").template cast<double>();
  const Eigen::MatrixXd P = p.mat(prefix + ".attn.P").template cast<double>();
  const int H = c.num_heads, k = c.head_key_size(), D = c.hidden_width();
  W_KQ.setZero(D, D);
  W_PV.setZero(D, D);
  for (int h = 0; h < H; ++h) {
    W_KQ += WK.middleRows(h * k, k).transpose() * WQ.middleRows(h * k, k);
    W_PV += P.middleCols(h * k, k) * WV.middleRows(h * k, k);
  }
}

#define ICGD_INSTANTIATE(T)                                                                        \
  template void set_prop1_layer<T>(Model<T>&, int, double, int, const Eigen::MatrixXd&);           \
  template void set_gd_plus_plus_layer<T>(Model<T>&, int, double, double, int,                     \
                                          const Eigen::MatrixXd&);                                 \
  template Model<T> make_gd_model<T>(int, int, int, const std::vector<double>&, bool,              \
                                     const Eigen::MatrixXd&);                                      \
  template Model<T> make_gd_plus_plus_model<T>(int, int, int, const std::vector<double>&,          \
                                               const std::vector<double>&, bool);                  \
  template void attention_products<T>(const Model<T>&, int, Eigen::MatrixXd&, Eigen::MatrixXd&);
ICGD_INSTANTIATE(float)
ICGD_INSTANTIATE(double)
ICGD_INSTANTIATE(long double)
#undef ICGD_INSTANTIATE

}  // namespace icgd::train
