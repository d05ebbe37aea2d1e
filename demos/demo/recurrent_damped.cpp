// `icgd demo recurrent-damped` — the trained one-layer model applied many times with damping,
// against multi-step gradient descent (von Oswald et al. 2023; docs/papers/von_oswald.md, "Several
// layers and the damped recurrence"; claim VO-12, the trained counterpart of the exact VO-4).
//
// A 1-layer LSA is trained as in `icgd demo one-layer` (or loaded with --weights from a saved
// run). Its layer is then applied K = 1..K_max times as a recurrent stack with damping λ
// (e ← e + λ·LSA(e)); by VO-4 the constructed GD layer applied this way is exactly K steps of GD
// with learning rate λη. The demo compares, for every K, the loss of the iterated trained model
// with K-step GD at λη (η: the line-searched one-step rate) and, at a few K, with K-step GD at
// its own best learning rate, plus the alignment (cosine of sensitivities, prediction
// difference) between the iterated trained model and the iterated GD model.
// The model surgery (iterating the layer, projecting it on the GD structure, its preconditioner)
// is the library's: icgd/train/surgery.hpp.
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"
#include "icgd/train/surgery.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <filesystem>
#include <memory>
#include <optional>

namespace icgd::demo {
namespace {

struct RecurrentOptions {
  int dim = 10;
  int context = 10;
  int batch = 2048;
  double damping = 0.75;  // the reference notebook's `scale` (docs/papers/von_oswald.md, "Several layers and the damped recurrence")
  std::optional<int> iterations;  // K_max: default 50 (--quick 10)
  std::string weights;  // a saved 1-layer model (e.g. <one-layer run>/weights-seed0) instead of training
};

using Scalar = float;

/// A task's loss above this counts as blown up (float overflows soon after).
constexpr double kBlownUp = 1e3;

struct LossStats {
  double median = 0;
  double mean = 0;        ///< over the tasks below kBlownUp
  int blown_up = 0;       ///< tasks at or above kBlownUp, or not finite
};

LossStats loss_stats(std::vector<double> losses) {
  LossStats st;
  double sum = 0;
  int kept = 0;
  for (double& l : losses) {
    if (!std::isfinite(l)) l = std::numeric_limits<double>::infinity();  // sorts last
    if (l < kBlownUp) {
      sum += l;
      ++kept;
    } else {
      ++st.blown_up;
    }
  }
  const auto middle = losses.begin() + static_cast<std::ptrdiff_t>(losses.size() / 2);
  std::nth_element(losses.begin(), middle, losses.end());
  st.median = *middle;
  st.mean = kept ? sum / kept : std::numeric_limits<double>::quiet_NaN();
  return st;
}

LossStats loss_stats_of(const train::TaskBatch& tasks, const Eigen::MatrixXd& predictions) {
  const Eigen::MatrixXd targets = tasks.targets();
  std::vector<double> losses(static_cast<std::size_t>(predictions.cols()));
  for (Eigen::Index b = 0; b < predictions.cols(); ++b) losses[static_cast<std::size_t>(b)] = 0.5 * (predictions.col(b) - targets.col(b)).squaredNorm();
  return loss_stats(std::move(losses));
}

DemoResult run(DemoContext& ctx, const RecurrentOptions& opt) {
  const int d = opt.dim, n = opt.context, threads = ctx.threads();
  const bool quick = ctx.options.quick;
  const train::TaskConfig task = linear_task(ctx, d, n);
  const std::int64_t steps = ctx.steps_or(5000, 200);
  const int batch = quick ? std::min(opt.batch, 256) : opt.batch;
  const int k_max = opt.iterations.value_or(quick ? 10 : 50);
  const double lambda = opt.damping;
  const std::uint64_t seed = ctx.options.seed;
  const int line_search_tasks = quick ? 1000 : 10000;
  require_task_memory(double(ctx.eval_tasks) * 3 + batch + line_search_tasks, d, n,
                      fmt::format("--dim {} --context {} with {} evaluation tasks and batch {}", d, n, ctx.eval_tasks, batch));
  cli::require_memory(double(ctx.eval_tasks) * (k_max + 1) * 4.0 * 4, fmt::format("--iterations {} with {} evaluation tasks", k_max, ctx.eval_tasks));

  // --weights is loaded and checked before anything is written.
  std::optional<train::Model<Scalar>> loaded;
  if (!opt.weights.empty()) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(opt.weights) || !fs::exists(fs::path(opt.weights) / "manifest.json"))
      throw cli::InputError(fmt::format("--weights '{}' is not a weights folder (no manifest.json)", opt.weights));
    nlohmann::json manifest;
    try {
      loaded = train::load_model<Scalar>(opt.weights, &manifest);
    } catch (const std::exception& e) {
      throw cli::InputError(fmt::format("--weights '{}': {}", opt.weights, e.what()));
    }
    for (const Scalar v : loaded->params().values())
      if (!std::isfinite(v)) throw cli::InputError(fmt::format("--weights '{}' holds a NaN or infinite weight", opt.weights));
  }

