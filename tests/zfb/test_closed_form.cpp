// The ZFB closed forms in double (icgd/zfb/closed_form.hpp): each formula against an
// independent route (finite differences, the minimiser's first-order condition, Monte Carlo).
#include "icgd/zfb/closed_form.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace {

using icgd::zfb::TestLaw;

Eigen::MatrixXd diag(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double x : values) v(i++) = x;
  return v.asDiagonal();
}

Eigen::MatrixXd full_lambda() {
  Eigen::MatrixXd m(3, 3);
  m << 2.0, 0.5, -0.3, 0.5, 1.0, 0.2, -0.3, 0.2, 1.5;
  return m;
}

}  // namespace

TEST_CASE("zfb: Γ, its inverse and the Theorem 4.1 minimiser") {
  const Eigen::MatrixXd lambda = diag({1.0, 3.0});
  const Eigen::MatrixXd g = icgd::zfb::gamma(lambda, 4);
  // (1 + 1/4)·diag(1,3) + (4/4)·I = diag(2.25, 4.75)
  CHECK(g(0, 0) == doctest::Approx(2.25));
  CHECK(g(1, 1) == doctest::Approx(4.75));
  CHECK(g(0, 1) == 0.0);
  const Eigen::MatrixXd g_inv = icgd::zfb::gamma_inverse(full_lambda(), 7);
  CHECK((g_inv * icgd::zfb::gamma(full_lambda(), 7) - Eigen::MatrixXd::Identity(3, 3)).norm() < 1e-13);

  const auto minimiser = icgd::zfb::theorem41_minimiser(full_lambda(), 7);
  CHECK(minimiser.W_KQ.rows() == 4);
  CHECK(minimiser.kq_scale * minimiser.pv_scale == doctest::Approx(1.0).epsilon(1e-15));
  // Balanced: w22² = ‖W11‖_F².
  CHECK(minimiser.pv_scale * minimiser.pv_scale ==
        doctest::Approx(minimiser.W_KQ.topLeftCorner(3, 3).squaredNorm()).epsilon(1e-13));
  CHECK((minimiser.W_PV(3, 3) * minimiser.W_KQ.topLeftCorner(3, 3) - g_inv).norm() < 1e-13);
  CHECK(minimiser.W_KQ.row(3).norm() == 0.0);
  CHECK(minimiser.W_PV.topRows(3).norm() == 0.0);
}

TEST_CASE("zfb: the risk's gradient matches finite differences and vanishes at Γ⁻¹") {
  const Eigen::MatrixXd lambda = full_lambda();
  const int n = 5;
  Eigen::MatrixXd a(3, 3);
  a << 0.3, -0.1, 0.2, 0.05, 0.4, 0.0, -0.2, 0.1, 0.25;
  const Eigen::MatrixXd grad = icgd::zfb::population_risk_gradient(a, lambda, n);
  const double h = 1e-6;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Eigen::MatrixXd plus = a, minus = a;
      plus(i, j) += h;
      minus(i, j) -= h;
      const double fd = (icgd::zfb::population_risk(plus, lambda, n) - icgd::zfb::population_risk(minus, lambda, n)) /
                        (2 * h);
      CHECK(grad(i, j) == doctest::Approx(fd).epsilon(1e-7));
    }
  const Eigen::MatrixXd g_inv = icgd::zfb::gamma_inverse(lambda, n);
  CHECK(icgd::zfb::population_risk_gradient(g_inv, lambda, n).norm() < 1e-12);
  // R(A) equals predictor_error under the training law at M = N.
  CHECK(icgd::zfb::population_risk(a, lambda, n) ==
        doctest::Approx(icgd::zfb::predictor_error(a, icgd::zfb::training_law(lambda), n)).epsilon(1e-13));
}

TEST_CASE("zfb: the error at the optimum equals the eigenvalue formula (ZFB-4)") {
  // Σ_k [(λ_k³ + Tλ_k²)/M + λ_k(λ_k+T)²/N²] / γ_k², Λ = diag(1,3), N = 4, M = 6.
  const double t = 4.0, n = 4.0, m = 6.0;
  double expected = 0;
  for (double l : {1.0, 3.0}) {
    const double g = (1 + 1 / n) * l + t / n;
    expected += ((l * l * l + t * l * l) / m + l * (l + t) * (l + t) / (n * n)) / (g * g);
  }
  const Eigen::MatrixXd lambda = diag({1.0, 3.0});
  const double got = icgd::zfb::predictor_error(icgd::zfb::gamma_inverse(lambda, 4), icgd::zfb::training_law(lambda), 6);
  CHECK(got == doctest::Approx(expected).epsilon(1e-14));
}

