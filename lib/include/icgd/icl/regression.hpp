// icgd/icl/regression.hpp — the in-context linear regression problem and one GD step on it.
//
// von Oswald et al. 2023, §2 / docs/papers/von_oswald.md, "Setting and notation": context {(x_i, y_i)}_{i=1..N}, x_i ∈ R^Nx,
// y_i ∈ R^Ny, a query x_q, and the inner loss L(W) = 1/(2N) Σ_i ‖W x_i − y_i‖² with gradient
// ∇L(W) = (1/N) Σ_i (W x_i − y_i) x_iᵀ = (1/N) (W X − Y) Xᵀ.
#pragma once

#include "icgd/linalg/mat.hpp"

namespace icgd::icl {

/// One regression problem: inputs X (Nx × N, column i is x_i), labels Y (Ny × N), the query x_q,
/// the inner model's initial weights W0 (Ny × Nx) and the learning rate η. T may be symbolic.
template <Scalar T, int Nx, int Ny, int N>
struct RegressionInstance {
  Mat<T, Nx, N> X;
  Mat<T, Ny, N> Y;
  Mat<T, Nx, 1> xq;
  Mat<T, Ny, Nx> W0;
  T eta;
  [[nodiscard]] constexpr int nx() const { return X.rows(); }
  [[nodiscard]] constexpr int ny() const { return Y.rows(); }
  [[nodiscard]] constexpr int n() const { return X.cols(); }
};

/// One gradient-descent step W − η ∇L(W) on L(W) = 1/(2N) Σ‖W x_i − y_i‖² (docs/papers/von_oswald.md, "Setting and notation").
template <Scalar T, int Nx, int Ny, int N>
constexpr Mat<T, Ny, Nx> gd_step(const Mat<T, Ny, Nx>& W, const Mat<T, Nx, N>& X,
                                 const Mat<T, Ny, N>& Y, const T& eta) {
  const T step = eta * scalar_traits<T>::from_rational(Rational(1, X.cols()));
  return W - step * ((W * X - Y) * X.transpose());
}

/// K steps of gradient descent from W on the same data (docs/papers/von_oswald.md, "Several layers and the damped recurrence").
template <Scalar T, int Nx, int Ny, int N>
constexpr Mat<T, Ny, Nx> gd_steps(Mat<T, Ny, Nx> W, const Mat<T, Nx, N>& X,
                                  const Mat<T, Ny, N>& Y, const T& eta, int steps) {
  for (int k = 0; k < steps; ++k) W = gd_step(W, X, Y, eta);
  return W;
}

}  // namespace icgd::icl
