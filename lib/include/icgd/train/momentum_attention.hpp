// icgd/train/momentum_attention.hpp — momentum attention (Dai et al. 2023, the momentum-based
// attention section; docs/papers/dai.md, "Momentum-based attention"): attention plus an
// exponential moving average of the past VALUES,
//
//   MoAttn(V, K, q_t) = Attn(V, K, q_t) + m_t,   m_t = Σ_{i<t} η^{t−i} v_i,
//
// computed by the recursion m_0 = 0, m_t = η (m_{t−1} + v_{t−1}) (DAI-4 proves the two equal),
// per head, before the output projection P: out_t = P (Attn_t + m_t).
//
// Order and the query (icgd's convention; the paper's model is a causal language model): the
// moving average runs over token positions 0 … L−1 of each task and takes only values of tokens
// that are keys/values (positions < num_kv) and strictly BEFORE t. So every token's own value is
// left out of its momentum, and the query (the last token) receives Σ_{i<L−1} η^{L−1−i} v_i,
// the moving average of every context value, whether or not it is itself among the keys
// (include_query_in_kv changes nothing for the query's momentum).
//
// Same conventions as attention_forward/attention_backward (train/layers.hpp): weights, shapes,
// several tasks side by side, the output is the update only, the backward accumulates parameter
// gradients and overwrites the input gradient. η = 0 gives attention_forward's result bit for
// bit (tests/train/test_momentum_attention.cpp). Backward of the moving average: with dM = Pᵀ dOut,
// the value gradient gains dv_i += Σ_{t>i} η^{t−i} dM_t, the reverse recursion
// r_{L−1} = 0, r_t = η (r_{t+1} + dM_{t+1}), dv_i += r_i.
#pragma once

#include "icgd/train/layers.hpp"

#include <stdexcept>

namespace icgd::train {

template <class T>
struct MomentumCache {
  MatrixX<T> momentum;  // (H·k) × (tasks·L): m_t per head, column by column
  MatrixX<T> dV;        // (H·k) × (tasks·L): backward scratch, the moving average's value gradient
  T decay = T(0);
};

/// The causal moving average of the value rows `values` ((H·k) × (tasks·L)) over each task's L
/// positions, values of positions ≥ num_kv left out: m_t = η (m_{t−1} + [t−1 < num_kv] v_{t−1}).
template <class T>
void moving_average_of_values(const MatrixX<T>& values, int seq_len, int num_kv, T decay, MatrixX<T>& momentum) {
  const int cols = static_cast<int>(values.cols());
  const int L = seq_len;
  momentum.setZero(values.rows(), cols);
  for (int c0 = 0; c0 < cols; c0 += L)
    for (int t = 1; t < L; ++t) {
      if (t - 1 < num_kv)
        momentum.col(c0 + t) = decay * (momentum.col(c0 + t - 1) + values.col(c0 + t - 1));
      else
        momentum.col(c0 + t) = decay * momentum.col(c0 + t - 1);
    }
}

template <class T>
void momentum_attention_forward(const AttentionWeights<T>& w, const InRef<T>& input, int num_kv, bool softmax,
                                T decay, MatrixX<T>& out, AttentionCache<T>& cache, MomentumCache<T>& momentum,
                                int seq_len = 0) {
  if (!(decay >= T(0) && decay < T(1))) throw std::invalid_argument("momentum attention: decay must be in [0, 1)");
  attention_forward(w, input, num_kv, softmax, out, cache, seq_len);
  momentum.decay = decay;
  moving_average_of_values(cache.V, cache.seq_len, num_kv, decay, momentum.momentum);
  // P (Attn + m) = P Attn + P m; at η = 0, m is ±0 everywhere and out is unchanged bit for bit.
  out.noalias() += w.P * momentum.momentum;
}

template <class T>
void momentum_attention_backward(const AttentionWeights<T>& w, AttentionCache<T>& cache, MomentumCache<T>& momentum,
                                 const InRef<T>& d_out, AttentionGrads<T>& g, MatrixX<T>& d_input) {
  attention_backward(w, cache, d_out, g, d_input);  // leaves cache.d_heads = Pᵀ d_out
  g.P.noalias() += d_out * momentum.momentum.transpose();
  const int cols = static_cast<int>(cache.input.cols());
  const int L = cache.seq_len;
  const T eta = momentum.decay;
  // r_t = Σ_{s>t} η^{s−t} dM_s by the reverse recursion; only key/value positions get it.
  MatrixX<T>& dV = momentum.dV;
  dV.setZero(cache.d_heads.rows(), cols);
  for (int c0 = 0; c0 < cols; c0 += L)
    for (int t = L - 2; t >= 0; --t) dV.col(c0 + t) = eta * (dV.col(c0 + t + 1) + cache.d_heads.col(c0 + t + 1));
  for (int c0 = 0; c0 < cols; c0 += L)
    for (int t = cache.num_kv; t < L; ++t) dV.col(c0 + t).setZero();
  g.W_V.noalias() += dV * cache.input.transpose();
  d_input.noalias() += w.W_V.transpose() * dV;
}

}  // namespace icgd::train
