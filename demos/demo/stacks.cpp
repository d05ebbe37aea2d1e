// `icgd demo stacks` — trained stacks of 2–5 linear self-attention layers, recurrent (one
// weight set applied K times) and non-recurrent (K weight sets), against K-step gradient descent
// and GD++ (von Oswald et al. 2023, App. A.10; docs/papers/von_oswald.md, "GD++: curvature
// correction"; claim VO-11).
//
// For every K: the line-searched K-step GD (one η for all steps), K-step GD with a fitted η per
// step, and GD++ with fitted (γ, η) — shared for the recurrent comparison, per layer for the
// non-recurrent one — all fitted on the same fixed task set (baselines.hpp `fit_gd`). The
// trained models use the paper's settings (TrainConfig::von_oswald: Adam lr 1e-3, 5e-4 from 3
// layers; clip 1e-3 up to 2 layers, else 10; init 0.002/K; batch 2048) with fewer steps for the
// non-recurrent stacks than the paper's 50 000 (see docs/demos.md for the time budget).
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace icgd::demo {
namespace {

struct StacksOptions {
  std::vector<int> layers{2, 3, 4, 5};
  int dim = 10;
  int context = 10;
  int batch = 2048;
  std::int64_t recurrent_steps = 5000;   // the reference's (docs/papers/von_oswald.md, "Experiments and the numbers to hit")
  std::int64_t separate_steps = 20000;   // the paper: 50 000; reduced for the 10-minute budget
  bool only_recurrent = false;
  int fit_tasks = 2048;                  // tasks the GD / GD++ learning rates are fitted on
  int fit_iterations = 2000;
};

using Scalar = float;

struct Baselines {
  double gd_eta = 0, gd_loss = 0;                  // K-step GD, one line-searched η
  std::vector<double> gd_per_step_etas;            // K-step GD, fitted η per step
  int gd_per_step_iterations = 0;                  // BFGS iterations of that fit
  double gd_per_step_loss = 0;
  train::GdFitResult gdpp_shared, gdpp_per_layer;  // GD++ fits
  double gdpp_shared_loss = 0, gdpp_per_layer_loss = 0;
  bool per_layer_kept = false;        // false: the per-layer fit did worse on validation tasks
  double per_layer_fit_loss = 0, per_layer_validation_loss = 0;
};

DemoResult run(DemoContext& ctx, const StacksOptions& opt) {
  const int d = opt.dim, n = opt.context, threads = ctx.threads();
  const bool quick = ctx.options.quick;
  const train::TaskConfig task = linear_task(ctx, d, n);
  const std::uint64_t seed = ctx.options.seed;
  std::vector<int> layers = opt.layers;
  if (quick && layers.size() > 2) layers.resize(2);  // two depths: curves over K need two points
  const int batch = quick ? std::min(opt.batch, 256) : opt.batch;
  const std::int64_t recurrent_steps = ctx.steps_or(opt.recurrent_steps, 100);
  const std::int64_t separate_steps = ctx.steps_or(opt.separate_steps, 100);
  const int fit_tasks = quick ? std::min(opt.fit_tasks, 256) : opt.fit_tasks;
  const int fit_iterations = quick ? std::min(opt.fit_iterations, 30) : opt.fit_iterations;
  for (int k : layers)
    if (k < 1 || k > 12) throw cli::InputError(fmt::format("--layers: {} is outside 1..12", k));
  require_task_memory(double(ctx.eval_tasks) * 3 + batch + 2.0 * fit_tasks, d, n,
                      fmt::format("--dim {} --context {} with {} evaluation tasks, batch {} and {} fit tasks", d, n, ctx.eval_tasks,
                                  batch, fit_tasks));

  ctx.write_config({{"task", task.to_json()},
                    {"task_description", task.describe()},
                    {"layers", layers},
                    {"recurrent_steps", recurrent_steps},
                    {"separate_steps", separate_steps},
                    {"separate_steps_paper", 50000},
                    {"only_recurrent", opt.only_recurrent},
                    {"batch_size", batch},
                    {"optimizer", "TrainConfig::von_oswald: Adam lr 1e-3 (5e-4 from 3 layers), clip 1e-3 (<= 2 layers) else 10, init 0.002/K"},
                    {"baseline_fit_tasks", fit_tasks},
                    {"baseline_fit_iterations", fit_iterations},
                    {"precision", "float32"}});

  const auto fit_set = train::generate_tasks(task, seed, train::Stream::baseline_tasks, 0, fit_tasks, 0, threads);
  // As many validation tasks as evaluation tasks: rare blow-ups must be as visible here as there.
  const auto validation_set = train::generate_tasks(task, seed, train::Stream::baseline_tasks, 1,
                                                    std::max(fit_tasks, static_cast<int>(ctx.eval_tasks)), 0, threads);
  const auto eval_set = train::generate_tasks(task, seed, train::Stream::eval_tasks, 0, static_cast<int>(ctx.eval_tasks), 0, threads);
  const double zero_loss = train::zero_predictor_loss(eval_set);
  train::GdFitConfig fit_config;
  fit_config.iterations = fit_iterations;
  fit_config.threads = threads;

  io::CsvTable summary_csv({"layers", "recurrent", "steps", "trained_loss", "gd_loss", "gd_per_step_loss", "gdpp_loss",
                            "sens_cos_vs_gdpp", "sens_cos_vs_gd"});
  io::CsvTable training_csv({"run", "layers", "recurrent", "step", "eval_loss"});
  io::CsvTable baselines_csv({"layers", "gd_loss", "gd_per_step_loss", "gdpp_shared_loss", "gdpp_per_layer_loss"});
  nlohmann::json runs = nlohmann::json::array();
  nlohmann::json baselines_json = nlohmann::json::object();
  io::SummaryTable table(fmt::format("trained stacks vs K-step GD and GD++ ({} evaluation tasks, x ~ {})", ctx.eval_tasks,
                                     ctx.input_range.short_label),
                         {"K", "weights", "steps", "trained", "K-step GD", "GD, η per step", "GD++", "trained/GD", "trained/GD++",
                          "cos vs GD++"});

  for (int k : layers) {
    cli::interruption_point(fmt::format("before the K = {} baselines", k));
    // --- Baselines for K steps.
    Baselines base;
    const auto search = train::line_search_gd(fit_set, k, {}, threads);
    base.gd_eta = search.eta;
    base.gd_loss = train::gd_loss(eval_set, search.eta, k, threads);
    const auto gd_fit = train::fit_gd(fit_set, k, false, false, fit_config);
    base.gd_per_step_etas = gd_fit.etas;
    base.gd_per_step_iterations = gd_fit.iterations;
    base.gd_per_step_loss = train::half_mse(eval_set, train::gd_predictions(eval_set, gd_fit.etas, {}, threads));
    base.gdpp_shared = train::fit_gd(fit_set, k, true, true, fit_config);
    base.gdpp_shared_loss = train::half_mse(
        eval_set, train::gd_plus_plus_predictions(eval_set, base.gdpp_shared.gammas, base.gdpp_shared.etas, threads));
    if (!opt.only_recurrent) {
      // Per-layer (γ_l, η_l) start from the shared fit (a per-layer solution too). Fitted on a
      // fixed task set, per-layer GD++ can reach extreme rates that blow up on other tasks
      // (measured: K = 5 fit loss 0.007, loss on new tasks 1e46); so the fit is checked on a
      // validation set, and the shared fit is kept when the per-layer one does worse there.
      train::GdFitConfig from_shared = fit_config;
      from_shared.initial_gamma = base.gdpp_shared.gammas.front();
      from_shared.initial_eta = base.gdpp_shared.etas.front();
      const auto per_layer = train::fit_gd(fit_set, k, true, false, from_shared);
      auto validation_loss = [&](const train::GdFitResult& r) {
        return train::half_mse(validation_set, train::gd_plus_plus_predictions(validation_set, r.gammas, r.etas, threads));
      };
      const double per_layer_validation = validation_loss(per_layer);
      const double shared_validation = validation_loss(base.gdpp_shared);
      base.per_layer_kept = std::isfinite(per_layer_validation) && per_layer_validation <= shared_validation;
      base.per_layer_fit_loss = per_layer.loss;
      base.per_layer_validation_loss = std::isfinite(per_layer_validation) ? per_layer_validation : -1.0;  // -1: blew up
      base.gdpp_per_layer = base.per_layer_kept ? per_layer : base.gdpp_shared;
      base.gdpp_per_layer_loss = train::half_mse(
          eval_set, train::gd_plus_plus_predictions(eval_set, base.gdpp_per_layer.gammas, base.gdpp_per_layer.etas, threads));
    }
    baselines_csv.add_row({double(k), base.gd_loss, base.gd_per_step_loss, base.gdpp_shared_loss,
                           opt.only_recurrent ? base.gdpp_shared_loss : base.gdpp_per_layer_loss});
    baselines_json[std::to_string(k)] = {{"gd_line_searched_eta", base.gd_eta},
                                         {"gd_loss", base.gd_loss},
                                         {"gd_per_step_etas", base.gd_per_step_etas},
                                         {"gd_per_step_bfgs_iterations", base.gd_per_step_iterations},
                                         {"gd_per_step_loss", base.gd_per_step_loss},
                                         {"gdpp_shared", {{"gamma", base.gdpp_shared.gammas}, {"eta", base.gdpp_shared.etas},
                                                          {"loss", base.gdpp_shared_loss},
                                                          {"bfgs_iterations", base.gdpp_shared.iterations}}},
                                         {"gdpp_per_layer", {{"gamma", base.gdpp_per_layer.gammas}, {"eta", base.gdpp_per_layer.etas},
                                                             {"loss", base.gdpp_per_layer_loss},
                                                             {"bfgs_iterations", base.gdpp_per_layer.iterations},
                                                             {"per_layer_fit_kept", base.per_layer_kept},
                                                             {"per_layer_fit_loss", base.per_layer_fit_loss},
                                                             {"per_layer_validation_loss", base.per_layer_validation_loss}}}};

    // --- Trained stacks.
    for (bool recurrent : {true, false}) {
      if (!recurrent && opt.only_recurrent) continue;
      train::TrainConfig cfg = train::TrainConfig::von_oswald(k, recurrent, task);
      cfg.batch_size = batch;
      cfg.steps = recurrent ? recurrent_steps : separate_steps;
      cfg.seed = seed;
      cfg.eval_tasks = static_cast<int>(ctx.eval_tasks);
      cfg.eval_every = static_cast<int>(std::max<std::int64_t>(1, cfg.steps / (quick ? 6 : 25)));
      cfg.threads = threads;
      cfg.finalize();
      train::Trainer<Scalar> trainer(cfg);
      const std::string path = select_training_path(trainer, !ctx.options.no_fast);
      const double run_id = 10.0 * k + (recurrent ? 1 : 0);
      const std::int64_t skipped = train_with_progress<Scalar>(
          ctx, trainer, fmt::format("stacks K={} {}", k, recurrent ? "recurrent" : "separate"), [&](EvalRecord& r) {
            training_csv.add_row({run_id, double(k), recurrent ? 1.0 : 0.0, double(r.step), r.eval_loss});
          });
      const double trained = trainer.evaluate();
      const auto& gdpp = recurrent ? base.gdpp_shared : base.gdpp_per_layer;
      const double gdpp_loss = recurrent ? base.gdpp_shared_loss : base.gdpp_per_layer_loss;
      const double gd_step_loss = recurrent ? base.gd_loss : base.gd_per_step_loss;
      const auto gdpp_model = train::make_gd_plus_plus_model<Scalar>(d, 1, n, gdpp.gammas, gdpp.etas, recurrent);
      const auto gd_model = train::make_gd_model<Scalar>(d, 1, n, std::vector<double>(static_cast<std::size_t>(k), base.gd_eta), true);
      const auto vs_gdpp = train::compare_models(trainer.model(), gdpp_model, trainer.eval_batch(), d, threads);
      const auto vs_gd = train::compare_models(trainer.model(), gd_model, trainer.eval_batch(), d, threads);
      summary_csv.add_row({double(k), recurrent ? 1.0 : 0.0, double(cfg.steps), trained, base.gd_loss, base.gd_per_step_loss,
                           gdpp_loss, vs_gdpp.sens_cos, vs_gd.sens_cos});
      const std::string folder = fmt::format("weights-K{}-{}", k, recurrent ? "recurrent" : "separate");
      save_model_into_run(ctx, trainer.model(), folder, cfg, {{"seed", seed}, {"steps", cfg.steps}, {"eval_loss", trained}});
      runs.push_back({{"layers", k},
                      {"recurrent", recurrent},
                      {"steps", cfg.steps},
                      {"skipped_nonfinite_steps", skipped},
                      {"training_path", path},
                      {"learning_rate", cfg.optimizer.learning_rate},
                      {"clip_global_norm", cfg.optimizer.clip_global_norm},
                      {"trained_loss", trained},
                      {"gd_loss", base.gd_loss},
                      {"gd_comparable_loss", gd_step_loss},
                      {"gdpp_loss", gdpp_loss},
                      {"ratio_to_gd", trained / base.gd_loss},
                      {"ratio_to_gdpp", trained / gdpp_loss},
                      {"vs_gdpp", {{"pred_diff", vs_gdpp.pred_diff}, {"sens_cos", vs_gdpp.sens_cos}, {"sens_l2", vs_gdpp.sens_l2}}},
                      {"vs_gd", {{"pred_diff", vs_gd.pred_diff}, {"sens_cos", vs_gd.sens_cos}, {"sens_l2", vs_gd.sens_l2}}},
                      {"weights", folder}});
      table.add_row({std::to_string(k), recurrent ? "shared" : "per layer", std::to_string(cfg.steps), io::cell(trained, 4),
                     io::cell(base.gd_loss, 4), io::cell(base.gd_per_step_loss, 4), io::cell(gdpp_loss, 4),
                     io::cell(trained / base.gd_loss, 3), io::cell(trained / gdpp_loss, 3), io::cell(vs_gdpp.sens_cos, 4)});
      // VO-11 (docs/papers/von_oswald.md, "Claim definitions"): 3 recurrent layers below 3-step GD
      // and within 10% of GD++; for every stack, trained below K-step GD (the paper's claim).
      if (recurrent && k == 3) {
        ctx.check("VO-11.K3-recurrent-below-3-step-GD", "trained loss / loss of 3-step GD with line-searched η (must be < 1)",
                  trained / base.gd_loss, "<", 1.0);
        ctx.check("VO-11.K3-recurrent-close-to-GD++",
                  "|trained loss − GD++ loss| / GD++ loss, recurrent GD++ with fitted (γ, η) (close: < 10%)",
                  std::abs(relative_gap(trained, gdpp_loss)), "<", 0.10);
      } else {
        ctx.check(fmt::format("VO-11.K{}-{}-below-K-step-GD", k, recurrent ? "recurrent" : "separate"),
                  fmt::format("trained loss / loss of {}-step GD with line-searched η", k), trained / base.gd_loss, "<", 1.0);
      }
    }
  }
  summary_csv.write(ctx.run, "stacks.csv");
  training_csv.write(ctx.run, "training.csv");
  baselines_csv.write(ctx.run, "baselines.csv");

  using io::PlotSeries;
  std::vector<PlotSeries> final_series{
      PlotSeries{"baselines.csv", "layers", "gd_loss", "K-step GD (line-searched η)"}.drawn_with("linespoints").dashed(),
      PlotSeries{"baselines.csv", "layers", "gd_per_step_loss", "K-step GD (η per step)"}.drawn_with("linespoints").dashed(3),
      PlotSeries{"baselines.csv", "layers", "gdpp_shared_loss", "GD++ (shared γ, η)"}.drawn_with("linespoints").dashed(),
      PlotSeries{"stacks.csv", "layers", "trained_loss", "trained, recurrent"}.where("recurrent", 1).drawn_with("linespoints")};
  if (!opt.only_recurrent) {
    final_series.push_back(PlotSeries{"baselines.csv", "layers", "gdpp_per_layer_loss", "GD++ (γ, η per layer)"}.drawn_with("linespoints").dashed(3));
    final_series.push_back(PlotSeries{"stacks.csv", "layers", "trained_loss", "trained, separate layers"}.where("recurrent", 0).drawn_with("linespoints"));
  }
  ctx.figures.push_back({.name = "stacks",
                         .title = fmt::format("K-layer LSA vs K-step GD and GD++, x ~ {}", ctx.input_range.short_label),
                         .x_label = "K (layers / steps)",
                         .y_label = "evaluation loss (0.5 · MSE)",
                         .log_y = true,
                         .series = final_series,
                         .reference_lines = {{zero_loss, "zero predictor"}}});
  for (bool recurrent : {true, false}) {
    if (!recurrent && opt.only_recurrent) continue;
    std::vector<PlotSeries> curves;
    for (int k : layers)
      curves.push_back(PlotSeries{"training.csv", "step", "eval_loss", fmt::format("K = {}", k)}.where("run", 10.0 * k + (recurrent ? 1 : 0)));
    ctx.figures.push_back({.name = recurrent ? "training_recurrent" : "training_separate",
                           .title = fmt::format("training, {} stacks", recurrent ? "recurrent" : "non-recurrent"),
                           .x_label = "training step",
                           .y_label = "evaluation loss (0.5 · MSE)",
                           .log_y = true,
                           .series = curves});
  }

  DemoResult result;
  result.results = {{"zero_predictor_loss", zero_loss}, {"baselines", baselines_json}, {"runs", runs}};
  nlohmann::json final_json = nlohmann::json::object();
  for (const auto& r : runs)
    final_json[fmt::format("K{}_{}", r["layers"].get<int>(), r["recurrent"].get<bool>() ? "recurrent" : "separate")] =
        {{"trained_loss", r["trained_loss"]}, {"ratio_to_gd", r["ratio_to_gd"]}, {"ratio_to_gdpp", r["ratio_to_gdpp"]}};
  result.results["final"] = final_json;
  result.summary = final_json;
  result.tables = {table};
  return result;
}

const RegisterDemo stacks_registration{{"stacks", "Recurrent and non-recurrent stacks of 2–5 LSA layers vs K-step GD and GD++", 20,
                                 [](CLI::App* app) -> DemoRunner {
                                   auto opt = std::make_shared<StacksOptions>();
                                   if (app) {
                                     app->add_option("--layers", opt->layers, "Stack depths K, each in [1, 12] (default 2 3 4 5)")->expected(1, 12)->check(cli::Integer(1, 12));
                                     app->add_option("--recurrent-steps", opt->recurrent_steps, "Steps for recurrent stacks (default 5000)")
                                         ->check(cli::Integer(1, cli::limits::steps));
                                     app->add_option("--separate-steps", opt->separate_steps,
                                                     "Steps for non-recurrent stacks (default 20000; the paper 50000)")
                                         ->check(cli::Integer(1, cli::limits::steps));
                                     app->add_flag("--only-recurrent", opt->only_recurrent, "Skip the non-recurrent stacks");
                                     app->add_option("--batch", opt->batch, "Tasks per training step")->check(cli::Integer(1, cli::limits::batch));
                                     app->add_option("--fit-tasks", opt->fit_tasks, "Tasks the GD/GD++ rates are fitted on")->check(cli::Integer(1, cli::limits::tasks));
                                     app->add_option("--fit-iterations", opt->fit_iterations, "Maximum BFGS iterations of the GD/GD++ fits (train::fit_gd)")
                                         ->check(cli::Integer(1, 1000000));
                                     app->add_option("--dim", opt->dim, "Input dimension d")->check(cli::Integer(1, cli::limits::dim));
                                     app->add_option("--context", opt->context, "Context size N")->check(cli::Integer(1, cli::limits::context));
                                   }
                                   return [opt](DemoContext& ctx) { return run(ctx, *opt); };
                                 }}};

}  // namespace
}  // namespace icgd::demo
