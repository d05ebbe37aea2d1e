// `icgd demo zfb-flow` — gradient flow of the one-layer LSA of Zhang, Frei & Bartlett 2024 from
// the initialisation of Assumption 3 (ZFB Theorem 4.1; docs/papers/zhang_frei_bartlett.md,
// "Theorem 4.1"; claims ZFB-5, ZFB-6).
//
// For several Λ (isotropic and anisotropic, d up to 5):
//  (a) the reduced model (only W^KQ_11 and w^PV_22 nonzero) is integrated with classical RK4 on
//      its exact population loss L = ½ R(w22·W11ᵀ) (icgd/zfb: closed-form risk and gradient);
//      the balancedness (w22)² − ‖W11‖²_F must stay constant to integrator accuracy, and the
//      product must reach Γ⁻¹ with the split tr(Γ⁻²)^{∓1/4};
//  (b) the full merged layer — every entry of W^KQ and W^PV free — is trained by plain SGD (the
//      Euler discretisation of the flow, with batch noise) on sampled prompts from the same
//      initialisation: the product must approach Γ⁻¹ and every other block stay ≈ 0.
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "demo/zfb_support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace icgd::demo {
namespace {

using namespace zfb_demo;

struct FlowOptions {
  double dt = 0.01;               // RK4 step (time units of the flow dθ/dt = −∇L)
  double flow_time = 400;         // length of the integrated flow
  double init_condition = 0.25;   // σ is chosen so that σ²‖Γ‖_op√d equals this (Theorem 4.1 needs < 2)
  int batch = 1000;               // SGD prompts per step
  double sgd_lr = 0.02;           // SGD step = flow time per step
};

struct FlowCase {
  NamedCovariance lambda;
  int N;
};

DemoResult run(DemoContext& ctx, const FlowOptions& opt) {
  const bool quick = ctx.options.quick;
  const int threads = ctx.threads();
  const std::uint64_t seed = ctx.options.seed;
  std::vector<FlowCase> cases = {{identity(2), 10}, {diagonal({1, 3}), 10}, {identity(5), 20}, {kms(5, 0.5), 20}};
  if (quick) cases.resize(2);
  const double flow_time = quick ? std::min(opt.flow_time, 60.0) : opt.flow_time;
  const double dt = quick ? std::max(opt.dt, 0.02) : opt.dt;
  const std::int64_t sgd_steps = ctx.steps_or(3000, 150);
  const int batch = quick ? std::min(opt.batch, 200) : opt.batch;
  const auto flow_steps = static_cast<std::int64_t>(std::ceil(flow_time / dt));
  if (flow_steps > 50'000'000) throw cli::InputError(fmt::format("--flow-time {} / --dt {}: more than 5·10^7 RK4 steps", flow_time, dt));
  require_task_memory(batch, 5, 20, fmt::format("--batch {}", batch));

  nlohmann::json case_settings = nlohmann::json::array();
  for (const auto& c : cases) case_settings.push_back({{"lambda", c.lambda.name}, {"Lambda", matrix_json(c.lambda.matrix)}, {"N", c.N}});
  ctx.write_config({{"cases", case_settings},
                    {"flow", {{"integrator", "classical RK4"}, {"dt", dt}, {"time", flow_time}, {"steps", flow_steps},
                              {"check_dt_half", "the same flow with dt/2, for the integrator error"}}},
                    {"initialisation", {{"law", "Assumption 3: W^PV(0) = σ[[0,0],[0,1]], W^KQ(0) = σ[[ΘΘᵀ,0],[0,0]], ΘΘᵀ = GGᵀ/‖GGᵀ‖_F"},
                                        {"sigma_rule", fmt::format("σ²‖Γ‖_op√d = {}", opt.init_condition)}}},
                    {"sgd", {{"optimiser", "plain SGD (Euler step of the flow) on fresh sampled prompts, every entry of W^KQ, W^PV trained"},
                             {"steps", sgd_steps}, {"batch", batch}, {"learning_rate", opt.sgd_lr}, {"flow_time", opt.sgd_lr * double(sgd_steps)}}},
                    {"model", "ZFB Eq. (3): query among keys/values, 1/ρ with ρ = N, prediction = bottom-right entry, no sign flip"}});

  io::CsvTable flow_csv({"case", "t", "loss", "relative_gap", "balance_drift", "w22_over_limit"});
  io::CsvTable sgd_csv({"case", "step", "t", "relative_gap", "off_block_max", "balance_drift", "w22_over_limit", "batch_loss"});
  io::SummaryTable table(fmt::format("ZFB gradient flow (RK4, dt = {:g}, T = {:g}) and SGD ({} steps of lr {:g}, batch {})", dt, flow_time,
                                     sgd_steps, opt.sgd_lr, batch),
                         {"Λ", "N", "σ", "flow ‖A−Γ⁻¹‖/‖Γ⁻¹‖", "balance drift", "dt vs dt/2", "w22/tr(Γ⁻²)^¼ − 1", "SGD ‖A−Γ⁻¹‖/‖Γ⁻¹‖",
                          "SGD off-blocks", "SGD w22 rel.", "SGD balance drift"});
  nlohmann::json case_results = nlohmann::json::array();
  double worst_flow_gap = 0, worst_sgd_gap = 0;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const auto& c = cases[ci];
    const Eigen::MatrixXd& Lambda = c.lambda.matrix;
    const int d = static_cast<int>(Lambda.rows());
    const Eigen::MatrixXd Ginv = zfb::gamma_inverse(Lambda, c.N);
    const auto minimiser = zfb::theorem41_minimiser(Lambda, c.N);
    const double gamma_op = zfb::gamma(Lambda, c.N).operatorNorm();
    const double sigma = std::sqrt(opt.init_condition / (gamma_op * std::sqrt(double(d))));
    const double condition = sigma * sigma * gamma_op * std::sqrt(double(d));
    const Eigen::MatrixXd theta = zfb::random_theta_theta(d, seed + ci);
    const std::string tag = fmt::format("{}.N{}", c.lambda.name, c.N);
    cli::interruption_point(fmt::format("before the flow of {}", tag));

    // (a) the reduced flow, RK4; the same with dt/2 for the integrator error.
    auto integrate = [&](double step, bool record) {
      zfb::ReducedState s = zfb::reduced_assumption3(theta, sigma);
      const double b0 = s.balance();
      double drift = 0;
      const auto steps = static_cast<std::int64_t>(std::ceil(flow_time / step));
      const std::int64_t every = std::max<std::int64_t>(1, steps / 400);
      for (std::int64_t k = 0; k <= steps; ++k) {
        drift = std::max(drift, std::abs(s.balance() - b0));
        if (record && (k % every == 0 || k == steps))
          flow_csv.add_row({double(ci), double(k) * step, zfb::reduced_loss(s, Lambda, c.N), relative_frobenius(s.preconditioner(), Ginv),
                            s.balance() - b0, s.w22 / minimiser.pv_scale});
        if (k < steps) s = zfb::rk4_step(s, Lambda, c.N, step);
      }
      return std::pair{s, drift};
    };
    const auto [flow_end, drift] = integrate(dt, true);
    const auto [half_end, half_drift] = integrate(dt / 2, false);
    const double integrator_error = std::max(std::abs(flow_end.w22 - half_end.w22), (flow_end.W11 - half_end.W11).cwiseAbs().maxCoeff());
    const double flow_gap = relative_frobenius(flow_end.preconditioner(), Ginv);
    const double split_w22 = flow_end.w22 / minimiser.pv_scale - 1;
    const double split_kq = relative_frobenius(flow_end.W11, minimiser.W_KQ.topLeftCorner(d, d));
    worst_flow_gap = std::max(worst_flow_gap, flow_gap);
    ctx.check(fmt::format("ZFB-6.{}.init-condition", tag), "σ²‖Γ‖_op√d of the initialisation (Theorem 4.1 needs < 2)", condition, "<", 2.0);
    ctx.check(fmt::format("ZFB-6.{}.flow-converges", tag), "‖w22·W11ᵀ − Γ⁻¹‖_F / ‖Γ⁻¹‖_F at the end of the RK4 flow", flow_gap, "<", 1e-6);
    // RK4 conserves the quadratic invariant only up to its O(dt⁴) error: the drift must be small
    // and shrink with the step (by 16 in theory; at least 8 here), which a real change would not.
    ctx.check(fmt::format("ZFB-5.{}.balance-drift", tag),
              "max_t |(w22² − ‖W11‖²_F)(t) − (…)(0)| along the RK4 flow (conserved by the exact flow)", drift, "<", 1e-6);
    ctx.check(fmt::format("ZFB-5.{}.balance-drift-is-integrator-error", tag),
              "drift with dt/2 over drift with dt (+1e-13): integrator error shrinks ≈ 16-fold", half_drift / (drift + 1e-13), "<", 0.125);
    ctx.check(fmt::format("ZFB-5.{}.limit-w22", tag), "|w22(T) / tr(Γ⁻²)^(+1/4) − 1| (Theorem 4.1's split)", std::abs(split_w22), "<", 1e-6);
    ctx.check(fmt::format("ZFB-5.{}.limit-W11", tag), "‖W11(T) − tr(Γ⁻²)^(−1/4)·Γ⁻¹‖_F / ‖…‖_F (Theorem 4.1's split)", split_kq, "<", 1e-6);

    // (b) the full merged layer, every entry free, trained by SGD on sampled prompts.
    zfb::LsaWeights weights = zfb::assumption3_init(theta, sigma);
    zfb::LsaTrainConfig train_config;
    train_config.law = zfb::training_prompt_law(Lambda);
    train_config.prompt_length = c.N;
    train_config.batch = batch;
    train_config.steps = sgd_steps;
    train_config.optimiser = zfb::Optimiser::sgd;
    train_config.learning_rate = opt.sgd_lr;
    train_config.seed = seed + 100 + ci;
    train_config.threads = threads;
    const auto records = train_lsa_with_progress(ctx, weights, train_config, std::max<std::int64_t>(1, sgd_steps / 200),
                                                 fmt::format("zfb-flow SGD {}", tag));
    double sgd_balance_drift = 0;
    const double b0 = records.front().weights.W_PV(d, d) * records.front().weights.W_PV(d, d) -
                      records.front().weights.W_KQ.topLeftCorner(d, d).squaredNorm();
    for (const auto& r : records) {
      const double w22 = r.weights.W_PV(d, d);
      const double balance = w22 * w22 - r.weights.W_KQ.topLeftCorner(d, d).squaredNorm() - b0;
      sgd_balance_drift = std::max(sgd_balance_drift, std::abs(balance));
      sgd_csv.add_row({double(ci), double(r.step), double(r.step) * opt.sgd_lr,
                       relative_frobenius(zfb::effective_preconditioner(r.weights), Ginv), zfb::off_blocks(r.weights).max(), balance,
                       w22 / minimiser.pv_scale, r.batch_loss});
    }
    const double sgd_gap = relative_frobenius(zfb::effective_preconditioner(weights), Ginv);
    const auto off = zfb::off_blocks(weights);
    const double scale = std::max(std::abs(weights.W_PV(d, d)), weights.W_KQ.topLeftCorner(d, d).cwiseAbs().maxCoeff());
    const double sgd_w22 = weights.W_PV(d, d) / minimiser.pv_scale - 1;
    worst_sgd_gap = std::max(worst_sgd_gap, sgd_gap);
    ctx.check(fmt::format("ZFB-6.{}.sgd-converges", tag),
              "SGD on sampled prompts, all blocks free: ‖w22·W11ᵀ − Γ⁻¹‖_F / ‖Γ⁻¹‖_F at the end", sgd_gap, "<", 0.05);
    ctx.check(fmt::format("ZFB-6.{}.sgd-off-blocks", tag),
              "SGD: largest |entry| of W^PV_11, w^PV_12, w^PV_21, w^KQ_12, w^KQ_21, w^KQ_22 over the largest |entry| of w22, W11",
              off.max() / scale, "<", 0.05);
    // Recorded under "zfb-flow.", not "ZFB-5.": ZFB-5 is a statement about gradient flow, and batch
    // noise is not bound to keep the balanced split (it inflates the d² entries of W11 more than the
    // one entry w22). This check first ran under ZFB-5 and did not hold for three Λ; it was moved
    // because it does not test that claim, not to change the outcome (docs/demos.md, zfb-flow).
    ctx.check(fmt::format("zfb-flow.{}.sgd-limit-w22", tag), "SGD: |w22 / tr(Γ⁻²)^(+1/4) − 1| at the end (not claimed by the paper)",
              std::abs(sgd_w22), "<", 0.05);

    table.add_row({c.lambda.name, std::to_string(c.N), io::cell(sigma, 3), io::cell(flow_gap, 3), io::cell(drift, 3), io::cell(integrator_error, 3),
                   io::cell(split_w22, 3), io::cell(sgd_gap, 3), io::cell(off.max(), 3), io::cell(sgd_w22, 3), io::cell(sgd_balance_drift, 3)});
    case_results.push_back({{"lambda", c.lambda.name},
                            {"N", c.N},
                            {"d", d},
                            {"sigma", sigma},
                            {"init_condition", condition},
                            {"gamma_inverse", matrix_json(Ginv)},
                            {"kq_scale", minimiser.kq_scale},
                            {"pv_scale", minimiser.pv_scale},
                            {"flow",
                             {{"relative_gap", flow_gap},
                              {"balance_drift", drift},
                              {"balance_drift_half_step", half_drift},
                              {"integrator_error", integrator_error},
                              {"w22", flow_end.w22},
                              {"w22_relative_error", split_w22},
                              {"W11_relative_error", split_kq},
                              {"final_loss", zfb::reduced_loss(flow_end, Lambda, c.N)},
                              {"minimum_loss", 0.5 * zfb::population_risk(Ginv, Lambda, c.N)}}},
                            {"sgd",
                             {{"relative_gap", sgd_gap},
                              {"off_blocks", {{"pv_11", off.pv_11}, {"pv_12", off.pv_12}, {"pv_21", off.pv_21}, {"kq_12", off.kq_12},
                                              {"kq_21", off.kq_21}, {"kq_22", off.kq_22}}},
                              {"w22", weights.W_PV(d, d)},
                              {"w22_relative_error", sgd_w22},
                              {"balance_drift", sgd_balance_drift},
                              {"W_KQ", matrix_json(weights.W_KQ)},
                              {"W_PV", matrix_json(weights.W_PV)}}}});
  }
  flow_csv.write(ctx.run, "flow.csv");
  nlohmann::json weights_json = nlohmann::json::array();
  for (const auto& c : case_results) weights_json.push_back({{"lambda", c["lambda"]}, {"N", c["N"]}, {"W_KQ", c["sgd"]["W_KQ"]}, {"W_PV", c["sgd"]["W_PV"]}});
  ctx.run.write_json("weights-sgd.json", {{"model", "merged one-layer LSA (ZFB Eq. 3), after SGD"}, {"cases", weights_json}});
  sgd_csv.write(ctx.run, "sgd.csv");

