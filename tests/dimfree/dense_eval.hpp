// tests/dimfree/dense_eval.hpp — evaluate dimension-free normal forms at concrete matrices.
//
// A Valuation fixes a size for every dimension, a matrix for every matrix symbol and a value
// for every scalar symbol. Values are held exactly (icgd::Rational), so one normal form can be
// evaluated both in double (Eigen, `evaluate`) and in exact arithmetic (`evaluate_exact`):
// the double evaluation is what the claim tests compare with dense layers, the exact one lets
// tests/engines compare a normal form with the Rational instantiation of lib/include/icgd/icl
// without any tolerance.
//
// Unassigned symbols are drawn on first use: random integer matrices (symmetrised if the
// symbol is declared symmetric) and dyadic scalars. With such values every number the tests
// compute is exactly representable in double as long as magnitudes stay below 2^53, so
// differences are either 0 or clearly not; the tests still compare with a relative tolerance
// to be safe. `assign` fixes a symbol's value instead (a given problem instance).
#pragma once

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

#include "icgd/dimfree/block.hpp"
#include "icgd/dimfree/normal_form.hpp"
#include "icgd/exact/rational.hpp"
#include "icgd/linalg/mat.hpp"

namespace icgd::dimfree::testing {

using Dense = Eigen::MatrixXd;
/// An exact dynamic-size matrix: the scalar type of the icl templates' exact instances.
using ExactMat = icgd::Mat<icgd::Rational, icgd::Dynamic, icgd::Dynamic>;

template <int R, int C>
Dense to_double_matrix(const icgd::Mat<icgd::Rational, R, C>& m) {
  Dense r(m.rows(), m.cols());
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) r(i, j) = m(i, j).to_double();
  return r;
}

class Valuation {
 public:
  Valuation(std::map<std::string, int> sizes, std::uint64_t seed) : sizes_(std::move(sizes)), rng_(seed) {
    sizes_["1"] = 1;
  }

  [[nodiscard]] int size(const DimInfo* d) const {
    const auto it = sizes_.find(std::string(d->name));
    if (it == sizes_.end()) throw std::runtime_error("no size for dimension " + std::string(d->name));
    return it->second;
  }
  [[nodiscard]] int size(std::string_view name) const { return sizes_.at(std::string(name)); }

  /// The exact matrix of a symbol (untransposed), drawn on first use: nonzero integers in
  /// [-3, 3].
  const ExactMat& exact_matrix(const SymbolInfo& s) {
    const std::string k = key(s);
    auto it = exact_matrices_.find(k);
    if (it != exact_matrices_.end()) return it->second;
    ExactMat m(size(s.rows), size(s.cols));
    for (int i = 0; i < m.rows(); ++i)
      for (int j = 0; j < m.cols(); ++j) m(i, j) = draw_entry();
    if (s.symmetric) {
      for (int i = 0; i < m.rows(); ++i)
        for (int j = 0; j < i; ++j) m(i, j) = m(j, i);
    }
    return exact_matrices_.emplace(k, std::move(m)).first->second;
  }
  /// The same matrix in double (exact: integers, or the values `assign` was given).
  const Dense& matrix(const SymbolInfo& s) {
    const std::string k = key(s);
    auto it = matrices_.find(k);
    if (it != matrices_.end()) return it->second;
    return matrices_.emplace(k, to_double_matrix(exact_matrix(s))).first->second;
  }
  /// The value of a scalar symbol, drawn on first use: a nonzero dyadic rational
  /// (±1/4, ±1/2, ±3/4, ±1, ±3/2, ±2).
  const Rational& exact_scalar(const ScalarInfo& s) {
    const std::string k = key(s);
    auto it = scalars_.find(k);
    if (it != scalars_.end()) return it->second;
    static constexpr std::int64_t quarters[] = {1, 2, 3, 4, 6, 8};
    std::uniform_int_distribution<int> pick(0, 11);
    const int j = pick(rng_);
    const Rational v((j < 6 ? 1 : -1) * quarters[j % 6], 4);
    return scalars_.emplace(k, v).first->second;
  }
  double scalar(const ScalarInfo& s) { return exact_scalar(s).to_double(); }

  /// Fixes the value of a symbol (before its first use): evaluation at a given instance.
  void assign(const SymbolInfo& s, const ExactMat& value) {
    if (value.rows() != size(s.rows) || value.cols() != size(s.cols))
      throw std::invalid_argument("Valuation::assign: shape of " + std::string(s.name));
    exact_matrices_.insert_or_assign(key(s), value);
    matrices_.erase(key(s));
  }
  void assign(const ScalarInfo& s, const Rational& value) { scalars_.insert_or_assign(key(s), value); }

 private:
  static std::string key(const SymbolInfo& s) {
    return std::string(s.name) + "|" + std::string(s.rows->name) + "|" + std::string(s.cols->name) +
           (s.symmetric ? "|sym" : "");
  }
  static std::string key(const ScalarInfo& s) { return std::string(s.name) + (s.nonzero ? "|nz" : ""); }

  Rational draw_entry() {
    std::uniform_int_distribution<int> pick(1, 6);
    const int k = pick(rng_);
    return Rational(k <= 3 ? k : 3 - k);  // 1, 2, 3, -1, -2, -3
  }

  std::map<std::string, int> sizes_;
  std::mt19937_64 rng_;
  std::map<std::string, ExactMat> exact_matrices_;
  std::map<std::string, Dense> matrices_;
  std::map<std::string, Rational> scalars_;
};

