// icgd/claims/eigen_engine.hpp — the numeric engine: the same layer and GD step in double with
// Eigen, for sizes far beyond the symbolic engines (Nx = 256, N = 1024 in well under a second).
//
// It is a second implementation on purpose (Eigen kernels instead of the generic Mat
// templates), and tests/core checks it against the Mat<double> path of lib/include/icgd/icl.
#pragma once

#include "icgd/icl/lsa.hpp"

#include <Eigen/Dense>

#include <vector>

namespace icgd::claims {

struct EigenHead {
  Eigen::MatrixXd W_K, W_Q, W_V, P;
};

struct EigenInstance {
  Eigen::MatrixXd X, Y, xq, W0;  // Nx×N, Ny×N, Nx×1, Ny×Nx
  double eta;
};

/// x ~ U(−1, 1), labels from a random teacher, W_0 ~ N(0, 1)-like, η = 0.5 (a stable step for
/// the Gram matrix of U(−1, 1) inputs). Deterministic for a seed.
EigenInstance eigen_random_instance(int nx, int ny, int n, unsigned long long seed);
/// E = [[X, x_q], [Y, −W_0 x_q]] (Prop. 1 query initialisation).
Eigen::MatrixXd eigen_prop1_tokens(const EigenInstance& p);
/// Prop. 1 weights (von Oswald et al. 2023; docs/papers/von_oswald.md, "Proposition 1").
EigenHead eigen_prop1_head(const Eigen::MatrixXd& W0, double eta, int n_context);
/// One LSA layer with damping, keys/values masked as `mode` says (docs/papers/von_oswald.md, "The linear self-attention layer").
Eigen::MatrixXd eigen_lsa_forward(const Eigen::MatrixXd& E, const std::vector<EigenHead>& heads,
                                  icl::QueryInKeys mode, double damping = 1.0);
/// Tokens predicted by `steps` GD steps with step `step_eta` (docs/papers/von_oswald.md, "Several layers and the damped recurrence").
Eigen::MatrixXd eigen_gd_prediction(const EigenInstance& p, double step_eta, int steps);

}  // namespace icgd::claims
