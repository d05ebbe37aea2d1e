// K/V-only finetuning (icgd/train/finetune.hpp; docs/papers/dai.md, "The experiments: ICL against
// finetuning"): only W_K and W_V move, the gradient is the loss's (finite differences), SGD is one
// epoch of batch-size-1 steps in order, the full-batch step does not depend on the order.
#include "icgd/train/finetune.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace icgd::train;

namespace {

Model<double> small_softmax_model(std::uint64_t seed, bool recurrent = false) {
  ModelConfig c;
  c.token_width = 4;
  c.y_dim = 1;
  c.num_layers = 2;
  c.recurrent = recurrent;
  c.num_heads = 2;
  c.key_size = 2;
  c.softmax = true;
  c.include_query_in_kv = true;
  c.mlp_blocks = true;
  c.widening_factor = 2;
  c.layer_norm = true;
  c.readout_sign = 1.0;
  c.init = InitKind::scaled_normal;
  c.init_scale = 0.5;
  Model<double> m(c);
  m.init_params(seed);
  return m;
}

std::vector<FinetuneExample> examples(int count) {
  std::vector<FinetuneExample> out;
  for (int i = 0; i < count; ++i) {
    FinetuneExample e;
    e.tokens.resize(4, 2);
    e.tokens << 0.3 * i - 0.5, 1.0,  //
        0.7 - 0.2 * i, 0.0,          //
        std::sin(i + 1.0), 0.5,      //
        0.0, 0.0;
    e.target = Eigen::VectorXd::Constant(1, 0.4 * i - 0.6);
    out.push_back(e);
  }
  return out;
}

double prompt_loss(const Model<double>& m, const FinetuneExample& e) {
  ModelWorkspace<double> ws;
  return 0.5 * (m.forward_task(e.tokens, ws) - e.target).squaredNorm();
}

bool is_key_or_value(const Model<double>& m, std::size_t index) {
  const double* base = m.params().values().data();
  for (int l = 0; l < m.config().num_layers; ++l) {
    const auto v = m.attention(l);
    for (const auto* mat : {&v.W_K, &v.W_V}) {
      const auto begin = static_cast<std::size_t>(mat->data() - base);
      if (index >= begin && index < begin + static_cast<std::size_t>(mat->size())) return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("K/V gradient: zero outside W_K, W_V; equal to central finite differences inside") {
  const Model<double> m = small_softmax_model(3);
  const FinetuneExample e = examples(3)[2];
  std::vector<double> grad;
  const double loss = key_value_gradient(m, e, grad);
  CHECK(loss == doctest::Approx(prompt_loss(m, e)));
  REQUIRE(grad.size() == m.params().total_size());
  int checked = 0, nonzero = 0;
  for (std::size_t i = 0; i < grad.size(); ++i) {
    if (!is_key_or_value(m, i)) {
      CHECK(grad[i] == 0.0);
      continue;
    }
    Model<double> plus = m, minus = m;
    const double h = 1e-6;
    plus.params().values()[i] += h;
    minus.params().values()[i] -= h;
    const double numeric = (prompt_loss(plus, e) - prompt_loss(minus, e)) / (2 * h);
    CHECK(grad[i] == doctest::Approx(numeric).epsilon(1e-6).scale(1e-8));
    ++checked;
    nonzero += grad[i] != 0.0;
  }
  CHECK(checked == 2 * 2 * (2 * 2 * 4));  // layers × {K, V} × (heads · key size × width)
  CHECK(nonzero > checked / 2);            // W_K matters: the query attends to two tokens
}

TEST_CASE("K/V SGD: one epoch, batch 1, in order; nothing but W_K, W_V changes") {
  const Model<double> m = small_softmax_model(5);
  const auto ex = examples(4);
  const double lr = 0.3;
  FinetuneTrace trace;
  const Model<double> tuned = finetune_key_value_sgd(m, ex, lr, &trace);
  // By hand: step after step with the masked gradient.
  Model<double> by_hand = m;
  std::vector<double> grad;
  for (const auto& e : ex) {
    key_value_gradient(by_hand, e, grad);
    for (std::size_t i = 0; i < grad.size(); ++i) by_hand.params().values()[i] -= lr * grad[i];
  }
  int changed = 0;
  for (std::size_t i = 0; i < m.params().total_size(); ++i) {
    CHECK(tuned.params().values()[i] == by_hand.params().values()[i]);
    if (!is_key_or_value(m, i)) CHECK(tuned.params().values()[i] == m.params().values()[i]);
    changed += tuned.params().values()[i] != m.params().values()[i];
  }
  CHECK(changed > 0);
  // The trace: one entry per example and layer, the query vectors under that step's weights
  // (W_Q is not finetuned, but layer 1's input changes with the K/V of layer 0).
  REQUIRE(trace.queries.size() == ex.size());
  REQUIRE(trace.queries[0].size() == 2);
  CHECK(trace.queries[0][0].rows() == 4);
  CHECK(trace.queries[0][0].cols() == 2);
  const Eigen::MatrixXd q0 = m.attention(0).W_Q * ex[0].tokens;  // layer 0 has no LayerNorm in front
  CHECK((trace.queries[0][0] - q0).norm() < 1e-12);
  // Learning rate 0 changes nothing; the finetuning lowers the loss of the examples on average.
  const Model<double> frozen = finetune_key_value_sgd(m, ex, 0.0);
  CHECK(frozen.params().values() == m.params().values());
  double before = 0, after = 0;
  for (const auto& e : ex) {
    before += prompt_loss(m, e);
    after += prompt_loss(finetune_key_value_sgd(m, ex, 0.05), e);
  }
  CHECK(after < before);
}

TEST_CASE("order: SGD depends on the order of the demonstrations, the full-batch step does not") {
  const Model<double> m = small_softmax_model(8);
  auto ex = examples(3);
  auto reversed = ex;
  std::swap(reversed[0], reversed[2]);
  const double lr = 0.5;
  FinetuneExample query = examples(5)[4];
  const double sgd = prompt_loss(finetune_key_value_sgd(m, ex, lr), query);
  const double sgd_reversed = prompt_loss(finetune_key_value_sgd(m, reversed, lr), query);
  CHECK(std::abs(sgd - sgd_reversed) > 1e-9);
  const double full = prompt_loss(finetune_key_value_full_batch(m, ex, lr), query);
  const double full_reversed = prompt_loss(finetune_key_value_full_batch(m, reversed, lr), query);
  CHECK(full == doctest::Approx(full_reversed).epsilon(1e-13));
  // One example: the SGD epoch and the full-batch step are the same update.
  const std::vector<FinetuneExample> one{ex[1]};
  CHECK(finetune_key_value_sgd(m, one, lr).params().values() == finetune_key_value_full_batch(m, one, lr).params().values());
}

TEST_CASE("K/V finetuning refuses bad input") {
  const Model<double> m = small_softmax_model(1);
  auto ex = examples(2);
  CHECK_THROWS_AS(finetune_key_value_sgd(m, ex, std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(finetune_key_value_sgd(m, ex, -1.0), std::invalid_argument);
  ex[1].tokens(0, 0) = std::nan("");
  CHECK_THROWS_AS(finetune_key_value_sgd(m, ex, 0.1), std::invalid_argument);
  ex[1].tokens.resize(3, 2);
  CHECK_THROWS_AS(finetune_key_value_full_batch(m, ex, 0.1), std::invalid_argument);
  // A recurrent model shares one W_K, W_V: each is updated once per step, not once per layer.
  const Model<double> rec = small_softmax_model(2, true);
  std::vector<double> grad;
  key_value_gradient(rec, examples(1)[0], grad);
  int nonzero = 0;
  for (double g : grad) nonzero += g != 0.0;
  CHECK(nonzero <= 2 * (2 * 2 * 4));
}
