// Every layer's backward against central finite differences in long double (llm.c style).
// The scalar probed is f = Σ C ⊙ forward(·) for a random cotangent C, so backward(C) must equal
// ∇f; a wrong index, transpose or missing term shows up as a relative error far above 1e−8.
#include "icgd/train/layers.hpp"

#include <doctest/doctest.h>

#include "finite_differences.hpp"

#include <functional>
#include <random>

using namespace icgd::train;
using namespace icgd::train::finite_differences;

namespace {

void check_attention(int heads, int key_size, int width, int len, bool include_query, bool softmax) {
  std::mt19937_64 gen(17u + static_cast<unsigned>(heads * 31 + key_size * 7 + len + softmax));
  MatL WQ = random_matrix(gen, heads * key_size, width, 0.5L);
  MatL WK = random_matrix(gen, heads * key_size, width, 0.5L);
  MatL WV = random_matrix(gen, heads * key_size, width, 0.5L);
  MatL P = random_matrix(gen, width, heads * key_size, 0.5L);
  MatL E = random_matrix(gen, width, len);
  const MatL C = random_matrix(gen, width, len);
  const int num_kv = include_query ? len : len - 1;
  auto weights = [&] {
    return AttentionWeights<LD>{Eigen::Map<const MatL>(WQ.data(), WQ.rows(), WQ.cols()),
                                Eigen::Map<const MatL>(WK.data(), WK.rows(), WK.cols()),
                                Eigen::Map<const MatL>(WV.data(), WV.rows(), WV.cols()),
                                Eigen::Map<const MatL>(P.data(), P.rows(), P.cols()), heads};
  };
  auto f = [&] {
    MatL out;
    AttentionCache<LD> cache;
    attention_forward(weights(), E, num_kv, softmax, out, cache);
    return (C.array() * out.array()).sum();
  };
  MatL out, dE;
  AttentionCache<LD> cache;
  attention_forward(weights(), E, num_kv, softmax, out, cache);
  MatL gQ = MatL::Zero(WQ.rows(), WQ.cols()), gK = gQ, gV = gQ, gP = MatL::Zero(P.rows(), P.cols());
  AttentionGrads<LD> g{Eigen::Map<MatL>(gQ.data(), gQ.rows(), gQ.cols()),
                       Eigen::Map<MatL>(gK.data(), gK.rows(), gK.cols()),
                       Eigen::Map<MatL>(gV.data(), gV.rows(), gV.cols()),
                       Eigen::Map<MatL>(gP.data(), gP.rows(), gP.cols())};
  attention_backward(weights(), cache, C, g, dE);
  CHECK(relative_error(gQ, numeric_gradient(WQ, f)) < kTolerance);
  CHECK(relative_error(gK, numeric_gradient(WK, f)) < kTolerance);
  CHECK(relative_error(gV, numeric_gradient(WV, f)) < kTolerance);
  CHECK(relative_error(gP, numeric_gradient(P, f)) < kTolerance);
  CHECK(relative_error(dE, numeric_gradient(E, f)) < kTolerance);
  if (!include_query) {
    // The query (last token) is no key/value: the other tokens' outputs do not depend on it.
    MatL E2 = E;
    E2.col(len - 1) += random_matrix(gen, width, 1);
    MatL out2;
    AttentionCache<LD> cache2;
    attention_forward(weights(), E2, num_kv, softmax, out2, cache2);
    CHECK((out2.leftCols(len - 1) - out.leftCols(len - 1)).norm() == 0.0L);
  }
}

}  // namespace

TEST_CASE("linear attention backward = finite differences") {
  check_attention(1, 4, 4, 6, false, false);
  check_attention(2, 3, 5, 7, false, false);
  check_attention(3, 2, 4, 5, true, false);
}

TEST_CASE("softmax attention backward = finite differences") {
  check_attention(1, 4, 4, 6, false, true);
  check_attention(2, 3, 5, 7, true, true);
}

TEST_CASE("softmax attention: columns of the attention matrix sum to one") {
  std::mt19937_64 gen(3);
  MatL WQ = random_matrix(gen, 4, 4), WK = random_matrix(gen, 4, 4), WV = random_matrix(gen, 4, 4),
       P = random_matrix(gen, 4, 4), E = random_matrix(gen, 4, 5);
  AttentionWeights<LD> w{Eigen::Map<const MatL>(WQ.data(), 4, 4), Eigen::Map<const MatL>(WK.data(), 4, 4),
                         Eigen::Map<const MatL>(WV.data(), 4, 4), Eigen::Map<const MatL>(P.data(), 4, 4), 2};
  MatL out;
  AttentionCache<LD> cache;
  attention_forward(w, E, 4, true, out, cache);
  for (const auto& A : cache.attn) CHECK((A.colwise().sum().array() - 1.0L).abs().maxCoeff() < 1e-15L);
}

