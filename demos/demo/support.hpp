// demos/demo/support.hpp — helpers the demos share on top of the training engine: the task
// distribution chosen on the command line, training with a progress bar, saving weights into
// the run folder, and small statistics.
#pragma once

#include "demo/framework.hpp"
#include "interrupt.hpp"
#include "icgd/io/progress.hpp"
#include "icgd/train/fast_lsa.hpp"
#include "icgd/train/train.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
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

/// One evaluation of a training run, as a demo records it: the evaluation loss and whatever the
/// demo measured on the model at that step (`values`). A run resumed from a checkpoint replays the
/// records of the steps before it (`replayed`: the values are given; record them, measure nothing),
/// so that its curves and tables end bit for bit as those of an uninterrupted run.
struct EvalRecord {
  std::int64_t step = 0;
  double eval_loss = 0;
  std::vector<double> values;
  bool replayed = false;
};
using EvalHook = std::function<void(EvalRecord&)>;

namespace detail {
void save_journal(const std::filesystem::path& file, std::int64_t step, std::int64_t skipped,
                  const std::vector<EvalRecord>& records);
/// The records up to `up_to_step` and the skipped-step count of a journal.
std::vector<EvalRecord> load_journal(const std::filesystem::path& file, std::int64_t up_to_step, std::int64_t& skipped);
/// Seconds between two periodic checkpoints of a training run.
inline constexpr double kCheckpointSeconds = 1.0;
}  // namespace detail

/// Runs trainer.run() with a progress bar labelled `label` (which also names its checkpoint);
/// `on_eval` is called after every evaluation of the fixed evaluation set (the untrained model
/// first). Every second or so (at an evaluation), at the end, and when a signal arrives, the
/// trainer's checkpoint and the journal of evaluation records are written into the run's
/// checkpoints folder; with --resume the run continues from them. A pending SIGINT/SIGTERM
/// stops the run after the current step (cli::Interrupted). Returns the number of skipped
/// (non-finite) steps of the whole run, resumed parts included.
template <class T>
std::int64_t train_with_progress(DemoContext& ctx, train::Trainer<T>& trainer, const std::string& label,
                                 const EvalHook& on_eval = {}) {
  cli::interruption_point(fmt::format("before training {}", label));
  namespace fs = std::filesystem;
  const fs::path checkpoint = ctx.run.checkpoint_file(label, ".ckpt");
  const fs::path journal_file = ctx.run.checkpoint_file(label, ".journal.json");
  std::vector<EvalRecord> journal;
  std::int64_t skipped_before = 0;
  bool resumed = false;
  std::error_code ec;
  if (ctx.run.resuming() && !checkpoint.empty() && fs::exists(checkpoint, ec) && fs::exists(journal_file, ec)) {
    try {
      trainer.load_checkpoint(checkpoint.string());
      journal = detail::load_journal(journal_file, trainer.step(), skipped_before);
    } catch (const std::exception& e) {
      throw cli::InputError(fmt::format("cannot resume {} from '{}': {}", label, checkpoint.string(), e.what()));
    }
    for (auto& record : journal) {
      record.replayed = true;
      if (on_eval) on_eval(record);
      record.replayed = false;
    }
    resumed = true;
    if (trainer.step() < trainer.config().steps)
      fmt::print("  {}: resumed at step {} of {}\n", label, trainer.step(), trainer.config().steps);
  }
  auto save = [&] {
    if (checkpoint.empty()) return;
    // The journal first: a checkpoint never lacks the records of its steps.
    detail::save_journal(journal_file, trainer.step(), skipped_before + trainer.skipped_steps(), journal);
    trainer.save_checkpoint(checkpoint.string());
  };
  io::ProgressBar bar(label, trainer.config().steps,
                      ctx.progress_enabled() ? io::ProgressBar::Mode::automatic : io::ProgressBar::Mode::off);
  double last_eval = journal.empty() ? std::nan("") : journal.back().eval_loss;
  if (on_eval && !resumed && trainer.step() == 0) {  // the untrained model is the first checkpoint
    EvalRecord record{0, trainer.evaluate(), {}, false};
    last_eval = record.eval_loss;
    on_eval(record);
    journal.push_back(std::move(record));
  }
  auto last_save = std::chrono::steady_clock::now();
  trainer.run([&](const train::TrainProgress& p) {
    if (p.eval_loss) {
      last_eval = *p.eval_loss;
      if (on_eval) {
        EvalRecord record{p.step, *p.eval_loss, {}, false};
        on_eval(record);
        journal.push_back(std::move(record));
      }
    }
    bar.update(p.step, fmt::format("train {:.4f} eval {:.4f}", p.train_loss, last_eval));
    if (const int sig = cli::pending_signal(); sig != 0) {
      save();
      throw cli::Interrupted(sig, fmt::format("at step {} of {} ({})", p.step, p.total_steps, label));
    }
    const auto now = std::chrono::steady_clock::now();
    if (p.eval_loss && std::chrono::duration<double>(now - last_save).count() >= detail::kCheckpointSeconds) {
      save();
      last_save = now;
    }
  });
  save();
  bar.finish(fmt::format("eval loss {:.5f}", last_eval));
  const std::int64_t skipped = skipped_before + trainer.skipped_steps();
  if (skipped > 0)
    fmt::print(stderr, "icgd: note: {}: {} training step(s) had a non-finite loss or gradient and were skipped\n", label, skipped);
  return skipped;
}

/// Plugs the fast linear-attention objective (icgd/train/fast_lsa.hpp) into `trainer` when it
/// implements the trainer's configuration exactly; otherwise the general engine trains.
/// Returns a one-line description of the path taken (recorded in config.json). The fast path
/// draws its training tasks from its own counter-based stream (lib/src/train/fast/stream.hpp); evaluation
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
  cli::interruption_point(fmt::format("before saving {}", folder));
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