  if (loaded) {
    train::TrainConfig expected = train::TrainConfig::von_oswald(1, false, task);
    expected.finalize();
    if (!loaded->params().same_layout(train::Model<Scalar>(expected.model).params()))
      throw cli::InputError(fmt::format("--weights '{}' is not a 1-layer LSA with d = {}, N = {}", opt.weights, d, n));
  }

  ctx.write_config({{"task", task.to_json()},
                    {"task_description", task.describe()},
                    {"one_layer_source", opt.weights.empty() ? std::string("trained here") : opt.weights},
                    {"steps", steps},
                    {"batch_size", batch},
                    {"damping", lambda},
                    {"max_iterations", k_max},
                    {"line_search_tasks", line_search_tasks},
                    {"precision", "float32"}});

  // --- The one-layer model: trained here (as in `icgd demo one-layer`) or loaded.
  train::TrainConfig cfg = train::TrainConfig::von_oswald(1, false, task);
  cfg.batch_size = batch;
  cfg.steps = steps;
  cfg.seed = seed;
  cfg.eval_tasks = static_cast<int>(ctx.eval_tasks);
  cfg.eval_every = static_cast<int>(std::max<std::int64_t>(1, steps / (quick ? 6 : 25)));
  cfg.threads = threads;
  cfg.finalize();
  train::Trainer<Scalar> trainer(cfg);
  std::string training_path = "loaded from " + opt.weights;
  if (opt.weights.empty()) {
    training_path = select_training_path(trainer, !ctx.options.no_fast);
    train_with_progress<Scalar>(ctx, trainer, "recurrent-damped: train 1 layer");
  } else {
    trainer.model().params() = loaded->params();
    trainer.model().refresh();
  }
  const train::Model<Scalar>& one_layer = trainer.model();
  const auto& eval_tasks = trainer.eval_tasks();
  const auto& eval_batch = trainer.eval_batch();
  save_model_into_run(ctx, one_layer, "weights-one-layer", cfg, {{"seed", seed}, {"steps", steps}, {"source", training_path}});

  // --- GD baselines: one-step rate by line search; K-step GD at λη is the damped GD layer.
  const auto line_tasks = train::generate_tasks(task, seed, train::Stream::baseline_tasks, 0, line_search_tasks, 0, threads);
  const double eta = train::line_search_gd(line_tasks, 1, {}, threads).eta;
  const auto gd_iterated = train::make_gd_model<Scalar>(d, 1, n, std::vector<double>(static_cast<std::size_t>(k_max), lambda * eta), true);
  const auto tf_iterated = train::iterate_layer(one_layer, k_max, lambda);
  const auto tf_undamped = train::iterate_layer(one_layer, k_max, 1.0);

  // Read-outs after every application (reference "stack"): row k = after k applications. A few
  // tasks (large eigenvalues of XXᵀ) can make an iterated model blow up long before the others
  // do; the mean loss is then dominated by them (or is not a number at all in float). So every
  // K gets the median loss, the mean over the tasks whose loss stays below kBlownUp, and the
  // number of tasks above it.
  const auto targets = eval_tasks.targets();
  auto stats_per_k = [&](const train::Model<Scalar>& model) {
    const auto per_layer = model.predict_per_layer(eval_batch.tokens, threads);
    std::vector<LossStats> stats;
    for (int k = 0; k <= k_max; ++k) {
      std::vector<double> losses(static_cast<std::size_t>(per_layer.cols()));
      for (Eigen::Index b = 0; b < per_layer.cols(); ++b) {
        const double e = static_cast<double>(per_layer(k, b)) - targets(0, b);
        losses[static_cast<std::size_t>(b)] = 0.5 * e * e;
      }
      stats.push_back(loss_stats(std::move(losses)));
    }
    return stats;
  };
  const auto tf_stats = stats_per_k(tf_iterated);
  const auto gd_stats = stats_per_k(gd_iterated);
  const auto undamped_stats = stats_per_k(tf_undamped);
  const auto projected_stats = stats_per_k(train::iterate_layer(train::project_on_gd_structure(one_layer), k_max, lambda));
  const double zero_loss = train::zero_predictor_loss(eval_tasks);
  const train::PreconditionerShape shape = train::preconditioner_shape(one_layer);
  int undamped_blowup = -1;  // first K where the undamped iteration's median is worse than predicting 0
  for (int k = 1; k <= k_max && undamped_blowup < 0; ++k)
    if (!(undamped_stats[static_cast<std::size_t>(k)].median <= zero_loss)) undamped_blowup = k;

