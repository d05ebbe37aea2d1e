// The reduced model of ZFB Theorem 4.1 (only W^KQ_11 and w^PV_22 nonzero) and its gradient flow
// (icgd/zfb/train.hpp; ZFB-5, ZFB-6).
#include "icgd/zfb/train.hpp"

#include <stdexcept>

namespace icgd::zfb {

LsaWeights ReducedState::as_weights() const {
  const auto d = W11.rows();
  LsaWeights w{Eigen::MatrixXd::Zero(d + 1, d + 1), Eigen::MatrixXd::Zero(d + 1, d + 1)};
  w.W_KQ.topLeftCorner(d, d) = W11;
  w.W_PV(d, d) = w22;
  return w;
}

ReducedState reduced_assumption3(const Eigen::MatrixXd& theta_theta, double sigma) {
  const LsaWeights w = assumption3_init(theta_theta, sigma);  // validates
  return {sigma, sigma * theta_theta};
}

double reduced_loss(const ReducedState& state, const Eigen::MatrixXd& Lambda, int N) {
  return 0.5 * population_risk(state.preconditioner(), Lambda, N);
}

ReducedState reduced_flow_velocity(const ReducedState& state, const Eigen::MatrixXd& Lambda, int N) {
  if (state.W11.rows() != Lambda.rows() || state.W11.cols() != Lambda.cols())
    throw std::invalid_argument("reduced flow: W11 and Λ must have the same size");
  // L = ½ R(A), A = w22 W11ᵀ; chain rule through A (closed_form.hpp's ∇R).
  const Eigen::MatrixXd G = population_risk_gradient(state.preconditioner(), Lambda, N);
  ReducedState v;
  v.W11 = -0.5 * state.w22 * G.transpose();
  v.w22 = -0.5 * (G.array() * state.W11.transpose().array()).sum();
  return v;
}

ReducedState rk4_step(const ReducedState& s, const Eigen::MatrixXd& Lambda, int N, double dt) {
  auto along = [](const ReducedState& a, const ReducedState& v, double h) {
    return ReducedState{a.w22 + h * v.w22, a.W11 + h * v.W11};
  };
  const ReducedState k1 = reduced_flow_velocity(s, Lambda, N);
  const ReducedState k2 = reduced_flow_velocity(along(s, k1, dt / 2), Lambda, N);
  const ReducedState k3 = reduced_flow_velocity(along(s, k2, dt / 2), Lambda, N);
  const ReducedState k4 = reduced_flow_velocity(along(s, k3, dt), Lambda, N);
  return {s.w22 + dt / 6 * (k1.w22 + 2 * k2.w22 + 2 * k3.w22 + k4.w22),
          s.W11 + dt / 6 * (k1.W11 + 2 * k2.W11 + 2 * k3.W11 + k4.W11)};
}

}  // namespace icgd::zfb