  using io::PlotSeries;
  std::vector<PlotSeries> gap_series, split_series, drift_series;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    const std::string name = fmt::format("{}, N = {}", cases[ci].lambda.name, cases[ci].N);
    gap_series.push_back(PlotSeries{"flow.csv", "t", "relative_gap", "flow (RK4): " + name}.where("case", double(ci)));
    gap_series.push_back(PlotSeries{"sgd.csv", "t", "relative_gap", "SGD: " + name}.where("case", double(ci)).dashed());
    split_series.push_back(PlotSeries{"flow.csv", "t", "w22_over_limit", "flow: " + name}.where("case", double(ci)));
    split_series.push_back(PlotSeries{"sgd.csv", "t", "w22_over_limit", "SGD: " + name}.where("case", double(ci)).dashed());
    drift_series.push_back(PlotSeries{"flow.csv", "t", "balance_drift", name}.where("case", double(ci)));
  }
  ctx.figures.push_back({.name = "convergence",
                         .title = "ZFB Theorem 4.1: ‖w22·W11ᵀ − Γ⁻¹‖_F / ‖Γ⁻¹‖_F along the flow and along SGD (t = step · lr)",
                         .x_label = "flow time t",
                         .y_label = "relative distance to Γ⁻¹",
                         .log_y = true,
                         .series = gap_series});
  ctx.figures.push_back({.name = "limit_split",
                         .title = "w22 / tr(Γ⁻²)^(1/4): the balanced split of Theorem 4.1",
                         .x_label = "flow time t",
                         .y_label = "w22 / tr(Γ⁻²)^(1/4)",
                         .series = split_series,
                         .reference_lines = {{1.0, "Theorem 4.1"}}});
  ctx.figures.push_back({.name = "balancedness",
                         .title = fmt::format("(w22² − ‖W11‖²_F)(t) − (…)(0) along the RK4 flow (dt = {:g})", dt),
                         .x_label = "flow time t",
                         .y_label = "drift of the invariant",
                         .series = drift_series});

  DemoResult result;
  result.results = {{"cases", case_results}, {"final", {{"worst_flow_relative_gap", worst_flow_gap}, {"worst_sgd_relative_gap", worst_sgd_gap}}}};
  result.summary = result.results["final"];
  result.tables = {table};
  return result;
}