  // K-step GD at its own best learning rate, at a few K (grid around the one-step rate).
  std::vector<int> probe_k;
  for (int k : {1, 2, 3, 5, 10, 20, 30, 50, 75, 100})
    if (k <= k_max) probe_k.push_back(k);
  if (probe_k.back() != k_max) probe_k.push_back(k_max);
  const auto probe_tasks = train::generate_tasks(task, seed, train::Stream::baseline_tasks, 1, quick ? 500 : 2000, 0, threads);
  const int alignment_tasks = quick ? 200 : 2000;
  const auto subset = first_tasks(eval_batch, alignment_tasks);
  io::CsvTable probes({"k", "trained_median", "gd_damped_median", "gd_best_eta", "gd_best_median", "sens_cos", "pred_diff"});
  nlohmann::json probe_json = nlohmann::json::array();
  double min_cos = 1, worst_median_gap = 0, worst_mean_gap_small_k = 0;
  bool nonfinite_alignment = false;
  // Alignment metrics of a blown-up model are not numbers; they are recorded as -1 (and flagged).
  auto align_finite = [](double v) { return std::isfinite(v) ? v : -1.0; };
  io::SummaryTable table(
      fmt::format("trained layer iterated K times with damping λ = {} vs K-step GD at λη = {:.4f} ({} evaluation tasks)", lambda,
                  lambda * eta, eval_tasks.batch),
      {"K", "median TF", "median GD", "gap %", "mean TF*", "mean GD*", "TF blown up", "best-η GD median", "sens cos"});
  for (int k : probe_k) {
    train::LineSearchConfig grid{.lo = 0.001, .hi = 1.5 * eta, .step = eta / 40};
    const auto best = train::line_search_gd(probe_tasks, k, grid, threads);
    const double best_median =
        loss_stats_of(eval_tasks, train::gd_predictions(eval_tasks, best.eta, k, threads)).median;
    const auto align = train::compare_models(train::iterate_layer(one_layer, k, lambda),
                                             train::make_gd_model<Scalar>(d, 1, n, std::vector<double>(static_cast<std::size_t>(k), lambda * eta), true),
                                             subset, d, threads);
    const auto& tf = tf_stats[static_cast<std::size_t>(k)];
    const auto& gd = gd_stats[static_cast<std::size_t>(k)];
    const double median_gap = relative_gap(tf.median, gd.median);
    worst_median_gap = std::max(worst_median_gap, std::abs(median_gap));
    if (k <= 10) worst_mean_gap_small_k = std::max(worst_mean_gap_small_k, std::abs(relative_gap(tf.mean, gd.mean)));
    if (std::isfinite(align.sens_cos)) min_cos = std::min(min_cos, align.sens_cos);
    else nonfinite_alignment = true;
    probes.add_row({double(k), tf.median, gd.median, best.eta, best_median, align_finite(align.sens_cos), align_finite(align.pred_diff)});
    probe_json.push_back({{"k", k}, {"trained_median_loss", tf.median}, {"gd_damped_median_loss", gd.median},
                          {"trained_mean_loss", tf.mean}, {"gd_damped_mean_loss", gd.mean},
                          {"trained_blown_up_tasks", tf.blown_up}, {"gd_blown_up_tasks", gd.blown_up},
                          {"gd_best_eta", best.eta}, {"gd_best_median_loss", best_median},
                          {"sens_cos", align_finite(align.sens_cos)}, {"pred_diff", align_finite(align.pred_diff)},
                          {"alignment_finite", std::isfinite(align.sens_cos) && std::isfinite(align.pred_diff)}});
    table.add_row({std::to_string(k), io::cell(tf.median, 4), io::cell(gd.median, 4), io::cell(100 * median_gap, 3),
                   io::cell(tf.mean, 4), io::cell(gd.mean, 4), std::to_string(tf.blown_up), io::cell(best_median, 4),
                   io::cell(align.sens_cos, 5)});
  }
  probes.write(ctx.run, "probes.csv");

