// FastLsaObjective and FastLsaTrainer (fast_lsa.hpp): the fast path's training loop on top of
// its passes (passes.cpp).
#include "icgd/train/fast_lsa.hpp"

#include "fast/engine.hpp"
#include "icgd/train/parallel.hpp"

namespace icgd::train {

template <class T>
FastLsaObjective<T>::FastLsaObjective(FastLsaConfig config) : config_(config) {
  config_.validate();
  engine_ = std::make_unique<fast::Engine>(resolve_threads(config_.threads));
}

template <class T>
FastLsaObjective<T>::~FastLsaObjective() = default;

template <class T>
int FastLsaObjective<T>::threads() const {
  return engine_->pool.threads();
}

template <class T>
double FastLsaObjective<T>::operator()(std::int64_t step, const ParamStore<T>& params,
                                       std::vector<T>& grad) {
  const fast::TaskStream stream(config_.seed, static_cast<std::uint64_t>(step));
  return fast::loss_pass<T>(*engine_, config_, params, config_.batch_size, &stream, nullptr, &grad);
}

template <class T>
double FastLsaObjective<T>::generate_only(std::int64_t step) {
  const fast::TaskStream stream(config_.seed, static_cast<std::uint64_t>(step));
  return fast::generate_pass<T>(*engine_, config_, config_.batch_size, stream);
}

template <class T>
double FastLsaObjective<T>::stream_words_only(std::int64_t step) {
  const fast::TaskStream stream(config_.seed, static_cast<std::uint64_t>(step));
  return fast::generate_pass<T>(*engine_, config_, config_.batch_size, stream, true);
}

template <class T>
double FastLsaObjective<T>::loss_and_grad(const TaskBatch& tasks, const ParamStore<T>& params,
                                          std::vector<T>* grad) {
  fast::check_tasks(config_, tasks);
  return fast::loss_pass<T>(*engine_, config_, params, tasks.batch, nullptr, &tasks, grad);
}

template <class T>
FastLsaTrainer<T>::FastLsaTrainer(FastLsaConfig config, ParamStore<T> initial, AdamConfig optimizer)
    : objective_(config), params_(std::move(initial)), adam_(optimizer, params_.total_size()) {
  fast::check_layout(objective_.config(), params_);
}

template <class T>
double FastLsaTrainer<T>::train_step() {
  const double loss = objective_(step_, params_, grad_);
  grad_norm_ = adam_.step(params_.values(), grad_);
  ++step_;
  return loss;
}

template class FastLsaObjective<float>;
template class FastLsaObjective<double>;
template class FastLsaTrainer<float>;
template class FastLsaTrainer<double>;

}  // namespace icgd::train
