// icgd/zfb/exact_claims.hpp — the ZFB / Ahn / Mahankali claims decided by the exact
// Gaussian-moment engine: each function computes the expectation with the engine
// (icgd/zfb/moment_models.hpp) and compares it with the paper's closed form, exactly.
// constexpr, so proofs/zfb asserts them at compile time; `icgd verify` runs them at runtime at
// more sizes. Statements: docs/papers/zhang_frei_bartlett.md, docs/papers/ahn_mahankali.md.
#pragma once

#include "icgd/zfb/moment_models.hpp"

namespace icgd::zfb::exact {

// --- ZFB-3: R(A) and its unique minimiser Γ⁻¹ --------------------------------------------------

/// R(A) by the moment engine: A symbolic, ν = 1/N symbolic, the training law of Λ.
constexpr Polynomial engine_training_risk(const PolyMatrix& lambda) {
  return moment_error(symbolic_matrix('A', lambda.rows()), training_law(lambda), training_nu);
}
/// The engine's R(A) equals tr Λ − 2 tr(AΛ²) + tr(AᵀΛAΛΓ) for every A and N.
constexpr bool zfb3_risk_formula(const Polynomial& risk, const PolyMatrix& lambda) {
  return risk == risk_closed_form(symbolic_matrix('A', lambda.rows()), lambda, Polynomial(training_nu));
}
/// ∇R(Γ⁻¹) = 0 for every N: with Γ⁻¹ = adj Γ / det Γ (entries polynomial in ν).
/// `preconditioner` is the matrix whose inverse is tested (Γ for the claim, a wrong one for controls).
constexpr bool zfb3_gradient_vanishes(const Polynomial& risk, const PolyMatrix& preconditioner) {
  return gradient_vanishes_at_ratio(risk, 'A', preconditioner.rows(), adjugate(preconditioner), determinant(preconditioner));
}
/// The Hessian of R at N is positive definite: R is a strictly convex quadratic, Γ⁻¹ its only minimiser.
constexpr bool zfb3_hessian_positive_definite(const Polynomial& risk, int d, int N) {
  return positive_definite(hessian(at_value(risk, training_nu, Rational(1, N)), 'A', d));
}
/// The negative control: Γ without its tr(Λ)/N·I term, (1 + 1/N)Λ.
constexpr PolyMatrix gamma_without_trace_term(const PolyMatrix& lambda) {
  return (Polynomial(Rational(1)) + Polynomial(training_nu)) * lambda;
}
/// All of ZFB-3 for one Λ (the form the proofs assert): formula, ∇R(Γ⁻¹) = 0, Hessian positive
/// definite at N = 1..max_N, and the control refuted.
constexpr bool zfb3_holds(const PolyMatrix& lambda, int max_N) {
  const Polynomial risk = engine_training_risk(lambda);
  if (!zfb3_risk_formula(risk, lambda)) return false;
  if (!zfb3_gradient_vanishes(risk, gamma(lambda, Polynomial(training_nu)))) return false;
  for (int N = 1; N <= max_N; ++N)
    if (!zfb3_hessian_positive_definite(risk, lambda.rows(), N)) return false;
  return !zfb3_gradient_vanishes(risk, gamma_without_trace_term(lambda));
}

// --- Theorem 4.1's weights, exactly ------------------------------------------------------------

/// p with every power r^e of the symbol r = t^(1/4) reduced by r⁴ = t: p in ℚ(t^(1/4)) in the
/// basis 1, r, r², r³.
constexpr Polynomial reduce_quartic_root(const Polynomial& p, Var r, const Rational& t) {
  std::vector<Polynomial> parts;
  for (const auto& term : p.terms()) {
    int power = 0;
    Polynomial rest(term.coefficient);
    for (int k = 0; k < term.monomial.degree(); ++k) {
      if (term.monomial.var(k) == r) ++power;
      else rest = rest * Polynomial(term.monomial.var(k));
    }
    for (int q = 0; q < power / 4; ++q) rest = t * rest;
    for (int e = 0; e < power % 4; ++e) rest = rest * Polynomial(r);
    parts.push_back(rest);
  }
  return moments::sum_all(parts);
}
/// Theorem 4.1 over ℚ(t^(1/4)), t = tr(Γ⁻²) exact over Rational and r = t^(1/4) a symbol:
/// W^PV's factor is r, W^KQ's is r⁻¹ = r³/t. Then w22·W11 = Γ⁻¹ exactly (the factors' product is
/// 1, not "1 up to rounding"), and the two are balanced: w22² = ‖W11‖²_F = r².
constexpr bool theorem41_weights_exact(const RatMatrix& lambda, int N) {
  const Var r('r');
  const RatMatrix gi = inverse(gamma(lambda, N));
  const Rational t = trace(RatMatrix(gi * gi));
  const Polynomial pv = Polynomial(r);
  const Polynomial kq = t.reciprocal() * (Polynomial(r) * Polynomial(r) * Polynomial(r));
  const int d = lambda.rows();
  Polynomial frobenius;
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      const Polynomial w11 = kq * Polynomial(gi(i, j));
      if (!(reduce_quartic_root(pv * w11, r, t) == Polynomial(gi(i, j)))) return false;
      frobenius += w11 * w11;
    }
  return reduce_quartic_root(frobenius, r, t) == reduce_quartic_root(pv * pv, r, t);
}

