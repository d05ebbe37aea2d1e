// Momentum attention (Dai et al. 2023; train/momentum_attention.hpp): its backward against central
// finite differences in long double (as tests/train/test_layers.cpp checks every layer), its
// moving average against the closed form Σ_{i<t} η^{t−i} v_i, the causal order, η = 0 against
// plain attention bit for bit, and the model's momentum_decay.
#include "icgd/train/model.hpp"
#include "icgd/train/momentum_attention.hpp"

#include <doctest/doctest.h>

#include "finite_differences.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <random>

using namespace icgd::train;
using namespace icgd::train::finite_differences;

namespace {

template <class T>
bool same_bits(const MatrixX<T>& a, const MatrixX<T>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.size())) == 0;
}

/// The weights of one attention layer, owned, with the views the kernels take.
template <class T>
struct Layer {
  MatrixX<T> WQ, WK, WV, P;
  int heads;
  AttentionWeights<T> weights() const {
    return {Eigen::Map<const MatrixX<T>>(WQ.data(), WQ.rows(), WQ.cols()),
            Eigen::Map<const MatrixX<T>>(WK.data(), WK.rows(), WK.cols()),
            Eigen::Map<const MatrixX<T>>(WV.data(), WV.rows(), WV.cols()),
            Eigen::Map<const MatrixX<T>>(P.data(), P.rows(), P.cols()), heads};
  }
};
template <class T>
struct Grads {
  MatrixX<T> gQ, gK, gV, gP;
  explicit Grads(const Layer<T>& l)
      : gQ(MatrixX<T>::Zero(l.WQ.rows(), l.WQ.cols())), gK(gQ), gV(gQ), gP(MatrixX<T>::Zero(l.P.rows(), l.P.cols())) {}
  AttentionGrads<T> views() {
    return {Eigen::Map<MatrixX<T>>(gQ.data(), gQ.rows(), gQ.cols()), Eigen::Map<MatrixX<T>>(gK.data(), gK.rows(), gK.cols()),
            Eigen::Map<MatrixX<T>>(gV.data(), gV.rows(), gV.cols()), Eigen::Map<MatrixX<T>>(gP.data(), gP.rows(), gP.cols())};
  }
};

Layer<LD> random_layer(std::mt19937_64& gen, int heads, int key_size, int width) {
  return {random_matrix(gen, heads * key_size, width, 0.5L), random_matrix(gen, heads * key_size, width, 0.5L),
          random_matrix(gen, heads * key_size, width, 0.5L), random_matrix(gen, width, heads * key_size, 0.5L), heads};
}

void check_momentum_backward(int heads, int key_size, int width, int len, int tasks, bool include_query, bool softmax,
                             LD decay) {
  std::mt19937_64 gen(29u + static_cast<unsigned>(heads * 31 + key_size * 7 + len + tasks + softmax));
  Layer<LD> l = random_layer(gen, heads, key_size, width);
  MatL E = random_matrix(gen, width, len * tasks);
  const MatL C = random_matrix(gen, width, len * tasks);
  const int num_kv = include_query ? len : len - 1;
  auto f = [&] {
    MatL out;
    AttentionCache<LD> cache;
    MomentumCache<LD> momentum;
    momentum_attention_forward(l.weights(), E, num_kv, softmax, decay, out, cache, momentum, len);
    return (C.array() * out.array()).sum();
  };
  MatL out, dE;
  AttentionCache<LD> cache;
  MomentumCache<LD> momentum;
  momentum_attention_forward(l.weights(), E, num_kv, softmax, decay, out, cache, momentum, len);
  Grads<LD> g(l);
  auto views = g.views();
  momentum_attention_backward(l.weights(), cache, momentum, C, views, dE);
  CHECK(relative_error(g.gQ, numeric_gradient(l.WQ, f)) < kTolerance);
  CHECK(relative_error(g.gK, numeric_gradient(l.WK, f)) < kTolerance);
  CHECK(relative_error(g.gV, numeric_gradient(l.WV, f)) < kTolerance);
  CHECK(relative_error(g.gP, numeric_gradient(l.P, f)) < kTolerance);
  CHECK(relative_error(dE, numeric_gradient(E, f)) < kTolerance);
}

}  // namespace