  io::CsvTable curve({"k", "trained_median", "gd_damped_median", "projected_median", "trained_mean", "gd_damped_mean",
                      "projected_mean", "trained_blown_up", "gd_blown_up"});
  for (int k = 0; k <= k_max; ++k) {
    const auto i = static_cast<std::size_t>(k);
    curve.add_row({double(k), tf_stats[i].median, gd_stats[i].median, projected_stats[i].median, tf_stats[i].mean,
                   gd_stats[i].mean, projected_stats[i].mean, double(tf_stats[i].blown_up), double(gd_stats[i].blown_up)});
  }
  curve.write(ctx.run, "iterations.csv");

  const auto& tf_last = tf_stats.back();
  const auto& gd_last = gd_stats.back();
  const auto& proj_last = projected_stats.back();
  ctx.check("VO-12.iterated-tracks-gd.median",
            fmt::format("max over probed K ≤ {} of |median loss(trained layer iterated K times, λ = {}) − median loss(K-step GD "
                        "at λη)| / median loss(GD)",
                        k_max, lambda),
            worst_median_gap, "<", 0.10);
  ctx.check("VO-12.iterated-tracks-gd.mean-k10",
            "max over probed K ≤ 10 of the same gap for the mean loss (the paper's metric)", worst_mean_gap_small_k, "<", 0.10);
  ctx.check("VO-12.iterated-alignment", "min over probed K of the sensitivity cosine, iterated trained vs iterated GD (finite ones)",
            min_cos, ">", 0.95);
  ctx.check("VO-12.iteration-helps", fmt::format("median loss after {} damped iterations / after 1", k_max),
            tf_last.median / tf_stats[1].median, "<", 0.5);

  ctx.figures.push_back({.name = "iterations",
                         .title = fmt::format("trained 1-layer LSA iterated with damping {} vs K-step GD, x ~ {}", lambda,
                                              ctx.input_range.short_label),
                         .x_label = "K (applications of the layer / GD steps)",
                         .y_label = "median evaluation loss (0.5 · squared error)",
                         .log_y = true,
                         .series = {io::PlotSeries{"iterations.csv", "k", "trained_median", "trained layer, iterated"},
                                    io::PlotSeries{"iterations.csv", "k", "gd_damped_median", "K-step GD at λη"}.dashed(),
                                    io::PlotSeries{"iterations.csv", "k", "projected_median",
                                                   "trained layer without its writes into x-slots, iterated"}
                                        .dashed(3),
                                    io::PlotSeries{"probes.csv", "k", "gd_best_median", "K-step GD, best η per K"}.drawn_with("points")},
                         .reference_lines = {{zero_loss, "zero predictor (mean)"}}});
  ctx.figures.push_back({.name = "iterations_mean",
                         .title = fmt::format("the same, mean loss over tasks below {:g} (blown-up tasks excluded)", kBlownUp),
                         .x_label = "K",
                         .y_label = "mean evaluation loss (0.5 · MSE)",
                         .log_y = true,
                         .series = {io::PlotSeries{"iterations.csv", "k", "trained_mean", "trained layer, iterated"},
                                    io::PlotSeries{"iterations.csv", "k", "gd_damped_mean", "K-step GD at λη"}.dashed(),
                                    io::PlotSeries{"iterations.csv", "k", "projected_mean",
                                                   "trained layer without its writes into x-slots, iterated"}
                                        .dashed(3)}});
  ctx.figures.push_back({.name = "blown_up",
                         .title = fmt::format("tasks whose loss exceeds {:g}", kBlownUp),
                         .x_label = "K",
                         .y_label = "number of evaluation tasks",
                         .series = {io::PlotSeries{"iterations.csv", "k", "trained_blown_up", "trained layer, iterated"},
                                    io::PlotSeries{"iterations.csv", "k", "gd_blown_up", "K-step GD at λη"}.dashed()}});
  ctx.figures.push_back({.name = "alignment",
                         .title = "iterated trained model vs iterated GD: sensitivity cosine",
                         .x_label = "K",
                         .y_label = "mean cosine of ∂ŷ/∂x_q",
                         .series = {io::PlotSeries{"probes.csv", "k", "sens_cos", "cosine (−1: not finite)"}.drawn_with("linespoints")}});

