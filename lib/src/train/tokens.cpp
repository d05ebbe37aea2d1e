// Token constructions (docs/papers/von_oswald.md, "The linear self-attention layer", "Proposition 1" for concatenated tokens, "Proposition 3" for classic tokens).
#include "icgd/train/tokens.hpp"

#include <cmath>
#include <stdexcept>

namespace icgd::train {

int TokenConfig::width(const TaskConfig& task) const {
  if (kind == TokenKind::concatenated) return task.x_dim + task.y_dim;
  return task.x_dim + pos_enc_size;
}

int TokenConfig::seq_len(const TaskConfig& task) const {
  if (kind == TokenKind::concatenated) return task.num_context + 1;
  return 2 * task.num_context + 1;
}

nlohmann::json TokenConfig::to_json() const {
  return {{"kind", kind == TokenKind::concatenated ? "concatenated" : "classic"},
          {"pos_enc_size", pos_enc_size},
          {"flip_pos_enc", flip_pos_enc}};
}

TokenConfig TokenConfig::from_json(const nlohmann::json& j) {
  TokenConfig c;
  const std::string k = j.value("kind", "concatenated");
  if (k == "concatenated")
    c.kind = TokenKind::concatenated;
  else if (k == "classic")
    c.kind = TokenKind::classic;
  else
    throw std::invalid_argument("TokenConfig: unknown kind " + k);
  c.pos_enc_size = j.value("pos_enc_size", c.pos_enc_size);
  c.flip_pos_enc = j.value("flip_pos_enc", c.flip_pos_enc);
  return c;
}

Eigen::MatrixXd sinusoidal_positional_encoding(int seq_len, int size, bool flip) {
  // Reference `create_pos_encoding`: div_term = exp(2i · (−ln 10000 / size)).
  Eigen::MatrixXd pe = Eigen::MatrixXd::Zero(size, seq_len);
  for (int t = 0; t < seq_len; ++t) {
    const int pos = flip ? seq_len - 1 - t : t;
    for (int i = 0; 2 * i < size; ++i) {
      const double div = std::exp(2.0 * i * (-std::log(10000.0) / size));
      pe(2 * i, t) = std::sin(pos * div);
      if (2 * i + 1 < size) pe(2 * i + 1, t) = std::cos(pos * div);
    }
  }
  return pe;
}

template <class T>
TokenBatch<T> make_tokens(const TaskBatch& tasks, const TokenConfig& config) {
  TokenBatch<T> tb;
  tb.batch = tasks.batch;
  const int n = tasks.num_context, d = tasks.x_dim, ny = tasks.y_dim;
  if (config.kind == TokenKind::concatenated) {
    // e_i = (x_i, y_i), query (x_q, 0) (docs/papers/von_oswald.md, "Proposition 1" with W_0 = 0; reference data.py).
    tb.seq_len = n + 1;
    tb.width = d + ny;
    tb.data.resize(tb.width, static_cast<Eigen::Index>(tb.batch) * tb.seq_len);
    tb.data.topRows(d) = tasks.x.cast<T>();
    tb.data.bottomRows(ny) = tasks.y.cast<T>();
    for (int b = 0; b < tb.batch; ++b) tb.data.col(b * tb.seq_len + n).tail(ny).setZero();
  } else {
    // e_{2i} = x_i, e_{2i+1} = (0, …, 0, y_i), query x_q; PE concatenated below (von_oswald.md, "Proposition 3").
    if (ny != 1) throw std::invalid_argument("classic tokens need y_dim = 1");
    tb.seq_len = 2 * n + 1;
    tb.width = d + config.pos_enc_size;
    tb.data.setZero(tb.width, static_cast<Eigen::Index>(tb.batch) * tb.seq_len);
    const Eigen::MatrixXd pe =
        sinusoidal_positional_encoding(tb.seq_len, config.pos_enc_size, config.flip_pos_enc);
    for (int b = 0; b < tb.batch; ++b) {
      auto E = tb.task(b);
      for (int i = 0; i < n; ++i) {
        E.col(2 * i).head(d) = tasks.context_x(b).col(i).cast<T>();
        E(d - 1, 2 * i + 1) = static_cast<T>(tasks.context_y(b)(0, i));
      }
      E.col(2 * n).head(d) = tasks.query_x(b).cast<T>();
      E.bottomRows(config.pos_enc_size) = pe.cast<T>();
    }
  }
  return tb;
}

template <class T>
MatrixX<T> make_targets(const TaskBatch& tasks) {
  return tasks.targets().cast<T>();
}

template TokenBatch<float> make_tokens<float>(const TaskBatch&, const TokenConfig&);
template TokenBatch<double> make_tokens<double>(const TaskBatch&, const TokenConfig&);
template TokenBatch<long double> make_tokens<long double>(const TaskBatch&, const TokenConfig&);
template MatrixX<float> make_targets<float>(const TaskBatch&);
template MatrixX<double> make_targets<double>(const TaskBatch&);
template MatrixX<long double> make_targets<long double>(const TaskBatch&);

}  // namespace icgd::train
