// Model<T> on whole batches (model.hpp): predictions, loss and gradient, sensitivities and
// per-layer read-outs, parallel over fixed blocks of tasks (parallel.hpp) and reduced in block
// order, so that no result depends on the thread count.
#include "icgd/train/model.hpp"

#include "icgd/train/parallel.hpp"

#include <algorithm>
#include <stdexcept>

namespace icgd::train {

namespace {

constexpr int kPredictBlock = 64;

int num_blocks(int batch, int block) { return (batch + block - 1) / block; }

}  // namespace

template <class T>
MatrixX<T> Model<T>::predict(const TokenBatch<T>& tokens, int threads) const {
  MatrixX<T> out(config_.y_dim, tokens.batch);
  const int L = tokens.seq_len;
  const int blocks = num_blocks(tokens.batch, kPredictBlock);
  const int nt = effective_threads(blocks, threads);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    const int b0 = blk * kPredictBlock;
    const int nb = std::min(tokens.batch, b0 + kPredictBlock) - b0;
    out.middleCols(b0, nb) =
        forward_block(tokens.data.middleCols(b0 * L, nb * L), L, ws[static_cast<std::size_t>(t)]);
  });
  return out;
}

template <class T>
T Model<T>::loss(const TokenBatch<T>& tokens, const MatrixX<T>& targets, int threads) const {
  const MatrixX<T> pred = predict(tokens, threads);
  // Accumulate in long double in task order: the same value for every thread count.
  long double s = 0;
  for (int b = 0; b < tokens.batch; ++b)
    s += static_cast<long double>((pred.col(b) - targets.col(b)).squaredNorm());
  return static_cast<T>(0.5L * s / static_cast<long double>(tokens.batch));
}

template <class T>
T Model<T>::loss_and_grad(const TokenBatch<T>& tokens, const MatrixX<T>& targets,
                          std::vector<T>& grad, int threads) const {
  if (targets.cols() != tokens.batch || targets.rows() != config_.y_dim)
    throw std::invalid_argument("Model::loss_and_grad: targets must be y_dim x batch");
  const int B = tokens.batch;
  const int L = tokens.seq_len;
  const int blocks = num_blocks(B, kGradientBlock);
  const int nt = effective_threads(blocks, threads);
  const std::size_t size = layer_store().total_size();
  std::vector<std::vector<T>> block_grads(static_cast<std::size_t>(blocks));
  std::vector<long double> block_loss(static_cast<std::size_t>(blocks), 0.0L);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  const T inv_b = T(1) / static_cast<T>(B);
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    auto& g = block_grads[static_cast<std::size_t>(blk)];
    g.assign(size, T(0));
    auto& w = ws[static_cast<std::size_t>(t)];
    const int b0 = blk * kGradientBlock;
    const int nb = std::min(B, b0 + kGradientBlock) - b0;
    const MatrixX<T> r = forward_block(tokens.data.middleCols(b0 * L, nb * L), L, w) - targets.middleCols(b0, nb);
    long double l = 0;
    for (int j = 0; j < nb; ++j) l += 0.5L * static_cast<long double>(r.col(j).squaredNorm());
    backward_block(w, MatrixX<T>(r * inv_b), &g, nullptr);
    block_loss[static_cast<std::size_t>(blk)] = l;
  });
  // Fixed-order reduction: block 0, 1, 2, … regardless of which thread computed which.
  std::vector<T> total(size, T(0));
  long double loss_sum = 0;
  for (int blk = 0; blk < blocks; ++blk) {
    const auto& g = block_grads[static_cast<std::size_t>(blk)];
    for (std::size_t i = 0; i < size; ++i) total[i] += g[i];
    loss_sum += block_loss[static_cast<std::size_t>(blk)];
  }
  contract_gradient(total, grad);
  return static_cast<T>(loss_sum / static_cast<long double>(B));
}

template <class T>
MatrixX<T> Model<T>::query_sensitivity(const TokenBatch<T>& tokens, int rows, int threads) const {
  MatrixX<T> out(rows, tokens.batch);
  const int L = tokens.seq_len;
  const int blocks = num_blocks(tokens.batch, kPredictBlock);
  const int nt = effective_threads(blocks, threads);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    auto& w = ws[static_cast<std::size_t>(t)];
    const int b0 = blk * kPredictBlock;
    const int nb = std::min(tokens.batch, b0 + kPredictBlock) - b0;
    forward_block(tokens.data.middleCols(b0 * L, nb * L), L, w);
    // ŷ_0 of different tasks depend on disjoint inputs, so one backward with d ŷ_0 = 1 for every
    // task gives every task's sensitivity at once.
    MatrixX<T> d_pred = MatrixX<T>::Zero(config_.y_dim, nb);
    d_pred.row(0).setOnes();
    MatrixX<T> d_tokens;
    backward_block(w, d_pred, nullptr, &d_tokens);
    for (int j = 0; j < nb; ++j) out.col(b0 + j) = d_tokens.col(j * L + L - 1).head(rows);
  });
  return out;
}

template <class T>
MatrixX<T> Model<T>::predict_per_layer(const TokenBatch<T>& tokens, int threads) const {
  const int nl = config_.num_layers;
  const int L = tokens.seq_len;
  MatrixX<T> out(nl + 1, tokens.batch);
  const int blocks = num_blocks(tokens.batch, kPredictBlock);
  const int nt = effective_threads(blocks, threads);
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  const int slot = config_.hidden_width() - config_.y_dim;
  const T sign = static_cast<T>(config_.readout_sign);
  parallel_blocks(blocks, nt, [&](int blk, int t) {
    auto& w = ws[static_cast<std::size_t>(t)];
    const int b0 = blk * kPredictBlock;
    const int nb = std::min(tokens.batch, b0 + kPredictBlock) - b0;
    forward_block(tokens.data.middleCols(b0 * L, nb * L), L, w);
    for (int j = 0; j < nb; ++j)
      for (int l = 0; l <= nl; ++l)
        out(l, b0 + j) = sign * w.hidden[static_cast<std::size_t>(l)](slot, j * L + L - 1);
  });
  return out;
}

// Model<T> itself is instantiated with the layout (layout.cpp); these are its members defined here.
#define ICGD_MODEL_BATCHES(T)                                                                   \
  template MatrixX<T> Model<T>::predict(const TokenBatch<T>&, int) const;                      \
  template T Model<T>::loss(const TokenBatch<T>&, const MatrixX<T>&, int) const;               \
  template T Model<T>::loss_and_grad(const TokenBatch<T>&, const MatrixX<T>&, std::vector<T>&, \
                                     int) const;                                               \
  template MatrixX<T> Model<T>::query_sensitivity(const TokenBatch<T>&, int, int) const;       \
  template MatrixX<T> Model<T>::predict_per_layer(const TokenBatch<T>&, int) const;
ICGD_MODEL_BATCHES(float)
ICGD_MODEL_BATCHES(double)
ICGD_MODEL_BATCHES(long double)
#undef ICGD_MODEL_BATCHES

}  // namespace icgd::train
