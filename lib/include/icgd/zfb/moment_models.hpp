// icgd/zfb/moment_models.hpp — the ZFB predictor and its test laws as inputs of the exact
// Gaussian-moment engine (icgd/moments/gaussian.hpp), and the closed forms over Polynomial that
// the engine's expectations are compared with. constexpr: proofs/zfb runs it in static_assert.
//
// Random blocks (their variables): X[s][k] prompt input of sample slot s, E[s][0] its label
// noise, W[0][k] the task vector, Q[0][k] the query, F[0][0] the query's noise.
// Deterministic symbols: A[i][j] the predictor matrix, B[i][j], C[0][j] Ahn's Q-blocks,
// n = 1/N (training prompt length), m = 1/M (test prompt length), s = σ², L[k] a symbolic
// diagonal covariance entry.
//
// Mathematics: docs/papers/zhang_frei_bartlett.md (ZFB §4, Theorems 4.1, 4.2) and
// docs/papers/ahn_mahankali.md (Ahn et al. Theorem 1, Mahankali et al.).
#pragma once

#include "icgd/linalg/mat.hpp"
#include "icgd/moments/gaussian.hpp"
#include "icgd/moments/polynomial_tools.hpp"

#include <optional>
#include <vector>

namespace icgd::zfb::exact {

using PolyMatrix = Mat<Polynomial, Dynamic, Dynamic>;
using RatMatrix = Mat<Rational, Dynamic, Dynamic>;

inline constexpr char prompt_symbol = 'X', prompt_noise_symbol = 'E', task_symbol = 'W', query_symbol = 'Q',
                      query_noise_symbol = 'F';
inline constexpr Var training_nu{'n'}, test_nu{'m'}, noise_var{'s'};

constexpr Var prompt(std::uint32_t slot, int k) { return Var(prompt_symbol, slot, std::uint32_t(k)); }
constexpr Var task(int k) { return Var(task_symbol, 0, std::uint32_t(k)); }
constexpr Var query(int k) { return Var(query_symbol, 0, std::uint32_t(k)); }

/// The d×d matrix of variables symbol[i][j].
constexpr PolyMatrix symbolic_matrix(char symbol, int d) {
  PolyMatrix m(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) m(i, j) = Polynomial(Var(symbol, std::uint32_t(i), std::uint32_t(j)));
  return m;
}
constexpr PolyMatrix to_poly(const RatMatrix& r) {
  PolyMatrix m(r.rows(), r.cols());
  for (int i = 0; i < r.rows(); ++i)
    for (int j = 0; j < r.cols(); ++j) m(i, j) = Polynomial(r(i, j));
  return m;
}
/// Row-major entries → a d×d rational matrix.
constexpr RatMatrix rational_matrix(int d, const std::vector<Rational>& entries) {
  if (entries.size() != std::size_t(d) * d) throw std::invalid_argument("rational_matrix: d*d entries");
  RatMatrix m(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) m(i, j) = entries[std::size_t(i) * d + j];
  return m;
}
constexpr RatMatrix rational_diagonal(const std::vector<Rational>& diag) {
  const int d = int(diag.size());
  RatMatrix m(d, d);
  for (int i = 0; i < d; ++i) m(i, i) = diag[std::size_t(i)];
  return m;
}
template <class T>
constexpr T trace(const Mat<T, Dynamic, Dynamic>& m) {
  T t = scalar_traits<T>::zero();
  for (int i = 0; i < m.rows(); ++i) t = t + m(i, i);
  return t;
}
template <class T>
constexpr Mat<T, Dynamic, Dynamic> identity(int d) {
  return Mat<T, Dynamic, Dynamic>::identity(d);
}
constexpr std::vector<Polynomial> row_major(const PolyMatrix& m) { return m.data(); }

/// Γ = (1 + ν) Λ + ν tr(Λ) I with ν = 1/N (ZFB Theorem 4.1), over Polynomial.
constexpr PolyMatrix gamma(const PolyMatrix& lambda, const Polynomial& nu) {
  const int d = lambda.rows();
  return (Polynomial(Rational(1)) + nu) * lambda + (nu * trace(lambda)) * identity<Polynomial>(d);
}
constexpr RatMatrix gamma(const RatMatrix& lambda, int N) {
  const Rational nu(1, N);
  return (Rational(1) + nu) * lambda + (nu * trace(lambda)) * identity<Rational>(lambda.rows());
}

/// Exact inverse over Rational (Gauss–Jordan); throws for a singular matrix.
constexpr RatMatrix inverse(const RatMatrix& m) {
  const int d = m.rows();
  RatMatrix a = m, inv = identity<Rational>(d);
  for (int c = 0; c < d; ++c) {
    int p = c;
    while (p < d && a(p, c).is_zero()) ++p;
    if (p == d) throw std::domain_error("inverse: singular matrix");
    for (int k = 0; k < d; ++k) {
      std::swap(a(c, k), a(p, k));
      std::swap(inv(c, k), inv(p, k));
    }
    const Rational pivot = a(c, c);
    for (int k = 0; k < d; ++k) {
      a(c, k) /= pivot;
      inv(c, k) /= pivot;
    }
    for (int r = 0; r < d; ++r) {
      if (r == c || a(r, c).is_zero()) continue;
      const Rational f = a(r, c);
      for (int k = 0; k < d; ++k) {
        a(r, k) -= f * a(c, k);
        inv(r, k) -= f * inv(c, k);
      }
    }
  }
  return inv;
}

/// True when the symmetric rational matrix is positive definite: every pivot of its exact
/// LDLᵀ factorisation is > 0 (Sylvester's criterion, without square roots).
constexpr bool positive_definite(RatMatrix a) {
  const int d = a.rows();
  for (int c = 0; c < d; ++c) {
    if (!(a(c, c) > Rational(0))) return false;
    for (int r = c + 1; r < d; ++r) {
      const Rational f = a(r, c) / a(c, c);
      for (int k = c; k < d; ++k) a(r, k) -= f * a(c, k);
    }
  }
  return true;
}

/// Determinant and adjugate over Polynomial by cofactors (d ≤ 4): M⁻¹ = adj(M)/det(M), so that
/// claims about inverses of matrices of polynomials are polynomial identities after scaling.
constexpr PolyMatrix minor_of(const PolyMatrix& m, int row, int col) {
  const int d = m.rows();
  PolyMatrix r(d - 1, d - 1);
  for (int i = 0, ri = 0; i < d; ++i) {
    if (i == row) continue;
    for (int j = 0, rj = 0; j < d; ++j) {
      if (j == col) continue;
      r(ri, rj++) = m(i, j);
    }
    ++ri;
  }
  return r;
}
constexpr Polynomial determinant(const PolyMatrix& m) {
  const int d = m.rows();
  if (d == 1) return m(0, 0);
  Polynomial det;
  for (int j = 0; j < d; ++j) {
    if (m(0, j).is_zero()) continue;
    const Polynomial term = m(0, j) * determinant(minor_of(m, 0, j));
    // if/else, not ?: on Polynomial temporaries (docs/verification.md, "Compiler notes").
    if (j % 2 == 0) det += term;
    else det -= term;
  }
  return det;
}
constexpr PolyMatrix adjugate(const PolyMatrix& m) {
  const int d = m.rows();
  PolyMatrix adj(d, d);
  if (d == 1) {
    adj(0, 0) = Polynomial(Rational(1));
    return adj;
  }
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      const Polynomial c = determinant(minor_of(m, j, i));
      if ((i + j) % 2 == 0) adj(i, j) = c;
      else adj(i, j) = -c;
    }
  return adj;
}

