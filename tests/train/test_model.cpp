// Whole-model gradients against central finite differences in long double, for every
// architectural option; exact query sensitivities against finite differences; determinism of
// the parallel reduction.
#include "icgd/train/model.hpp"
#include "icgd/train/tasks.hpp"
#include "icgd/train/tokens.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

using namespace icgd::train;
using LD = long double;

namespace {

struct ModelCase {
  std::string name;
  ModelConfig config;
  TokenConfig tokens;
};

std::vector<ModelCase> model_cases() {
  std::vector<ModelCase> cases;
  ModelConfig base = ModelConfig::for_von_oswald(3, 1, 4, 1, false);
  base.init = InitKind::scaled_normal;
  base.init_scale = 0.4;
  cases.push_back({"1-layer LSA", base, {}});
  {
    ModelConfig c = base;
    c.num_layers = 3;
    c.damping = 0.7;
    cases.push_back({"3 layers, damping", c, {}});
  }
  {
    ModelConfig c = base;
    c.num_layers = 3;
    c.recurrent = true;
    cases.push_back({"3 recurrent layers", c, {}});
  }
  {
    ModelConfig c = base;
    c.num_layers = 2;
    c.num_heads = 2;
    c.key_size = 3;
    c.softmax = true;
    c.include_query_in_kv = true;
    cases.push_back({"softmax, 2 heads, query in K/V", c, {}});
  }
  {
    ModelConfig c = base;
    c.num_layers = 2;
    c.mlp_blocks = true;
    c.layer_norm = true;
    c.use_bias = true;
    c.widening_factor = 2;
    cases.push_back({"attention + MLP + LayerNorm + bias", c, {}});
  }
  {
    ModelConfig c = base;
    c.num_layers = 2;
    c.recurrent = true;
    c.mlp_blocks = true;
    c.layer_norm = true;
    c.widening_factor = 2;
    cases.push_back({"recurrent with LN and MLP", c, {}});
  }
  {
    ModelConfig c = base;
    c.input_embedding = true;
    c.embed_dim = 6;
    c.input_mlp = true;
    c.input_mlp_hidden = 8;
    c.use_bias = true;
    cases.push_back({"embedding + input MLP", c, {}});
  }
  {
    TokenConfig classic;
    classic.kind = TokenKind::classic;
    classic.pos_enc_size = 4;
    ModelConfig c = base;
    c.token_width = 3 + 4;
    c.num_layers = 2;
    c.first_layer_softmax = true;
    c.num_heads = 2;
    c.key_size = 4;
    cases.push_back({"classic tokens, softmax first layer", c, classic});
  }
  {
    ModelConfig c = base;
    c.num_layers = 2;
    c.attention = AttentionParam::gd;
    c.gd_eta_init = 0.8;
    cases.push_back({"GD-structured (eta per layer)", c, {}});
  }
  {
    ModelConfig c = base;
    c.num_layers = 2;
    c.attention = AttentionParam::gd_plus_plus;
    c.gd_eta_init = 0.8;
    c.gd_gamma_init = 0.1;
    cases.push_back({"GD++-structured (gamma, eta per layer)", c, {}});
  }
  return cases;
}

}  // namespace

TEST_CASE("model loss gradient = finite differences (long double), every option") {
  const TaskConfig task = TaskConfig::paper_linear(3, 4);
  const TaskBatch tasks = generate_tasks(task, 11, Stream::train_tasks, 0, 3);
  for (const ModelCase& cs : model_cases()) {
    CAPTURE(cs.name);
    Model<LD> model(cs.config);
    model.init_params(5);
    const Batch<LD> batch = make_batch<LD>(tasks, cs.tokens);
    std::vector<LD> grad;
    model.loss_and_grad(batch.tokens, batch.targets, grad);
    REQUIRE(grad.size() == model.params().total_size());
    auto& values = model.params().values();
    LD max_err = 0, max_grad = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const LD saved = values[i];
      const LD h = 1e-6L;
      values[i] = saved + h;
      model.refresh();
      const LD fp = model.loss(batch.tokens, batch.targets);
      values[i] = saved - h;
      model.refresh();
      const LD fm = model.loss(batch.tokens, batch.targets);
      values[i] = saved;
      model.refresh();
      const LD numeric = (fp - fm) / (2 * h);
      max_err = std::max(max_err, std::abs(numeric - grad[i]));
      max_grad = std::max(max_grad, std::abs(grad[i]));
    }
    CHECK(max_grad > 1e-6L);  // the check is not vacuous
    CHECK(static_cast<double>(max_err / max_grad) < 1e-7);
  }
}

