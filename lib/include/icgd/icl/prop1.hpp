// icgd/icl/prop1.hpp — von Oswald et al. 2023, Proposition 1 (Appendix A.1; docs/papers/von_oswald.md, "Proposition 1"):
// the weights that make one LSA layer perform one GD step on the tokens' regression problem.
//
//   W_K = W_Q = [[I_Nx, 0], [0, 0]],   W_V = [[0, 0], [W_0, −I_Ny]],   P = (η/N) I_{Nx+Ny}
//
// The query's y-slot starts at −W_0 x_q and the prediction is minus that slot after the layer
// (the reference code's read-out: `preds = h[:, -1, -1] * (-1.0)`).
#pragma once

#include "icgd/icl/lsa.hpp"
#include "icgd/icl/tokens.hpp"

namespace icgd::icl {

/// The Proposition 1 head for any Nx, Ny, W_0 (Ny × Nx), η and context size N.
template <Scalar T, int Nx, int Ny>
constexpr LsaHead<T, extent_sum(Nx, Ny)> prop1_head(const Mat<T, Ny, Nx>& W0, const T& eta,
                                                    int n_context) {
  constexpr int D = extent_sum(Nx, Ny);
  const int nx = W0.cols(), ny = W0.rows(), d = nx + ny;
  LsaHead<T, D> h{Mat<T, D, D>(d, d), Mat<T, D, D>(d, d), Mat<T, D, D>(d, d), Mat<T, D, D>(d, d)};
  for (int a = 0; a < nx; ++a) h.W_K(a, a) = scalar_traits<T>::one();
  h.W_Q = h.W_K;
  h.W_V.set_block(nx, 0, W0);
  for (int b = 0; b < ny; ++b) h.W_V(nx + b, nx + b) = -scalar_traits<T>::one();
  const T scale = eta * scalar_traits<T>::from_rational(Rational(1, n_context));
  for (int k = 0; k < d; ++k) h.P(k, k) = scale;
  return h;
}

/// The query token's initial label slot, −W_0 x_q.
template <Scalar T, int Nx, int Ny>
constexpr Mat<T, Ny, 1> prop1_query_label(const Mat<T, Ny, Nx>& W0, const Mat<T, Nx, 1>& xq) {
  return -(W0 * xq);
}

/// Tokens of a regression instance with the Prop. 1 query initialisation.
template <Scalar T, int Nx, int Ny, int N>
constexpr TokenMatrix<T, Nx, Ny, N> prop1_tokens(const RegressionInstance<T, Nx, Ny, N>& p) {
  return make_tokens(p.X, p.Y, p.xq, prop1_query_label(p.W0, p.xq));
}

/// The model's prediction: minus the query's y-slot (docs/papers/von_oswald.md, "Conventions that bite").
template <int Ny, Scalar T, int D, int Cols>
constexpr Mat<T, Ny, 1> prop1_prediction(const Mat<T, D, Cols>& E, int nx, int ny) {
  return -y_slot<Ny>(E, nx, ny, E.cols() - 1);
}

}  // namespace icgd::icl
