// The Gaussian-moment engine (icgd/moments/gaussian.hpp) against a second method (enumerated
// pairings), against textbook identities, and the ZFB error it computes against the closed form.
#include "icgd/moments/gaussian.hpp"
#include "icgd/zfb/closed_form.hpp"
#include "icgd/zfb/moment_models.hpp"

#include <doctest/doctest.h>

#include <cmath>

namespace {

using icgd::Polynomial;
using icgd::Rational;
using icgd::Var;
using namespace icgd::moments;
namespace ex = icgd::zfb::exact;

std::vector<Polynomial> symbolic_covariance(int d) {
  // Symmetric symbolic covariance c[min(i,j)][max(i,j)].
  std::vector<Polynomial> c(std::size_t(d) * d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) c[std::size_t(i) * d + j] = Polynomial(Var('c', std::uint32_t(std::min(i, j)), std::uint32_t(std::max(i, j))));
  return c;
}

Eigen::MatrixXd to_eigen(const ex::RatMatrix& m) {
  Eigen::MatrixXd e(m.rows(), m.cols());
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) e(i, j) = m(i, j).to_double();
  return e;
}

}  // namespace

TEST_CASE("moments: Stein recursion equals the enumerated pairings (symbolic covariance, order <= 8)") {
  const int d = 3;
  const auto cov = symbolic_covariance(d);
  MomentEngine engine({{'Z', d, false, BlockLaw::gaussian, cov}}, Var('n'));
  // Every exponent vector of total degree <= 8 over 3 coordinates.
  int checked = 0;
  for (int a = 0; a <= 8; ++a)
    for (int b = 0; a + b <= 8; ++b)
      for (int c = 0; a + b + c <= 8; ++c) {
        Exponents alpha{};
        alpha[0] = std::uint8_t(a), alpha[1] = std::uint8_t(b), alpha[2] = std::uint8_t(c);
        std::vector<int> factors;
        for (int k = 0; k < a; ++k) factors.push_back(0);
        for (int k = 0; k < b; ++k) factors.push_back(1);
        for (int k = 0; k < c; ++k) factors.push_back(2);
        CHECK(engine.block_moment(0, alpha) == pairing_moment(cov, d, factors));
        ++checked;
      }
  CHECK(checked == 165);
  // E z_0^4 = 3 c00²: the engine is not trivially zero.
  Exponents four{};
  four[0] = 4;
  CHECK(engine.block_moment(0, four) == Rational(3) * (Polynomial(Var('c', 0, 0)) * Polynomial(Var('c', 0, 0))));
}

// For symmetric B this is the (1 + ν) Λ B Λ + ν tr(BΛ) Λ behind ZFB's Γ; for a general B the
// second pairing gives Λ Bᵀ Λ.
TEST_CASE("moments: E[Ŝ B Ŝ] = Λ B Λ + ν (Λ Bᵀ Λ + tr(BΛ) Λ) for symbolic Λ and B") {
  const int d = 2;
  const auto cov = symbolic_covariance(d);
  MomentEngine engine({{'X', d, true, BlockLaw::gaussian, cov}}, Var('n'));
  ex::PolyMatrix lambda(d, d), B = ex::symbolic_matrix('B', d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) lambda(i, j) = cov[std::size_t(i) * d + j];
  const Polynomial nu(Var('n'));
  const ex::PolyMatrix expected =
      lambda * B * lambda + nu * (lambda * B.transpose() * lambda) + (nu * ex::trace(ex::PolyMatrix(B * lambda))) * lambda;
  for (int r = 0; r < d; ++r)
    for (int c = 0; c < d; ++c) {
      // (Ŝ B Ŝ)_rc = (1/N²) Σ_{s,t} x_s[r] (x_sᵀ B x_t) x_t[c]
      Polynomial body;
      for (int a = 0; a < d; ++a)
        for (int b = 0; b < d; ++b)
          body += Polynomial(Var('X', 0, std::uint32_t(r))) * Polynomial(Var('X', 0, std::uint32_t(a))) * B(a, b) *
                  Polynomial(Var('X', 1, std::uint32_t(b))) * Polynomial(Var('X', 1, std::uint32_t(c)));
      CHECK(engine.expectation(SamplePiece{2, body}) == expected(r, c));
      // Control: treating the two indices as always distinct drops the ν terms.
      CHECK_FALSE(engine.expectation(body) == expected(r, c));
    }
}