namespace detail {

/// The two arithmetics a normal form is evaluated in; one evaluator serves both, so the exact
/// and the double evaluation cannot drift apart.
struct DoubleArithmetic {
  using Scalar = double;
  using Matrix = Dense;
  static Matrix identity(int n) { return Dense::Identity(n, n); }
  static Matrix zero(int r, int c) { return Dense::Zero(r, c); }
  static Matrix times(const Matrix& a, const Matrix& b, bool transposed) {
    return transposed ? Matrix(a * b.transpose()) : Matrix(a * b);
  }
  static void add_scaled(Matrix& r, Scalar f, const Matrix& m) { r += f * m; }
  static void place(Matrix& r, int r0, int c0, const Matrix& b) { r.block(r0, c0, b.rows(), b.cols()) = b; }
  static Scalar entry00(const Matrix& m) { return m(0, 0); }
  static Scalar from(const Rational& q) { return q.to_double(); }
  static const Matrix& symbol(Valuation& v, const SymbolInfo& s) { return v.matrix(s); }
  static Scalar scalar(Valuation& v, const ScalarInfo& s) { return v.scalar(s); }
};

struct ExactArithmetic {
  using Scalar = Rational;
  using Matrix = ExactMat;
  static Matrix identity(int n) { return ExactMat::identity(n); }
  static Matrix zero(int r, int c) { return ExactMat(r, c); }
  static Matrix times(const Matrix& a, const Matrix& b, bool transposed) {
    return transposed ? a * b.transpose() : a * b;
  }
  static void add_scaled(Matrix& r, const Scalar& f, const Matrix& m) { r += f * m; }
  static void place(Matrix& r, int r0, int c0, const Matrix& b) { r.set_block(r0, c0, b); }
  static Scalar entry00(const Matrix& m) { return m(0, 0); }
  static Scalar from(const Rational& q) { return q; }
  static const Matrix& symbol(Valuation& v, const SymbolInfo& s) { return v.exact_matrix(s); }
  static Scalar scalar(Valuation& v, const ScalarInfo& s) { return v.exact_scalar(s); }
};

template <class A>
typename A::Matrix evaluate_word(const Letter* w, std::size_t n, const DimInfo* rows, Valuation& val) {
  typename A::Matrix r = A::identity(val.size(rows));
  for (std::size_t i = 0; i < n; ++i) r = A::times(r, A::symbol(val, *w[i].sym), w[i].transposed);
  return r;
}

template <class A>
typename A::Scalar power(const typename A::Scalar& base, int exponent) {
  typename A::Scalar r = A::from(Rational(1));
  for (int k = 0; k < std::abs(exponent); ++k) r = r * base;
  return exponent < 0 ? A::from(Rational(1)) / r : r;
}

/// Σ coefficient · ∏ scalar^e · ∏ atoms · outer word.
template <class A>
typename A::Matrix evaluate_poly(const Poly& p, Valuation& val) {
  typename A::Matrix r = A::zero(val.size(p.rows()), val.size(p.cols()));
  for (const Term& t : p.terms()) {
    typename A::Scalar factor = A::from(t.coeff);
    for (std::size_t i = 0; i < t.n_scalars; ++i)
      factor = factor * power<A>(A::scalar(val, *t.scalars[i].scalar), t.scalars[i].exponent);
    for (std::size_t k = 0; k < t.n_atoms; ++k) {
      const Letter* a = t.letters + t.atom_begin(k);
      const auto v = evaluate_word<A>(a, t.atom_size(k), a[0].out_rows(), val);
      if (v.rows() != 1 || v.cols() != 1) throw std::logic_error("atom is not 1x1");
      factor = factor * A::entry00(v);
    }
    A::add_scaled(r, factor, evaluate_word<A>(t.letters, t.word_len, p.rows(), val));
  }
  return r;
}

/// The matrix of a block matrix (blocks placed by the partitions' sizes).
template <class A>
typename A::Matrix evaluate_blocks(const BlockValue& b, Valuation& val) {
  int rows = 0, cols = 0;
  for (const DimInfo* d : b.row_partition()) rows += val.size(d);
  for (const DimInfo* d : b.col_partition()) cols += val.size(d);
  typename A::Matrix r = A::zero(rows, cols);
  int r0 = 0;
  for (std::size_t i = 0; i < b.block_rows(); ++i) {
    int c0 = 0;
    const int h = val.size(b.row_partition()[i]);
    for (std::size_t j = 0; j < b.block_cols(); ++j) {
      A::place(r, r0, c0, evaluate_poly<A>(b.at(i, j), val));
      c0 += val.size(b.col_partition()[j]);
    }
    r0 += h;
  }
  return r;
}

}  // namespace detail

inline Dense evaluate(const Poly& p, Valuation& val) { return detail::evaluate_poly<detail::DoubleArithmetic>(p, val); }
inline Dense evaluate(const BlockValue& b, Valuation& val) {
  return detail::evaluate_blocks<detail::DoubleArithmetic>(b, val);
}
/// Exact evaluation (throws icgd::rational_overflow rather than return a wrong value).
inline ExactMat evaluate_exact(const Poly& p, Valuation& val) {
  return detail::evaluate_poly<detail::ExactArithmetic>(p, val);
}
inline ExactMat evaluate_exact(const BlockValue& b, Valuation& val) {
  return detail::evaluate_blocks<detail::ExactArithmetic>(b, val);
}

/// max |a − b| relative to max(1, max |a|, max |b|); +inf if the shapes differ.
inline double relative_difference(const Dense& a, const Dense& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  if (a.size() == 0) return 0.0;
  const double scale = std::max({1.0, a.cwiseAbs().maxCoeff(), b.cwiseAbs().maxCoeff()});
  return (a - b).cwiseAbs().maxCoeff() / scale;
}

}  // namespace icgd::dimfree::testing
