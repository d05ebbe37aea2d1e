// The reduced model of ZFB Theorem 4.1 and its gradient flow (icgd/zfb/train.hpp; ZFB-5, ZFB-6),
// and SGD on sampled prompts as its noisy discretisation.
#include "icgd/zfb/train.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace {
using namespace icgd;

Eigen::MatrixXd anisotropic() {
  Eigen::MatrixXd L(3, 3);
  L << 2.0, 0.3, 0.0, 0.3, 1.0, 0.2, 0.0, 0.2, 0.5;
  return L;
}
}  // namespace

TEST_CASE("zfb reduced flow: the velocity is minus the gradient of ½R(w22·W11ᵀ) (finite differences)") {
  const Eigen::MatrixXd Lambda = anisotropic();
  const int N = 7;
  zfb::ReducedState s{0.8, zfb::random_theta_theta(3, 5) + 0.3 * Eigen::MatrixXd::Identity(3, 3)};
  s.W11(0, 1) += 0.2;  // not symmetric: the transpose in A = w22·W11ᵀ matters
  const zfb::ReducedState v = zfb::reduced_flow_velocity(s, Lambda, N);
  const double h = 1e-6;
  zfb::ReducedState p = s, m = s;
  p.w22 += h;
  m.w22 -= h;
  CHECK(-v.w22 == doctest::Approx((zfb::reduced_loss(p, Lambda, N) - zfb::reduced_loss(m, Lambda, N)) / (2 * h)).epsilon(1e-7));
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 3; ++i) {
      p = s;
      m = s;
      p.W11(i, j) += h;
      m.W11(i, j) -= h;
      const double fd = (zfb::reduced_loss(p, Lambda, N) - zfb::reduced_loss(m, Lambda, N)) / (2 * h);
      CHECK(-v.W11(i, j) == doctest::Approx(fd).epsilon(1e-6).scale(1.0));
    }
  // The reduced loss is the merged layer's population loss: ½ of the closed-form risk.
  CHECK(zfb::reduced_loss(s, Lambda, N) ==
        doctest::Approx(0.5 * zfb::population_risk(zfb::effective_preconditioner(s.as_weights()), Lambda, N)).epsilon(1e-13));
}

TEST_CASE("zfb reduced flow: balancedness is conserved and the flow reaches Γ⁻¹ with the split tr(Γ⁻²)^(∓1/4)") {
  const Eigen::MatrixXd Lambda = anisotropic();
  const int N = 10;
  const Eigen::MatrixXd Ginv = zfb::gamma_inverse(Lambda, N);
  // RK4 does not conserve a quadratic invariant exactly: its drift is integrator error, O(dt⁴),
  // so halving the step must shrink it about 16-fold (a real change of the invariant would not).
  auto run = [&](double dt, double& worst_drift) {
    zfb::ReducedState s = zfb::reduced_assumption3(zfb::random_theta_theta(3, 9), 0.1);
    const double balance0 = s.balance();
    CHECK(std::abs(balance0) < 1e-15);  // Assumption 3 is balanced
    worst_drift = 0;
    for (int step = 0; step < static_cast<int>(80 / dt); ++step) {
      s = zfb::rk4_step(s, Lambda, N, dt);
      worst_drift = std::max(worst_drift, std::abs(s.balance() - balance0));
    }
    return s;
  };
  double drift = 0, drift_half = 0;
  const zfb::ReducedState s = run(0.02, drift);
  (void)run(0.01, drift_half);
  CHECK(drift < 1e-6);
  CHECK(drift_half < drift / 8);
  CHECK((s.preconditioner() - Ginv).norm() < 1e-6);
  const auto minimiser = zfb::theorem41_minimiser(Lambda, N);
  CHECK(s.w22 == doctest::Approx(minimiser.pv_scale).epsilon(1e-6));
  CHECK((s.W11 - minimiser.kq_scale * Ginv).norm() < 1e-6);
}

TEST_CASE("zfb reduced flow: an unbalanced start conserves its own imbalance (the invariant is not trivially 0)") {
  const Eigen::MatrixXd Lambda = Eigen::MatrixXd::Identity(2, 2);
  zfb::ReducedState s{0.5, 0.1 * Eigen::MatrixXd::Identity(2, 2)};
  const double b0 = s.balance();
  CHECK(b0 > 0.2);
  for (int step = 0; step < 1000; ++step) s = zfb::rk4_step(s, Lambda, 5, 0.02);
  CHECK(std::abs(s.balance() - b0) < 1e-7);
  CHECK((s.preconditioner() - zfb::gamma_inverse(Lambda, 5)).norm() < 1e-4);
}

TEST_CASE("zfb training: SGD on sampled prompts from Assumption 3 lowers the loss towards the minimiser") {
  const int d = 2, N = 10;
  const Eigen::MatrixXd Lambda = Eigen::Vector2d(1.0, 2.0).asDiagonal();
  zfb::LsaWeights w = zfb::assumption3_init(zfb::random_theta_theta(d, 3), 0.3);
  zfb::LsaTrainConfig config;
  config.law = zfb::training_prompt_law(Lambda);
  config.prompt_length = N;
  config.batch = 200;
  config.steps = 300;
  config.learning_rate = 0.05;
  std::int64_t calls = 0;
  const auto records = zfb::train_lsa(w, config, 100, [&](std::int64_t) { ++calls; });
  CHECK(calls == 300);
  REQUIRE(records.size() == 4);  // steps 0, 100, 200, 300
  CHECK(records.back().step == 300);
  const double gap0 = (zfb::effective_preconditioner(records.front().weights) - zfb::gamma_inverse(Lambda, N)).norm();
  const double gap1 = (zfb::effective_preconditioner(w) - zfb::gamma_inverse(Lambda, N)).norm();
  CHECK(gap1 < 0.3 * gap0);
  // Adam reaches the minimiser too.
  zfb::LsaWeights a = zfb::assumption3_init(zfb::random_theta_theta(d, 3), 0.3);
  config.optimiser = zfb::Optimiser::adam;
  config.learning_rate = 0.02;
  config.final_lr_fraction = 0.1;
  (void)zfb::train_lsa(a, config, 0);
  CHECK((zfb::effective_preconditioner(a) - zfb::gamma_inverse(Lambda, N)).norm() < 0.3 * gap0);
}
