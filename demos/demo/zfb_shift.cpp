// `icgd demo zfb-shift` — the trained one-layer LSA under distribution shift (Zhang, Frei &
// Bartlett 2024, Sec. 4.2 and 4.3; docs/papers/zhang_frei_bartlett.md, "Distribution shifts";
// claims ZFB-8, ZFB-9).
//
// Trained on x ~ N(0, Λ = I_5), w ~ N(0, I), N = 20; tested, side by side — closed form
// (icgd/zfb closed_form.hpp), Monte Carlo of the closed-form predictor x_qᵀ Γ⁻¹ Ŝ_M w, and the
// merged LSA trained with Adam (icgd/zfb/train.hpp) — under
//  - task shift (ZFB-9): w Gaussian or Rademacher with the same E wwᵀ ≠ I;
//  - query shift: x_q ~ N(0, Ω_q), the prompt inputs unchanged;
//  - covariate shift (ZFB-8): every input ~ N(0, Ω); the closed form at M = ∞ must equal the
//    floor tr((Γ⁻¹Ω − I)ᵀ Ω (Γ⁻¹Ω − I)), which is > 0;
//  - random covariance (Sec. 4.3, Theorem 4.5): Λ_τ = diag(λ), λ_k ~ Exponential(1) per prompt;
//    the minimiser is a_N·I, a_N → 1/3; at a fixed query and task, E ŷ = a_N⟨w, x_q⟩ for every M,
//    and the error does not vanish as M → ∞.
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
#include <memory>
#include <optional>