const RegisterDemo zfb_flow_registration{{"zfb-flow", "ZFB Theorem 4.1: gradient flow from Assumption 3 reaches Γ⁻¹; balancedness (ZFB-5, ZFB-6)", 60,
                                 [](CLI::App* app) -> DemoRunner {
                                   auto opt = std::make_shared<FlowOptions>();
                                   if (app) {
                                     app->add_option("--dt", opt->dt, "RK4 step of the flow (default 0.01)")->check(cli::Real({0, 1, true}));
                                     app->add_option("--flow-time", opt->flow_time, "Length of the integrated flow (default 400)")
                                         ->check(cli::Real({0, 1e6, true}));
                                     app->add_option("--init-condition", opt->init_condition,
                                                     "σ is chosen so that σ²‖Γ‖_op√d equals this (default 0.25; Theorem 4.1 needs < 2)")
                                         ->check(cli::Real({0, 100, true}));
                                     app->add_option("--batch", opt->batch, "SGD prompts per step (default 1000)")->check(cli::Integer(1, cli::limits::batch));
                                     app->add_option("--sgd-lr", opt->sgd_lr, "SGD learning rate (default 0.02)")->check(cli::Real({0, 10, true}));
                                   }
                                   return [opt](DemoContext& ctx) { return run(ctx, *opt); };
                                 },
                                 InputRange{0, "N(0, Λ) (ZFB Gaussian inputs; Λ per case, in config.json)", "N(0, Λ)"}}};

}  // namespace
}  // namespace icgd::demo