TEST_CASE("momentum attention backward = finite differences (linear and softmax, one or several tasks)") {
  for (const LD decay : {0.3L, 0.9L}) {
    INFO("decay " << static_cast<double>(decay));
    check_momentum_backward(1, 4, 4, 6, 1, false, false, decay);
    check_momentum_backward(2, 3, 5, 7, 2, false, false, decay);
    check_momentum_backward(3, 2, 4, 5, 1, true, false, decay);
    check_momentum_backward(1, 4, 4, 6, 2, false, true, decay);
    check_momentum_backward(2, 3, 5, 7, 1, true, true, decay);
  }
}

TEST_CASE("momentum attention: the moving average is sum_{i<t} eta^(t-i) v_i over key/value positions (DAI-4)") {
  std::mt19937_64 gen(41);
  const int L = 7, tasks = 2;
  const MatL values = random_matrix(gen, 3, L * tasks);
  for (const int num_kv : {L - 1, L}) {
    const LD eta = 0.7L;
    MatL momentum;
    moving_average_of_values<LD>(values, L, num_kv, eta, momentum);
    for (int task = 0; task < tasks; ++task)
      for (int t = 0; t < L; ++t) {
        Eigen::Matrix<LD, Eigen::Dynamic, 1> closed = Eigen::Matrix<LD, Eigen::Dynamic, 1>::Zero(3);
        for (int i = 0; i < std::min(t, num_kv); ++i) closed += std::pow(eta, LD(t - i)) * values.col(task * L + i);
        CHECK((momentum.col(task * L + t) - closed).norm() < 1e-15L);
      }
  }
}

TEST_CASE("momentum attention: token t's momentum depends only on the values before t, never its own") {
  std::mt19937_64 gen(43);
  const int width = 4, len = 6;
  Layer<LD> l = random_layer(gen, 1, 4, width);
  const MatL E = random_matrix(gen, width, len);
  MatL out, outj;
  AttentionCache<LD> cache, cachej;
  MomentumCache<LD> m, mj;
  momentum_attention_forward(l.weights(), E, len, false, 0.5L, out, cache, m);
  for (int j = 0; j < len; ++j) {
    MatL Ej = E;
    Ej.col(j) += random_matrix(gen, width, 1);
    momentum_attention_forward(l.weights(), Ej, len, false, 0.5L, outj, cachej, mj);
    for (int t = 0; t <= j; ++t) CHECK((mj.momentum.col(t) - m.momentum.col(t)).norm() == 0.0L);
    for (int t = j + 1; t < len; ++t) CHECK((mj.momentum.col(t) - m.momentum.col(t)).norm() > 0.0L);
  }
}

