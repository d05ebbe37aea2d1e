// The merged ZFB LSA (icgd/zfb/train.hpp): the layer, the prediction, the gradient, the prompts.
#include "icgd/train/model.hpp"
#include "icgd/train/rng.hpp"
#include "icgd/zfb/train.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

namespace {
using namespace icgd;

Eigen::MatrixXd random_matrix(int rows, int cols, std::uint64_t seed) {
  train::TaskRng rng(seed, train::Stream::user, 0, 0);
  Eigen::MatrixXd m(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = rng.normal();
  return m;
}

zfb::LsaWeights random_weights(int d, std::uint64_t seed) {
  return {random_matrix(d + 1, d + 1, seed), random_matrix(d + 1, d + 1, seed + 1000)};
}

Eigen::MatrixXd lambda_2x2() {
  Eigen::MatrixXd L(2, 2);
  L << 2.0, 0.5, 0.5, 1.0;
  return L;
}

zfb::Prompts small_prompts(const Eigen::MatrixXd& Lambda, int M, int count, std::uint64_t seed) {
  return zfb::sample_prompts(zfb::training_prompt_law(Lambda), M, count, seed, 99, 0);
}

}  // namespace

TEST_CASE("zfb lsa: the prediction is the bottom-right entry of the layer (Eq. 3)") {
  for (int d : {1, 2, 4}) {
    const auto w = random_weights(d, 10 + d);
    const Eigen::MatrixXd Lambda = Eigen::MatrixXd::Identity(d, d);
    const auto prompts = small_prompts(Lambda, 7, 3, 5);
    for (int b = 0; b < prompts.count; ++b) {
      const Eigen::MatrixXd E = prompts.prompt(b);
      const double full = zfb::lsa_layer(w, E)(d, 7);
      CHECK(zfb::lsa_prediction(w, E) == doctest::Approx(full).epsilon(1e-12));
    }
  }
}

TEST_CASE("zfb lsa: only the last row of W^PV and the first d columns of W^KQ matter (Eq. 6)") {
  const int d = 3;
  const auto w = random_weights(d, 21);
  const auto prompts = small_prompts(Eigen::MatrixXd::Identity(d, d), 6, 4, 3);
  zfb::LsaWeights changed = w;
  changed.W_PV.topRows(d) = random_matrix(d, d + 1, 77);  // rows that Eq. (6) does not read
  changed.W_KQ.col(d) = random_matrix(d + 1, 1, 78);      // the column that meets the query's 0 label
  const Eigen::VectorXd a = zfb::lsa_predictions(w, prompts), b = zfb::lsa_predictions(changed, prompts);
  CHECK((a - b).cwiseAbs().maxCoeff() < 1e-12 * (1 + a.cwiseAbs().maxCoeff()));
  // ...and the ones it reads do change it (the test can fail).
  changed.W_PV(d, 0) += 0.5;
  CHECK((zfb::lsa_predictions(changed, prompts) - a).cwiseAbs().maxCoeff() > 1e-3);
}

TEST_CASE("zfb lsa: at the Theorem 4.1 minimiser the layer is preconditioned GD, x_qᵀ Γ⁻¹ Ŝ_M w (Eq. 12)") {
  const Eigen::MatrixXd Lambda = lambda_2x2();
  const int N = 5, M = 9;
  const auto minimiser = zfb::theorem41_minimiser(Lambda, N);
  const zfb::LsaWeights w{minimiser.W_KQ, minimiser.W_PV};
  const Eigen::MatrixXd Ginv = zfb::gamma_inverse(Lambda, N);
  CHECK((zfb::effective_preconditioner(w) - Ginv).norm() < 1e-12);
  const auto prompts = small_prompts(Lambda, M, 20, 8);
  for (int b = 0; b < prompts.count; ++b) {
    const Eigen::MatrixXd E = prompts.prompt(b);
    const Eigen::MatrixXd X = E.topLeftCorner(2, M);
    const Eigen::VectorXd xy = X * E.row(2).head(M).transpose() / M;  // (1/M) Σ y_i x_i = Ŝ_M w
    const double expected = E.col(M).head(2).dot(Ginv * xy);
    CHECK(zfb::lsa_prediction(w, E) == doctest::Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("zfb lsa: the gradient of the empirical risk (Eq. 7) matches central finite differences") {
  const int d = 2;
  const auto w = random_weights(d, 31);
  const auto prompts = small_prompts(lambda_2x2(), 4, 5, 12);
  const auto lg = zfb::lsa_loss_and_gradient(w, prompts);
  CHECK(lg.loss == doctest::Approx(0.5 * (zfb::lsa_predictions(w, prompts) - prompts.targets).squaredNorm() / 5).epsilon(1e-12));
  const double h = 1e-6;
  double worst = 0;
  for (int which = 0; which < 2; ++which)
    for (int j = 0; j <= d; ++j)
      for (int i = 0; i <= d; ++i) {
        zfb::LsaWeights plus = w, minus = w;
        (which == 0 ? plus.W_KQ : plus.W_PV)(i, j) += h;
        (which == 0 ? minus.W_KQ : minus.W_PV)(i, j) -= h;
        const double fd = (zfb::lsa_loss_and_gradient(plus, prompts).loss - zfb::lsa_loss_and_gradient(minus, prompts).loss) / (2 * h);
        const double analytic = (which == 0 ? lg.gradient.W_KQ : lg.gradient.W_PV)(i, j);
        worst = std::max(worst, std::abs(fd - analytic) / (1 + std::abs(analytic)));
      }
  CHECK(worst < 1e-6);
}

TEST_CASE("zfb lsa: loss, gradient and prompts do not depend on the thread count") {
  const int d = 3;
  const Eigen::MatrixXd Lambda = Eigen::MatrixXd::Identity(d, d);
  const auto one = zfb::sample_prompts(zfb::training_prompt_law(Lambda), 10, 300, 4, 99, 2, 1);
  const auto four = zfb::sample_prompts(zfb::training_prompt_law(Lambda), 10, 300, 4, 99, 2, 4);
  CHECK(one.tokens == four.tokens);
  CHECK(one.targets == four.targets);
  const auto w = random_weights(d, 41);
  const auto a = zfb::lsa_loss_and_gradient(w, one, 1), b = zfb::lsa_loss_and_gradient(w, one, 3);
  CHECK(a.loss == b.loss);
  CHECK(a.gradient.W_KQ == b.gradient.W_KQ);
  CHECK(a.gradient.W_PV == b.gradient.W_PV);
  // Another step gives other prompts.
  const auto other = zfb::sample_prompts(zfb::training_prompt_law(Lambda), 10, 300, 4, 99, 3, 1);
  CHECK(other.tokens != one.tokens);
}

TEST_CASE("zfb lsa: the general training engine's factored layer computes the same prediction") {
  // Model: h = E + P W_V E (E^T W_K^T W_Q E) with the query among keys/values and read-out +1;
  // W_K = W_V = I, W_Q = W^KQ, P = W^PV / ρ is the merged layer of ZFB Eq. (3).
  const int d = 3, M = 6;
  const auto w = random_weights(d, 51);
  const auto prompts = small_prompts(Eigen::MatrixXd::Identity(d, d), M, 8, 13);
  train::ModelConfig config;
  config.token_width = d + 1;
  config.y_dim = 1;
  config.num_context = M;
  config.key_size = d + 1;
  config.include_query_in_kv = true;
  config.readout_sign = 1.0;
  train::Model<double> model(config);
  auto attention = model.attention(0);
  attention.W_Q = w.W_KQ;
  attention.W_K = Eigen::MatrixXd::Identity(d + 1, d + 1);
  attention.W_V = Eigen::MatrixXd::Identity(d + 1, d + 1);
  attention.P = w.W_PV / M;
  train::TokenBatch<double> tokens{prompts.count, M + 1, d + 1, prompts.tokens};
  const Eigen::MatrixXd engine = model.predict(tokens);
  const Eigen::VectorXd merged = zfb::lsa_predictions(w, prompts);
  CHECK((engine.row(0).transpose() - merged).cwiseAbs().maxCoeff() < 1e-10 * (1 + merged.cwiseAbs().maxCoeff()));
}

TEST_CASE("zfb lsa: Monte Carlo error of the minimiser on sampled prompts agrees with the closed form") {
  const Eigen::MatrixXd Lambda = lambda_2x2();
  const int N = 6, M = 10;
  const auto minimiser = zfb::theorem41_minimiser(Lambda, N);
  const auto prompts = small_prompts(Lambda, M, 40000, 17);
  const auto mc = zfb::lsa_squared_error({minimiser.W_KQ, minimiser.W_PV}, prompts, 2);
  const double exact = zfb::predictor_error(zfb::gamma_inverse(Lambda, N), zfb::training_law(Lambda), M);
  CHECK(std::abs(mc.mean - exact) < 4 * mc.standard_error);
}

TEST_CASE("zfb prompts: the laws are the ones asked for") {
  const int d = 2;
  SUBCASE("Gaussian inputs with covariance Λ and the query's own covariance") {
    zfb::PromptLaw law = zfb::training_prompt_law(lambda_2x2());
    law.law.query_cov = 3 * Eigen::MatrixXd::Identity(d, d);
    const auto p = zfb::sample_prompts(law, 4, 20000, 1, 99, 0, 2);
    Eigen::MatrixXd context = Eigen::MatrixXd::Zero(d, d), query = Eigen::MatrixXd::Zero(d, d);
    for (int b = 0; b < p.count; ++b) {
      const auto E = p.prompt(b);
      context += E.topLeftCorner(d, 4) * E.topLeftCorner(d, 4).transpose() / (4.0 * p.count);
      query += E.col(4).head(d) * E.col(4).head(d).transpose() / double(p.count);
      CHECK(E(d, 4) == 0.0);
    }
    CHECK((context - lambda_2x2()).cwiseAbs().maxCoeff() < 0.05);
    CHECK((query - law.law.query_cov).cwiseAbs().maxCoeff() < 0.15);
  }
  SUBCASE("Rademacher tasks have |w_k| = sqrt((Σ_w)_kk) and refuse a non-diagonal Σ_w") {
    zfb::PromptLaw law = zfb::training_prompt_law(Eigen::MatrixXd::Identity(d, d));
    law.task = zfb::TaskLaw::rademacher;
    law.law.task_second_moment = Eigen::Vector2d(4.0, 1.0).asDiagonal();
    const auto p = zfb::sample_prompts(law, 3, 50, 2, 99, 0);
    for (int b = 0; b < p.count; ++b) {
      // Recover w from two context points (x_1, x_2 independent almost surely).
      const auto E = p.prompt(b);
      const Eigen::Matrix2d X = E.topLeftCorner(2, 2);
      const Eigen::Vector2d w = X.transpose().fullPivLu().solve(E.row(2).head(2).transpose());
      CHECK(std::abs(std::abs(w(0)) - 2.0) < 1e-8);
      CHECK(std::abs(std::abs(w(1)) - 1.0) < 1e-8);
    }
    law.law.task_second_moment(0, 1) = law.law.task_second_moment(1, 0) = 0.5;
    CHECK_THROWS_AS((void)zfb::sample_prompts(law, 3, 5, 2, 99, 0), std::invalid_argument);
  }
  SUBCASE("Exponential(1) diagonal covariances: E x_k² = E λ = 1, E x_k⁴ = 3 E λ² = 6") {
    zfb::PromptLaw law = zfb::training_prompt_law(Eigen::MatrixXd::Identity(d, d));
    law.covariance = zfb::CovarianceLaw::exponential_diagonal;
    const auto p = zfb::sample_prompts(law, 1, 100000, 3, 99, 0, 2);
    double m2 = 0, m4 = 0;
    for (int b = 0; b < p.count; ++b) {
      const double x = p.prompt(b)(0, 1);  // the query's first coordinate
      m2 += x * x / p.count;
      m4 += x * x * x * x / p.count;
    }
    CHECK(m2 == doctest::Approx(1.0).epsilon(0.03));
    CHECK(m4 == doctest::Approx(6.0).epsilon(0.1));  // a Gaussian variance 1 would give 3
  }
}

TEST_CASE("zfb lsa: bad input is refused") {
  zfb::LsaWeights w{Eigen::MatrixXd::Zero(3, 3), Eigen::MatrixXd::Zero(3, 2)};
  CHECK_THROWS_AS(zfb::require_valid(w), std::invalid_argument);
  w.W_PV = Eigen::MatrixXd::Zero(3, 3);
  w.W_KQ(0, 0) = std::nan("");
  CHECK_THROWS_AS(zfb::require_valid(w), std::invalid_argument);
  w.W_KQ(0, 0) = 0;
  Eigen::MatrixXd E = Eigen::MatrixXd::Ones(3, 4);
  CHECK_THROWS_AS((void)zfb::lsa_prediction(w, E), std::invalid_argument);  // query label slot not 0
  CHECK_THROWS_AS((void)zfb::lsa_prediction(w, Eigen::MatrixXd::Zero(2, 4)), std::invalid_argument);
  CHECK_THROWS_AS((void)zfb::assumption3_init(Eigen::MatrixXd::Identity(2, 2), 0.1), std::invalid_argument);  // ‖ΘΘᵀ‖_F ≠ 1
  CHECK_THROWS_AS((void)zfb::assumption3_init(zfb::random_theta_theta(2, 1), -1.0), std::invalid_argument);
  zfb::LsaTrainConfig config;
  config.law = zfb::training_prompt_law(Eigen::MatrixXd::Identity(2, 2));
  config.learning_rate = 0;
  CHECK_THROWS_AS(config.validate(), std::invalid_argument);
}
