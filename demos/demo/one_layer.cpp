// `icgd demo one-layer` — one trained linear self-attention layer against one step of gradient
// descent (von Oswald et al. 2023, Figure 2; docs/papers/von_oswald.md, "Proposition 1", "Experiments and the numbers to hit"; claims VO-6, VO-7, VO-8).
//
// Trains the paper's 1-layer LSA (d = N = 10, batch 2048, Adam lr 1e-3, 5000 steps, init scale
// 0.002, global-norm clip 1e-3 as in the reference code) on fresh tasks each step, for several
// seeds, and compares it during training with the GD model whose learning rate is found by line
// search on 10^4 tasks: loss, prediction difference, cosine and L2 difference of the exact
// sensitivities ∂ŷ/∂x_q, and the loss of the 50/50 interpolation of trained and constructed
// weights. At the end: out-of-distribution sweeps over the input scale and the weight scale,
// and the analytic optimum of one-step GD (the oracle of docs/papers/von_oswald.md, "Experiments and the numbers to hit") next to the line search.
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace icgd::demo {
namespace {

struct OneLayerOptions {
  std::optional<int> seeds;  // default 3 (--quick: 1)
  int dim = 10;
  int context = 10;
  int batch = 2048;
  double learning_rate = 1e-3;
  double clip = 1e-3;   // reference code for <= 2 layers; the paper's text says 10 (docs/papers/von_oswald.md, "Paper versus reference code")
  int eval_every = 0;   // 0: steps / 50 (--quick: steps / 6)
  int ood_tasks = 0;    // 0: 2000 (--quick: 200)
};

using Scalar = float;  // the reference trains in float32

DemoResult run(DemoContext& ctx, const OneLayerOptions& opt) {
  const int d = opt.dim, n = opt.context, threads = ctx.threads();
  const bool quick = ctx.options.quick;
  const train::TaskConfig task = linear_task(ctx, d, n);
  const std::int64_t steps = ctx.steps_or(5000, 200);
  const int seeds = opt.seeds.value_or(quick ? 1 : 3);
  const int eval_every = opt.eval_every > 0 ? opt.eval_every : static_cast<int>(std::max<std::int64_t>(1, steps / (quick ? 6 : 50)));
  const int line_search_tasks = quick ? 1000 : 10000;
  const int ood_tasks = opt.ood_tasks > 0 ? opt.ood_tasks : (quick ? 100 : 2000);
  // --quick must stay fast in the sanitizer build too: a smaller batch.
  const int batch = quick ? std::min(opt.batch, 256) : opt.batch;
  const std::uint64_t seed = ctx.options.seed;
  // Everything is checked before the first write (write_config creates the folder).
  require_task_memory(double(ctx.eval_tasks) * 2 + batch + line_search_tasks + ood_tasks, d, n,
                      fmt::format("--dim {} --context {} with {} evaluation tasks and batch {}", d, n, ctx.eval_tasks, batch));

  ctx.write_config({{"task", task.to_json()},
                    {"task_description", task.describe()},
                    {"model", "1-layer linear self-attention, 1 head, key size d+1, query masked from keys/values, "
                              "prediction = -(query y-slot) (docs/papers/von_oswald.md)"},
                    {"steps", steps},
                    {"seeds", seeds},
                    {"batch_size", batch},
                    {"adam_learning_rate", opt.learning_rate},
                    {"clip_global_norm", opt.clip},
                    {"eval_every", eval_every},
                    {"line_search_tasks", line_search_tasks},
                    {"line_search_grid", "eta in [0.001, 25) step 0.1, then golden-section refinement (reference scan_lrs)"},
                    {"ood_tasks_per_alpha", ood_tasks},
                    {"precision", "float32"}});

  // --- Baselines: the analytic optimum (oracle) and the line-searched GD learning rate (VO-7).
  const auto oracle = train::one_step_gd_oracle_uniform(ctx.input_range.half_width, d, n);
  const auto line_tasks =
      train::generate_tasks(task, seed, train::Stream::baseline_tasks, 0, line_search_tasks, 0, threads);
  const auto search = train::line_search_gd(line_tasks, 1, {}, threads);
  const double eta = search.eta;
  // Monte-Carlo check of the oracle on tasks nobody trained or searched on.
  const auto mc_tasks = train::generate_tasks(task, seed, static_cast<std::uint32_t>(train::Stream::user) + 1, 0,
                                              ctx.eval_tasks, 0, threads);
  const auto mc = half_squared_errors(mc_tasks, train::gd_predictions(mc_tasks, oracle.alpha_star, 1, threads));
  ctx.check("VO-6.oracle-vs-monte-carlo",
            "0.5·risk of one GD step at α* (analytic oracle) equals its Monte-Carlo estimate within 3 standard errors",
            std::abs(mc.mean - oracle.half_risk) / mc.standard_error, "<=", 3.0);
  ctx.check("VO-7.line-search-eta",
            "the line-searched learning rate (grid step 0.1) lies within one grid step of α* = dσ²/E tr(Ŝ²)",
            std::abs(search.grid_eta - oracle.alpha_star), "<=", 0.1);

  io::CsvTable line_curve({"eta", "gd_loss", "analytic_loss"});
  for (int i = 0; i <= 60; ++i) {
    const double e = 2.0 * oracle.alpha_star * i / 60.0;
    line_curve.add_row({e, train::gd_loss(line_tasks, e, 1, threads), oracle.half_risk_at(e)});
  }
  line_curve.write(ctx.run, "line_search.csv");

  const auto gd_model = train::make_gd_model<Scalar>(d, 1, n, {eta});

  // --- Training, several seeds.
  io::CsvTable curves({"seed", "step", "trained_loss", "gd_loss", "interpolated_loss", "pred_diff", "sens_cos", "sens_l2"});
  io::CsvTable training({"seed", "step", "train_loss"});
  const std::vector<double> input_alphas = train::default_ood_alphas(train::OodAxis::input_scale);
  const std::vector<double> weight_alphas = train::default_ood_alphas(train::OodAxis::weight_scale);
  std::vector<std::vector<double>> ood_tf_in, ood_interp_in, ood_tf_w, ood_interp_w;
  nlohmann::json seed_results = nlohmann::json::array();
  io::SummaryTable table(fmt::format("one layer vs one GD step (η = {:.4f}), eval on {} tasks per seed", eta, ctx.eval_tasks),
                         {"seed", "trained loss", "GD loss", "gap %", "sens cos", "pred diff", "sens L2", "interp loss"});
  double worst_gap = 0, min_cos = 1;
  for (int s = 0; s < seeds; ++s) {
    train::TrainConfig cfg = train::TrainConfig::von_oswald(1, false, task);
    cfg.batch_size = batch;
    cfg.steps = steps;
    cfg.seed = seed + static_cast<std::uint64_t>(s);
    cfg.eval_tasks = static_cast<int>(ctx.eval_tasks);
    cfg.eval_every = eval_every;
    cfg.threads = threads;
    cfg.optimizer.learning_rate = opt.learning_rate;
    cfg.optimizer.clip_global_norm = opt.clip;
    cfg.finalize();
    train::Trainer<Scalar> trainer(cfg);
    const std::string training_path = select_training_path(trainer, !ctx.options.no_fast);
    const double gd_eval = train::gd_loss(trainer.eval_tasks(), eta, 1, threads);

    nlohmann::json checkpoints = nlohmann::json::array();
    train::AlignmentMetrics last{};
    double last_interp = 0;
    train_with_progress<Scalar>(ctx, trainer, fmt::format("one-layer seed {}", cfg.seed), [&](EvalRecord& r) {
      if (!r.replayed) {
        const auto m = train::compare_models(trainer.model(), gd_model, trainer.eval_batch(), d, threads);
        const auto interpolated = train::interpolate_with_construction(trainer.model(), gd_model, 0.5);
        r.values = {m.pred_diff, m.sens_cos, m.sens_l2,
                    static_cast<double>(interpolated.loss(trainer.eval_batch().tokens, trainer.eval_batch().targets, threads))};
      }
      last.pred_diff = r.values.at(0);
      last.sens_cos = r.values.at(1);
      last.sens_l2 = r.values.at(2);
      last_interp = r.values.at(3);
      const std::int64_t step = r.step;
      const double eval_loss = r.eval_loss;
      curves.add_row({double(cfg.seed), double(step), eval_loss, gd_eval, last_interp, last.pred_diff, last.sens_cos, last.sens_l2});
      checkpoints.push_back({{"step", step},
                             {"trained_loss", eval_loss},
                             {"gd_loss", gd_eval},
                             {"interpolated_loss", last_interp},
                             {"pred_diff", last.pred_diff},
                             {"sens_cos", last.sens_cos},
                             {"sens_l2", last.sens_l2}});
    });
    for (const auto& record : trainer.history())
      if ((record.step % 10 == 0 || record.step == steps) && std::isfinite(record.train_loss)) training.add_row({double(cfg.seed), double(record.step), record.train_loss});

    const double trained = trainer.evaluate();
    const double gap = relative_gap(trained, gd_eval);
    worst_gap = std::max(worst_gap, std::abs(gap));
    min_cos = std::min(min_cos, last.sens_cos);
    ctx.check(fmt::format("VO-6.loss-within-1pct.seed{}", cfg.seed),
              "|trained loss − line-searched one-step GD loss| / GD loss on the evaluation tasks (must be < 1%: the trained layer should reach the optimal one-step GD loss, VO-6)",
              std::abs(gap), "<", 0.01);
    ctx.check(fmt::format("VO-8.model-cos.seed{}", cfg.seed),
              "mean cosine of ∂ŷ/∂x_q between trained model and GD (must be > 0.99: the trained layer should predict like GD, VO-8)", last.sens_cos, ">", 0.99);
    table.add_row({std::to_string(cfg.seed), io::cell(trained, 5), io::cell(gd_eval, 5), io::cell(100 * gap, 3),
                   io::cell(last.sens_cos, 5), io::cell(last.pred_diff, 3), io::cell(last.sens_l2, 3), io::cell(last_interp, 5)});

    // Out-of-distribution sweeps (the paper's OOD experiments): the same tasks for trained, GD and interpolated models.
    const auto interpolated = train::interpolate_with_construction(trainer.model(), gd_model, 0.5);
    ood_tf_in.push_back(train::ood_losses(trainer.model(), task, cfg.tokens, train::OodAxis::input_scale, input_alphas, ood_tasks, seed, threads));
    ood_interp_in.push_back(train::ood_losses(interpolated, task, cfg.tokens, train::OodAxis::input_scale, input_alphas, ood_tasks, seed, threads));
    ood_tf_w.push_back(train::ood_losses(trainer.model(), task, cfg.tokens, train::OodAxis::weight_scale, weight_alphas, ood_tasks, seed, threads));
    ood_interp_w.push_back(train::ood_losses(interpolated, task, cfg.tokens, train::OodAxis::weight_scale, weight_alphas, ood_tasks, seed, threads));

    save_model_into_run(ctx, trainer.model(), fmt::format("weights-seed{}", cfg.seed), cfg,
                        {{"seed", cfg.seed}, {"steps", steps}, {"eval_loss", trained}});
    seed_results.push_back({{"seed", cfg.seed},
                            {"training_path", training_path},
                            {"final",
                             {{"trained_loss", trained},
                              {"gd_loss", gd_eval},
                              {"relative_gap", gap},
                              {"gap_to_oracle", relative_gap(trained, oracle.half_risk)},
                              {"interpolated_loss", last_interp},
                              {"pred_diff", last.pred_diff},
                              {"sens_cos", last.sens_cos},
                              {"sens_l2", last.sens_l2}}},
                            {"checkpoints", checkpoints}});
  }
  curves.write(ctx.run, "alignment.csv");
  training.write(ctx.run, "training.csv");

  // OOD tables: mean over seeds; GD (same tasks) and GD's analytic loss at the same η.
  auto ood_table = [&](train::OodAxis axis, const std::vector<double>& alphas, const std::vector<std::vector<double>>& tf,
                       const std::vector<std::vector<double>>& interp, const std::string& file) {
    const auto gd = train::ood_gd_losses(task, axis, alphas, eta, 1, ood_tasks, seed, threads);
    io::CsvTable out({"alpha", "trained_loss", "gd_loss", "interpolated_loss", "gd_analytic_loss"});
    nlohmann::json j = {{"alphas", to_json_array(alphas)}, {"gd_loss", to_json_array(gd)}};
    std::vector<double> tf_mean(alphas.size(), 0), interp_mean(alphas.size(), 0), analytic(alphas.size(), 0);
    double worst = 0;
    for (std::size_t i = 0; i < alphas.size(); ++i) {
      for (int s = 0; s < seeds; ++s) {
        tf_mean[i] += tf[s][i] / seeds;
        interp_mean[i] += interp[s][i] / seeds;
      }
      const bool inputs = axis == train::OodAxis::input_scale;
      analytic[i] = train::one_step_gd_oracle_uniform(ctx.input_range.half_width * (inputs ? alphas[i] : 1.0), d, n,
                                                      inputs ? 1.0 : alphas[i])
                        .half_risk_at(eta);
      worst = std::max(worst, std::abs(relative_gap(tf_mean[i], gd[i])));
      out.add_row({alphas[i], tf_mean[i], gd[i], interp_mean[i], analytic[i]});
    }
    out.write(ctx.run, file);
    j["trained_loss"] = to_json_array(tf_mean);
    j["interpolated_loss"] = to_json_array(interp_mean);
    j["gd_analytic_loss"] = to_json_array(analytic);
    j["max_relative_gap_trained_vs_gd"] = worst;
    return j;
  };
  nlohmann::json ood = {
      {"tasks_per_alpha", ood_tasks},
      {"input_scale", ood_table(train::OodAxis::input_scale, input_alphas, ood_tf_in, ood_interp_in, "ood_input_scale.csv")},
      {"weight_scale", ood_table(train::OodAxis::weight_scale, weight_alphas, ood_tf_w, ood_interp_w, "ood_weight_scale.csv")}};

  double mean_trained = 0, mean_gap = 0;
  for (const auto& r : seed_results) {
    mean_trained += r["final"]["trained_loss"].get<double>() / seeds;
    mean_gap += r["final"]["relative_gap"].get<double>() / seeds;
  }

  // --- Figures.
  using io::PlotSeries;
  std::vector<PlotSeries> loss_series, cos_series, diff_series;
  for (int s = 0; s < seeds; ++s) {
    const double sv = double(seed + s);
    loss_series.push_back(PlotSeries{"alignment.csv", "step", "trained_loss", fmt::format("trained LSA, seed {}", seed + s)}.where("seed", sv));
    cos_series.push_back(PlotSeries{"alignment.csv", "step", "sens_cos", fmt::format("seed {}", seed + s)}.where("seed", sv));
    diff_series.push_back(PlotSeries{"alignment.csv", "step", "pred_diff", fmt::format("prediction diff, seed {}", seed + s)}.where("seed", sv));
    diff_series.push_back(
        PlotSeries{"alignment.csv", "step", "sens_l2", fmt::format("sensitivity L2 diff, seed {}", seed + s)}.where("seed", sv).dashed());
  }
  loss_series.push_back(PlotSeries{"alignment.csv", "step", "interpolated_loss", fmt::format("interpolated, seed {}", seed)}
                            .where("seed", double(seed))
                            .dashed(3));
  ctx.figures.push_back({.name = "loss",
                         .title = fmt::format("1-layer LSA vs one GD step, x ~ {}", ctx.input_range.short_label),
                         .x_label = "training step",
                         .y_label = "evaluation loss (0.5 · MSE)",
                         .y_min = 0.0,
                         .y_max = 1.25 * oracle.half_risk_zero,
                         .series = loss_series,
                         .reference_lines = {{oracle.half_risk, "optimal one-step GD (analytic)"},
                                             {seed_results[0]["final"]["gd_loss"].get<double>(),
                                              fmt::format("GD, line-searched η = {:.3f}", eta)},
                                             {oracle.half_risk_zero, "zero predictor (analytic)"}}});
  ctx.figures.push_back({.name = "model_cosine",
                         .title = "cosine of ∂ŷ/∂x_q, trained vs GD",
                         .x_label = "training step",
                         .y_label = "mean cosine",
                         .series = cos_series,
                         .reference_lines = {{0.99, "0.99"}}});
  ctx.figures.push_back({.name = "differences",
                         .title = "prediction and sensitivity differences, trained vs GD",
                         .x_label = "training step",
                         .y_label = "mean difference",
                         .log_y = true,
                         .series = diff_series});
  for (auto [axis_name, file, label] : {std::tuple{"input_scale", "ood_input_scale.csv", "input scale α (x ~ U(−αa, αa))"},
                                        std::tuple{"weight_scale", "ood_weight_scale.csv", "weight scale α (w ~ α N(0, I))"}})
    ctx.figures.push_back({.name = fmt::format("ood_{}", axis_name),
                           .title = fmt::format("out of distribution: {}", label),
                           .x_label = label,
                           .y_label = "0.5 · MSE",
                           .log_y = true,
                           .series = {PlotSeries{file, "alpha", "trained_loss", "trained LSA (mean over seeds)"},
                                      PlotSeries{file, "alpha", "gd_loss", "GD (same tasks)"}.dashed(),
                                      PlotSeries{file, "alpha", "interpolated_loss", "interpolated"}.dashed(3),
                                      PlotSeries{file, "alpha", "gd_analytic_loss", "GD analytic"}.drawn_with("points")}});
  ctx.figures.push_back({.name = "line_search",
                         .title = "one-step GD loss against the learning rate",
                         .x_label = "η",
                         .y_label = "0.5 · MSE",
                         .series = {PlotSeries{"line_search.csv", "eta", "gd_loss", fmt::format("{} tasks", line_search_tasks)},
                                    PlotSeries{"line_search.csv", "eta", "analytic_loss", "analytic"}.dashed()},
                         .reference_lines = {{oracle.half_risk, fmt::format("optimum, α* = {:.4f}", oracle.alpha_star)}}});

  io::SummaryTable baseline_table("one-step GD: analytic optimum (docs/papers/von_oswald.md) and line search",
                                  {"quantity", "value"});
  baseline_table.add_row({"α* (analytic optimal η)", io::cell(oracle.alpha_star, 6)});
  baseline_table.add_row({"η line search: grid / refined", fmt::format("{} / {}", io::cell(search.grid_eta, 5), io::cell(eta, 6))});
  baseline_table.add_row({"0.5·risk at α* (analytic)", io::cell(oracle.half_risk, 6)});
  baseline_table.add_row({"0.5·risk at α* (Monte Carlo ± s.e.)", fmt::format("{} ± {}", io::cell(mc.mean, 6), io::cell(mc.standard_error, 2))});
  baseline_table.add_row({"0.5·risk of ŷ = 0 (analytic)", io::cell(oracle.half_risk_zero, 6)});
  baseline_table.add_row({"mean trained loss over seeds", io::cell(mean_trained, 6)});

  DemoResult result;
  result.results = {{"oracle",
                     {{"alpha_star", oracle.alpha_star},
                      {"half_risk", oracle.half_risk},
                      {"half_risk_zero_predictor", oracle.half_risk_zero},
                      {"expected_tr_S2", oracle.expected_tr_S2},
                      {"monte_carlo_half_risk", mc.mean},
                      {"monte_carlo_standard_error", mc.standard_error},
                      {"monte_carlo_tasks", ctx.eval_tasks}}},
                    {"line_search",
                     {{"tasks", line_search_tasks}, {"grid_eta", search.grid_eta}, {"grid_loss", search.grid_loss},
                      {"eta", eta}, {"loss", search.loss}}},
                    {"seeds", seed_results},
                    {"final",
                     {{"mean_trained_loss", mean_trained},
                      {"mean_relative_gap", mean_gap},
                      {"worst_abs_relative_gap", worst_gap},
                      {"min_sens_cos", min_cos},
                      {"oracle_half_risk", oracle.half_risk}}},
                    {"ood", ood}};
  result.summary = {{"mean_trained_loss", mean_trained}, {"oracle_half_risk", oracle.half_risk},
                    {"worst_abs_relative_gap", worst_gap}, {"min_sens_cos", min_cos}};
  result.tables = {baseline_table, table};
  return result;
}

const RegisterDemo one_layer_registration{{"one-layer", "One trained LSA layer against one step of gradient descent (Fig. 2)", 10,
                                 [](CLI::App* app) -> DemoRunner {
                                   auto opt = std::make_shared<OneLayerOptions>();
                                   if (app) {
                                     namespace lim = cli::limits;
                                     app->add_option("--seeds", opt->seeds, "Training seeds (default 3; --quick 1)")->check(cli::Integer(1, lim::seeds));
                                     app->add_option("--dim", opt->dim, "Input dimension d")->check(cli::Integer(1, lim::dim));
                                     app->add_option("--context", opt->context, "Context size N")->check(cli::Integer(1, lim::context));
                                     app->add_option("--batch", opt->batch, "Tasks per training step")->check(cli::Integer(1, lim::batch));
                                     app->add_option("--lr", opt->learning_rate, "Adam learning rate")->check(cli::Real({0, 10, true}));
                                     app->add_option("--clip", opt->clip, "Global-norm gradient clip (code 1e-3, paper 10; 0: none)")
                                         ->check(cli::Real({0, 1e6}));
                                     app->add_option("--eval-every", opt->eval_every, "Steps between evaluations (default steps/50)")
                                         ->check(cli::Integer(1, lim::steps));
                                     app->add_option("--ood-tasks", opt->ood_tasks, "Tasks per α in the OOD sweeps (default 2000)")
                                         ->check(cli::Integer(1, lim::tasks));
                                   }
                                   return [opt](DemoContext& ctx) { return run(ctx, *opt); };
                                 }}};

}  // namespace
}  // namespace icgd::demo