TEST_CASE("MLP backward = finite differences (with and without biases)") {
  for (bool bias : {true, false}) {
    std::mt19937_64 gen(bias ? 5 : 6);
    const int in = 3, hidden = 7, outd = 4, len = 5;
    MatL W1 = random_matrix(gen, hidden, in), W2 = random_matrix(gen, outd, hidden, 0.5L);
    MatL b1 = bias ? random_matrix(gen, hidden, 1) : MatL(0, 0);
    MatL b2 = bias ? random_matrix(gen, outd, 1) : MatL(0, 0);
    MatL X = random_matrix(gen, in, len);
    const MatL C = random_matrix(gen, outd, len);
    auto weights = [&] {
      return MlpWeights<LD>{Eigen::Map<const MatL>(W1.data(), W1.rows(), W1.cols()),
                            Eigen::Map<const MatL>(b1.data(), b1.rows(), b1.cols()),
                            Eigen::Map<const MatL>(W2.data(), W2.rows(), W2.cols()),
                            Eigen::Map<const MatL>(b2.data(), b2.rows(), b2.cols())};
    };
    auto f = [&] {
      MatL out;
      MlpCache<LD> cache;
      mlp_forward(weights(), X, out, cache);
      return (C.array() * out.array()).sum();
    };
    MatL out, dX;
    MlpCache<LD> cache;
    mlp_forward(weights(), X, out, cache);
    // Independent reference for the forward: the scalar gelu() applied entry by entry.
    MatL pre = W1 * X;
    if (bias) pre.colwise() += b1.col(0);
    MatL ref = W2 * pre.unaryExpr([](LD z) { return gelu(z); });
    if (bias) ref.colwise() += b2.col(0);
    CHECK(relative_error(out, ref) < 1e-15L);
    MatL g1 = MatL::Zero(hidden, in), g2 = MatL::Zero(outd, hidden);
    MatL gb1 = MatL::Zero(b1.rows(), b1.cols()), gb2 = MatL::Zero(b2.rows(), b2.cols());
    MlpGrads<LD> g{Eigen::Map<MatL>(g1.data(), hidden, in), Eigen::Map<MatL>(gb1.data(), gb1.rows(), gb1.cols()),
                   Eigen::Map<MatL>(g2.data(), outd, hidden), Eigen::Map<MatL>(gb2.data(), gb2.rows(), gb2.cols())};
    mlp_backward(weights(), cache, C, g, dX);
    CHECK(relative_error(g1, numeric_gradient(W1, f)) < kTolerance);
    CHECK(relative_error(g2, numeric_gradient(W2, f)) < kTolerance);
    if (bias) {
      CHECK(relative_error(gb1, numeric_gradient(b1, f)) < kTolerance);
      CHECK(relative_error(gb2, numeric_gradient(b2, f)) < kTolerance);
    }
    CHECK(relative_error(dX, numeric_gradient(X, f)) < kTolerance);
  }
}

TEST_CASE("GELU is the tanh approximation and its derivative is right") {
  CHECK(gelu(0.0L) == 0.0L);
  CHECK(static_cast<double>(gelu(1.0L)) == doctest::Approx(0.8411919906));  // jax.nn.gelu(1.0)
  for (LD z : {-3.0L, -0.7L, 0.0L, 0.4L, 2.5L}) {
    const LD h = 1e-7L;
    CHECK(static_cast<double>(gelu_derivative(z)) ==
          doctest::Approx(static_cast<double>((gelu(z + h) - gelu(z - h)) / (2 * h))).epsilon(1e-9));
  }
}

TEST_CASE("LayerNorm backward = finite differences") {
  std::mt19937_64 gen(8);
  const int D = 5, len = 4;
  MatL gamma = random_matrix(gen, D, 1), beta = random_matrix(gen, D, 1), X = random_matrix(gen, D, len);
  const MatL C = random_matrix(gen, D, len);
  auto weights = [&] {
    return LayerNormWeights<LD>{Eigen::Map<const MatL>(gamma.data(), D, 1),
                                Eigen::Map<const MatL>(beta.data(), D, 1)};
  };
  auto f = [&] {
    MatL out;
    LayerNormCache<LD> cache;
    layernorm_forward(weights(), X, out, cache);
    return (C.array() * out.array()).sum();
  };
  MatL out, dX;
  LayerNormCache<LD> cache;
  layernorm_forward(weights(), X, out, cache);
  // Normalised columns: mean 0, variance 1/(1 + ε/σ²).
  CHECK(std::abs(static_cast<double>(cache.normalized.col(0).mean())) < 1e-15);
  MatL gg = MatL::Zero(D, 1), gb = MatL::Zero(D, 1);
  LayerNormGrads<LD> g{Eigen::Map<MatL>(gg.data(), D, 1), Eigen::Map<MatL>(gb.data(), D, 1)};
  layernorm_backward(weights(), cache, C, g, dX);
  CHECK(relative_error(gg, numeric_gradient(gamma, f)) < kTolerance);
  CHECK(relative_error(gb, numeric_gradient(beta, f)) < kTolerance);
  CHECK(relative_error(dX, numeric_gradient(X, f)) < kTolerance);
}