// --- ZFB-4: the error at the optimum --------------------------------------------------------------

/// E(ŷ − y)² at A = Γ⁻¹ (trained at N), tested at M: a polynomial in m = 1/M by the engine.
constexpr Polynomial engine_error_at_optimum(const RatMatrix& lambda, int N) {
  return moment_error(to_poly(inverse(gamma(lambda, N))), training_law(to_poly(lambda)), test_nu);
}
/// (1/M) tr(Γ⁻²(Λ³ + TΛ²)) + (1/N²) tr(Γ⁻²(Λ³ + 2TΛ² + T²Λ)) as a polynomial in m (or, with
/// `wrong_power`, the control with 1/N in place of 1/N²).
constexpr Polynomial zfb4_closed_form(const RatMatrix& lambda, int N, bool wrong_power = false) {
  const int d = lambda.rows();
  const RatMatrix gi = inverse(gamma(lambda, N));
  const RatMatrix gi2 = gi * gi, l2 = lambda * lambda, l3 = l2 * lambda;
  const Rational t = trace(lambda);
  const Rational c1 = trace(RatMatrix(gi2 * (l3 + t * l2)));
  const Rational c2 = trace(RatMatrix(gi2 * (l3 + Rational(2) * t * l2 + (t * t) * lambda)));
  const Rational n_factor = wrong_power ? Rational(1, N) : Rational(1, std::int64_t(N) * N);
  (void)d;
  return c1 * Polynomial(test_nu) + Polynomial(n_factor * c2);
}
constexpr bool zfb4_holds(const RatMatrix& lambda, int N) {
  const Polynomial e = engine_error_at_optimum(lambda, N);
  return e == zfb4_closed_form(lambda, N) && !(e == zfb4_closed_form(lambda, N, true));
}
/// The eigenvalue form Σ_k [(λ_k³ + Tλ_k²)/M + λ_k(λ_k + T)²/N²]/γ_k² for diagonal Λ, at M.
constexpr Rational zfb4_eigenvalue_form(const std::vector<Rational>& diag, int N, int M) {
  Rational t(0), sum(0);
  for (const auto& l : diag) t += l;
  const Rational nu(1, N), mu(1, M);
  for (const auto& l : diag) {
    const Rational g = (Rational(1) + nu) * l + nu * t;
    sum += ((l * l * l + t * l * l) * mu + l * (l + t) * (l + t) * nu * nu) / (g * g);
  }
  return sum;
}

