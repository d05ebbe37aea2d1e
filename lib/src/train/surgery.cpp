// Model surgery (icgd/train/surgery.hpp; docs/papers/von_oswald.md, "Proposition 1", "Several
// layers and the damped recurrence").
#include "icgd/train/surgery.hpp"

#include "icgd/train/construct.hpp"

#include <stdexcept>

namespace icgd::train {

template <class T>
Model<T> iterate_layer(const Model<T>& one_layer, int iterations, double damping) {
  const ModelConfig& c = one_layer.config();
  if (c.num_layers != 1) throw std::invalid_argument("iterate_layer: the model must have exactly one layer");
  if (c.attention != AttentionParam::full)
    throw std::invalid_argument("iterate_layer: needs the full attention parametrisation");
  if (c.mlp_blocks || c.layer_norm)
    throw std::invalid_argument("iterate_layer: attention-only layers without layer norm only");
  if (iterations < 1) throw std::invalid_argument("iterate_layer: iterations must be at least 1");
  ModelConfig config = c;
  config.num_layers = iterations;
  config.recurrent = true;
  config.damping = damping;
  Model<T> iterated(config);
  // Arrays outside the layers (embedding, input MLP) are the same arrays in both models.
  for (const ParamInfo& info : iterated.params().infos()) {
    const int source = one_layer.params().find(info.name);
    if (source >= 0) iterated.params().mat(info.name) = one_layer.params().mat(source);
  }
  const auto from = one_layer.attention(0);
  auto to = iterated.attention(0);
  to.W_Q = from.W_Q;
  to.W_K = from.W_K;
  to.W_V = from.W_V;
  to.P = from.P;
  iterated.refresh();
  return iterated;
}

template <class T>
Model<T> project_on_gd_structure(const Model<T>& model) {
  const ModelConfig& c = model.config();
  if (c.attention != AttentionParam::full)
    throw std::invalid_argument("project_on_gd_structure: needs the full attention parametrisation");
  if (c.num_heads != 1 || c.head_key_size() != c.hidden_width())
    throw std::invalid_argument("project_on_gd_structure: needs one head with key size = width");
  if (c.input_embedding)
    throw std::invalid_argument("project_on_gd_structure: the hidden state must be the tokens (no input embedding)");
  const int x_dim = c.hidden_width() - c.y_dim;
  Model<T> projected = model;
  const int sets = c.recurrent ? 1 : c.num_layers;
  for (int l = 0; l < sets; ++l) {
    Eigen::MatrixXd KQ, PV;
    attention_products(model, l, KQ, PV);
    PV.topRows(x_dim).setZero();
    auto a = projected.attention(l);
    a.W_K.setIdentity();
    a.W_Q = KQ.template cast<T>();
    a.W_V = PV.template cast<T>();
    a.P.setIdentity();
  }
  projected.refresh();
  return projected;
}

template <class T>
Eigen::MatrixXd gd_preconditioner(const Model<T>& model, int layer) {
  const ModelConfig& c = model.config();
  if (c.y_dim != 1) throw std::invalid_argument("gd_preconditioner: needs y_dim = 1");
  if (c.input_embedding)
    throw std::invalid_argument("gd_preconditioner: the hidden state must be the tokens (no input embedding)");
  Eigen::MatrixXd KQ, PV;
  attention_products(model, layer, KQ, PV);
  const auto x_dim = static_cast<Eigen::Index>(PV.rows() - c.y_dim);
  return PV(x_dim, x_dim) * KQ.topLeftCorner(x_dim, x_dim);
}

template <class T>
PreconditionerShape preconditioner_shape(const Model<T>& model, int layer) {
  const Eigen::MatrixXd A = gd_preconditioner(model, layer);
  const Eigen::MatrixXd symmetric = 0.5 * (A + A.transpose());
  const Eigen::VectorXd eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(symmetric, Eigen::EigenvaluesOnly).eigenvalues();
  // Ratios, then their range: the mean is negative for the sign convention of W_PV (ŷ = −y-slot),
  // which would swap min and max if they were divided afterwards.
  const Eigen::VectorXd ratios = eigenvalues / eigenvalues.mean();
  return {ratios.minCoeff(), ratios.maxCoeff()};
}

#define ICGD_INSTANTIATE(T)                                                        \
  template Model<T> iterate_layer<T>(const Model<T>&, int, double);                \
  template Model<T> project_on_gd_structure<T>(const Model<T>&);                   \
  template Eigen::MatrixXd gd_preconditioner<T>(const Model<T>&, int);             \
  template PreconditionerShape preconditioner_shape<T>(const Model<T>&, int);
ICGD_INSTANTIATE(float)
ICGD_INSTANTIATE(double)
ICGD_INSTANTIATE(long double)
#undef ICGD_INSTANTIATE

}  // namespace icgd::train
