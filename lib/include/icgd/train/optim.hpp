// icgd/train/optim.hpp — Adam / AdamW with global-norm gradient clipping, as optax's
// chain(clip_by_global_norm(c), adamw(lr, b1, b2, eps, weight_decay)) used by the reference
// (reference train.py). Works on flat buffers (params.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

namespace icgd::train {

struct AdamConfig {
  double learning_rate = 1e-3;  ///< paper: 1e-3 (5e-4 from 3 layers), docs/papers/von_oswald.md, "Paper versus reference code"
  double beta1 = 0.9;
  /// The reference's config.b2 = 0.98 (reference src/config.py, passed to optax.adamw for every
  /// experiment); optax's own default is 0.999.
  double beta2 = 0.98;
  double eps = 1e-8;  ///< optax's default: the reference does not pass its config.adam_eps here
  /// Decoupled weight decay (AdamW): update += weight_decay · param, scaled by the lr.
  double weight_decay = 0.0;
  /// Global-norm clipping threshold; ≤ 0 disables. Code: 1e-3 for ≤ 2 layers, paper: 10.
  double clip_global_norm = 0.0;

  nlohmann::json to_json() const;
  static AdamConfig from_json(const nlohmann::json& j);
};

/// Euclidean norm of a flat buffer, accumulated in long double in index order.
template <class T>
double global_norm(const std::vector<T>& g) {
  long double s = 0;
  for (const T& v : g) s += static_cast<long double>(v) * static_cast<long double>(v);
  return static_cast<double>(std::sqrt(s));
}

template <class T>
class Adam {
 public:
  Adam() = default;
  explicit Adam(AdamConfig config, std::size_t size = 0) : config_(config) { reset(size); }

  void reset(std::size_t size) {
    m_.assign(size, T(0));
    v_.assign(size, T(0));
    steps_ = 0;
  }

  /// One update: clips `grad` in place to the global norm, then applies Adam(W).
  /// Returns the global norm of the gradient before clipping. A gradient whose norm is not
  /// finite changes nothing — parameters, moments, step count — as with optax's
  /// apply_if_finite: clipping cannot scale a NaN, and one such update would make every
  /// parameter and both moments NaN for good (the 5-layer stack of `icgd demo stacks` did).
  double step(std::vector<T>& params, std::vector<T>& grad) {
    if (m_.size() != params.size()) reset(params.size());
    const double norm = global_norm(grad);
    if (!std::isfinite(norm)) return norm;
    if (config_.clip_global_norm > 0 && norm > config_.clip_global_norm) {
      const T scale = static_cast<T>(config_.clip_global_norm / norm);
      for (T& g : grad) g *= scale;
    }
    ++steps_;
    const T b1 = static_cast<T>(config_.beta1), b2 = static_cast<T>(config_.beta2);
    const T bias1 = T(1) - static_cast<T>(std::pow(config_.beta1, static_cast<double>(steps_)));
    const T bias2 = T(1) - static_cast<T>(std::pow(config_.beta2, static_cast<double>(steps_)));
    const T lr = static_cast<T>(config_.learning_rate);
    const T eps = static_cast<T>(config_.eps);
    const T wd = static_cast<T>(config_.weight_decay);
    for (std::size_t i = 0; i < params.size(); ++i) {
      m_[i] = b1 * m_[i] + (T(1) - b1) * grad[i];
      v_[i] = b2 * v_[i] + (T(1) - b2) * grad[i] * grad[i];
      const T m_hat = m_[i] / bias1;
      const T v_hat = v_[i] / bias2;
      T update = m_hat / (std::sqrt(v_hat) + eps);
      if (wd != T(0)) update += wd * params[i];
      params[i] -= lr * update;
    }
    return norm;
  }

  const AdamConfig& config() const { return config_; }
  AdamConfig& config() { return config_; }
  std::int64_t steps() const { return steps_; }
  // State access for checkpoints.
  std::vector<T>& first_moment() { return m_; }
  std::vector<T>& second_moment() { return v_; }
  const std::vector<T>& first_moment() const { return m_; }
  const std::vector<T>& second_moment() const { return v_; }
  void set_steps(std::int64_t s) { steps_ = s; }

 private:
  AdamConfig config_;
  std::vector<T> m_, v_;
  std::int64_t steps_ = 0;
};

}  // namespace icgd::train