TEST_CASE("momentum attention at eta = 0 is plain attention, bit for bit (forward and backward)") {
  std::mt19937_64 gen(47);
  for (const bool softmax : {false, true})
    for (const bool include_query : {false, true}) {
      INFO("softmax " << softmax << ", query in keys " << include_query);
      const int heads = 2, key_size = 3, width = 5, len = 6, tasks = 3;
      const int num_kv = include_query ? len : len - 1;
      std::normal_distribution<double> n(0.0, 1.0);
      auto draw = [&](int r, int c) {
        MatrixX<double> m(r, c);
        for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = n(gen);
        return m;
      };
      const Layer<double> l{draw(heads * key_size, width), draw(heads * key_size, width), draw(heads * key_size, width),
                            draw(width, heads * key_size), heads};
      const MatrixX<double> E = draw(width, len * tasks), C = draw(width, len * tasks);
      MatrixX<double> plain_out, plain_dE, mom_out, mom_dE;
      AttentionCache<double> plain_cache, mom_cache;
      MomentumCache<double> momentum;
      attention_forward(l.weights(), E, num_kv, softmax, plain_out, plain_cache, len);
      momentum_attention_forward(l.weights(), E, num_kv, softmax, 0.0, mom_out, mom_cache, momentum, len);
      CHECK(same_bits(plain_out, mom_out));
      Grads<double> plain_g(l), mom_g(l);
      auto pv = plain_g.views();
      auto mv = mom_g.views();
      attention_backward(l.weights(), plain_cache, C, pv, plain_dE);
      momentum_attention_backward(l.weights(), mom_cache, momentum, C, mv, mom_dE);
      CHECK(same_bits(plain_dE, mom_dE));
      CHECK(same_bits(plain_g.gQ, mom_g.gQ));
      CHECK(same_bits(plain_g.gK, mom_g.gK));
      CHECK(same_bits(plain_g.gV, mom_g.gV));
      CHECK(same_bits(plain_g.gP, mom_g.gP));
      // And a decay above 0 does change the output (the test can fail).
      MatrixX<double> out_decay;
      momentum_attention_forward(l.weights(), E, num_kv, softmax, 0.3, out_decay, mom_cache, momentum, len);
      CHECK_FALSE(same_bits(plain_out, out_decay));
    }
}

TEST_CASE("momentum attention: a decay outside [0, 1) is refused") {
  std::mt19937_64 gen(53);
  const Layer<LD> l = random_layer(gen, 1, 2, 2);
  const MatL E = random_matrix(gen, 2, 3);
  MatL out;
  AttentionCache<LD> cache;
  MomentumCache<LD> m;
  for (const LD bad : {-0.1L, 1.0L, static_cast<LD>(NAN)})
    CHECK_THROWS_AS(momentum_attention_forward(l.weights(), E, 2, false, bad, out, cache, m), std::invalid_argument);
}

TEST_CASE("model: momentum_decay wires momentum attention into every layer; its gradient = finite differences") {
  ModelConfig c = ModelConfig::for_von_oswald(3, 1, 5, 2, false);
  c.init = InitKind::scaled_normal;
  c.init_scale = 0.3;
  c.momentum_decay = 0.5;
  c.mlp_blocks = true;
  c.layer_norm = true;
  CHECK(ModelConfig::from_json(c.to_json()).momentum_decay == 0.5);
  Model<long double> model(c);
  model.init_params(3);
  std::mt19937_64 gen(59);
  const MatL tokens = random_matrix(gen, c.token_width, 6 * 2);
  const MatL d_pred = random_matrix(gen, 1, 2);
  ModelWorkspace<long double> ws;
  model.forward_block(tokens, 6, ws);
  std::vector<long double> grad(model.params().total_size(), 0.0L);
  model.backward_block(ws, d_pred, &grad, nullptr);
  auto f = [&] {
    ModelWorkspace<long double> w;
    return (d_pred.array() * model.forward_block(tokens, 6, w).array()).sum();
  };
  auto& flat = model.params().values();
  LD worst = 0;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    const LD saved = flat[i], h = 1e-6L;
    flat[i] = saved + h;
    const LD fp = f();
    flat[i] = saved - h;
    const LD fm = f();
    flat[i] = saved;
    worst = std::max(worst, std::abs((fp - fm) / (2 * h) - grad[i]));
  }
  CHECK(worst < 1e-8L);

  // The same model without momentum predicts differently; at momentum_decay = 0 it is plain.
  ModelConfig plain = c;
  plain.momentum_decay = 0;
  Model<long double> plain_model(plain);
  plain_model.params() = model.params();
  ModelWorkspace<long double> w1, w2;
  CHECK((plain_model.forward_block(tokens, 6, w1) - model.forward_block(tokens, 6, w2)).norm() > 1e-6L);

  ModelConfig bad = c;
  bad.momentum_decay = 1.0;
  CHECK_THROWS_AS(bad.validate(), std::invalid_argument);
}