// --- ZFB-7: Λ = I -------------------------------------------------------------------------------

/// Γ(I_d) = (1 + (d+1)/N) I (any d: no engine needed), and the engine's R(A) at Λ = I_d has its
/// stationary point at N/(N+d+1)·I for every N; the control N/(N+d)·I is refuted.
constexpr bool zfb7_gamma_identity(int d) {
  const PolyMatrix g = gamma(identity<Polynomial>(d), Polynomial(training_nu));
  const Polynomial c = Polynomial(Rational(1)) + Rational(d + 1) * Polynomial(training_nu);
  return g == c * identity<Polynomial>(d);
}
constexpr bool zfb7_holds(int d) {
  const Polynomial risk = engine_training_risk(identity<Polynomial>(d));
  const PolyMatrix eye = identity<Polynomial>(d);
  const Polynomial det = Polynomial(Rational(1)) + Rational(d + 1) * Polynomial(training_nu);
  const Polynomial wrong = Polynomial(Rational(1)) + Rational(d) * Polynomial(training_nu);
  return zfb7_gamma_identity(d) && gradient_vanishes_at_ratio(risk, 'A', d, eye, det) &&
         !gradient_vanishes_at_ratio(risk, 'A', d, eye, wrong);
}

// --- ZFB-8: covariate shift ---------------------------------------------------------------------

/// Trained on Λ (at N), tested on prompts and queries from N(0, Ω): the engine's error is a
/// polynomial in m = 1/M; its value at m = 0 (M → ∞) is tr((Γ⁻¹Ω − I)ᵀ Ω (Γ⁻¹Ω − I)).
constexpr Polynomial engine_covariate_shift_error(const RatMatrix& lambda, const RatMatrix& omega, int N) {
  const PolyMatrix om = to_poly(omega);
  ExactLaw law{om, om, identity<Polynomial>(omega.rows()), moments::BlockLaw::gaussian, Polynomial{}};
  return moment_error(to_poly(inverse(gamma(lambda, N))), law, test_nu);
}
constexpr Rational zfb8_limit(const RatMatrix& lambda, const RatMatrix& omega, int N) {
  const RatMatrix r = inverse(gamma(lambda, N)) * omega - identity<Rational>(omega.rows());
  return trace(RatMatrix(r.transpose() * omega * r));
}
constexpr bool zfb8_holds(const RatMatrix& lambda, const RatMatrix& omega, int N) {
  const Polynomial e = engine_covariate_shift_error(lambda, omega, N);
  return moments::constant_term(e) == zfb8_limit(lambda, omega, N) && zfb8_limit(lambda, omega, N) > Rational(0);
}

// --- ZFB-9: task shift --------------------------------------------------------------------------

/// The error for symbolic A under w ~ N(0, diag v) and under w_k = ±sqrt(v_k) is the same
/// polynomial, while their fourth moments E w_0⁴ differ (3v_0² against v_0²).
constexpr bool zfb9_holds(const RatMatrix& prompt_cov, const RatMatrix& query_cov, const std::vector<Rational>& task_diag) {
  const int d = prompt_cov.rows();
  ExactLaw gaussian{to_poly(prompt_cov), to_poly(query_cov), to_poly(rational_diagonal(task_diag)),
                    moments::BlockLaw::gaussian, Polynomial{}};
  ExactLaw signs = gaussian;
  signs.task_law = moments::BlockLaw::independent_signs;
  const PolyMatrix A = symbolic_matrix('A', d);
  const bool same_error = moment_error(A, gaussian, test_nu) == moment_error(A, signs, test_nu);
  auto eg = engine_for(gaussian, test_nu), es = engine_for(signs, test_nu);
  const Polynomial w0(task(0));
  const Polynomial fourth = w0 * w0 * w0 * w0;
  return same_error && !(eg.expectation(fourth) == es.expectation(fourth));
}

// --- AHN-2: Ahn et al.'s single-layer optimum ----------------------------------------------------

