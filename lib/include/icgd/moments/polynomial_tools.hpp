// icgd/moments/polynomial_tools.hpp — what the moment engine's proofs need beyond Polynomial's
// ring operations: a sum built in one canonicalisation, substitution of variables, the formal
// partial derivative, and a sign test on coefficients. constexpr, so proofs can use them.
#pragma once

#include "icgd/exact/polynomial.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace icgd::moments {

/// Σ parts, canonicalised once (repeated += would re-merge the growing sum after every part).
constexpr Polynomial sum_all(const std::vector<Polynomial>& parts) {
  const Polynomial one(Rational(1));
  std::vector<std::pair<const Polynomial*, const Polynomial*>> pairs;
  pairs.reserve(parts.size());
  for (const auto& p : parts) pairs.emplace_back(&p, &one);
  Polynomial sum;
  sum.add_sum_of_products(pairs);
  return sum;
}

/// The monomial of one term as a Polynomial (coefficient 1).
constexpr Polynomial monomial_polynomial(const Monomial& m) {
  Polynomial p(Rational(1));
  for (int k = 0; k < m.degree(); ++k) p = p * Polynomial(m.var(k));
  return p;
}

/// p with each variable v replaced by value(v) when that is set (others stay).
template <class Replacement>
constexpr Polynomial substitute(const Polynomial& p, const Replacement& value) {
  std::vector<Polynomial> parts;
  parts.reserve(p.size());
  for (const auto& t : p.terms()) {
    Polynomial term(t.coefficient);
    for (int k = 0; k < t.monomial.degree(); ++k) {
      const Var v = t.monomial.var(k);
      const std::optional<Polynomial> r = value(v);
      if (r) term = term * *r;
      else term = term * Polynomial(v);
      if (term.is_zero()) break;
    }
    if (!term.is_zero()) parts.push_back(std::move(term));
  }
  return sum_all(parts);
}

/// ∂p/∂v, the formal partial derivative.
constexpr Polynomial derivative(const Polynomial& p, Var v) {
  std::vector<Polynomial> parts;
  for (const auto& t : p.terms()) {
    int power = 0;
    for (int k = 0; k < t.monomial.degree(); ++k) power += t.monomial.var(k) == v ? 1 : 0;
    if (power == 0) continue;
    Polynomial term(t.coefficient * Rational(power));
    bool dropped = false;
    for (int k = 0; k < t.monomial.degree(); ++k) {
      const Var u = t.monomial.var(k);
      if (u == v && !dropped) {
        dropped = true;
        continue;
      }
      term = term * Polynomial(u);
    }
    parts.push_back(std::move(term));
  }
  return sum_all(parts);
}

/// True when p ≠ 0 and every coefficient is > 0: then p > 0 wherever all its variables are > 0.
constexpr bool all_coefficients_positive(const Polynomial& p) {
  if (p.is_zero()) return false;
  for (const auto& t : p.terms())
    if (!(t.coefficient > Rational(0))) return false;
  return true;
}

/// The constant term of p.
constexpr Rational constant_term(const Polynomial& p) {
  for (const auto& t : p.terms())
    if (t.monomial.degree() == 0) return t.coefficient;
  return Rational(0);
}

/// True when p is a constant (possibly zero), i.e. has no variable left.
constexpr bool is_constant(const Polynomial& p) {
  for (const auto& t : p.terms())
    if (t.monomial.degree() != 0) return false;
  return true;
}

}  // namespace icgd::moments