namespace icgd::demo {
namespace {

using namespace zfb_demo;

struct ShiftOptions {
  int dim = 5;
  int context = 20;           // N
  long mc_samples = 200000;   // per Monte-Carlo row (quick: 4000)
  int batch = 500;            // Adam prompts per step
  double learning_rate = 0.01;
  int eval_prompts = 50000;   // per trained-model evaluation (quick: 2000)
};

constexpr auto kEvalStream = static_cast<std::uint32_t>(train::Stream::user) + 2;

// Exponential(1) moments m1, m2, m3 = 1, 2, 6 (Sec. 4.3's example).
constexpr double kExpM1 = 1, kExpM2 = 2, kExpM3 = 6;

DemoResult run(DemoContext& ctx, const ShiftOptions& opt) {
  const bool quick = ctx.options.quick;
  const int threads = ctx.threads();
  const std::uint64_t seed = ctx.options.seed;
  const int d = quick ? std::min(opt.dim, 3) : opt.dim, N = opt.context;
  const long mc_samples = quick ? std::min(opt.mc_samples, 4000L) : opt.mc_samples;
  const int eval_prompts = quick ? std::min(opt.eval_prompts, 2000) : opt.eval_prompts;
  const std::int64_t steps = ctx.steps_or(2000, 100);
  const int batch = quick ? std::min(opt.batch, 100) : opt.batch;
  const std::vector<int> Ms = {5, N, 5 * N};
  const int long_M = quick ? 10 * N : 50 * N;  // covariate shift: close to the floor
  require_task_memory(std::max(eval_prompts, batch), d, long_M, fmt::format("--dim {} --context {} --eval-prompts {} --batch {}", d, N, eval_prompts, batch));

  const NamedCovariance Lambda = identity(d);
  Eigen::VectorXd task_diag(d);
  for (int k = 0; k < d; ++k) task_diag(k) = k % 2 == 0 ? 2.0 : 0.5;  // E wwᵀ = diag(2, 0.5, 2, …)
  const Eigen::MatrixXd Sigma_w = task_diag.asDiagonal();
  const NamedCovariance query_shift = scaled(Lambda, 4.0);
  const std::vector<NamedCovariance> covariate_shifts = {scaled(Lambda, 2.0), kms(d, 0.5)};
  const Eigen::MatrixXd Ginv = zfb::gamma_inverse(Lambda.matrix, N);
  const zfb::TestLaw train_law = zfb::training_law(Lambda.matrix);

  ctx.write_config({{"d", d},
                    {"N", N},
                    {"train_law", "x ~ N(0, I_d), w ~ N(0, I), no noise"},
                    {"test_lengths_M", Ms},
                    {"task_shift", {{"E_wwT", matrix_json(Sigma_w)}, {"laws", {"Gaussian N(0, Σ_w)", "w_k = ±sqrt((Σ_w)_kk), signs uniform"}}}},
                    {"query_shift", {{"Omega_q", query_shift.name}}},
                    {"covariate_shift", {{"Omega", {covariate_shifts[0].name, covariate_shifts[1].name}}, {"long_M", long_M}}},
                    {"random_covariance", "Λ_τ = diag(λ), λ_k ~ Exponential(1) i.i.d. per prompt (ZFB Sec. 4.3)"},
                    {"monte_carlo_samples", mc_samples},
                    {"trained", {{"optimiser", "Adam (β = 0.9, 0.999), lr falling linearly to 5%"}, {"learning_rate", opt.learning_rate},
                                 {"steps", steps}, {"batch", batch}, {"eval_prompts", eval_prompts}}}});

  // --- The trained LSAs: on the training law, and on the random-covariance law (Sec. 4.3).
  auto train_on = [&](const zfb::PromptLaw& law, std::uint64_t run_seed, const std::string& label) {
    zfb::LsaTrainConfig c;
    c.law = law;
    c.prompt_length = N;
    c.batch = batch;
    c.steps = steps;
    c.optimiser = zfb::Optimiser::adam;
    c.learning_rate = opt.learning_rate;
    c.final_lr_fraction = 0.05;
    c.seed = run_seed;
    c.threads = threads;
    const double gamma_op = zfb::gamma(Lambda.matrix, N).operatorNorm();
    zfb::LsaWeights w = zfb::assumption3_init(zfb::random_theta_theta(d, run_seed), std::sqrt(0.25 / (gamma_op * std::sqrt(double(d)))));
    (void)train_lsa_with_progress(ctx, w, c, 0, label);
    return w;
  };
  const zfb::LsaWeights trained = train_on(zfb::training_prompt_law(Lambda.matrix), seed, "zfb-shift LSA (training law)");
  zfb::PromptLaw random_law = zfb::training_prompt_law(Lambda.matrix);
  random_law.covariance = zfb::CovarianceLaw::exponential_diagonal;
  const zfb::LsaWeights trained_random = train_on(random_law, seed + 1, "zfb-shift LSA (random covariance)");

  // Three files, so that every CSV row is complete (M = ∞ has no Monte Carlo; it is drawn at 10⁶).
  io::CsvTable analytic_csv({"key", "family", "variant", "M", "analytic"});
  io::CsvTable mc_csv({"key", "M", "mc_mean", "mc_se"});
  io::CsvTable trained_csv({"key", "M", "trained_mean", "trained_se"});
  io::SummaryTable table(fmt::format("ZFB Sec. 4.2–4.3 shifts (d = {}, N = {}, trained on N(0, I)): E(ŷ − y_q)²", d, N),
                         {"shift", "test law", "M", "closed form", "Monte Carlo", "z", "trained LSA", "trained/closed − 1"});
  nlohmann::json rows = nlohmann::json::array();
  std::uint64_t eval_step = 0;
  // Long prompts (M ≫ N) are evaluated on a fifth of the prompts: their cost grows with M.
  auto trained_error = [&](const zfb::LsaWeights& w, const zfb::PromptLaw& law, int M) {
    const int count = M > 5 * N ? std::max(100, eval_prompts / 5) : eval_prompts;
    const auto prompts = zfb::sample_prompts(law, M, count, seed, kEvalStream, ++eval_step, threads);
    return zfb::lsa_squared_error(w, prompts, threads);
  };
  auto add_row = [&](const std::string& family, double family_id, const std::string& variant, double variant_id, double M, double analytic,
                     const std::optional<zfb::McEstimate>& mc, const std::optional<zfb::McEstimate>& tr) {
    const double nan = std::nan("");
    const double z = mc ? z_score(*mc, analytic) : nan;
    const double key = 10 * family_id + variant_id, m = std::isinf(M) ? 1e6 : M;
    analytic_csv.add_row({key, family_id, variant_id, m, analytic});
    if (mc) mc_csv.add_row({key, m, mc->mean, mc->standard_error});
    if (tr) trained_csv.add_row({key, m, tr->mean, tr->standard_error});
    table.add_row({family, variant, std::isinf(M) ? "∞" : fmt::format("{:g}", M), io::cell(analytic, 5),
                   mc ? fmt::format("{} ± {}", io::cell(mc->mean, 5), io::cell(mc->standard_error, 2)) : "", mc ? io::cell(z, 3) : "",
                   tr ? fmt::format("{} ± {}", io::cell(tr->mean, 5), io::cell(tr->standard_error, 2)) : "", tr ? io::cell(tr->mean / analytic - 1, 3) : ""});
    nlohmann::json row = {{"shift", family}, {"test_law", variant}, {"M", std::isinf(M) ? nlohmann::json("inf") : nlohmann::json(M)}, {"analytic", analytic}};
    if (mc) row.update({{"mc_mean", mc->mean}, {"mc_standard_error", mc->standard_error}, {"z", z}});
    if (tr) row.update({{"trained", tr->mean}, {"trained_standard_error", tr->standard_error}});
    rows.push_back(row);
    return z;
  };
  auto mc_seed = [&](int family, int variant, int M) { return seed + 100000 * std::uint64_t(family) + 1000 * std::uint64_t(variant) + std::uint64_t(M); };

  // --- In distribution (the reference rows).
  for (int M : Ms) {
    const double a = zfb::predictor_error(Ginv, train_law, M);
    const auto mc = zfb::monte_carlo_error(Ginv, train_law, M, mc_samples, mc_seed(0, 0, M));
    const auto tr = trained_error(trained, zfb::training_prompt_law(Lambda.matrix), M);
    add_row("none", 0, "training law", 0, M, a, mc, tr);
    if (M == N)
      ctx.check("ZFB-4.shift-demo.trained-vs-analytic", "in distribution, M = N: |trained LSA error / closed form − 1|", std::abs(tr.mean / a - 1), "<", 0.05);
  }
  add_row("none", 0, "training law", 0, kInf, zfb::predictor_error(Ginv, train_law, kInf), std::nullopt, std::nullopt);
  table.add_rule();

  // --- Task shift (ZFB-9).
  zfb::TestLaw task_law = train_law;
  task_law.task_second_moment = Sigma_w;
  for (int M : Ms) {
    const double a = zfb::predictor_error(Ginv, task_law, M);
    const auto mc_g = zfb::monte_carlo_error(Ginv, task_law, M, mc_samples, mc_seed(1, 0, M), zfb::TaskLaw::gaussian);
    const auto mc_r = zfb::monte_carlo_error(Ginv, task_law, M, mc_samples, mc_seed(1, 1, M), zfb::TaskLaw::rademacher);
    const auto tr_g = trained_error(trained, {task_law, zfb::TaskLaw::gaussian, zfb::CovarianceLaw::fixed}, M);
    const auto tr_r = trained_error(trained, {task_law, zfb::TaskLaw::rademacher, zfb::CovarianceLaw::fixed}, M);
    const double z_g = add_row("task", 1, "w Gaussian, E wwᵀ = Σ_w", 0, M, a, mc_g, tr_g);
    const double z_r = add_row("task", 1, "w Rademacher, E wwᵀ = Σ_w", 1, M, a, mc_r, tr_r);
    ctx.check(fmt::format("ZFB-9.M{}.gaussian-monte-carlo", M), "task shift, w Gaussian: |Monte Carlo − closed form| in standard errors", z_g, "<=", 3.0);
    ctx.check(fmt::format("ZFB-9.M{}.rademacher-monte-carlo", M), "task shift, w Rademacher (same E wwᵀ): |Monte Carlo − closed form| in standard errors",
              z_r, "<=", 3.0);
    ctx.check(fmt::format("ZFB-9.M{}.laws-agree", M), "|Monte Carlo (Gaussian w) − Monte Carlo (Rademacher w)| in combined standard errors",
              std::abs(mc_g.mean - mc_r.mean) / std::hypot(mc_g.standard_error, mc_r.standard_error), "<=", 3.0);
    ctx.check(fmt::format("ZFB-9.M{}.trained-laws-agree", M), "the trained LSA: |error (Gaussian w) − error (Rademacher w)| in combined standard errors",
              std::abs(tr_g.mean - tr_r.mean) / std::hypot(tr_g.standard_error, tr_r.standard_error), "<=", 3.0);
  }
  add_row("task", 1, "E wwᵀ = Σ_w (either law)", 0, kInf, zfb::predictor_error(Ginv, task_law, kInf), std::nullopt, std::nullopt);
  table.add_rule();

  // --- Query shift.
  zfb::TestLaw query_law = train_law;
  query_law.query_cov = query_shift.matrix;
  for (int M : Ms) {
    const double a = zfb::predictor_error(Ginv, query_law, M);
    const auto mc = zfb::monte_carlo_error(Ginv, query_law, M, mc_samples, mc_seed(2, 0, M));
    const auto tr = trained_error(trained, {query_law, zfb::TaskLaw::gaussian, zfb::CovarianceLaw::fixed}, M);
    const double z = add_row("query", 2, "x_q ~ N(0, " + query_shift.name + ")", 0, M, a, mc, tr);
    ctx.check(fmt::format("ZFB-shift.query.M{}.monte-carlo", M), "query shift: |Monte Carlo − closed form| in standard errors", z, "<=", 3.0);
  }
  const double query_floor = zfb::predictor_error(Ginv, query_law, kInf);
  add_row("query", 2, "x_q ~ N(0, " + query_shift.name + ")", 0, kInf, query_floor, std::nullopt, std::nullopt);
  ctx.check("ZFB-shift.query.floor-small", "query shift: closed-form error at M = ∞ over E y_q² = tr(Σ_w Ω_q) (the paper: robust; O(1/N²))",
            query_floor / query_shift.matrix.trace(), "<", 0.1);
  table.add_rule();

  // --- Covariate shift (ZFB-8).
  nlohmann::json floors = nlohmann::json::array();
  for (std::size_t oi = 0; oi < covariate_shifts.size(); ++oi) {
    const auto& Omega = covariate_shifts[oi];
    const zfb::TestLaw law{Omega.matrix, Omega.matrix, Eigen::MatrixXd::Identity(d, d), 0};
    const zfb::PromptLaw prompt_law{law, zfb::TaskLaw::gaussian, zfb::CovarianceLaw::fixed};
    const std::string name = "x ~ N(0, " + Omega.name + ")";
    for (int M : Ms) {
      const double a = zfb::predictor_error(Ginv, law, M);
      const auto mc = zfb::monte_carlo_error(Ginv, law, M, mc_samples, mc_seed(3, static_cast<int>(oi), M));
      const auto tr = trained_error(trained, prompt_law, M);
      const double z = add_row("covariate", 3, name, double(oi), M, a, mc, tr);
      ctx.check(fmt::format("ZFB-8.{}.M{}.monte-carlo", Omega.name, M), "covariate shift: |Monte Carlo − closed form| in standard errors", z, "<=", 3.0);
      if (M == N)
        ctx.check(fmt::format("ZFB-8.{}.trained-vs-analytic", Omega.name), "covariate shift, M = N: |trained LSA error / closed form − 1|",
                  std::abs(tr.mean / a - 1), "<", 0.10);
    }
    const auto tr_long = trained_error(trained, prompt_law, long_M);
    add_row("covariate", 3, name, double(oi), long_M, zfb::predictor_error(Ginv, law, long_M), std::nullopt, tr_long);
    const double closed_inf = zfb::predictor_error(Ginv, law, kInf);
    const double floor = covariate_shift_floor(Ginv, Omega.matrix);
    add_row("covariate", 3, name, double(oi), kInf, closed_inf, std::nullopt, std::nullopt);
    ctx.check(fmt::format("ZFB-8.{}.floor-formula", Omega.name), "|closed form at M = ∞ − tr((Γ⁻¹Ω − I)ᵀΩ(Γ⁻¹Ω − I))| / the latter",
              std::abs(closed_inf - floor) / floor, "<", 1e-10);
    ctx.check(fmt::format("ZFB-8.{}.floor-positive", Omega.name), "the floor tr((Γ⁻¹Ω − I)ᵀΩ(Γ⁻¹Ω − I)) over E y_q² = tr Ω (no robustness: > 0)",
              floor / Omega.matrix.trace(), ">", 0.01);
    floors.push_back({{"Omega", Omega.name}, {"floor", floor}, {"closed_form_at_infinity", closed_inf}, {"trained_at_long_M", tr_long.mean},
                      {"long_M", long_M}, {"in_distribution_floor", zfb::predictor_error(Ginv, train_law, kInf)}});
  }
  table.add_rule();

  // --- Random covariance (Sec. 4.3, Theorem 4.5).
  const double a_N = zfb::random_covariance_coefficient(d, N, kExpM1, kExpM2, kExpM3);
  const Eigen::MatrixXd A_random = a_N * Eigen::MatrixXd::Identity(d, d);
  zfb::LsaWeights minimiser_random{Eigen::MatrixXd::Zero(d + 1, d + 1), Eigen::MatrixXd::Zero(d + 1, d + 1)};
  minimiser_random.W_KQ.topLeftCorner(d, d) = A_random;
  minimiser_random.W_PV(d, d) = 1.0;
  nlohmann::json coefficients = nlohmann::json::array();
  for (int n : {5, 20, 100, 1000, 10000}) coefficients.push_back({{"N", n}, {"a_N", zfb::random_covariance_coefficient(d, n, kExpM1, kExpM2, kExpM3)}});
  ctx.check("ZFB-T45.coefficient-limit", "|a_N − 1/3| at N = 10⁴ (Exponential(1) diagonals: a_N → E λ² / E λ³ = 1/3)",
            std::abs(zfb::random_covariance_coefficient(d, 10000, kExpM1, kExpM2, kExpM3) - 1.0 / 3), "<", 1e-3);
  const double trained_random_gap = relative_frobenius(zfb::effective_preconditioner(trained_random), A_random);
  ctx.check("ZFB-T45.trained-preconditioner", "LSA trained on random covariances: ‖w22·W11ᵀ − a_N·I‖_F / ‖a_N·I‖_F", trained_random_gap, "<", 0.05);

  // E[ŷ | x_q, w] at one fixed query and task, over the random covariance and the prompt.
  train::TaskRng probe_rng(seed, kEvalStream, 0, 4242);
  Eigen::VectorXd w_probe(d), xq_probe(d);
  for (int k = 0; k < d; ++k) w_probe(k) = probe_rng.normal();
  for (int k = 0; k < d; ++k) xq_probe(k) = probe_rng.normal();
  const double target_probe = w_probe.dot(xq_probe);
  nlohmann::json conditional = nlohmann::json::array();
  auto conditional_slope = [&](const zfb::LsaWeights& w, int M) {
    zfb::Prompts p = zfb::sample_prompts(random_law, M, eval_prompts, seed, kEvalStream, ++eval_step, threads);
    for (int b = 0; b < p.count; ++b) {
      auto E = p.tokens.middleCols(static_cast<Eigen::Index>(b) * (M + 1), M + 1);
      for (int i = 0; i < M; ++i) E(d, i) = w_probe.dot(E.col(i).head(d));
      E.col(M).head(d) = xq_probe;
      p.targets(b) = target_probe;
    }
    const Eigen::ArrayXd ratio = zfb::lsa_predictions(w, p, threads).array() / target_probe;
    const double mean = ratio.mean();
    const double se = std::sqrt((ratio - mean).square().sum() / (ratio.size() - 1) / ratio.size());
    return zfb::McEstimate{mean, se, static_cast<long>(ratio.size())};
  };
  for (int M : {N, 10 * N}) {
    const auto s = conditional_slope(minimiser_random, M);
    const auto t = conditional_slope(trained_random, M);
    const double z = z_score(s, a_N);
    ctx.check(fmt::format("ZFB-T45.M{}.conditional-mean", M), "minimiser a_N·I at a fixed (x_q, w): |E ŷ / ⟨w, x_q⟩ − a_N| in standard errors", z, "<=",
              3.0);
    conditional.push_back({{"M", M}, {"a_N", a_N}, {"minimiser_slope", s.mean}, {"minimiser_slope_se", s.standard_error}, {"z", z},
                           {"trained_slope", t.mean}, {"trained_slope_se", t.standard_error}});
    table.add_row({"random Λ", fmt::format("E ŷ/⟨w,x_q⟩, fixed (x_q, w); a_N = {}", io::cell(a_N, 4)), std::to_string(M), io::cell(a_N, 5),
                   fmt::format("{} ± {}", io::cell(s.mean, 5), io::cell(s.standard_error, 2)), io::cell(z, 3),
                   fmt::format("{} ± {}", io::cell(t.mean, 5), io::cell(t.standard_error, 2)), io::cell(t.mean / a_N - 1, 3)});
  }
  // The error under random covariances: the closed form averaged over Λ draws (semi-analytic),
  // Monte Carlo of a_N·I, and the trained LSA; it does not vanish as M grows.
  const int lambda_draws = quick ? 500 : 20000;
  double floor_ratio = 0;
  for (int M : {N, 10 * N, 50 * N}) {
    if (quick && M > 10 * N) break;
    Eigen::ArrayXd closed(lambda_draws);
    for (int k = 0; k < lambda_draws; ++k) {
      train::TaskRng rng(seed, kEvalStream + 1, static_cast<std::uint64_t>(M), static_cast<std::uint32_t>(k));
      Eigen::VectorXd lambda(d);
      for (int j = 0; j < d; ++j) lambda(j) = -std::log(1.0 - rng.uniform01());
      closed(k) = zfb::predictor_error(A_random, zfb::training_law(Eigen::MatrixXd(lambda.asDiagonal())), M);
    }
    const double closed_mean = closed.mean();
    const double closed_se = std::sqrt((closed - closed_mean).square().sum() / (lambda_draws - 1) / lambda_draws);
    const auto mc = trained_error(minimiser_random, random_law, M);
    const auto tr = trained_error(trained_random, random_law, M);
    const double z = std::abs(mc.mean - closed_mean) / std::hypot(mc.standard_error, closed_se);
    add_row("random Λ", 4, "Λ_τ = diag(Exp(1)), A = a_N·I", 0, M, closed_mean, mc, tr);
    ctx.check(fmt::format("ZFB-T45.M{}.monte-carlo", M), "random covariance: |Monte Carlo − Λ-averaged closed form| in combined standard errors", z,
              "<=", 3.0);
    floor_ratio = mc.mean / double(d);
  }
  ctx.check("ZFB-T45.error-floor", "random covariance: Monte-Carlo error of a_N·I at the longest M over E y_q² = d (does not vanish)", floor_ratio, ">",
            0.1);

  analytic_csv.write(ctx.run, "shift_closed_form.csv");
  ctx.run.write_json("weights-lsa.json", {{"model", "merged one-layer LSA (ZFB Eq. 3), trained with Adam"},
                                          {"training_law", {{"W_KQ", matrix_json(trained.W_KQ)}, {"W_PV", matrix_json(trained.W_PV)}}},
                                          {"random_covariance", {{"W_KQ", matrix_json(trained_random.W_KQ)}, {"W_PV", matrix_json(trained_random.W_PV)}}}});
  mc_csv.write(ctx.run, "shift_monte_carlo.csv");
  trained_csv.write(ctx.run, "shift_trained.csv");
  using io::PlotSeries;
  // One figure per shift; a test law is a row key 10·family + variant of the shift_*.csv files.
  auto family_figure = [&](const std::string& name, const std::string& title, const std::vector<std::pair<double, std::string>>& keys) {
    std::vector<PlotSeries> series;
    for (const auto& [key, label] : keys) {
      series.push_back(PlotSeries{"shift_closed_form.csv", "M", "analytic", "closed form, " + label}.where("key", key).drawn_with("linespoints pt 1"));
      series.push_back(PlotSeries{"shift_monte_carlo.csv", "M", "mc_mean", "Monte Carlo, " + label}.where("key", key).drawn_with("points pt 7 ps 1.3"));
      series.push_back(PlotSeries{"shift_trained.csv", "M", "trained_mean", "trained LSA, " + label}.where("key", key).drawn_with("points pt 4 ps 1.6"));
    }
    ctx.figures.push_back({.name = name, .title = title, .x_label = "test prompt length M (∞ drawn at 10⁶)", .y_label = "E(ŷ − y_q)²", .log_x = true,
                           .log_y = true, .series = series});
  };
  family_figure("task_shift", "task shift (ZFB-9): Gaussian and Rademacher w with the same E wwᵀ, and no shift", {{0, "no shift"}, {10, "w Gaussian"}, {11, "w Rademacher"}});
  family_figure("query_shift", "query shift: x_q ~ N(0, " + query_shift.name + "), and no shift", {{0, "no shift"}, {20, "x_q ~ N(0, " + query_shift.name + ")"}});
  family_figure("covariate_shift", "covariate shift (ZFB-8), and no shift",
                {{0, "no shift"}, {30, "Ω = " + covariate_shifts[0].name}, {31, "Ω = " + covariate_shifts[1].name}});
  family_figure("random_covariance", "random covariance (Sec. 4.3): Λ_τ = diag(Exp(1)), A = a_N·I", {{40, "random Λ"}});

  DemoResult result;
  result.results = {{"rows", rows},
                    {"covariate_floors", floors},
                    {"random_covariance",
                     {{"a_N", a_N}, {"coefficients", coefficients}, {"trained_preconditioner_relative_gap", trained_random_gap},
                      {"trained_preconditioner", matrix_json(zfb::effective_preconditioner(trained_random))}, {"conditional_mean", conditional}}},
                    {"trained_preconditioner_relative_gap", relative_frobenius(zfb::effective_preconditioner(trained), Ginv)},
                    {"final", {{"a_N", a_N}, {"covariate_floor_2I", floors[0]["floor"]}, {"query_floor", query_floor}}}};
  result.summary = result.results["final"];
  result.tables = {table};
  return result;
}

const RegisterDemo zfb_shift_registration{{"zfb-shift", "ZFB Sec. 4.2–4.3: task, query, covariate shift and random covariances (ZFB-8, ZFB-9)", 62,
                                 [](CLI::App* app) -> DemoRunner {
                                   auto opt = std::make_shared<ShiftOptions>();
                                   if (app) {
                                     app->add_option("--dim", opt->dim, "Input dimension d (default 5)")->check(cli::Integer(1, 20));
                                     app->add_option("--context", opt->context, "Training prompt length N (default 20)")->check(cli::Integer(2, 200));
                                     app->add_option("--mc-samples", opt->mc_samples, "Monte-Carlo samples per row (default 200000)")
                                         ->check(cli::Integer(100, 100'000'000));
                                     app->add_option("--batch", opt->batch, "Adam prompts per step (default 500)")->check(cli::Integer(1, cli::limits::batch));
                                     app->add_option("--lr", opt->learning_rate, "Adam learning rate (default 0.01)")->check(cli::Real({0, 10, true}));
                                     app->add_option("--eval-prompts", opt->eval_prompts, "Fresh prompts per trained-model evaluation (default 50000)")
                                         ->check(cli::Integer(100, cli::limits::tasks));
                                   }
                                   return [opt](DemoContext& ctx) { return run(ctx, *opt); };
                                 },
                                 InputRange{0, "N(0, Λ) (ZFB Gaussian inputs; the laws are in config.json)", "N(0, Λ)"}}};

}  // namespace
}  // namespace icgd::demo
