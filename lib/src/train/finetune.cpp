// K/V-only finetuning (icgd/train/finetune.hpp; docs/papers/dai.md, "The experiments: ICL against
// finetuning").
#include "icgd/train/finetune.hpp"

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>

namespace icgd::train {

namespace {

/// [begin, end) ranges of params().values() that hold W_K and W_V, each once (a recurrent model
/// applies the same matrices in every layer).
std::vector<std::pair<std::size_t, std::size_t>> key_value_ranges(const Model<double>& model) {
  if (model.config().attention != AttentionParam::full)
    throw std::invalid_argument("K/V finetuning: needs the full attention parametrisation");
  const double* base = model.params().values().data();
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  auto add = [&](const double* data, Eigen::Index size) {
    const auto begin = static_cast<std::size_t>(data - base);
    const std::pair<std::size_t, std::size_t> r{begin, begin + static_cast<std::size_t>(size)};
    for (const auto& seen : ranges)
      if (seen == r) return;
    ranges.push_back(r);
  };
  for (int l = 0; l < model.config().num_layers; ++l) {
    const auto view = model.attention(l);
    add(view.W_K.data(), view.W_K.size());
    add(view.W_V.data(), view.W_V.size());
  }
  return ranges;
}

void check_example(const Model<double>& model, const FinetuneExample& example) {
  const ModelConfig& c = model.config();
  if (example.tokens.rows() != c.token_width || example.tokens.cols() < 1)
    throw std::invalid_argument("K/V finetuning: an example's tokens must be token_width x L, L >= 1");
  if (example.target.size() != c.y_dim) throw std::invalid_argument("K/V finetuning: a target must have y_dim entries");
  if (!example.tokens.allFinite() || !example.target.allFinite())
    throw std::invalid_argument("K/V finetuning: an example is not finite");
}

void check_learning_rate(double learning_rate) {
  if (!std::isfinite(learning_rate) || learning_rate < 0)
    throw std::invalid_argument("K/V finetuning: the learning rate must be finite and >= 0");
}

double masked_gradient(const Model<double>& model, const FinetuneExample& example,
                       const std::vector<std::pair<std::size_t, std::size_t>>& ranges, std::vector<double>& grad,
                       ModelWorkspace<double>& ws) {
  check_example(model, example);
  const Eigen::VectorXd residual = model.forward_task(example.tokens, ws) - example.target;
  std::vector<double> full(model.params().total_size(), 0.0);
  model.backward_task(ws, residual, &full, nullptr);
  grad.assign(full.size(), 0.0);
  for (const auto& [begin, end] : ranges)
    for (std::size_t i = begin; i < end; ++i) grad[i] = full[i];
  return 0.5 * residual.squaredNorm();
}

void apply(Model<double>& model, const std::vector<std::pair<std::size_t, std::size_t>>& ranges,
           const std::vector<double>& grad, double learning_rate) {
  auto& values = model.params().values();
  for (const auto& [begin, end] : ranges)
    for (std::size_t i = begin; i < end; ++i) values[i] -= learning_rate * grad[i];
  model.refresh();
}

}  // namespace

double key_value_gradient(const Model<double>& model, const FinetuneExample& example, std::vector<double>& grad) {
  ModelWorkspace<double> ws;
  return masked_gradient(model, example, key_value_ranges(model), grad, ws);
}

Model<double> finetune_key_value_sgd(const Model<double>& model, const std::vector<FinetuneExample>& examples,
                                     double learning_rate, FinetuneTrace* trace) {
  check_learning_rate(learning_rate);
  const auto ranges = key_value_ranges(model);
  Model<double> tuned = model;
  ModelWorkspace<double> ws;
  std::vector<double> grad;
  if (trace) trace->queries.clear();
  for (const FinetuneExample& example : examples) {
    masked_gradient(tuned, example, ranges, grad, ws);
    if (trace) {
      std::vector<Eigen::MatrixXd> per_layer;
      for (int l = 0; l < tuned.config().num_layers; ++l) per_layer.push_back(ws.attn[static_cast<std::size_t>(l)].Q);
      trace->queries.push_back(std::move(per_layer));
    }
    apply(tuned, ranges, grad, learning_rate);
  }
  return tuned;
}

Model<double> finetune_key_value_full_batch(const Model<double>& model, const std::vector<FinetuneExample>& examples,
                                            double learning_rate) {
  check_learning_rate(learning_rate);
  const auto ranges = key_value_ranges(model);
  ModelWorkspace<double> ws;
  std::vector<double> grad, total(model.params().total_size(), 0.0);
  for (const FinetuneExample& example : examples) {
    masked_gradient(model, example, ranges, grad, ws);
    for (std::size_t i = 0; i < total.size(); ++i) total[i] += grad[i];
  }
  Model<double> tuned = model;
  apply(tuned, ranges, total, learning_rate);
  return tuned;
}

}  // namespace icgd::train