TEST_CASE("query sensitivity (exact backward) = finite differences w.r.t. the query x") {
  const TaskConfig task = TaskConfig::paper_linear(3, 4);
  const TaskBatch tasks = generate_tasks(task, 12, Stream::train_tasks, 0, 2);
  for (const ModelCase& cs : model_cases()) {
    CAPTURE(cs.name);
    Model<LD> model(cs.config);
    model.init_params(6);
    Batch<LD> batch = make_batch<LD>(tasks, cs.tokens);
    const MatrixX<LD> sens = model.query_sensitivity(batch.tokens, 3);
    const int q = batch.tokens.seq_len - 1;
    for (int b = 0; b < 2; ++b) {
      for (int r = 0; r < 3; ++r) {
        const LD h = 1e-6L;
        LD& entry = batch.tokens.data(r, b * batch.tokens.seq_len + q);
        const LD saved = entry;
        entry = saved + h;
        const LD fp = model.predict(batch.tokens)(0, b);
        entry = saved - h;
        const LD fm = model.predict(batch.tokens)(0, b);
        entry = saved;
        CHECK(static_cast<double>(sens(r, b)) ==
              doctest::Approx(static_cast<double>((fp - fm) / (2 * h))).epsilon(1e-7));
      }
    }
  }
}

TEST_CASE("vjp_from_layer = finite differences of the hidden state after layer 0") {
  const TaskConfig task = TaskConfig::paper_linear(3, 4);
  const TaskBatch tasks = generate_tasks(task, 13, Stream::train_tasks, 0, 1);
  ModelConfig c = model_cases()[4].config;  // MLP + LN
  Model<LD> model(c);
  model.init_params(7);
  Batch<LD> batch = make_batch<LD>(tasks, {});
  MatrixX<LD> E = batch.tokens.task(0);
  ModelWorkspace<LD> ws;
  model.forward_task(E, ws);
  MatrixX<LD> cot = MatrixX<LD>::Zero(ws.hidden[1].rows(), ws.hidden[1].cols());
  cot.col(2).setOnes();  // Σ over the dims of token 2 after layer 0 (the copy diagnostic's probe)
  MatrixX<LD> d_tokens;
  model.vjp_from_layer(ws, 0, cot, d_tokens);
  for (Eigen::Index i = 0; i < E.size(); ++i) {
    const LD h = 1e-6L;
    const LD saved = E.data()[i];
    E.data()[i] = saved + h;
    model.forward_task(E, ws);
    const LD fp = ws.hidden[1].col(2).sum();
    E.data()[i] = saved - h;
    model.forward_task(E, ws);
    const LD fm = ws.hidden[1].col(2).sum();
    E.data()[i] = saved;
    CHECK(static_cast<double>(d_tokens.data()[i]) ==
          doctest::Approx(static_cast<double>((fp - fm) / (2 * h))).epsilon(1e-7));
  }
}

TEST_CASE("loss and gradient are bit-identical for every thread count") {
  const TaskConfig task = TaskConfig::code_linear(10, 10);
  const TaskBatch tasks = generate_tasks(task, 21, Stream::train_tasks, 0, 333);
  ModelConfig c = ModelConfig::for_von_oswald(10, 1, 10, 2, false);
  Model<float> m(c);
  m.init_params(3);
  const Batch<float> batch = make_batch<float>(tasks, {});
  std::vector<float> g1, g2, g3;
  const float l1 = m.loss_and_grad(batch.tokens, batch.targets, g1, 1);
  const float l2 = m.loss_and_grad(batch.tokens, batch.targets, g2, 2);
  const float l3 = m.loss_and_grad(batch.tokens, batch.targets, g3, 7);
  CHECK(std::memcmp(&l1, &l2, sizeof(float)) == 0);
  CHECK(std::memcmp(&l1, &l3, sizeof(float)) == 0);
  CHECK(std::memcmp(g1.data(), g2.data(), sizeof(float) * g1.size()) == 0);
  CHECK(std::memcmp(g1.data(), g3.data(), sizeof(float) * g1.size()) == 0);
}

TEST_CASE("initialisation: variance scaling is truncated at 2 sigma with the Haiku std") {
  ModelConfig c = ModelConfig::for_von_oswald(10, 1, 10, 1, false);
  c.init_scale = 1.0;
  c.key_size = 200;
  Model<double> m(c);
  m.init_params(1);
  const auto W = m.params().mat("layer0.attn.W_Q");  // 200 × 11, fan_in 11
  const double sigma = std::sqrt(1.0 / 11.0);
  CHECK(W.cwiseAbs().maxCoeff() <= 2.0 * sigma / 0.87962566103423978 + 1e-12);
  const double var = W.array().square().mean();
  CHECK(var == doctest::Approx(sigma * sigma).epsilon(0.1));
  Model<double> m2(c);
  m2.init_params(1);
  CHECK(m2.params().values() == m.params().values());
  m2.init_params(2);
  CHECK(m2.params().values() != m.params().values());
}
