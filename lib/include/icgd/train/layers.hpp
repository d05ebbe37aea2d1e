// icgd/train/layers.hpp — layers as forward/backward pairs over plain Eigen buffers (llm.c
// style): each *_forward fills a cache with what the matching *_backward needs. All functions
// work on one task's token matrix (width × L, column j = token j) and are templated on the
// scalar type (float, double, long double). Backward passes ACCUMULATE parameter gradients
// (+=) and OVERWRITE the input gradient. Every backward is checked against central finite
// differences in long double (tests/train/test_layers.cpp).
#pragma once

#include "icgd/train/matrix.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <type_traits>
#include <vector>

namespace icgd::train {

/// Read-only matrix argument; T is deduced from the weights, not from this argument, so any
/// matrix expression of the right scalar type binds.
template <class T>
using InRef = Eigen::Ref<const MatrixX<std::type_identity_t<T>>>;

// ---------------------------------------------------------------------------------------------
// Self-attention (docs/papers/von_oswald.md, "The linear self-attention layer"). Heads h = 0..H−1 use rows [h·k, (h+1)·k) of W_Q, W_K, W_V and
// columns [h·k, (h+1)·k) of P:
//   q_j = W_Q,h e_j,  K = W_K,h E_kv,  V = W_V,h E_kv,  E_kv = the first `num_kv` tokens,
//   linear:  e_j ← Σ_h P_h V (Kᵀ q_j)                       (LSA, no 1/N: it lives in P)
//   softmax: e_j ← Σ_h P_h V softmax(Kᵀ q_j / √k)           (reference attn.py)
// The output is the update only (the model adds the residual). num_kv = L − 1 keeps the query
// (last token) out of keys and values (von Oswald, docs/papers/von_oswald.md, "Conventions that bite"); num_kv = L includes it.
// Shapes: W_Q, W_K, W_V: (H·k) × D;  P: D × (H·k).
// `input` may hold several tasks side by side (seq_len columns each; seq_len = 0 means one
// task): the projections are then single large matrix products and only the attention core
// runs per task. Tasks never attend to each other.
// ---------------------------------------------------------------------------------------------

template <class T>
struct AttentionWeights {
  Eigen::Map<const MatrixX<T>> W_Q, W_K, W_V, P;
  int num_heads;
};

template <class T>
struct AttentionGrads {
  Eigen::Map<MatrixX<T>> W_Q, W_K, W_V, P;
};

template <class T>
struct AttentionCache {
  MatrixX<T> input;              // D × (tasks·L)
  MatrixX<T> Q, K, V;            // (H·k) × (tasks·L); K, V are only read on key/value columns
  std::vector<MatrixX<T>> attn;  // per head: num_kv × (tasks·L) (logits if linear, probabilities if softmax)
  MatrixX<T> heads_out;          // (H·k) × (tasks·L)
  MatrixX<T> d_heads, dQ, dK, dV, dA;  // backward scratch
  int num_kv = 0, seq_len = 0;
  bool softmax = false;
};

template <class T>
void attention_forward(const AttentionWeights<T>& w, const InRef<T>& input, int num_kv, bool softmax,
                       MatrixX<T>& out, AttentionCache<T>& cache, int seq_len = 0) {
  const int cols = static_cast<int>(input.cols());
  const int L = seq_len > 0 ? seq_len : cols;
  const int tasks = cols / L;
  const int H = w.num_heads;
  const int k = static_cast<int>(w.W_Q.rows()) / H;
  cache.input = input;
  cache.num_kv = num_kv;
  cache.seq_len = L;
  cache.softmax = softmax;
  cache.Q.noalias() = w.W_Q * input;
  cache.K.noalias() = w.W_K * input;
  cache.V.noalias() = w.W_V * input;
  cache.attn.resize(static_cast<std::size_t>(H));
  cache.heads_out.resize(H * k, cols);
  const T scale = T(1) / std::sqrt(static_cast<T>(k));
  for (int h = 0; h < H; ++h) {
    MatrixX<T>& A = cache.attn[static_cast<std::size_t>(h)];
    A.resize(num_kv, cols);
    for (int t = 0; t < tasks; ++t) {
      const int c0 = t * L;
      auto At = A.middleCols(c0, L);
      At.noalias() = cache.K.block(h * k, c0, k, num_kv).transpose() * cache.Q.block(h * k, c0, k, L);
      if (softmax) {
        for (int j = 0; j < L; ++j) {
          auto col = At.col(j);
          col *= scale;
          const T m = col.maxCoeff();
          col = (col.array() - m).exp().matrix();
          col /= col.sum();
        }
      }
      cache.heads_out.block(h * k, c0, k, L).noalias() = cache.V.block(h * k, c0, k, num_kv) * At;
    }
  }
  out.noalias() = w.P * cache.heads_out;
}

template <class T>
void attention_backward(const AttentionWeights<T>& w, AttentionCache<T>& cache, const InRef<T>& d_out,
                        AttentionGrads<T>& g, MatrixX<T>& d_input) {
  const int cols = static_cast<int>(cache.input.cols());
  const int L = cache.seq_len;
  const int tasks = cols / L;
  const int M = cache.num_kv;
  const int H = w.num_heads;
  const int k = static_cast<int>(w.W_Q.rows()) / H;
  const T scale = T(1) / std::sqrt(static_cast<T>(k));
  g.P.noalias() += d_out * cache.heads_out.transpose();
  cache.d_heads.noalias() = w.P.transpose() * d_out;  // (H·k) × cols
  cache.dQ.resize(H * k, cols);
  cache.dK.setZero(H * k, cols);  // query columns stay zero when it is no key/value
  cache.dV.setZero(H * k, cols);
  for (int h = 0; h < H; ++h) {
    const MatrixX<T>& A = cache.attn[static_cast<std::size_t>(h)];
    for (int t = 0; t < tasks; ++t) {
      const int c0 = t * L;
      const auto At = A.middleCols(c0, L);
      const auto dO = cache.d_heads.block(h * k, c0, k, L);
      cache.dV.block(h * k, c0, k, M).noalias() = dO * At.transpose();
      cache.dA.noalias() = cache.V.block(h * k, c0, k, M).transpose() * dO;  // M × L
      if (cache.softmax) {
        // d logits = A ⊙ (dA − Σ_i A_i dA_i), then the 1/√k of the logits.
        for (int j = 0; j < L; ++j) {
          const T dot = At.col(j).dot(cache.dA.col(j));
          cache.dA.col(j) = (At.col(j).array() * (cache.dA.col(j).array() - dot) * scale).matrix();
        }
      }
      cache.dQ.block(h * k, c0, k, L).noalias() = cache.K.block(h * k, c0, k, M) * cache.dA;
      cache.dK.block(h * k, c0, k, M).noalias() = cache.Q.block(h * k, c0, k, L) * cache.dA.transpose();
    }
  }
  g.W_Q.noalias() += cache.dQ * cache.input.transpose();
  g.W_K.noalias() += cache.dK * cache.input.transpose();
  g.W_V.noalias() += cache.dV * cache.input.transpose();
  d_input.noalias() = w.W_Q.transpose() * cache.dQ;
  d_input.noalias() += w.W_K.transpose() * cache.dK;
  d_input.noalias() += w.W_V.transpose() * cache.dV;
}

// ---------------------------------------------------------------------------------------------
// GELU, tanh approximation (jax.nn.gelu's default, used by the reference MLP).
// ---------------------------------------------------------------------------------------------
template <class T>
T gelu(T z) {
  const T c = std::sqrt(T(2) / T(3.14159265358979323846264338327950288L));
  return T(0.5) * z * (T(1) + std::tanh(c * (z + T(0.044715) * z * z * z)));
}

template <class T>
T gelu_derivative(T z) {
  const T c = std::sqrt(T(2) / T(3.14159265358979323846264338327950288L));
  const T u = c * (z + T(0.044715) * z * z * z);
  const T t = std::tanh(u);
  const T du = c * (T(1) + T(3) * T(0.044715) * z * z);
  return T(0.5) * (T(1) + t) + T(0.5) * z * (T(1) - t * t) * du;
}

// ---------------------------------------------------------------------------------------------
// Two-layer perceptron applied to every token: Y = W2 gelu(W1 X + b1) + b2 (not residual).
// Shapes: W1: hidden × in, b1: hidden, W2: out × hidden, b2: out. Biases may be absent
// (null maps are passed as size-0 maps).
// ---------------------------------------------------------------------------------------------
template <class T>
struct MlpWeights {
  Eigen::Map<const MatrixX<T>> W1, b1, W2, b2;  // b1, b2: column vectors, or 0 × 0 when absent
};

template <class T>
struct MlpGrads {
  Eigen::Map<MatrixX<T>> W1, b1, W2, b2;
};

template <class T>
struct MlpCache {
  MatrixX<T> input, pre, act;  // pre = W1 X + b1, act = gelu(pre)
  MatrixX<T> tanh_u;           // tanh(√(2/π)(z + 0.044715 z³)), reused by the backward pass
  MatrixX<T> d_pre;            // backward scratch
};

template <class T>
void mlp_forward(const MlpWeights<T>& w, const InRef<T>& input, MatrixX<T>& out,
                 MlpCache<T>& cache) {
  cache.input = input;
  cache.pre.noalias() = w.W1 * input;
  if (w.b1.size() > 0) cache.pre.colwise() += w.b1.col(0);
  // Array form of gelu() so that Eigen vectorises tanh (float/double); tanh is kept for backward.
  const T c = std::sqrt(T(2) / T(3.14159265358979323846264338327950288L));
  const auto z = cache.pre.array();
  cache.tanh_u = (c * (z + T(0.044715) * z * z * z)).tanh().matrix();
  cache.act = (T(0.5) * z * (T(1) + cache.tanh_u.array())).matrix();
  out.noalias() = w.W2 * cache.act;
  if (w.b2.size() > 0) out.colwise() += w.b2.col(0);
}

/// db += Σ_columns d_out, summed into an Eigen-allocated (aligned) vector first. Why: db is a
/// view into the flat gradient std::vector, whose 32-byte alignment depends on the heap's
/// history. Eigen vectorizes a row-wise sum along the destination and sums the unaligned head
/// rows with a different association than the vectorized ones, so summing straight into db
/// made the last bits of the bias gradients — and after chaotic training, the results — differ
/// between `icgd demo sine` and the same demo inside `icgd demo all` (tests/train:
/// "bias gradients do not depend on the alignment of the gradient buffer").
template <class T, class Dst>
void add_row_sums(const InRef<T>& d_out, Dst&& db) {
  const Eigen::Matrix<T, Eigen::Dynamic, 1> sums = d_out.rowwise().sum();
  db.col(0) += sums;
}

template <class T>
void mlp_backward(const MlpWeights<T>& w, MlpCache<T>& cache, const InRef<T>& d_out,
                  MlpGrads<T>& g, MatrixX<T>& d_input) {
  g.W2.noalias() += d_out * cache.act.transpose();
  if (g.b2.size() > 0) add_row_sums<T>(d_out, g.b2);
  MatrixX<T>& d_pre = cache.d_pre;
  d_pre.noalias() = w.W2.transpose() * d_out;
  // gelu'(z) = ½(1 + t) + ½ z (1 − t²) √(2/π)(1 + 3·0.044715 z²), t the cached tanh.
  const T c = std::sqrt(T(2) / T(3.14159265358979323846264338327950288L));
  const auto z = cache.pre.array();
  const auto t = cache.tanh_u.array();
  d_pre.array() *= T(0.5) * (T(1) + t) +
                   T(0.5) * z * (T(1) - t * t) * c * (T(1) + T(3) * T(0.044715) * z * z);
  g.W1.noalias() += d_pre * cache.input.transpose();
  if (g.b1.size() > 0) add_row_sums<T>(d_pre, g.b1);
  d_input.noalias() = w.W1.transpose() * d_pre;
}

// ---------------------------------------------------------------------------------------------
// LayerNorm over each token (column): y = γ ⊙ (x − μ)/√(σ² + ε) + β, ε = 1e−5 (Haiku's).
// ---------------------------------------------------------------------------------------------
template <class T>
struct LayerNormWeights {
  Eigen::Map<const MatrixX<T>> gamma, beta;  // D × 1
  T eps = T(1e-5);
};

template <class T>
struct LayerNormGrads {
  Eigen::Map<MatrixX<T>> gamma, beta;
};

template <class T>
struct LayerNormCache {
  MatrixX<T> normalized;  // x̂, D × L
  VectorX<T> inv_std;     // L
};

template <class T>
void layernorm_forward(const LayerNormWeights<T>& w, const InRef<T>& input,
                       MatrixX<T>& out, LayerNormCache<T>& cache) {
  const int D = static_cast<int>(input.rows());
  const int L = static_cast<int>(input.cols());
  cache.normalized.resize(D, L);
  cache.inv_std.resize(L);
  out.resize(D, L);
  for (int j = 0; j < L; ++j) {
    const T mean = input.col(j).mean();
    const auto centered = (input.col(j).array() - mean).matrix();
    const T var = centered.squaredNorm() / static_cast<T>(D);
    const T r = T(1) / std::sqrt(var + w.eps);
    cache.inv_std(j) = r;
    cache.normalized.col(j) = centered * r;
    out.col(j) = (w.gamma.col(0).array() * cache.normalized.col(j).array() + w.beta.col(0).array())
                     .matrix();
  }
}

template <class T>
void layernorm_backward(const LayerNormWeights<T>& w, const LayerNormCache<T>& cache,
                        const InRef<T>& d_out, LayerNormGrads<T>& g,
                        MatrixX<T>& d_input) {
  const int D = static_cast<int>(d_out.rows());
  const int L = static_cast<int>(d_out.cols());
  d_input.resize(D, L);
  for (int j = 0; j < L; ++j) {
    g.gamma.col(0).array() += d_out.col(j).array() * cache.normalized.col(j).array();
    g.beta.col(0) += d_out.col(j);
    const VectorX<T> d_hat = (d_out.col(j).array() * w.gamma.col(0).array()).matrix();
    const T mean_d = d_hat.mean();
    const T mean_dx = d_hat.dot(cache.normalized.col(j)) / static_cast<T>(D);
    d_input.col(j) = (cache.inv_std(j) *
                      (d_hat.array() - mean_d - cache.normalized.col(j).array() * mean_dx))
                         .matrix();
  }
}

// ---------------------------------------------------------------------------------------------
// Linear map on every token: Y = W X + b (embedding). Shapes W: out × in, b: out or 0 × 0.
// ---------------------------------------------------------------------------------------------
template <class T>
void linear_forward(const Eigen::Map<const MatrixX<T>>& W, const Eigen::Map<const MatrixX<T>>& b,
                    const InRef<T>& input, MatrixX<T>& out) {
  out.noalias() = W * input;
  if (b.size() > 0) out.colwise() += b.col(0);
}

template <class T>
void linear_backward(const Eigen::Map<const MatrixX<T>>& W, const InRef<T>& input,
                     const InRef<T>& d_out, Eigen::Map<MatrixX<T>>& dW,
                     Eigen::Map<MatrixX<T>>& db, MatrixX<T>& d_input) {
  dW.noalias() += d_out * input.transpose();
  if (db.size() > 0) add_row_sums<T>(d_out, db);
  d_input.noalias() = W.transpose() * d_out;
}

}  // namespace icgd::train
