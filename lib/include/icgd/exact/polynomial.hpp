// icgd/exact/polynomial.hpp — sparse multivariate polynomials over Rational, in canonical form.
//
// Why canonical: a proof of an identity lhs == rhs is then a *structural* comparison of two term
// lists. Terms are kept sorted by monomial, like terms are combined, and zero coefficients are
// removed after every operation, so two polynomials are equal as functions iff they are equal
// as objects (over ℚ, a polynomial that vanishes everywhere is the zero polynomial).
//
// Variables have names: a Var is a symbol letter with up to two indices (x[i][a] is coordinate
// a of input i; W0[r][c] is an entry of the initial weights; eta is the learning rate). The
// name is part of the variable's identity, so a variable is printed the way it was declared.
//
// All of it is constexpr (C++20 constexpr std::vector/std::sort), so static_assert can prove
// identities; the same code runs at runtime at sizes given on the command line.
#pragma once

#include "icgd/exact/rational.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace icgd {

/// A named variable: symbol letter plus up to two indices (each < 4096).
/// The packing orders variables by symbol, then first index, then second.
class Var {
 public:
  static constexpr std::uint32_t no_index = 4095;
  constexpr Var() = default;
  constexpr Var(char symbol, std::uint32_t i = no_index, std::uint32_t j = no_index)
      : id_((static_cast<std::uint32_t>(static_cast<unsigned char>(symbol)) << 24) | (i << 12) |
            j) {
    if (i > no_index || j > no_index) throw std::out_of_range("Var: index must be < 4095");
  }
  [[nodiscard]] constexpr char symbol() const { return static_cast<char>(id_ >> 24); }
  [[nodiscard]] constexpr std::uint32_t i() const { return (id_ >> 12) & 0xFFF; }
  [[nodiscard]] constexpr std::uint32_t j() const { return id_ & 0xFFF; }
  [[nodiscard]] constexpr std::uint32_t id() const { return id_; }
  friend constexpr auto operator<=>(const Var&, const Var&) = default;
  /// e.g. "x[3][1]", "W0[0][2]", "eta".
  [[nodiscard]] std::string name() const;

 private:
  std::uint32_t id_ = 0;
};

/// Human-readable names of the symbol letters used by icgd's constructions.
inline std::string symbol_name(char symbol) {
  switch (symbol) {
    case 'x': return "x";      // context inputs x[i][a]
    case 'y': return "y";      // context labels y[i][b]
    case 'q': return "xq";     // query input xq[a]
    case 'w': return "W0";     // initial weights W0[b][a]
    case 'e': return "eta";    // learning rate
    case 'l': return "lambda"; // damping
    case 'g': return "gamma";  // GD++ input-transform rate
    default: return std::string(1, symbol);
  }
}
inline std::string Var::name() const {
  std::string s = symbol_name(symbol());
  if (i() != no_index) s.append("[").append(std::to_string(i())).append("]");
  if (j() != no_index) s.append("[").append(std::to_string(j())).append("]");
  return s;
}

/// A monomial: the multiset of its variables, sorted (x*x*y is {x, x, y}). Fixed capacity so
/// that it is trivially copyable (cheap in constant evaluation); exceeding it throws, which is
/// a compile error in a static_assert and an exception at runtime — never a truncated term.
class Monomial {
 public:
  static constexpr int max_degree = 16;
  constexpr Monomial() = default;
  constexpr explicit Monomial(Var v) : degree_(1) { vars_[0] = v.id(); }

  [[nodiscard]] constexpr int degree() const { return degree_; }
  [[nodiscard]] constexpr Var var(int k) const { return from_id(vars_[k]); }

  friend constexpr Monomial operator*(const Monomial& a, const Monomial& b) {
    if (a.degree_ + b.degree_ > max_degree)
      throw std::length_error("Monomial: degree exceeds Monomial::max_degree");
    Monomial r;
    int i = 0, j = 0, k = 0;
    while (i < a.degree_ && j < b.degree_)
      r.vars_[k++] = a.vars_[i] <= b.vars_[j] ? a.vars_[i++] : b.vars_[j++];
    while (i < a.degree_) r.vars_[k++] = a.vars_[i++];
    while (j < b.degree_) r.vars_[k++] = b.vars_[j++];
    r.degree_ = k;
    return r;
  }
  friend constexpr bool operator==(const Monomial& a, const Monomial& b) {
    if (a.degree_ != b.degree_) return false;
    for (int k = 0; k < a.degree_; ++k)
      if (a.vars_[k] != b.vars_[k]) return false;
    return true;
  }
  /// Graded order: lower degree first, then lexicographic on the sorted variables.
  friend constexpr bool operator<(const Monomial& a, const Monomial& b) {
    if (a.degree_ != b.degree_) return a.degree_ < b.degree_;
    for (int k = 0; k < a.degree_; ++k)
      if (a.vars_[k] != b.vars_[k]) return a.vars_[k] < b.vars_[k];
    return false;
  }
  /// e.g. "eta*x[0][1]^2*y[0][0]"; the empty monomial prints as "1".
  [[nodiscard]] std::string to_string() const {
    if (degree_ == 0) return "1";
    std::string s;
    for (int k = 0; k < degree_;) {
      int e = 1;
      while (k + e < degree_ && vars_[k + e] == vars_[k]) ++e;
      if (!s.empty()) s += "*";
      s += var(k).name();
      if (e > 1) s.append("^").append(std::to_string(e));
      k += e;
    }
    return s;
  }