/// Ahn et al.'s masked layer with P = [[0,0],[0,1]] and free Q-columns Q[:, :d] = [[B],[cᵀ]]:
/// ŷ = −Z[d+1, n+1] = −(1/n) Σ_i y_i (x_iᵀ B x_q + y_i cᵀ x_q) (query masked out of the keys,
/// read-out negated). Its risk by the engine, B and c symbolic, ν = 1/n symbolic.
constexpr Polynomial engine_ahn_risk(const PolyMatrix& lambda) {
  const int d = lambda.rows();
  auto summand = [&](std::uint32_t slot) {
    std::vector<Polynomial> parts;
    const Polynomial y = label(slot, d, false);
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < d; ++b)
        parts.push_back(Polynomial(prompt(slot, a)) * Polynomial(Var('B', std::uint32_t(a), std::uint32_t(b))) *
                        Polynomial(query(b)));
    for (int b = 0; b < d; ++b) parts.push_back(y * Polynomial(Var('C', 0, std::uint32_t(b))) * Polynomial(query(b)));
    return Rational(-1) * (y * moments::sum_all(parts));
  };
  const Polynomial y0 = summand(0), y1 = summand(1), yq = query_label(d, false);
  moments::SampleExpression e;
  e.add(2, y0 * y1);
  e.add(1, Rational(-2) * (y0 * yq));
  e.add(0, yq * yq);
  auto engine = engine_for(training_law(lambda), training_nu);
  return engine.expectation(e);
}
/// ∇ vanishes at B = −Γ⁻¹, c = 0 (every n); at c = 0 the risk is ZFB's R(−Bᵀ); the Hessian in
/// (B, c) is positive definite at n = 1..max_n; the control B = +Γ⁻¹ is refuted.
constexpr bool ahn2_holds(const PolyMatrix& lambda, int max_n) {
  const int d = lambda.rows();
  const Polynomial risk = engine_ahn_risk(lambda);
  const PolyMatrix g = gamma(lambda, Polynomial(training_nu));
  const PolyMatrix adj = adjugate(g);
  const Polynomial det = determinant(g);
  std::vector<Var> vars = matrix_vars('B', d, d);
  const std::vector<Var> c_vars = matrix_vars('C', 1, d);
  vars.insert(vars.end(), c_vars.begin(), c_vars.end());
  std::vector<Polynomial> optimum, control;
  for (const auto& a : adj.data()) {
    optimum.push_back(-a);
    control.push_back(a);
  }
  for (int b = 0; b < d; ++b) {
    optimum.push_back(Polynomial{});
    control.push_back(Polynomial{});
  }
  if (!affine_gradient_vanishes(risk, vars, optimum, det)) return false;
  if (affine_gradient_vanishes(risk, vars, control, det)) return false;
  // c = 0 and B = −Aᵀ: ZFB's risk.
  const Polynomial at_c0 = moments::substitute(risk, [&](Var v) -> std::optional<Polynomial> {
    if (v.symbol() == 'C') return Polynomial{};
    if (v.symbol() == 'B') return -Polynomial(Var('A', v.j(), v.i()));
    return std::nullopt;
  });
  if (!(at_c0 == risk_closed_form(symbolic_matrix('A', d), lambda, Polynomial(training_nu)))) return false;
  for (int n = 1; n <= max_n; ++n)
    if (!positive_definite(hessian(at_value(risk, training_nu, Rational(1, n)), vars))) return false;
  return true;
}

// --- MAH-1: noisy labels, non-isotropic task prior -----------------------------------------------