TEST_CASE("zfb: the noisy minimiser solves its first-order condition and reduces to Γ⁻¹") {
  const Eigen::MatrixXd lambda = full_lambda();
  CHECK((icgd::zfb::noisy_minimiser(lambda, Eigen::MatrixXd::Identity(3, 3), 0.0, 6) -
         icgd::zfb::gamma_inverse(lambda, 6))
            .norm() < 1e-13);
  // Isotropic: n/(n+d+1+σ²)·I.
  const Eigen::MatrixXd iso = icgd::zfb::noisy_minimiser(Eigen::MatrixXd::Identity(3, 3),
                                                         Eigen::MatrixXd::Identity(3, 3), 0.5, 6);
  CHECK((iso - (6.0 / (6 + 3 + 1 + 0.5)) * Eigen::MatrixXd::Identity(3, 3)).norm() < 1e-14);
  // Any other A has a larger error (a perturbation in each direction).
  const Eigen::MatrixXd sigma_w = diag({0.5, 2.0, 1.0});
  const TestLaw law{lambda, lambda, sigma_w, 0.3};
  const Eigen::MatrixXd best = icgd::zfb::noisy_minimiser(lambda, sigma_w, 0.3, 6);
  const double at_best = icgd::zfb::predictor_error(best, law, 6);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      Eigen::MatrixXd other = best;
      other(i, j) += 1e-3;
      CHECK(icgd::zfb::predictor_error(other, law, 6) > at_best);
    }
}

TEST_CASE("zfb: Monte Carlo agrees with predictor_error within 4 standard errors, deterministically") {
  const Eigen::MatrixXd lambda = diag({1.0, 3.0});
  Eigen::MatrixXd omega(2, 2);
  omega << 1.5, 0.4, 0.4, 2.0;
  const TestLaw law{omega, diag({0.7, 1.2}), diag({1.0, 0.5}), 0.25};
  const Eigen::MatrixXd a = icgd::zfb::gamma_inverse(lambda, 4);
  const double exact = icgd::zfb::predictor_error(a, law, 6);
  for (auto task : {icgd::zfb::TaskLaw::gaussian, icgd::zfb::TaskLaw::rademacher}) {
    const auto mc = icgd::zfb::monte_carlo_error(a, law, 6, 40000, 11, task);
    CHECK(mc.samples == 40000);
    CHECK(std::abs(mc.mean - exact) < 4 * mc.standard_error);
    const auto again = icgd::zfb::monte_carlo_error(a, law, 6, 40000, 11, task);
    CHECK(again.mean == mc.mean);
  }
  // A wrong formula (the 1/M term dropped) is refuted by the same sample.
  const double wrong = icgd::zfb::predictor_error(a, law, std::numeric_limits<double>::infinity());
  const auto mc = icgd::zfb::monte_carlo_error(a, law, 6, 40000, 11);
  CHECK(std::abs(mc.mean - wrong) > 4 * mc.standard_error);
}

TEST_CASE("zfb: bad input is refused with std::invalid_argument") {
  CHECK_THROWS_AS(icgd::zfb::require_spd(Eigen::MatrixXd(0, 0), "L"), std::invalid_argument);
  CHECK_THROWS_AS(icgd::zfb::require_spd(Eigen::MatrixXd::Ones(2, 3), "L"), std::invalid_argument);
  CHECK_THROWS_AS(icgd::zfb::require_spd(diag({1.0, -1.0}), "L"), std::invalid_argument);
  CHECK_THROWS_AS(icgd::zfb::require_spd(diag({1.0, std::nan("")}), "L"), std::invalid_argument);
  Eigen::MatrixXd asym(2, 2);
  asym << 1, 0.1, 0.2, 1;
  CHECK_THROWS_AS(icgd::zfb::require_spd(asym, "L"), std::invalid_argument);
  CHECK_THROWS_AS((void)icgd::zfb::gamma(diag({1.0}), 0), std::invalid_argument);
  const TestLaw law = icgd::zfb::training_law(diag({1.0, 2.0}));
  CHECK_THROWS_AS((void)icgd::zfb::predictor_error(diag({1.0, 1.0}), law, 0.5), std::invalid_argument);
  CHECK_THROWS_AS((void)icgd::zfb::predictor_error(diag({1.0}), law, 2), std::invalid_argument);
  CHECK_THROWS_AS((void)icgd::zfb::monte_carlo_error(diag({1.0, 1.0}), TestLaw{law.prompt_cov, law.query_cov,
                                                      full_lambda().topLeftCorner(2, 2), 0}, 2, 10, 1,
                                                      icgd::zfb::TaskLaw::rademacher),
                  std::invalid_argument);
  CHECK_NOTHROW(icgd::zfb::require_spd(full_lambda(), "L"));
}

TEST_CASE("zfb: the random-covariance coefficient (Theorem 4.5) and its Exponential(1) limit") {
  // Exponential(1): m1 = 1, m2 = 2, m3 = 6; as N → ∞ the coefficient → m2/m3 = 1/3, so
  // E ŷ = a·E[λ]·⟨w, x_q⟩ → ⟨w, x_q⟩/3.
  CHECK(icgd::zfb::random_covariance_coefficient(5, 1000000, 1, 2, 6) == doctest::Approx(1.0 / 3).epsilon(1e-4));
  // Degenerate law λ ≡ c: a = 1/((1+1/N)c + dc/N), the Γ⁻¹ coefficient of Λ = cI.
  const double c = 2.0;
  CHECK(icgd::zfb::random_covariance_coefficient(3, 8, c, c * c, c * c * c) ==
        doctest::Approx(1.0 / ((1 + 1.0 / 8) * c + 3 * c / 8)).epsilon(1e-15));
}