 private:
  static constexpr Var from_id(std::uint32_t id) {
    return Var(static_cast<char>(id >> 24), (id >> 12) & 0xFFF, id & 0xFFF);
  }
  std::array<std::uint32_t, max_degree> vars_{};
  int degree_ = 0;
};

struct Term {
  Monomial monomial;
  Rational coefficient;
};

/// A polynomial in named variables with Rational coefficients, in canonical form.
class Polynomial {
 public:
  constexpr Polynomial() = default;
  constexpr Polynomial(Rational c) {  // NOLINT: constants convert implicitly
    if (!c.is_zero()) terms_.push_back({Monomial{}, c});
  }
  constexpr Polynomial(std::int64_t c) : Polynomial(Rational(c)) {}  // NOLINT
  constexpr Polynomial(Var v) { terms_.push_back({Monomial{v}, Rational(1)}); }  // NOLINT

  // docs/verification.md "Compiler notes" (g++ 12): element-wise copies avoid a constexpr double-destruction
  // bug seen when copying aggregates of objects that own constexpr allocations.
  constexpr Polynomial(const Polynomial& other) : terms_(other.terms_) {}
  constexpr Polynomial(Polynomial&& other) noexcept : terms_(std::move(other.terms_)) {}
  constexpr Polynomial& operator=(const Polynomial& other) {
    if (this != &other) terms_ = other.terms_;
    return *this;
  }
  constexpr Polynomial& operator=(Polynomial&& other) noexcept {
    terms_ = std::move(other.terms_);
    return *this;
  }
  constexpr ~Polynomial() = default;

  [[nodiscard]] constexpr bool is_zero() const { return terms_.empty(); }
  [[nodiscard]] constexpr std::size_t size() const { return terms_.size(); }
  [[nodiscard]] constexpr const std::vector<Term>& terms() const { return terms_; }
  [[nodiscard]] constexpr int degree() const {
    int d = 0;
    for (const auto& t : terms_) d = std::max(d, t.monomial.degree());
    return d;
  }

  friend constexpr Polynomial operator+(const Polynomial& a, const Polynomial& b) {
    Polynomial r;
    r.terms_.reserve(a.terms_.size() + b.terms_.size());
    std::size_t i = 0, j = 0;
    while (i < a.terms_.size() && j < b.terms_.size()) {
      const Term& ta = a.terms_[i];
      const Term& tb = b.terms_[j];
      if (ta.monomial < tb.monomial) {
        r.terms_.push_back(ta);
        ++i;
      } else if (tb.monomial < ta.monomial) {
        r.terms_.push_back(tb);
        ++j;
      } else {
        Rational c = ta.coefficient + tb.coefficient;
        if (!c.is_zero()) r.terms_.push_back({ta.monomial, c});
        ++i;
        ++j;
      }
    }
    for (; i < a.terms_.size(); ++i) r.terms_.push_back(a.terms_[i]);
    for (; j < b.terms_.size(); ++j) r.terms_.push_back(b.terms_[j]);
    return r;
  }
  constexpr Polynomial operator-() const {
    Polynomial r = *this;
    for (auto& t : r.terms_) t.coefficient = -t.coefficient;
    return r;
  }
  friend constexpr Polynomial operator-(const Polynomial& a, const Polynomial& b) {
    return a + (-b);
  }
  friend constexpr Polynomial operator*(const Polynomial& a, const Polynomial& b) {
    Polynomial r;
    if (a.is_zero() || b.is_zero()) return r;
    // A single term times a polynomial (the η/N of P, a damping λ, a scalar weight): scale each
    // term; the result is usually still sorted, which canonicalise() notices without sorting.
    if (a.terms_.size() == 1 || b.terms_.size() == 1) {
      const Term& single = a.terms_.size() == 1 ? a.terms_[0] : b.terms_[0];
      const Polynomial& other = a.terms_.size() == 1 ? b : a;
      if (single.monomial.degree() == 0) return single.coefficient * other;
      r.terms_.reserve(other.terms_.size());
      for (const auto& t : other.terms_)
        r.terms_.push_back({single.monomial * t.monomial, single.coefficient * t.coefficient});
      r.canonicalise();
      return r;
    }
    r.terms_.reserve(a.terms_.size() * b.terms_.size());
    for (const auto& ta : a.terms_)
      for (const auto& tb : b.terms_)
        r.terms_.push_back({ta.monomial * tb.monomial, ta.coefficient * tb.coefficient});
    r.canonicalise();
    return r;
  }
  friend constexpr Polynomial operator*(const Rational& c, const Polynomial& p) {
    Polynomial r;
    if (c.is_zero()) return r;
    r.terms_ = p.terms_;
    for (auto& t : r.terms_) t.coefficient *= c;
    return r;
  }
  constexpr Polynomial& operator+=(const Polynomial& o) { return *this = *this + o; }
  constexpr Polynomial& operator-=(const Polynomial& o) { return *this = *this - o; }
  constexpr Polynomial& operator*=(const Polynomial& o) { return *this = *this * o; }