// --- the predictor and its error -------------------------------------------------------------

/// The test law of ŷ = x_qᵀ A (1/M) Σ y_i x_i, y_i = wᵀx_i + ε_i (see icgd/zfb/closed_form.hpp):
/// covariances (Polynomial entries), the task law and its second moment, the noise variance.
struct ExactLaw {
  PolyMatrix prompt_cov, query_cov, task_second_moment;
  moments::BlockLaw task_law = moments::BlockLaw::gaussian;
  Polynomial noise_variance;  // zero: noiseless
};
constexpr ExactLaw training_law(const PolyMatrix& lambda) {
  return ExactLaw{lambda, lambda, identity<Polynomial>(lambda.rows()), moments::BlockLaw::gaussian, Polynomial{}};
}

constexpr moments::MomentEngine engine_for(const ExactLaw& law, Var nu) {
  using moments::BlockLaw;
  using moments::RandomBlock;
  const int d = law.prompt_cov.rows();
  std::vector<RandomBlock> blocks;
  blocks.push_back({prompt_symbol, d, true, BlockLaw::gaussian, row_major(law.prompt_cov)});
  blocks.push_back({query_symbol, d, false, BlockLaw::gaussian, row_major(law.query_cov)});
  if (law.task_law == BlockLaw::gaussian) {
    blocks.push_back({task_symbol, d, false, BlockLaw::gaussian, row_major(law.task_second_moment)});
  } else {
    std::vector<Polynomial> diag;
    for (int k = 0; k < d; ++k) {
      for (int j = 0; j < d; ++j)
        if (j != k && !law.task_second_moment(k, j).is_zero())
          throw std::invalid_argument("the sign task law needs a diagonal second moment");
      diag.push_back(law.task_second_moment(k, k));
    }
    blocks.push_back({task_symbol, d, false, BlockLaw::independent_signs, diag});
  }
  if (!law.noise_variance.is_zero()) {
    // Filled by push_back: a braced list of Polynomials trips g++ 12 in constant evaluation.
    std::vector<Polynomial> variance;
    variance.push_back(law.noise_variance);
    blocks.push_back({prompt_noise_symbol, 1, true, BlockLaw::gaussian, variance});
    blocks.push_back({query_noise_symbol, 1, false, BlockLaw::gaussian, variance});
  }
  return moments::MomentEngine(std::move(blocks), nu);
}

