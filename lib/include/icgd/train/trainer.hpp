// icgd/train/trainer.hpp — the training loop: fresh tasks every step, Adam(W) with clipping,
// evaluation on a fixed task set, a progress callback, atomic and resumable checkpoints.
//
// Determinism: the tasks of step s are tasks 0..B−1 of (seed, Stream::train_tasks, s); the
// evaluation set is tasks 0..E−1 of (seed, Stream::eval_tasks, 0); the initial parameters come
// from (seed, Stream::init). Gradients are reduced in a fixed order (model.hpp), so a run is
// bit-for-bit repeatable for a given seed, and the same for every thread count. A run resumed
// from a checkpoint continues exactly as the uninterrupted run.
#pragma once

#include "icgd/train/model.hpp"
#include "icgd/train/optim.hpp"
#include "icgd/train/tasks.hpp"
#include "icgd/train/tokens.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace icgd::train {

struct TrainConfig {
  TaskConfig task;
  TokenConfig tokens;
  ModelConfig model;
  AdamConfig optimizer;
  int batch_size = 2048;
  std::int64_t steps = 5000;
  std::uint64_t seed = 0;
  int eval_tasks = 10000;   ///< size of the fixed evaluation set (A.8: 10 000)
  int eval_every = 100;     ///< evaluate every this many steps (and at the last step); 0: never
  int threads = 0;          ///< 0: all hardware threads (resolve_threads, parallel.hpp)
  std::string checkpoint_path;  ///< empty: no checkpoints
  int checkpoint_every = 0;     ///< steps between checkpoints (0: only at the end, if a path is set)

  /// The paper's setting for an L-layer LSA model on d = N = 10 linear regression (von_oswald.md, "Experiments and the numbers to hit"):
  /// batch 2048, Adam lr 1e-3 (5e-4 from 3 layers), clip 1e-3 (≤ 2 layers) else 10,
  /// init_scale 0.002 / L, 5000 steps (recurrent) or 50 000 (non-recurrent).
  static TrainConfig von_oswald(int num_layers, bool recurrent, TaskConfig task = {});

  /// Model token width/context filled in from the task and token settings.
  void finalize();
  nlohmann::json to_json() const;
  static TrainConfig from_json(const nlohmann::json& j);
};

struct TrainProgress {
  std::int64_t step = 0;         ///< steps completed
  std::int64_t total_steps = 0;
  double train_loss = 0;         ///< loss of the batch of the step just taken (before the update)
  std::optional<double> eval_loss;  ///< set when evaluated at this step
  double grad_norm = 0;          ///< global norm before clipping
  double seconds = 0;            ///< wall time since run() started
};

struct TrainRecord {
  std::int64_t step;
  double train_loss;
  double eval_loss;  ///< NaN when not evaluated at this step
};

template <class T>
class Trainer {
 public:
  /// Loss and gradient of the step-`step` tasks at the given parameters; replaces the default
  /// (generate tasks, build tokens, Model::loss_and_grad). `grad` has params.total_size().
  using StepObjective =
      std::function<double(std::int64_t step, const ParamStore<T>& params, std::vector<T>& grad)>;
  using ProgressFn = std::function<void(const TrainProgress&)>;

  /// Builds the model, initialises it from the seed, generates the evaluation set.
  explicit Trainer(TrainConfig config);

  const TrainConfig& config() const { return config_; }
  Model<T>& model() { return model_; }
  const Model<T>& model() const { return model_; }
  const TaskBatch& eval_tasks() const { return eval_tasks_; }
  const Batch<T>& eval_batch() const { return eval_batch_; }
  std::int64_t step() const { return step_; }
  const std::vector<TrainRecord>& history() const { return history_; }
  Adam<T>& optimizer() { return adam_; }
  int threads() const { return threads_; }

  void set_objective(StepObjective objective) { objective_ = std::move(objective); }

  /// The tasks of training step `step` (what the default objective trains on).
  TaskBatch step_tasks(std::int64_t step) const;

  /// One optimisation step on fresh tasks; returns the batch loss before the update.
  double train_step();
  /// Global gradient norm (before clipping) of the last train_step.
  double last_grad_norm() const { return last_grad_norm_; }
  /// Steps whose loss or gradient was not finite and that therefore changed nothing (as optax's
  /// apply_if_finite). Counted since this Trainer was made; not stored in checkpoints.
  std::int64_t skipped_steps() const { return skipped_steps_; }
  /// Loss on the fixed evaluation set.
  double evaluate() const;
  /// Runs until config().steps, evaluating every eval_every steps and writing checkpoints;
  /// `progress` is called after every step.
  void run(const ProgressFn& progress = {});

  /// Writes {config, step, parameters, Adam state, history} atomically (temporary file in the
  /// same folder, then rename). Binary; see docs/training.md.
  void save_checkpoint(const std::string& path) const;
  /// Restores a checkpoint written by save_checkpoint; its configuration must equal this
  /// trainer's apart from `steps`, `threads`, `eval_every` and the checkpoint settings.
  void load_checkpoint(const std::string& path);
  /// The configuration stored in a checkpoint (to construct the Trainer that resumes it).
  static TrainConfig read_checkpoint_config(const std::string& path);

 private:
  TrainConfig config_;
  Model<T> model_;
  Adam<T> adam_;
  TaskBatch eval_tasks_;
  Batch<T> eval_batch_;
  std::int64_t step_ = 0;
  int threads_ = 1;
  std::vector<TrainRecord> history_;
  StepObjective objective_;
  std::vector<T> grad_;
  double last_grad_norm_ = 0;
  std::int64_t skipped_steps_ = 0;
};

extern template class Trainer<float>;
extern template class Trainer<double>;
extern template class Trainer<long double>;

}  // namespace icgd::train