TEST_CASE("moments: the engine's ZFB error equals the closed form for symbolic A (d = 2, noisy, shifted)") {
  const int d = 2;
  const ex::PolyMatrix A = ex::symbolic_matrix('A', d);
  ex::ExactLaw law{ex::to_poly(ex::rational_matrix(d, {2, Rational(1, 2), Rational(1, 2), 1})),
                   ex::to_poly(ex::rational_diagonal({Rational(3, 2), 1})),
                   ex::to_poly(ex::rational_matrix(d, {1, Rational(1, 3), Rational(1, 3), 2})),
                   BlockLaw::gaussian, Polynomial(Var('s'))};
  const Polynomial engine = ex::moment_error(A, law, ex::test_nu);
  CHECK(engine == ex::closed_form_error(A, law, Polynomial(ex::test_nu)));
  // Control: a wrong Gaussian fourth moment (the (1+ν) replaced by 1) is refuted.
  ex::ExactLaw same = law;
  CHECK_FALSE(engine == ex::closed_form_error(A, same, Polynomial(Rational(0))));
}

TEST_CASE("moments: exact error agrees with the double closed form and with Monte Carlo") {
  const int d = 2;
  const ex::RatMatrix lambda = ex::rational_diagonal({1, 3});
  const ex::RatMatrix g_inv = ex::inverse(ex::gamma(lambda, 4));
  const ex::ExactLaw law = ex::training_law(ex::to_poly(lambda));
  const Polynomial err = ex::at_value(ex::moment_error(ex::to_poly(g_inv), law, ex::test_nu), ex::test_nu, Rational(1, 6));
  REQUIRE(is_constant(err));
  const double exact = constant_term(err).to_double();
  const Eigen::MatrixXd l = to_eigen(lambda);
  CHECK(exact == doctest::Approx(icgd::zfb::predictor_error(icgd::zfb::gamma_inverse(l, 4), icgd::zfb::training_law(l), 6)).epsilon(1e-14));
  const auto mc = icgd::zfb::monte_carlo_error(to_eigen(g_inv), icgd::zfb::training_law(l), 6, 60000, 5);
  CHECK(std::abs(mc.mean - exact) < 4 * mc.standard_error);
  (void)d;
}

TEST_CASE("moments: sign task law has the Gaussian's error but not its fourth moment (ZFB-9)") {
  const int d = 2;
  const ex::PolyMatrix A = ex::symbolic_matrix('A', d);
  ex::ExactLaw gaussian{ex::to_poly(ex::rational_matrix(d, {2, Rational(1, 2), Rational(1, 2), 1})),
                        ex::to_poly(ex::rational_diagonal({1, 2})), ex::to_poly(ex::rational_diagonal({Rational(1, 2), 3})),
                        BlockLaw::gaussian, Polynomial{}};
  ex::ExactLaw signs = gaussian;
  signs.task_law = BlockLaw::independent_signs;
  CHECK(ex::moment_error(A, gaussian, ex::test_nu) == ex::moment_error(A, signs, ex::test_nu));
  auto eg = ex::engine_for(gaussian, ex::test_nu), es = ex::engine_for(signs, ex::test_nu);
  const Polynomial w0(ex::task(0));
  const Polynomial fourth = w0 * w0 * w0 * w0;
  CHECK(eg.expectation(fourth) == Polynomial(Rational(3, 4)));
  CHECK(es.expectation(fourth) == Polynomial(Rational(1, 4)));
}