  /// Adds Σ_k a_k·b_k in one canonicalisation (much cheaper than repeated +=, which re-merges
  /// the growing sum after every product). This is the inner loop of symbolic matrix products.
  template <class Pairs>
  constexpr void add_sum_of_products(const Pairs& pairs) {
    std::size_t extra = 0;
    for (const auto& [a, b] : pairs) extra += a->terms_.size() * b->terms_.size();
    if (extra == 0) return;
    terms_.reserve(terms_.size() + extra);
    for (const auto& [a, b] : pairs)
      for (const auto& ta : a->terms_)
        for (const auto& tb : b->terms_)
          terms_.push_back({ta.monomial * tb.monomial, ta.coefficient * tb.coefficient});
    canonicalise();
  }

  friend constexpr bool operator==(const Polynomial& a, const Polynomial& b) {
    if (a.terms_.size() != b.terms_.size()) return false;
    for (std::size_t k = 0; k < a.terms_.size(); ++k)
      if (!(a.terms_[k].monomial == b.terms_[k].monomial) ||
          a.terms_[k].coefficient != b.terms_[k].coefficient)
        return false;
    return true;
  }

  /// Value at a point: `value(var)` gives each variable's Rational (or double) value.
  template <class Scalar, class Assignment>
  [[nodiscard]] constexpr Scalar evaluate(const Assignment& value) const {
    Scalar sum{};
    for (const auto& t : terms_) {
      Scalar prod = Scalar(t.coefficient);
      for (int k = 0; k < t.monomial.degree(); ++k) prod = prod * value(t.monomial.var(k));
      sum = sum + prod;
    }
    return sum;
  }

  /// e.g. "2*eta*x[0][0] - 1/3*y[1][0]"; the zero polynomial prints as "0".
  [[nodiscard]] std::string to_string(std::size_t max_terms = SIZE_MAX) const {
    if (terms_.empty()) return "0";
    std::string s;
    for (std::size_t k = 0; k < terms_.size() && k < max_terms; ++k) {
      const auto& t = terms_[k];
      Rational c = t.coefficient;
      if (k == 0) {
        if (c < Rational(0)) s += "-";
      } else {
        s += c < Rational(0) ? " - " : " + ";
      }
      if (c < Rational(0)) c = -c;
      const bool constant = t.monomial.degree() == 0;
      if (!c.is_one() || constant) s += c.to_string() + (constant ? "" : "*");
      if (!constant) s += t.monomial.to_string();
    }
    if (terms_.size() > max_terms)
      s += " + ... (" + std::to_string(terms_.size() - max_terms) + " more terms)";
    return s;
  }

 private:
  // Sort by monomial, combine like terms, drop zeros: the canonical form.
  constexpr void canonicalise() {
    auto by_monomial = [](const Term& a, const Term& b) { return a.monomial < b.monomial; };
    if (!std::is_sorted(terms_.begin(), terms_.end(), by_monomial))
      std::sort(terms_.begin(), terms_.end(), by_monomial);
    std::size_t out = 0;
    for (std::size_t k = 0; k < terms_.size();) {
      Term acc = terms_[k];
      std::size_t m = k + 1;
      while (m < terms_.size() && terms_[m].monomial == acc.monomial)
        acc.coefficient += terms_[m++].coefficient;
      if (!acc.coefficient.is_zero()) terms_[out++] = acc;
      k = m;
    }
    terms_.resize(out);
  }

  std::vector<Term> terms_;
};

}  // namespace icgd
