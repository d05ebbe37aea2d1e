#include "icgd/claims/eigen_engine.hpp"

#include "icgd/icl/instances.hpp"

namespace icgd::claims {

EigenInstance eigen_random_instance(int nx, int ny, int n, unsigned long long seed) {
  icl::SplitMix64 rng{seed};
  auto uniform = [&rng] { return static_cast<double>(rng.next() >> 11) * 0x1.0p-53 * 2.0 - 1.0; };
  EigenInstance p;
  p.X = Eigen::MatrixXd::NullaryExpr(nx, n, uniform);
  const Eigen::MatrixXd teacher = Eigen::MatrixXd::NullaryExpr(ny, nx, uniform);
  p.Y = teacher * p.X;
  p.xq = Eigen::MatrixXd::NullaryExpr(nx, 1, uniform);
  p.W0 = Eigen::MatrixXd::NullaryExpr(ny, nx, uniform);
  p.eta = 0.5;
  return p;
}

Eigen::MatrixXd eigen_prop1_tokens(const EigenInstance& p) {
  const auto nx = p.X.rows(), ny = p.Y.rows(), n = p.X.cols();
  Eigen::MatrixXd E(nx + ny, n + 1);
  E.topLeftCorner(nx, n) = p.X;
  E.bottomLeftCorner(ny, n) = p.Y;
  E.topRightCorner(nx, 1) = p.xq;
  E.bottomRightCorner(ny, 1) = -(p.W0 * p.xq);
  return E;
}

EigenHead eigen_prop1_head(const Eigen::MatrixXd& W0, double eta, int n_context) {
  const auto ny = W0.rows(), nx = W0.cols(), d = nx + ny;
  EigenHead h{Eigen::MatrixXd::Zero(d, d), Eigen::MatrixXd::Zero(d, d), Eigen::MatrixXd::Zero(d, d),
              Eigen::MatrixXd::Identity(d, d) * (eta / n_context)};
  h.W_K.topLeftCorner(nx, nx).setIdentity();
  h.W_Q = h.W_K;
  h.W_V.bottomLeftCorner(ny, nx) = W0;
  h.W_V.bottomRightCorner(ny, ny) = -Eigen::MatrixXd::Identity(ny, ny);
  return h;
}

Eigen::MatrixXd eigen_lsa_forward(const Eigen::MatrixXd& E, const std::vector<EigenHead>& heads,
                                  icl::QueryInKeys mode, double damping) {
  Eigen::MatrixXd E_kv = E;
  if (mode == icl::QueryInKeys::excluded) E_kv.col(E.cols() - 1).setZero();
  Eigen::MatrixXd out = E;
  for (const auto& h : heads) {
    // Same bracketing as the generic template: P ((W_V E_kv) ((W_K E_kv)ᵀ (W_Q E))).
    const Eigen::MatrixXd scores = (h.W_K * E_kv).transpose() * (h.W_Q * E);
    out.noalias() += damping * (h.P * ((h.W_V * E_kv) * scores));
  }
  return out;
}

Eigen::MatrixXd eigen_gd_prediction(const EigenInstance& p, double step_eta, int steps) {
  Eigen::MatrixXd W = p.W0;
  const double n = static_cast<double>(p.X.cols());
  for (int k = 0; k < steps; ++k) W -= (step_eta / n) * ((W * p.X - p.Y) * p.X.transpose());
  EigenInstance moved = p;
  moved.Y = p.Y - (W - p.W0) * p.X;
  Eigen::MatrixXd E = eigen_prop1_tokens(moved);
  E.bottomRightCorner(p.Y.rows(), 1) = -(W * p.xq);
  return E;
}

}  // namespace icgd::claims
