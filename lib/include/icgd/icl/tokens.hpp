// icgd/icl/tokens.hpp — the token matrix of von Oswald et al. 2023 (docs/papers/von_oswald.md, "The linear self-attention layer").
//
// Token e_j = (x_j, y_j) ∈ R^{Nx+Ny}; the N context tokens are the first N columns and the
// query token (x_q, y_q^init) is the last column. Rows: x-part first (Nx), then y-part (Ny).
#pragma once

#include "icgd/icl/regression.hpp"

namespace icgd::icl {

template <Scalar T, int Nx, int Ny, int N>
using TokenMatrix = Mat<T, extent_sum(Nx, Ny), extent_sum(N, 1)>;

/// Builds E = [[X, x_q], [Y, y_q]] (context columns, then the query column).
template <Scalar T, int Nx, int Ny, int N>
constexpr TokenMatrix<T, Nx, Ny, N> make_tokens(const Mat<T, Nx, N>& X, const Mat<T, Ny, N>& Y,
                                                const Mat<T, Nx, 1>& xq,
                                                const Mat<T, Ny, 1>& yq) {
  if (X.cols() != Y.cols() || X.rows() != xq.rows() || Y.rows() != yq.rows())
    throw shape_error("make_tokens: inconsistent sizes");
  const int nx = X.rows(), n = X.cols();
  TokenMatrix<T, Nx, Ny, N> E(nx + Y.rows(), n + 1);
  E.set_block(0, 0, X);
  E.set_block(nx, 0, Y);
  E.set_block(0, n, xq);
  E.set_block(nx, n, yq);
  return E;
}

/// The y-part (rows Nx..Nx+Ny−1) of token column j.
template <int Ny, Scalar T, int D, int Cols>
constexpr Mat<T, Ny, 1> y_slot(const Mat<T, D, Cols>& E, int nx, int ny, int column) {
  return E.template block<Ny, 1>(nx, column, ny, 1);
}
/// The x-part (rows 0..Nx−1) of token column j.
template <int Nx, Scalar T, int D, int Cols>
constexpr Mat<T, Nx, 1> x_slot(const Mat<T, D, Cols>& E, int nx, int column) {
  return E.template block<Nx, 1>(0, column, nx, 1);
}

}  // namespace icgd::icl
