// icgd/icl/gd_emulation.hpp — the statements of VO-1 … VO-4 (docs/papers/von_oswald.md, "Claim definitions") as comparisons of
// token matrices, written once over the scalar type.
//
// For K applications of the same LSA layer (damping λ) to the Prop. 1 tokens, docs/papers/von_oswald.md, "Proposition 1", "Several layers and the damped recurrence"
// predicts the token matrix
//   context column i:  (x_i, y_i − (W_K − W_0) x_i)
//   query column:      (x_q, −W_K x_q)
// where W_K is K GD steps from W_0 with step λη on the *original* data. The functions below
// compute what the layers produce (`apply_layers`) and what GD predicts (`gd_prediction`); a
// claim holds on an instance when the relevant columns agree. The weights are an argument, so
// broken constructions (proofs/must_fail) go through exactly the same check.
#pragma once

#include "icgd/icl/prop1.hpp"

namespace icgd::icl {

/// E after `layers` applications of the same heads (weight sharing, docs/papers/von_oswald.md, "Several layers and the damped recurrence").
template <Scalar T, int D, int Cols>
constexpr Mat<T, D, Cols> apply_layers(Mat<T, D, Cols> E, const std::vector<LsaHead<T, D>>& heads,
                                       QueryInKeys mode, int layers,
                                       const T& damping = scalar_traits<T>::one()) {
  for (int k = 0; k < layers; ++k) E = lsa_forward(E, heads, mode, damping);
  return E;
}

/// The token matrix that `steps` GD steps with learning rate `step_eta` predict.
template <Scalar T, int Nx, int Ny, int N>
constexpr TokenMatrix<T, Nx, Ny, N> gd_prediction(const RegressionInstance<T, Nx, Ny, N>& p,
                                                  const T& step_eta, int steps) {
  const auto W_K = gd_steps(p.W0, p.X, p.Y, step_eta, steps);
  return make_tokens(p.X, p.Y - (W_K - p.W0) * p.X, p.xq, -(W_K * p.xq));
}

/// Which columns a claim speaks about.
enum class Columns { context, query, all };

/// True when `actual` and `expected` agree exactly on the chosen columns.
template <Scalar T, int D, int Cols>
constexpr bool columns_agree(const Mat<T, D, Cols>& actual, const Mat<T, D, Cols>& expected,
                             Columns which) {
  const int n = actual.cols() - 1;
  const int first = which == Columns::query ? n : 0;
  const int last = which == Columns::context ? n - 1 : n;
  for (int c = first; c <= last; ++c)
    for (int r = 0; r < actual.rows(); ++r)
      if (!(actual(r, c) == expected(r, c))) return false;
  return true;
}

/// VO-1 (context columns) / VO-2 (query column) / VO-3 (K layers) / VO-4 (damping λ):
/// `layers` applications of `head` with damping λ equal `layers` GD steps with step λη.
template <Scalar T, int Nx, int Ny, int N>
constexpr bool stack_matches_gd(const RegressionInstance<T, Nx, Ny, N>& p,
                                const LsaHead<T, extent_sum(Nx, Ny)>& head, QueryInKeys mode,
                                int layers, Columns which,
                                const T& damping = scalar_traits<T>::one()) {
  const auto actual = apply_layers(prop1_tokens(p), {head}, mode, layers, damping);
  const auto expected = gd_prediction(p, damping * p.eta, layers);
  return columns_agree(actual, expected, which);
}

/// The claims with the Prop. 1 construction itself (query excluded from keys and values).
template <Scalar T, int Nx, int Ny, int N>
constexpr bool prop1_matches_gd(const RegressionInstance<T, Nx, Ny, N>& p, int layers,
                                Columns which, const T& damping = scalar_traits<T>::one()) {
  return stack_matches_gd(p, prop1_head(p.W0, p.eta, p.n()), QueryInKeys::excluded, layers,
                          which, damping);
}

}  // namespace icgd::icl
