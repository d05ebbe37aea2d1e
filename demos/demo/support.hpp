// demos/demo/support.hpp — helpers the demos share on top of the training engine: the task
// distribution chosen on the command line, training with a progress bar, saving weights into
// the run folder, and small statistics.
#pragma once

#include "demo/framework.hpp"
#include "icgd/io/progress.hpp"
#include "icgd/train/fast_lsa.hpp"
#include "icgd/train/train.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <type_traits>
#include <string>
#include <vector>

namespace icgd::demo {

/// The linear-regression task of von Oswald et al. (docs/papers/von_oswald.md, "Setting and notation") with the input range of the
/// command line (--input-range): x ~ U(−a, a)^d, w ~ N(0, I_d), y = wᵀx, N context pairs.
[[nodiscard]] train::TaskConfig linear_task(const DemoContext& ctx, int d, int n);

/// Runs trainer.run() with a progress bar labelled `label`; `on_eval(step)` is called after
/// every evaluation of the fixed evaluation set (the trainer has its loss in history()).
/// `steps_before`/`steps_total` place this run inside a longer job (several seeds) on the bar.
template <class T>
void train_with_progress(DemoContext& ctx, train::Trainer<T>& trainer, const std::string& label,
                         const std::function<void(std::int64_t step, double eval_loss)>& on_eval = {}) {
  io::ProgressBar bar(label, trainer.config().steps,
                      ctx.progress_enabled() ? io::ProgressBar::Mode::automatic : io::ProgressBar::Mode::off);
  double last_eval = std::nan("");
  if (on_eval && trainer.step() == 0) {  // the untrained model is the first checkpoint
    last_eval = trainer.evaluate();
    on_eval(0, last_eval);
  }
  trainer.run([&](const train::TrainProgress& p) {
    if (p.eval_loss) {
      last_eval = *p.eval_loss;
      if (on_eval) on_eval(p.step, *p.eval_loss);
    }
    bar.update(p.step, fmt::format("train {:.4f} eval {:.4f}", p.train_loss, last_eval));
  });
  bar.finish(fmt::format("eval loss {:.5f}", last_eval));
  if (trainer.skipped_steps() > 0)
    fmt::print(stderr, "icgd: note: {}: {} training step(s) had a non-finite loss or gradient and were skipped\n", label,
               trainer.skipped_steps());
}

/// Plugs the fast linear-attention objective (icgd/train/fast_lsa.hpp) into `trainer` when it
/// implements the trainer's configuration exactly; otherwise the general engine trains.
/// Returns a one-line description of the path taken (recorded in config.json). The fast path
/// draws its training tasks from its own counter-based stream (fast_philox.hpp); evaluation
/// tasks and initial weights are the general engine's either way.
template <class T>
std::string select_training_path(train::Trainer<T>& trainer, bool allow_fast) {
  std::string why;
  if (!allow_fast) return "general engine (--no-fast)";
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (train::fast_lsa_supports(trainer.config(), &why)) {
      auto fast_config = train::FastLsaConfig::from_train_config(trainer.config());
      auto objective = std::make_shared<train::FastLsaObjective<T>>(fast_config);
      trainer.set_objective([objective](std::int64_t step, const train::ParamStore<T>& params, std::vector<T>& grad) {
        return (*objective)(step, params, grad);
      });
      return "fast LSA path (" + fast_config.describe() + ")";
    }
  } else {
    why = "scalar type not supported by the fast path";
  }
  return "general engine (fast path: " + why + ")";
}

/// Saves a model in the engine's weight format (a folder of .npy files plus manifest.json,
/// icgd/train/npy.hpp) as `<run>/<folder>`, and records it among the run's files. The manifest's
/// "meta" holds the task distribution and token construction it was trained on, so that
/// `icgd eval <folder>` can evaluate it on fresh tasks of the same kind.
template <class T>
void save_model_into_run(DemoContext& ctx, const train::Model<T>& model, const std::string& folder,
                         const train::TrainConfig& trained_with, nlohmann::json meta) {
  meta["demo"] = ctx.name;
  meta["task"] = trained_with.task.to_json();
  meta["tokens"] = trained_with.tokens.to_json();
  meta["input_range"] = ctx.input_range.label;
  meta["input_half_width_a"] = ctx.input_range.half_width;
  train::save_model(ctx.run.path(folder), model, meta);
  ctx.run.note_file(folder);
}

/// The first `count` tasks of a batch (metrics that are costly per task run on a subset).
template <class T>
train::Batch<T> first_tasks(const train::Batch<T>& batch, int count) {
  count = std::min(count, batch.tokens.batch);
  train::Batch<T> out;
  out.tokens.batch = count;
  out.tokens.seq_len = batch.tokens.seq_len;
  out.tokens.width = batch.tokens.width;
  out.tokens.data = batch.tokens.data.leftCols(static_cast<Eigen::Index>(count) * batch.tokens.seq_len);
  out.targets = batch.targets.leftCols(count);
  return out;
}

/// Per-task losses 0.5‖ŷ_b − y_b‖² (predictions y_dim × B) and their mean and standard error.
struct MeanWithError {
  double mean = 0, standard_error = 0;
};
[[nodiscard]] MeanWithError half_squared_errors(const train::TaskBatch& tasks, const Eigen::MatrixXd& predictions);

/// Relative difference (a − b) / |b|.
[[nodiscard]] inline double relative_gap(double a, double b) { return (a - b) / std::abs(b); }

/// nlohmann::json array from a vector of doubles.
[[nodiscard]] nlohmann::json to_json_array(const std::vector<double>& values);

}  // namespace icgd::demo