/// y of sample slot s: wᵀx_s (+ ε_s).
constexpr Polynomial label(std::uint32_t slot, int d, bool noisy) {
  std::vector<Polynomial> parts;
  for (int c = 0; c < d; ++c) parts.push_back(Polynomial(task(c)) * Polynomial(prompt(slot, c)));
  if (noisy) parts.push_back(Polynomial(Var(prompt_noise_symbol, slot, 0)));
  return moments::sum_all(parts);
}
/// y_q = wᵀx_q (+ ε_q).
constexpr Polynomial query_label(int d, bool noisy) {
  std::vector<Polynomial> parts;
  for (int c = 0; c < d; ++c) parts.push_back(Polynomial(task(c)) * Polynomial(query(c)));
  if (noisy) parts.push_back(Polynomial(Var(query_noise_symbol, 0, 0)));
  return moments::sum_all(parts);
}
/// The summand of ŷ for slot s: x_qᵀ A y_s x_s (ŷ = (1/M) Σ_s of it; ZFB Eq. 12 with A = Γ⁻¹).
constexpr Polynomial prediction_summand(const PolyMatrix& A, std::uint32_t slot, bool noisy) {
  const int d = A.rows();
  std::vector<Polynomial> parts;
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < d; ++b)
      if (!A(a, b).is_zero()) parts.push_back(Polynomial(query(a)) * A(a, b) * Polynomial(prompt(slot, b)));
  return moments::sum_all(parts) * label(slot, d, noisy);
}

/// (ŷ − y_q)² as a normalised sum: ŷ_0ŷ_1 (2 slots) − 2 ŷ_0 y_q (1 slot) + y_q² (no slot).
constexpr moments::SampleExpression squared_error(const PolyMatrix& A, bool noisy) {
  const Polynomial y0 = prediction_summand(A, 0, noisy), y1 = prediction_summand(A, 1, noisy);
  const Polynomial yq = query_label(A.rows(), noisy);
  moments::SampleExpression e;
  e.add(2, y0 * y1);
  e.add(1, Rational(-2) * (y0 * yq));
  e.add(0, yq * yq);
  return e;
}

/// E(ŷ − y_q)² by the moment engine: a polynomial in the entries of A, the covariances' symbols
/// and ν (the normaliser of the prompt's sum: pass training_nu for R(A), test_nu for the test error).
constexpr Polynomial moment_error(const PolyMatrix& A, const ExactLaw& law, Var nu) {
  auto engine = engine_for(law, nu);
  return engine.expectation(squared_error(A, !law.noise_variance.is_zero()));
}