TEST_CASE("moments: polynomial tools") {
  const Polynomial x(Var('x')), y(Var('y'));
  const Polynomial p = Rational(3) * (x * x * y) + x + Polynomial(Rational(2));
  CHECK(derivative(p, Var('x')) == Rational(6) * (x * y) + Polynomial(Rational(1)));
  CHECK(substitute(p, [&](Var v) -> std::optional<Polynomial> {
          if (v == Var('y')) return Polynomial(Rational(2));
          return std::nullopt;
        }) == Rational(6) * (x * x) + x + Polynomial(Rational(2)));
  CHECK(all_coefficients_positive(p));
  CHECK_FALSE(all_coefficients_positive(p - Rational(4) * x));
  const ex::PolyMatrix m = ex::symbolic_matrix('M', 3);
  const ex::PolyMatrix prod = m * ex::adjugate(m);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) CHECK(prod(i, j) == (i == j ? ex::determinant(m) : Polynomial{}));
  CHECK(ex::positive_definite(ex::rational_matrix(2, {2, 1, 1, 2})));
  CHECK_FALSE(ex::positive_definite(ex::rational_matrix(2, {1, 2, 2, 1})));
}

#include "icgd/zfb/exact_claims.hpp"

TEST_CASE("zfb exact claims at d = 2 (and their controls)") {
  const ex::RatMatrix lambda = ex::rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1});
  CHECK(ex::zfb3_holds(ex::to_poly(lambda), 3));
  CHECK(ex::zfb4_holds(ex::rational_diagonal({1, 3}), 4));
  CHECK(ex::zfb4_holds(lambda, 5));
  CHECK(constant_term(ex::at_value(ex::engine_error_at_optimum(ex::rational_diagonal({1, 3}), 4), ex::test_nu, Rational(1, 6))) ==
        ex::zfb4_eigenvalue_form({1, 3}, 4, 6));
  CHECK(ex::zfb7_holds(2));
  CHECK(ex::zfb8_holds(ex::rational_diagonal({1, 1}), ex::rational_diagonal({2, 2}), 20));
  CHECK_FALSE(ex::zfb8_limit(ex::rational_diagonal({1, 1}), ex::rational_diagonal({2, 2}), 20) == Rational(0));
  CHECK(ex::zfb9_holds(lambda, ex::rational_diagonal({1, 2}), {Rational(1, 2), 3}));
  CHECK(ex::ahn2_holds(ex::to_poly(lambda), 2));
  CHECK(ex::mah1_holds(ex::to_poly(lambda), ex::to_poly(ex::rational_diagonal({Rational(1, 2), 2}))));
  CHECK(ex::mah1_isotropic_holds(2));
  // y = x_0 − x_1/2 + (x_0 + x_1)² with noise 1/4.
  const Polynomial x0(ex::prompt(0, 0)), x1(ex::prompt(0, 1));
  const Polynomial target = x0 - Rational(1, 2) * x1 + (x0 + x1) * (x0 + x1);
  CHECK(ex::zfb10_holds(lambda, 4, target, Rational(1, 4)));
  CHECK(ex::zfb11_holds({1, 3}, 4, Rational(1, 10)));
  CHECK(ex::zfb12_holds(2, 5, {1, 2, 6}));
  CHECK(ex::random_covariance_coefficient(2, 5, {1, 2, 6}).to_double() ==
        doctest::Approx(icgd::zfb::random_covariance_coefficient(2, 5, 1, 2, 6)).epsilon(1e-15));
}

TEST_CASE("zfb: Theorem 4.1's weights are exact in Q(tr(Γ⁻²)^(1/4)); in double the factors' product is 1 to an ulp") {
  CHECK(ex::theorem41_weights_exact(ex::rational_matrix(2, {2, Rational(1, 2), Rational(1, 2), 1}), 4));
  CHECK(ex::theorem41_weights_exact(ex::rational_diagonal({1, 3, Rational(1, 7)}), 9));
  // Control: reducing with the wrong t breaks it.
  const Var r('r');
  CHECK_FALSE(ex::reduce_quartic_root(Polynomial(r) * Polynomial(r) * Polynomial(r) * Polynomial(r), r, Rational(2)) ==
              Polynomial(Rational(3)));
  double worst = 0;
  for (int N = 1; N <= 200; ++N) {
    Eigen::MatrixXd l(2, 2);
    l << 1.0 + 0.1 * N, 0.3, 0.3, 2.0 + 1.0 / N;
    const auto w = icgd::zfb::theorem41_minimiser(l, N);
    worst = std::max(worst, std::abs(w.kq_scale * w.pv_scale - 1.0));
  }
  CHECK(worst <= 2.3e-16);
}