/// H = (1 + ν) ΛΣ_wΛ + ν (tr(Σ_wΛ) + σ²) Λ with σ² the symbol s (or 0 for the control).
constexpr PolyMatrix mahankali_h(const PolyMatrix& lambda, const PolyMatrix& sigma_w, const Polynomial& noise) {
  const Polynomial nu(training_nu);
  return (Polynomial(Rational(1)) + nu) * (lambda * sigma_w * lambda) +
         (nu * (trace(PolyMatrix(sigma_w * lambda)) + noise)) * lambda;
}
/// The engine's noisy risk (σ² = s symbolic, ν symbolic) is stationary at A* = Σ_wΛ H⁻¹; the
/// control (H without σ²) is refuted; with Λ = Σ_w = I, A* = I/(1 + ν(d + 1 + σ²)).
constexpr bool mah1_holds(const PolyMatrix& lambda, const PolyMatrix& sigma_w) {
  const int d = lambda.rows();
  const Polynomial s(noise_var);
  // Not const: g++ 12 rejects aggregate-initialising a const object whose members allocate.
  ExactLaw law{lambda, lambda, sigma_w, moments::BlockLaw::gaussian, s};
  const Polynomial risk = moment_error(symbolic_matrix('A', d), law, training_nu);
  const PolyMatrix h = mahankali_h(lambda, sigma_w, s), h0 = mahankali_h(lambda, sigma_w, Polynomial{});
  return gradient_vanishes_at_ratio(risk, 'A', d, sigma_w * lambda * adjugate(h), determinant(h)) &&
         !gradient_vanishes_at_ratio(risk, 'A', d, sigma_w * lambda * adjugate(h0), determinant(h0));
}
constexpr bool mah1_isotropic_holds(int d) {
  const PolyMatrix eye = identity<Polynomial>(d);
  const Polynomial s(noise_var), nu(training_nu);
  ExactLaw law{eye, eye, eye, moments::BlockLaw::gaussian, s};
  const Polynomial risk = moment_error(symbolic_matrix('A', d), law, training_nu);
  return gradient_vanishes_at_ratio(risk, 'A', d, eye, Polynomial(Rational(1)) + nu * (Polynomial(Rational(d + 1)) + s));
}

// --- ZFB-10: Theorem 4.2 for a fixed joint law ---------------------------------------------------

/// best-linear error + (1/M) tr(Σ Γ⁻² Λ) + (1/N²) aᵀ Λ Γ⁻² (Λ + T I)² a with a = Λ⁻¹E[xy],
/// Σ = Cov(xy) — the moments E[xy], E[x xᵀ y²], E y² themselves from the engine — against the
/// engine's direct error at A = Γ⁻¹: both polynomials in m = 1/M.
constexpr bool zfb10_holds(const RatMatrix& lambda, int N, const Polynomial& target, const Rational& noise) {
  const int d = lambda.rows();
  TargetLaw law{to_poly(lambda), target, Polynomial(noise)};
  auto engine = engine_for(law, test_nu);
  const Polynomial y = target_label(law, 0, false);
  auto rational = [](const Polynomial& p) {
    if (!moments::is_constant(p)) throw std::domain_error("zfb10: a moment is not a number");
    return moments::constant_term(p);
  };
  RatMatrix exy(d, 1), exxyy(d, d);
  for (int k = 0; k < d; ++k) exy(k, 0) = rational(engine.expectation(Polynomial(prompt(0, k)) * y));
  for (int k = 0; k < d; ++k)
    for (int l = 0; l < d; ++l)
      exxyy(k, l) = rational(engine.expectation(Polynomial(prompt(0, k)) * Polynomial(prompt(0, l)) * (y * y)));
  const Rational ey2 = rational(engine.expectation(y * y));
  const RatMatrix li = inverse(lambda), gi = inverse(gamma(lambda, N));
  const RatMatrix a = li * exy;
  const RatMatrix sigma = exxyy - exy * exy.transpose();
  const Rational best = ey2 - (a.transpose() * lambda * a)(0, 0);
  const Rational t = trace(lambda);
  const RatMatrix shift = lambda + t * identity<Rational>(d);
  const Rational m_coefficient = trace(RatMatrix(sigma * gi * gi * lambda));
  const Rational n_term = (a.transpose() * lambda * gi * gi * shift * shift * a)(0, 0) * Rational(1, std::int64_t(N) * N);
  const Polynomial formula = Polynomial(best + n_term) + m_coefficient * Polynomial(test_nu);
  return target_error(to_poly(gi), law, test_nu) == formula;
}