/// The same error in closed form (icgd/zfb/closed_form.hpp, predictor_error) over Polynomial:
///   tr(Ω_q [A((1+ν) Ω Σ_w Ω + ν (tr(Σ_w Ω) + σ²) Ω) Aᵀ − A Ω Σ_w − Σ_w Ω Aᵀ + Σ_w]) + σ².
constexpr Polynomial closed_form_error(const PolyMatrix& A, const ExactLaw& law, const Polynomial& nu) {
  const PolyMatrix& om = law.prompt_cov;
  const PolyMatrix& sw = law.task_second_moment;
  const Polynomial one(Rational(1));
  const PolyMatrix h = (one + nu) * (om * sw * om) + (nu * (trace(PolyMatrix(sw * om)) + law.noise_variance)) * om;
  const PolyMatrix a_om_sw = A * om * sw;
  const PolyMatrix inner = A * h * A.transpose() - a_om_sw - a_om_sw.transpose() + sw;
  return trace(PolyMatrix(law.query_cov * inner)) + law.noise_variance;
}

// --- a fixed joint law of (x, y): ZFB Theorem 4.2 --------------------------------------------

/// The target y = f(x) + ε of a fixed joint law (no task variable): `target` is a polynomial in
/// the slot-0 inputs X[0][k]; `noise_variance` (zero: none) adds independent Gaussian noise.
struct TargetLaw {
  PolyMatrix lambda;
  Polynomial target;
  Polynomial noise_variance;
};
constexpr moments::MomentEngine engine_for(const TargetLaw& law, Var nu) {
  using moments::BlockLaw;
  const int d = law.lambda.rows();
  std::vector<moments::RandomBlock> blocks;
  blocks.push_back({prompt_symbol, d, true, BlockLaw::gaussian, row_major(law.lambda)});
  blocks.push_back({query_symbol, d, false, BlockLaw::gaussian, row_major(law.lambda)});
  if (!law.noise_variance.is_zero()) {
    // Filled by push_back: a braced list of Polynomials trips g++ 12 in constant evaluation.
    std::vector<Polynomial> variance;
    variance.push_back(law.noise_variance);
    blocks.push_back({prompt_noise_symbol, 1, true, BlockLaw::gaussian, variance});
    blocks.push_back({query_noise_symbol, 1, false, BlockLaw::gaussian, variance});
  }
  return moments::MomentEngine(std::move(blocks), nu);
}
/// y of slot s (or of the query when `at_query`): the target with X[0][k] moved there, plus noise.
constexpr Polynomial target_label(const TargetLaw& law, std::uint32_t slot, bool at_query) {
  Polynomial y = moments::substitute(law.target, [&](Var v) -> std::optional<Polynomial> {
    if (v.symbol() != prompt_symbol) return std::nullopt;
    return Polynomial(at_query ? query(int(v.j())) : prompt(slot, int(v.j())));
  });
  if (!law.noise_variance.is_zero())
    y += Polynomial(at_query ? Var(query_noise_symbol, 0, 0) : Var(prompt_noise_symbol, slot, 0));
  return y;
}
/// E(ŷ − y_q)² for ŷ = x_qᵀ A (1/M) Σ y_i x_i, (x_i, y_i) i.i.d. from the law, ν = 1/M.
constexpr Polynomial target_error(const PolyMatrix& A, const TargetLaw& law, Var nu) {
  const int d = A.rows();
  auto summand = [&](std::uint32_t slot) {
    std::vector<Polynomial> parts;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b)
        if (!A(a, b).is_zero()) parts.push_back(Polynomial(query(a)) * A(a, b) * Polynomial(prompt(slot, b)));
    return moments::sum_all(parts) * target_label(law, slot, false);
  };
  const Polynomial y0 = summand(0), y1 = summand(1), yq = target_label(law, 0, true);
  moments::SampleExpression e;
  e.add(2, y0 * y1);
  e.add(1, Rational(-2) * (y0 * yq));
  e.add(0, yq * yq);
  auto engine = engine_for(law, nu);
  return engine.expectation(e);
}

