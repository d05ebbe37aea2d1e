// Baselines and the analytic oracle (docs/papers/von_oswald.md, "Experiments and the numbers to hit", claims VO-6/VO-7).
#include "icgd/train/baselines.hpp"
#include "icgd/train/oracle.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace icgd::train;

TEST_CASE("oracle: closed-form values for the two input laws (A.8 table)") {
  // x ~ U(−0.5, 0.5): σ² = 1/12, E x⁴ = 1/80; E tr Ŝ² = 0.75/10 + 0.9·10/144 = 0.1375.
  const OneStepGdOracle code = one_step_gd_oracle_uniform(0.5, 10, 10);
  CHECK(code.expected_tr_S2 == doctest::Approx(0.1375));
  CHECK(code.alpha_star == doctest::Approx((10.0 / 12.0) / 0.1375));
  CHECK(code.half_risk == doctest::Approx((10.0 - (10.0 / 12.0) * (10.0 / 12.0) / 0.1375) / 24.0));
  CHECK(code.half_risk_zero == doctest::Approx(10.0 / 24.0));
  // x ~ U(−1, 1): E tr Ŝ² = 12/10 + 0.9·10/9 = 2.2.
  const OneStepGdOracle paper = one_step_gd_oracle_uniform(1.0, 10, 10);
  CHECK(paper.expected_tr_S2 == doctest::Approx(2.2));
  CHECK(paper.alpha_star == doctest::Approx((10.0 / 3.0) / 2.2));
  // half_risk_at is minimal at α* and equals half_risk there; zero step = zero predictor.
  CHECK(code.half_risk_at(code.alpha_star) == doctest::Approx(code.half_risk));
  CHECK(code.half_risk_at(0.0) == doctest::Approx(code.half_risk_zero));
  CHECK(code.half_risk_at(code.alpha_star * 1.1) > code.half_risk);
}

TEST_CASE("line-searched GD matches the analytic oracle (Monte-Carlo tolerance)") {
  for (double a : {0.5, 1.0}) {
    CAPTURE(a);
    TaskConfig cfg = TaskConfig::code_linear(10, 10);
    cfg.input_half_width = a;
    const int n_tasks = 40000;
    const TaskBatch tasks = generate_tasks(cfg, 2024, Stream::baseline_tasks, 0, n_tasks, 0, 2);
    const OneStepGdOracle o = one_step_gd_oracle_uniform(a, 10, 10);
    const LineSearchResult r = line_search_gd(tasks, 1, {}, 2);
    // Standard error of the mean per-task loss at the found η.
    const Eigen::MatrixXd pred = gd_predictions(tasks, r.eta, 1, 2);
    double s = 0, s2 = 0;
    for (int b = 0; b < n_tasks; ++b) {
      const double l = 0.5 * (pred.col(b) - tasks.query_y(b)).squaredNorm();
      s += l;
      s2 += l * l;
    }
    const double mean = s / n_tasks;
    const double se = std::sqrt((s2 / n_tasks - mean * mean) / n_tasks);
    CHECK(mean == doctest::Approx(r.loss).epsilon(1e-9));
    MESSAGE("a=" << a << " eta*=" << o.alpha_star << " grid eta=" << r.grid_eta << " refined eta=" << r.eta
                 << " loss=" << r.loss << " oracle=" << o.half_risk << " se=" << se);
    CHECK(std::abs(r.loss - o.half_risk) < 4 * se);
    // VO-7: the grid minimiser lands within the 0.1 grid of α* (plus Monte-Carlo slack).
    CHECK(std::abs(r.grid_eta - o.alpha_star) < 0.1 + 0.03 * o.alpha_star);
    CHECK(r.loss <= r.grid_loss);
    // The oracle's risk curve away from the optimum, too (exact in expectation).
    const double eta = 0.6 * o.alpha_star;
    CHECK(gd_loss(tasks, eta, 1, 2) == doctest::Approx(o.half_risk_at(eta)).epsilon(0.03));
    CHECK(zero_predictor_loss(tasks) == doctest::Approx(o.half_risk_zero).epsilon(0.03));
  }
}

TEST_CASE("least squares is exact on noiseless tasks with N >= d; ridge tends to it") {
  const TaskBatch tasks = generate_tasks(TaskConfig::code_linear(5, 12), 3, Stream::user, 0, 50);
  CHECK(half_mse(tasks, least_squares_predictions(tasks)) < 1e-25);
  CHECK(half_mse(tasks, ridge_predictions(tasks, 1e-10)) < 1e-12);
  const double heavy = half_mse(tasks, ridge_predictions(tasks, 1e6));
  CHECK(heavy == doctest::Approx(zero_predictor_loss(tasks)).epsilon(1e-3));
  // N < d: the minimum-norm solution interpolates the context.
  const TaskBatch few = generate_tasks(TaskConfig::code_linear(8, 3), 4, Stream::user, 0, 5);
  const Eigen::MatrixXd pred = least_squares_predictions(few);
  CHECK(half_mse(few, pred) > 1e-4);  // not exact any more
}

TEST_CASE("K-step GD and fitted GD++: more steps help, GD++ beats GD (App. A.10)") {
  const TaskBatch tasks = generate_tasks(TaskConfig::code_linear(10, 10), 5, Stream::baseline_tasks, 0, 2048, 0, 2);
  const LineSearchResult g1 = line_search_gd(tasks, 1, {}, 2);
  const LineSearchResult g2 = line_search_gd(tasks, 2, {}, 2);
  CHECK(g2.loss < g1.loss);
  GdFitConfig fc;
  fc.threads = 2;
  fc.iterations = 200;
  const GdFitResult pp = fit_gd(tasks, 2, true, false, fc);
  const GdFitResult plain = fit_gd(tasks, 2, false, false, fc);
  MESSAGE("2-step GD " << g2.loss << ", per-layer eta GD " << plain.loss << ", GD++ " << pp.loss
                       << " gammas " << pp.gammas[0] << "," << pp.gammas[1]);
  CHECK(plain.loss <= g2.loss * 1.001);
  CHECK(pp.loss < plain.loss);
  CHECK(pp.gammas[0] > 0.0);
  // The fitted GD++ loss is the GD++ recursion's loss at the fitted parameters.
  CHECK(half_mse(tasks, gd_plus_plus_predictions(tasks, pp.gammas, pp.etas)) == doctest::Approx(pp.loss).epsilon(1e-9));
}
