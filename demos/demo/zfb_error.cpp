// `icgd demo zfb-error` — the prediction error of the trained one-layer LSA against the training
// prompt length N and the test prompt length M (Zhang, Frei & Bartlett 2024, Theorem 4.2,
// Eq. 4.6; docs/papers/zhang_frei_bartlett.md, "Theorem 4.2: prediction error"; claim ZFB-4).
//
// For several Λ (I_5, diag(1, 3), a full SPD matrix) and N ∈ {5, 20}, on one plot per Λ:
//  - the closed form E(ŷ − y_q)² of ŷ = x_qᵀ Γ⁻¹ Ŝ_M w (icgd/zfb closed_form.hpp, matrix form),
//    and the eigenvalue form of Theorem 4.2 (a second route; they must agree to rounding);
//  - Monte Carlo of the same predictor (must agree within 3 standard errors);
//  - the merged LSA (icgd/zfb/train.hpp) trained with Adam on prompts of length N, evaluated on
//    fresh prompts of length M: what a trained model actually achieves, next to the theory.
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "demo/zfb_support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"
#include "icgd/train/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

namespace icgd::demo {
namespace {

using namespace zfb_demo;

struct ErrorOptions {
  std::vector<int> train_lengths{5, 20};  // N
  long mc_samples = 200000;               // per Monte-Carlo row (quick: 4000)
  int batch = 500;                        // Adam prompts per step
  double learning_rate = 0.01;            // Adam, falling linearly to 5% over the run
  int eval_prompts = 50000;               // fresh prompts per trained-model evaluation (quick: 2000)
};

DemoResult run(DemoContext& ctx, const ErrorOptions& opt) {
  const bool quick = ctx.options.quick;
  const int threads = ctx.threads();
  const std::uint64_t seed = ctx.options.seed;
  const std::vector<NamedCovariance> lambdas = quick ? std::vector<NamedCovariance>{identity(2), kms(3, 0.5)}
                                                     : std::vector<NamedCovariance>{identity(5), diagonal({1, 3}), kms(3, 0.5)};
  const std::vector<int> Ns = opt.train_lengths;
  const std::vector<int> mc_Ms = {5, 20, 80};
  const std::vector<int> trained_Ms = quick ? std::vector<int>{5, 20, 80} : std::vector<int>{1, 2, 5, 10, 20, 50, 80, 200};
  const std::vector<double> curve_Ms = {1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 80, 120, 200, 500, 1000, 3000};
  const long mc_samples = quick ? std::min(opt.mc_samples, 4000L) : opt.mc_samples;
  const int eval_prompts = quick ? std::min(opt.eval_prompts, 2000) : opt.eval_prompts;
  const std::int64_t steps = ctx.steps_or(2000, 100);
  const int batch = quick ? std::min(opt.batch, 100) : opt.batch;
  require_task_memory(std::max(eval_prompts, batch), 5, 200, fmt::format("--eval-prompts {} --batch {}", eval_prompts, batch));

  nlohmann::json lambda_settings = nlohmann::json::array();
  for (const auto& l : lambdas) lambda_settings.push_back({{"name", l.name}, {"Lambda", matrix_json(l.matrix)}});
  ctx.write_config({{"lambdas", lambda_settings},
                    {"train_lengths_N", Ns},
                    {"monte_carlo", {{"test_lengths_M", mc_Ms}, {"samples_per_row", mc_samples}, {"predictor", "x_qᵀ Γ⁻¹ Ŝ_M w"}}},
                    {"trained", {{"optimiser", "Adam (β = 0.9, 0.999), lr falling linearly to 5%"}, {"learning_rate", opt.learning_rate},
                                 {"steps", steps}, {"batch", batch}, {"init", "Assumption 3, σ²‖Γ‖_op√d = 0.25"},
                                 {"test_lengths_M", trained_Ms}, {"eval_prompts", eval_prompts}}},
                    {"law", "x ~ N(0, Λ), w ~ N(0, I), no noise; error E(ŷ − wᵀx_q)² (twice the ½-loss)"},
                    {"model", "ZFB Eq. (3): query among keys/values, 1/ρ with ρ = prompt length, bottom-right entry, no sign flip"}});

  io::CsvTable curve_csv({"series", "case", "N", "M", "analytic", "theorem42"});
  io::CsvTable mc_csv({"series", "case", "N", "M", "mc_mean", "mc_se", "analytic", "z"});
  io::CsvTable trained_csv({"series", "case", "N", "M", "trained_mean", "trained_se", "analytic"});
  io::CsvTable vs_n_csv({"case", "N", "M_equals_N", "M_infinite"});
  io::SummaryTable table(fmt::format("ZFB Theorem 4.2: E(ŷ − y_q)², closed form vs Monte Carlo ({} samples) vs trained LSA ({} steps)", mc_samples, steps),
                         {"Λ", "N", "M", "closed form", "Theorem 4.2 (eigen)", "Monte Carlo", "z (s.e.)", "trained LSA", "trained/closed − 1"});
  nlohmann::json rows = nlohmann::json::array();
  nlohmann::json trained_results = nlohmann::json::array();

  for (std::size_t li = 0; li < lambdas.size(); ++li) {
    const auto& L = lambdas[li];
    const int d = static_cast<int>(L.matrix.rows());
    const zfb::TestLaw law = zfb::training_law(L.matrix);
    for (int N = 2; N <= 200; N = N < 10 ? N + 1 : static_cast<int>(std::lround(N * 1.25))) {
      const Eigen::MatrixXd Ginv = zfb::gamma_inverse(L.matrix, N);
      vs_n_csv.add_row({double(li), double(N), zfb::predictor_error(Ginv, law, N), zfb::predictor_error(Ginv, law, kInf)});
    }
    for (std::size_t ni = 0; ni < Ns.size(); ++ni) {
      const int N = Ns[ni];
      const double series = double(li * 100 + static_cast<std::size_t>(N));
      const Eigen::MatrixXd Ginv = zfb::gamma_inverse(L.matrix, N);
      const std::string tag = fmt::format("{}.N{}", L.name, N);
      // Closed form, both routes.
      double worst_route = 0;
      for (double M : curve_Ms) {
        const double a = zfb::predictor_error(Ginv, law, M), b = theorem42_error(L.matrix, N, M);
        worst_route = std::max(worst_route, std::abs(a - b) / a);
        curve_csv.add_row({series, double(li), double(N), M, a, b});
      }
      const double floor_a = zfb::predictor_error(Ginv, law, kInf), floor_b = theorem42_error(L.matrix, N, kInf);
      worst_route = std::max(worst_route, std::abs(floor_a - floor_b) / floor_a);
      ctx.check(fmt::format("ZFB-4.{}.theorem42-eigen-form", tag),
                "max over M (M = ∞ included) of |closed form (matrix) − Theorem 4.2 eigenvalue form| / closed form", worst_route, "<", 1e-10);

      // The trained LSA.
      zfb::LsaTrainConfig train_config;
      train_config.law = zfb::training_prompt_law(L.matrix);
      train_config.prompt_length = N;
      train_config.batch = batch;
      train_config.steps = steps;
      train_config.optimiser = zfb::Optimiser::adam;
      train_config.learning_rate = opt.learning_rate;
      train_config.final_lr_fraction = 0.05;
      train_config.seed = seed + 10 * li + ni;
      train_config.threads = threads;
      const double gamma_op = zfb::gamma(L.matrix, N).operatorNorm();
      zfb::LsaWeights weights = zfb::assumption3_init(zfb::random_theta_theta(d, seed + li), std::sqrt(0.25 / (gamma_op * std::sqrt(double(d)))));
      (void)train_lsa_with_progress(ctx, weights, train_config, 0, fmt::format("zfb-error LSA {}", tag));
      nlohmann::json trained_row = {{"lambda", L.name}, {"N", N}, {"preconditioner_relative_gap", relative_frobenius(zfb::effective_preconditioner(weights), Ginv)},
                                    {"off_blocks_max", zfb::off_blocks(weights).max()}, {"errors", nlohmann::json::array()}};
      std::map<int, zfb::McEstimate> trained_at;
      for (int M : trained_Ms) {
        const auto prompts = zfb::sample_prompts(train_config.law, M, eval_prompts, seed, static_cast<std::uint32_t>(train::Stream::user) + 1,
                                                 static_cast<std::uint64_t>(li * 1000 + ni * 100 + static_cast<std::size_t>(M)), threads);
        const auto e = zfb::lsa_squared_error(weights, prompts, threads);
        trained_at[M] = e;
        const double a = zfb::predictor_error(Ginv, law, M);
        trained_csv.add_row({series, double(li), double(N), double(M), e.mean, e.standard_error, a});
        trained_row["errors"].push_back({{"M", M}, {"trained", e.mean}, {"standard_error", e.standard_error}, {"analytic", a}});
      }
      if (trained_at.count(N)) {
        const double a = zfb::predictor_error(Ginv, law, N);
        ctx.check(fmt::format("ZFB-4.{}.trained-vs-analytic", tag),
                  "|error of the trained LSA − closed-form error of Γ⁻¹| / closed form, at the training length M = N", std::abs(trained_at[N].mean / a - 1),
                  "<", 0.05);
      }
      trained_row["W_KQ"] = matrix_json(weights.W_KQ);
      trained_row["W_PV"] = matrix_json(weights.W_PV);
      trained_results.push_back(trained_row);

      // Monte Carlo rows, and the table.
      for (int M : mc_Ms) {
        cli::interruption_point(fmt::format("before Monte Carlo {} M = {}", tag, M));
        const double a = zfb::predictor_error(Ginv, law, M);
        const auto mc = zfb::monte_carlo_error(Ginv, law, M, mc_samples, seed + 1000 * li + 10 * ni + static_cast<std::uint64_t>(M));
        const double z = z_score(mc, a);
        mc_csv.add_row({series, double(li), double(N), double(M), mc.mean, mc.standard_error, a, z});
        ctx.check(fmt::format("ZFB-4.{}.M{}.monte-carlo", tag, M), "|Monte Carlo − closed form| in standard errors (x_qᵀ Γ⁻¹ Ŝ_M w)", z, "<=", 3.0);
        const auto trained = trained_at.find(M);
        const double t = trained == trained_at.end() ? std::nan("") : trained->second.mean;
        table.add_row({L.name, std::to_string(N), std::to_string(M), io::cell(a, 5), io::cell(theorem42_error(L.matrix, N, M), 5),
                       fmt::format("{} ± {}", io::cell(mc.mean, 5), io::cell(mc.standard_error, 2)), io::cell(z, 3), io::cell(t, 5),
                       io::cell(t / a - 1, 3)});
        rows.push_back({{"lambda", L.name}, {"N", N}, {"M", M}, {"analytic", a}, {"mc_mean", mc.mean}, {"mc_standard_error", mc.standard_error},
                        {"z", z}, {"trained", t}});
      }
      table.add_row({L.name, std::to_string(N), "∞", io::cell(floor_a, 5), io::cell(floor_b, 5), "", "", "", ""});
      rows.push_back({{"lambda", L.name}, {"N", N}, {"M", "inf"}, {"analytic", floor_a}});
      table.add_rule();
    }
  }
  curve_csv.write(ctx.run, "error_vs_m.csv");
  ctx.run.write_json("weights-lsa.json", {{"model", "merged one-layer LSA (ZFB Eq. 3), trained with Adam"}, {"runs", trained_results}});
  mc_csv.write(ctx.run, "monte_carlo.csv");
  trained_csv.write(ctx.run, "trained.csv");
  vs_n_csv.write(ctx.run, "error_vs_n.csv");

  using io::PlotSeries;
  for (std::size_t li = 0; li < lambdas.size(); ++li) {
    std::vector<PlotSeries> series;
    for (int N : Ns) {
      const double key = double(li * 100 + static_cast<std::size_t>(N));
      series.push_back(PlotSeries{"error_vs_m.csv", "M", "analytic", fmt::format("closed form, N = {}", N)}.where("series", key));
      series.push_back(PlotSeries{"monte_carlo.csv", "M", "mc_mean", fmt::format("Monte Carlo, N = {}", N)}.where("series", key).drawn_with("points pt 7 ps 1.3"));
      series.push_back(PlotSeries{"trained.csv", "M", "trained_mean", fmt::format("trained LSA, N = {}", N)}.where("series", key).drawn_with("points pt 4 ps 1.6"));
    }
    ctx.figures.push_back({.name = fmt::format("error_vs_m_{}", li),
                           .title = fmt::format("ZFB Theorem 4.2, Λ = {}: error of the trained LSA against the test length M", lambdas[li].name),
                           .x_label = "test prompt length M",
                           .y_label = "E(ŷ − y_q)²",
                           .log_x = true,
                           .log_y = true,
                           .series = series});
  }
  std::vector<PlotSeries> vs_n;
  for (std::size_t li = 0; li < lambdas.size(); ++li) {
    vs_n.push_back(PlotSeries{"error_vs_n.csv", "N", "M_equals_N", fmt::format("Λ = {}, M = N", lambdas[li].name)}.where("case", double(li)));
    vs_n.push_back(PlotSeries{"error_vs_n.csv", "N", "M_infinite", fmt::format("Λ = {}, M = ∞ (the 1/N² floor)", lambdas[li].name)}.where("case", double(li)).dashed());
  }
  ctx.figures.push_back({.name = "error_vs_n",
                         .title = "ZFB Theorem 4.2: closed-form error against the training length N",
                         .x_label = "training prompt length N",
                         .y_label = "E(ŷ − y_q)²",
                         .log_x = true,
                         .log_y = true,
                         .series = vs_n});

  double worst_z = 0, worst_trained = 0;
  for (const auto& r : rows)
    if (r.contains("z")) worst_z = std::max(worst_z, r["z"].get<double>());
  for (const auto& c : ctx.checks)
    if (c.id.ends_with("trained-vs-analytic")) worst_trained = std::max(worst_trained, c.measured);
  DemoResult result;
  result.results = {{"rows", rows}, {"trained", trained_results}, {"final", {{"worst_monte_carlo_z", worst_z}, {"worst_trained_relative_gap", worst_trained}}}};
  result.summary = result.results["final"];
  result.tables = {table};
  return result;
}

const RegisterDemo zfb_error_registration{{"zfb-error", "ZFB Theorem 4.2: error against N and M — closed form, Monte Carlo, trained LSA (ZFB-4)", 61,
                                 [](CLI::App* app) -> DemoRunner {
                                   auto opt = std::make_shared<ErrorOptions>();
                                   if (app) {
                                     app->add_option("--train-lengths", opt->train_lengths, "Training prompt lengths N (default 5 20)")
                                         ->expected(1, 6)
                                         ->check(cli::Integer(1, 200));
                                     app->add_option("--mc-samples", opt->mc_samples, "Monte-Carlo samples per row (default 200000)")
                                         ->check(cli::Integer(100, 100'000'000));
                                     app->add_option("--batch", opt->batch, "Adam prompts per step (default 500)")->check(cli::Integer(1, cli::limits::batch));
                                     app->add_option("--lr", opt->learning_rate, "Adam learning rate (default 0.01)")->check(cli::Real({0, 10, true}));
                                     app->add_option("--eval-prompts", opt->eval_prompts, "Fresh prompts per trained-model evaluation (default 50000)")
                                         ->check(cli::Integer(100, cli::limits::tasks));
                                   }
                                   return [opt](DemoContext& ctx) { return run(ctx, *opt); };
                                 },
                                 InputRange{0, "N(0, Λ) (ZFB Gaussian inputs; Λ per case, in config.json)", "N(0, Λ)"}}};

}  // namespace
}  // namespace icgd::demo