/// R(A) = tr Λ − 2 tr(AΛ²) + tr(AᵀΛAΛΓ) (ZFB §4.1), over Polynomial, ν = 1/N.
constexpr Polynomial risk_closed_form(const PolyMatrix& A, const PolyMatrix& lambda, const Polynomial& nu) {
  const PolyMatrix g = gamma(lambda, nu);
  return trace(lambda) - Rational(2) * trace(PolyMatrix(A * lambda * lambda)) +
         trace(PolyMatrix(A.transpose() * lambda * A * lambda * g));
}

/// ∂p/∂A for the symbolic matrix A = symbolic_matrix(symbol, d).
constexpr PolyMatrix gradient(const Polynomial& p, char symbol, int d) {
  PolyMatrix g(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) g(i, j) = moments::derivative(p, Var(symbol, std::uint32_t(i), std::uint32_t(j)));
  return g;
}
/// p with A = symbolic_matrix(symbol, d) replaced by `value`.
constexpr Polynomial at_matrix(const Polynomial& p, char symbol, const PolyMatrix& value) {
  return moments::substitute(p, [&](Var v) -> std::optional<Polynomial> {
    if (v.symbol() != symbol) return std::nullopt;
    return value(int(v.i()), int(v.j()));
  });
}
/// p with ν replaced by a rational.
constexpr Polynomial at_value(const Polynomial& p, Var v, const Rational& value) {
  return moments::substitute(p, [&](Var u) -> std::optional<Polynomial> {
    if (!(u == v)) return std::nullopt;
    return Polynomial(value);
  });
}

/// For a risk R quadratic in the variables `vars` (so ∇R is affine in them): ∇R vanishes at
/// vars = numerators/det (det ≠ 0), i.e. for every partial derivative g,
/// det·g(numerators/det) = g(numerators) − g(0) + det·g(0) is the zero polynomial.
constexpr bool affine_gradient_vanishes(const Polynomial& risk, const std::vector<Var>& vars,
                                        const std::vector<Polynomial>& numerators, const Polynomial& det) {
  auto at = [&](const Polynomial& p, bool zero) {
    return moments::substitute(p, [&](Var v) -> std::optional<Polynomial> {
      for (std::size_t k = 0; k < vars.size(); ++k)
        if (vars[k] == v) {
          if (zero) return Polynomial{};
          return numerators[k];
        }
      return std::nullopt;
    });
  };
  for (const Var v : vars) {
    const Polynomial g = moments::derivative(risk, v);
    const Polynomial at_zero = at(g, true);
    if (!(at(g, false) - at_zero + det * at_zero).is_zero()) return false;
  }
  return true;
}
constexpr std::vector<Var> matrix_vars(char symbol, int rows, int cols) {
  std::vector<Var> v;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) v.push_back(Var(symbol, std::uint32_t(i), std::uint32_t(j)));
  return v;
}
/// ∇_A R vanishes at A = adj/det (A = symbolic_matrix(symbol, d)).
constexpr bool gradient_vanishes_at_ratio(const Polynomial& risk, char symbol, int d, const PolyMatrix& adj,
                                          const Polynomial& det) {
  return affine_gradient_vanishes(risk, matrix_vars(symbol, d, d), adj.data(), det);
}

/// The Hessian of a quadratic risk in `vars`, as a rational matrix (every other symbol must be
/// gone: pass a risk at rational ν).
constexpr RatMatrix hessian(const Polynomial& risk, const std::vector<Var>& vars) {
  const int n = int(vars.size());
  RatMatrix h(n, n);
  for (int p = 0; p < n; ++p) {
    const Polynomial dp = moments::derivative(risk, vars[std::size_t(p)]);
    for (int q = 0; q < n; ++q) {
      const Polynomial dpq = moments::derivative(dp, vars[std::size_t(q)]);
      if (!moments::is_constant(dpq)) throw std::domain_error("hessian: the risk is not quadratic with constant curvature");
      h(p, q) = moments::constant_term(dpq);
    }
  }
  return h;
}
constexpr RatMatrix hessian(const Polynomial& risk, char symbol, int d) { return hessian(risk, matrix_vars(symbol, d, d)); }

}  // namespace icgd::zfb::exact