  auto column = [&](const std::vector<LossStats>& stats, double LossStats::*field) {
    std::vector<double> out;
    for (const auto& st : stats) out.push_back(st.*field);
    return to_json_array(out);
  };
  auto blown = [&](const std::vector<LossStats>& stats) {
    std::vector<double> out;
    for (const auto& st : stats) out.push_back(double(st.blown_up));
    return to_json_array(out);
  };
  DemoResult result;
  result.results = {{"training_path", training_path},
                    {"one_layer_eval_loss", tf_stats[1].mean},
                    {"line_searched_eta", eta},
                    {"damped_eta", lambda * eta},
                    {"zero_predictor_loss", zero_loss},
                    {"blown_up_threshold", kBlownUp},
                    {"undamped_first_k_median_worse_than_zero", undamped_blowup},
                    {"preconditioner_eigenvalues_over_mean", {{"min", shape.min_over_mean}, {"max", shape.max_over_mean}}},
                    {"iterations",
                     {{"trained_median", column(tf_stats, &LossStats::median)},
                      {"gd_damped_median", column(gd_stats, &LossStats::median)},
                      {"projected_median", column(projected_stats, &LossStats::median)},
                      {"trained_mean", column(tf_stats, &LossStats::mean)},
                      {"gd_damped_mean", column(gd_stats, &LossStats::mean)},
                      {"projected_mean", column(projected_stats, &LossStats::mean)},
                      {"trained_blown_up", blown(tf_stats)},
                      {"gd_blown_up", blown(gd_stats)}}},
                    {"probes", probe_json},
                    {"final",
                     {{"k_max", k_max},
                      {"trained_median", tf_last.median},
                      {"gd_damped_median", gd_last.median},
                      {"projected_median", proj_last.median},
                      {"trained_mean", tf_last.mean},
                      {"gd_damped_mean", gd_last.mean},
                      {"trained_blown_up_tasks", tf_last.blown_up},
                      {"gd_blown_up_tasks", gd_last.blown_up},
                      {"worst_median_gap", worst_median_gap},
                      {"worst_mean_gap_k_le_10", worst_mean_gap_small_k},
                      {"min_sens_cos", min_cos},
                      {"some_alignment_not_finite", nonfinite_alignment}}}};
  result.summary = {{"trained_median_at_k_max", tf_last.median}, {"gd_median_at_k_max", gd_last.median},
                    {"worst_median_gap", worst_median_gap}, {"trained_blown_up_at_k_max", tf_last.blown_up}};
  io::SummaryTable notes("undamped iteration (λ = 1)", {"quantity", "value"});
  notes.add_row({"first K where the median loss exceeds the zero predictor's",
                 undamped_blowup < 0 ? fmt::format("none up to {}", k_max) : std::to_string(undamped_blowup)});
  notes.add_row({fmt::format("tasks above {:g} at K = {}: trained / GD / trained without x-writes", kBlownUp, k_max),
                 fmt::format("{} / {} / {}", tf_last.blown_up, gd_last.blown_up, proj_last.blown_up)});
  notes.add_row({"trained preconditioner W_PV[y,y]·W_KQ[x,x]: eigenvalues / their mean (GD: 1)",
                 fmt::format("{:.3f} … {:.3f}", shape.min_over_mean, shape.max_over_mean)});
  notes.add_row({"* mean over the tasks below the blow-up threshold", ""});
  result.tables = {table, notes};
  return result;
}

const RegisterDemo recurrent_damped_registration{{"recurrent-damped",
                                 "The trained 1-layer model iterated many times with damping, against multi-step GD", 30,
                                 [](CLI::App* app) -> DemoRunner {
                                   auto opt = std::make_shared<RecurrentOptions>();
                                   if (app) {
                                     app->add_option("--damping", opt->damping, "λ in e ← e + λ·LSA(e) (reference 0.75)")
                                         ->check(cli::Real({0, 2, true}));
                                     app->add_option("--iterations", opt->iterations, "Largest number of applications K (default 50)")
                                         ->check(cli::Integer(1, 1000));
                                     app->add_option("--weights", opt->weights,
                                                     "Use a saved 1-layer model (a weights-* folder of `icgd demo one-layer`) instead of training")
                                         ->check(cli::NonEmpty);
                                     app->add_option("--dim", opt->dim, "Input dimension d")->check(cli::Integer(1, cli::limits::dim));
                                     app->add_option("--context", opt->context, "Context size N")->check(cli::Integer(1, cli::limits::context));
                                     app->add_option("--batch", opt->batch, "Tasks per training step")->check(cli::Integer(1, cli::limits::batch));
                                   }
                                   return [opt](DemoContext& ctx) { return run(ctx, *opt); };
                                 }}};

}  // namespace
}  // namespace icgd::demo