// --- ZFB-11: Corollary 4.3 ------------------------------------------------------------------------

/// For diagonal Λ, w ~ N(0, I): at M = ⌈(d+1) tr(Λ)/ε⌉ the exact error (eigenvalue form, which
/// zfb4_holds ties to the engine) is at most ε + ξ, ξ = (1 + 2d + d²κ) tr(Λ)/N².
constexpr bool zfb11_holds(const std::vector<Rational>& diag, int N, const Rational& eps) {
  const int d = int(diag.size());
  Rational t(0), lo = diag[0], hi = diag[0];
  for (const auto& l : diag) {
    t += l;
    if (l < lo) lo = l;
    if (hi < l) hi = l;
  }
  const Rational m_real = Rational(d + 1) * t / eps;
  const std::int64_t M = (m_real.num() + m_real.den() - 1) / m_real.den();
  const Rational kappa = hi / lo;
  const Rational xi = (Rational(1 + 2 * d) + Rational(std::int64_t(d) * d) * kappa) * t / Rational(std::int64_t(N) * N);
  return !(eps + xi < zfb4_eigenvalue_form(diag, N, int(M)));
}

// --- ZFB-12: Theorem 4.5, random diagonal covariance ----------------------------------------------

/// E over i.i.d. λ_k (moments m_p = E λ^p, p ≤ 3) of a polynomial in the symbols L[k].
constexpr Polynomial expect_iid_diagonal(const Polynomial& p, const std::vector<Rational>& m) {
  std::vector<Polynomial> parts;
  for (const auto& term : p.terms()) {
    Polynomial rest(term.coefficient);
    std::array<int, 16> power{};
    for (int k = 0; k < term.monomial.degree(); ++k) {
      const Var v = term.monomial.var(k);
      if (v.symbol() == 'L') ++power[v.i()];
      else rest = rest * Polynomial(v);
    }
    Rational factor(1);
    for (int e : power)
      if (e > 0) {
        if (std::size_t(e) > m.size()) throw std::domain_error("expect_iid_diagonal: moment order too high");
        factor *= m[std::size_t(e - 1)];
      }
    parts.push_back(factor * rest);
  }
  return moments::sum_all(parts);
}
/// The coefficient a = m2 / ((1 + 1/N) m3 + (m3 + (d−1) m1 m2)/N) over Rational.
constexpr Rational random_covariance_coefficient(int d, int N, const std::vector<Rational>& m) {
  const Rational nu(1, N);
  return m[1] / ((Rational(1) + nu) * m[2] + nu * (m[2] + Rational(d - 1) * m[0] * m[1]));
}
/// The engine's risk for Λ = diag(L_0..L_{d−1}) symbolic, averaged over i.i.d. entries, is
/// stationary at a·I (every off-diagonal entry 0) and nowhere else (Hessian positive definite).
constexpr bool zfb12_holds(int d, int N, const std::vector<Rational>& m) {
  PolyMatrix lambda(d, d);
  for (int k = 0; k < d; ++k) lambda(k, k) = Polynomial(Var('L', std::uint32_t(k)));
  const Polynomial risk = expect_iid_diagonal(at_value(engine_training_risk(lambda), training_nu, Rational(1, N)), m);
  const Rational a = random_covariance_coefficient(d, N, m);
  const PolyMatrix optimum = to_poly(Rational(a) * identity<Rational>(d));
  return gradient_vanishes_at_ratio(risk, 'A', d, optimum, Polynomial(Rational(1))) &&
         positive_definite(hessian(risk, 'A', d));
}

}  // namespace icgd::zfb::exact
