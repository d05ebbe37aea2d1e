// The ZFB demos' helpers (demos/demo/zfb_support.hpp): the eigenvalue form of Theorem 4.2 and the
// covariate-shift floor against closed_form.hpp's matrix form, the covariances, and prompts built
// from training-engine tasks (the bridge that lets the transformer and the LSA share prompts).
#include "demo/zfb_support.hpp"

#include "icgd/train/tokens.hpp"
#include "icgd/zfb/closed_form.hpp"
#include "icgd/zfb/train.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using namespace icgd;
using namespace icgd::demo::zfb_demo;

TEST_CASE("zfb demos: Theorem 4.2's eigenvalue form equals the closed form at Γ⁻¹ (ZFB-4)") {
  for (const auto& L : {identity(3), diagonal({1, 3}), kms(4, 0.5)}) {
    for (int N : {1, 4, 20})
      for (double M : {1.0, 6.0, 50.0, std::numeric_limits<double>::infinity()}) {
        const double closed = zfb::predictor_error(zfb::gamma_inverse(L.matrix, N), zfb::training_law(L.matrix), M);
        CHECK(theorem42_error(L.matrix, N, M) == doctest::Approx(closed).epsilon(1e-11));
      }
  }
  // Λ = I_d: d·[(d+1)/M + (d+1)²/N²] / (1 + (d+1)/N)².
  const double d = 3, N = 10, M = 7;
  CHECK(theorem42_error(identity(3).matrix, 10, M) ==
        doctest::Approx(d * ((d + 1) / M + (d + 1) * (d + 1) / (N * N)) / std::pow(1 + (d + 1) / N, 2)).epsilon(1e-13));
  // ...and it does depend on M (a wrong argument order would not be caught otherwise).
  CHECK(theorem42_error(identity(3).matrix, 10, 5) > theorem42_error(identity(3).matrix, 10, 50));
}

TEST_CASE("zfb demos: the covariate-shift floor is the closed form at M = ∞ (ZFB-8) and vanishes only without shift") {
  const auto L = identity(3);
  const Eigen::MatrixXd Ginv = zfb::gamma_inverse(L.matrix, 10);
  for (const auto& Omega : {scaled(L, 2.0), kms(3, 0.5)}) {
    const zfb::TestLaw law{Omega.matrix, Omega.matrix, Eigen::MatrixXd::Identity(3, 3), 0};
    const double floor = covariate_shift_floor(Ginv, Omega.matrix);
    CHECK(floor > 0);
    CHECK(zfb::predictor_error(Ginv, law, std::numeric_limits<double>::infinity()) == doctest::Approx(floor).epsilon(1e-12));
  }
  // With Γ⁻¹Ω = I there is no floor.
  const Eigen::MatrixXd Omega = zfb::gamma(L.matrix, 10);
  CHECK(std::abs(covariate_shift_floor(Ginv, Omega)) < 1e-12);
}

TEST_CASE("zfb demos: covariances") {
  const auto k = kms(4, 0.5);
  CHECK(k.matrix(0, 3) == doctest::Approx(0.125));
  CHECK(k.matrix(2, 1) == doctest::Approx(0.5));
  zfb::require_spd(k.matrix, "kms");
  CHECK(diagonal({1, 3}).name == "diag(1,3)");
  CHECK(scaled(identity(2), 4).matrix(1, 1) == 4.0);
}

TEST_CASE("zfb demos: prompts from training-engine tasks are those tasks, embedded as ZFB Eq. (4)") {
  train::TaskConfig task;
  task.x_dim = 3;
  task.num_context = 6;
  task.input_law = train::InputLaw::gaussian;
  task.input_covariance = kms(3, 0.3).matrix;
  const auto tasks = train::generate_tasks(task, 5, train::Stream::user, 0, 40);
  const auto p = prompts_from_tasks(tasks);
  CHECK(p.dim == 3);
  CHECK(p.length == 6);
  CHECK(p.count == 40);
  // The engine's concatenated tokens are the same matrix.
  const auto tokens = train::make_tokens<double>(tasks, {});
  CHECK(tokens.data == p.tokens);
  for (int b = 0; b < tasks.batch; ++b) {
    CHECK(p.targets(b) == tasks.query_y(b)(0));
    CHECK(p.prompt(b)(3, 6) == 0.0);
  }
  // The Theorem 4.1 minimiser predicts x_qᵀ Γ⁻¹ (1/M) Σ y_i x_i on them.
  const auto m = zfb::theorem41_minimiser(task.input_covariance, 6);
  const Eigen::VectorXd yhat = zfb::lsa_predictions({m.W_KQ, m.W_PV}, p);
  const Eigen::MatrixXd Ginv = zfb::gamma_inverse(task.input_covariance, 6);
  for (int b = 0; b < tasks.batch; ++b) {
    const Eigen::VectorXd xy = tasks.context_x(b) * tasks.context_y(b).transpose() / 6.0;
    CHECK(yhat(b) == doctest::Approx(tasks.query_x(b).dot(Ginv * xy)).epsilon(1e-12));
  }
}

TEST_CASE("zfb demos: z-scores") {
  CHECK(z_score({1.1, 0.05, 100}, 1.0) == doctest::Approx(2.0));
  CHECK(z_score({1.0, 0.0, 100}, 1.0) == 0.0);
  CHECK(std::isinf(z_score({1.2, 0.0, 100}, 1.0)));
}