TEST_CASE("linear (embedding) backward = finite differences") {
  std::mt19937_64 gen(9);
  MatL W = random_matrix(gen, 6, 3), b = random_matrix(gen, 6, 1), X = random_matrix(gen, 3, 4);
  const MatL C = random_matrix(gen, 6, 4);
  auto f = [&] {
    MatL out;
    linear_forward<LD>(Eigen::Map<const MatL>(W.data(), 6, 3), Eigen::Map<const MatL>(b.data(), 6, 1), X, out);
    return (C.array() * out.array()).sum();
  };
  MatL gW = MatL::Zero(6, 3), gb = MatL::Zero(6, 1), dX;
  Eigen::Map<MatL> mW(gW.data(), 6, 3), mb(gb.data(), 6, 1);
  linear_backward<LD>(Eigen::Map<const MatL>(W.data(), 6, 3), X, C, mW, mb, dX);
  CHECK(relative_error(gW, numeric_gradient(W, f)) < kTolerance);
  CHECK(relative_error(gb, numeric_gradient(b, f)) < kTolerance);
  CHECK(relative_error(dX, numeric_gradient(X, f)) < kTolerance);
}

TEST_CASE("float MLP: the vectorised GELU agrees with the scalar formula") {
  std::mt19937_64 gen(10);
  const MatL W1 = random_matrix(gen, 16, 4), W2 = random_matrix(gen, 3, 16, 0.3L), X = random_matrix(gen, 4, 9, 2.0L);
  const MatrixX<float> W1f = W1.cast<float>(), W2f = W2.cast<float>(), Xf = X.cast<float>(), none(0, 0);
  MlpWeights<float> w{Eigen::Map<const MatrixX<float>>(W1f.data(), 16, 4), Eigen::Map<const MatrixX<float>>(none.data(), 0, 0),
                      Eigen::Map<const MatrixX<float>>(W2f.data(), 3, 16), Eigen::Map<const MatrixX<float>>(none.data(), 0, 0)};
  MatrixX<float> out;
  MlpCache<float> cache;
  mlp_forward(w, Xf, out, cache);
  const MatL ref = W2f.cast<LD>() * (W1f.cast<LD>() * Xf.cast<LD>()).unaryExpr([](LD z) { return gelu(z); });
  CHECK(static_cast<double>(relative_error(out.cast<LD>(), ref)) < 1e-6);
}

TEST_CASE("bias gradients do not depend on the alignment of the gradient buffer") {
  // The flat gradient is a std::vector whose 32-byte alignment depends on the heap's history.
  // Bug this catches: a row-wise sum written straight into the bias view was vectorised from
  // the view's first aligned row, so the bits of db depended on where the vector happened to
  // start, and `icgd demo sine` alone and inside `icgd demo all` trained different models.
  using MatF = MatrixX<float>;
  std::mt19937_64 gen(31);
  std::normal_distribution<float> normal;
  const int in = 5, hidden = 37, outd = 19, len = 301;  // odd sizes: no row count is a lane multiple
  auto random_f = [&](int r, int c) { return MatF(MatF::NullaryExpr(r, c, [&] { return normal(gen); })); };
  const MatF W1 = random_f(hidden, in), b1 = random_f(hidden, 1), W2 = random_f(outd, hidden), b2 = random_f(outd, 1);
  const MatF X = random_f(in, len), C = random_f(outd, len);
  const MlpWeights<float> w{Eigen::Map<const MatF>(W1.data(), hidden, in), Eigen::Map<const MatF>(b1.data(), hidden, 1),
                            Eigen::Map<const MatF>(W2.data(), outd, hidden), Eigen::Map<const MatF>(b2.data(), outd, 1)};
  std::vector<float> reference;
  for (int offset = 0; offset < 8; ++offset) {  // 8 floats = one 32-byte AVX lane group
    const int n_grad = hidden * in + hidden + outd * hidden + outd;
    std::vector<float> buffer(static_cast<std::size_t>(offset + n_grad), 0.0f);
    float* p = buffer.data() + offset;
    MlpGrads<float> g{Eigen::Map<MatF>(p, hidden, in), Eigen::Map<MatF>(p + hidden * in, hidden, 1),
                      Eigen::Map<MatF>(p + hidden * in + hidden, outd, hidden),
                      Eigen::Map<MatF>(p + hidden * in + hidden + outd * hidden, outd, 1)};
    MatF out, dX;
    MlpCache<float> cache;
    mlp_forward(w, X, out, cache);
    mlp_backward(w, cache, C, g, dX);
    const std::vector<float> grad(p, p + n_grad);
    if (offset == 0)
      reference = grad;
    else
      CHECK_MESSAGE(grad == reference, "gradient bits changed with the buffer offset ", offset);
  }
}
