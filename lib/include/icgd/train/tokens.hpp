// icgd/train/tokens.hpp — token constructions (docs/papers/von_oswald.md, "The linear self-attention layer", "Proposition 1", "Proposition 3").
//
// A token batch stores B token matrices side by side: width × (B · seq_len), task b in the
// column block [b·seq_len, (b+1)·seq_len), the query token last. Column vectors throughout
// (math convention; Haiku stores transposes, docs/papers/von_oswald.md, "Conventions that bite").
#pragma once

#include "icgd/train/matrix.hpp"
#include "icgd/train/tasks.hpp"

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace icgd::train {

template <class T>
struct TokenBatch {
  int batch = 0;    ///< B
  int seq_len = 0;  ///< tokens per task (query included)
  int width = 0;    ///< token dimension
  MatrixX<T> data;  ///< width × (batch · seq_len)

  auto task(int b) { return data.middleCols(b * seq_len, seq_len); }
  auto task(int b) const { return data.middleCols(b * seq_len, seq_len); }
};

enum class TokenKind {
  /// e_i = (x_i, y_i), query (x_q, 0): width x_dim + y_dim, seq_len N + 1 (von Oswald A.2).
  concatenated,
  /// e_{2i} = x_i, e_{2i+1} = (0, …, 0, y_i) (width x_dim, y in the last slot, y_dim = 1),
  /// query x_q last, sinusoidal positional encodings concatenated: width x_dim + pos_enc_size,
  /// seq_len 2N + 1 (docs/papers/von_oswald.md, "Proposition 3"; reference `create_reg_data_classic_token`).
  classic,
};

struct TokenConfig {
  TokenKind kind = TokenKind::concatenated;
  /// Positional encoding size for classic tokens: 10 in the code, 20 in the paper (§0 item 9).
  int pos_enc_size = 10;
  /// Reverse the positional encodings along the sequence (reference `flip`).
  bool flip_pos_enc = false;

  /// Token width and sequence length for a task configuration.
  int width(const TaskConfig& task) const;
  int seq_len(const TaskConfig& task) const;

  nlohmann::json to_json() const;
  static TokenConfig from_json(const nlohmann::json& j);
};

/// Sinusoidal encodings as in the reference (`create_pos_encoding`): size × len,
/// column t: pe[2i] = sin(t·10000^(−2i/size)), pe[2i+1] = cos(t·10000^(−2i/size)).
Eigen::MatrixXd sinusoidal_positional_encoding(int seq_len, int size, bool flip = false);

/// Builds the token matrices of a task batch in scalar type T.
template <class T>
TokenBatch<T> make_tokens(const TaskBatch& tasks, const TokenConfig& config);

/// Query targets (y_dim × B) in scalar type T.
template <class T>
MatrixX<T> make_targets(const TaskBatch& tasks);

/// Tokens and targets together: what a model trains on.
template <class T>
struct Batch {
  TokenBatch<T> tokens;
  MatrixX<T> targets;  ///< y_dim × B
};

template <class T>
Batch<T> make_batch(const TaskBatch& tasks, const TokenConfig& config) {
  return {make_tokens<T>(tasks, config), make_targets<T>(tasks)};
}

extern template TokenBatch<float> make_tokens<float>(const TaskBatch&, const TokenConfig&);
extern template TokenBatch<double> make_tokens<double>(const TaskBatch&, const TokenConfig&);
extern template TokenBatch<long double> make_tokens<long double>(const TaskBatch&,
                                                                 const TokenConfig&);
extern template MatrixX<float> make_targets<float>(const TaskBatch&);
extern template MatrixX<double> make_targets<double>(const TaskBatch&);
extern template MatrixX<long double> make_targets<long double>(const TaskBatch&);

}  // namespace icgd::train
