// tests/dimfree/dense_eval.hpp — evaluate dimension-free normal forms numerically.
//
// A Valuation fixes a size for every dimension, a random integer matrix for every matrix symbol
// (symmetrised if the symbol is declared symmetric) and a dyadic rational for every scalar.
// With integer entries and dyadic scalars every value the tests compute is exactly
// representable in double as long as magnitudes stay below 2^53, so differences are either 0
// or clearly not; the tests still compare with a relative tolerance to be safe.
#pragma once

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

#include "icgd/dimfree/block.hpp"
#include "icgd/dimfree/normal_form.hpp"

namespace icgd::dimfree::testing {

using Dense = Eigen::MatrixXd;

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

  /// The matrix of a symbol (untransposed), drawn on first use: nonzero integers in [-3, 3].
  const Dense& matrix(const SymbolInfo& s) {
    const std::string key = std::string(s.name) + "|" + std::string(s.rows->name) + "|" +
                            std::string(s.cols->name) + (s.symmetric ? "|sym" : "");
    auto it = matrices_.find(key);
    if (it != matrices_.end()) return it->second;
    Dense m(size(s.rows), size(s.cols));
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = draw_entry();
    if (s.symmetric) {
      for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < i; ++j) m(i, j) = m(j, i);
    }
    return matrices_.emplace(key, std::move(m)).first->second;
  }
  /// The value of a scalar symbol: a nonzero dyadic rational (±1/4, ±1/2, ±3/4, ±1, ±3/2, ±2).
  double scalar(const ScalarInfo& s) {
    const std::string key = std::string(s.name) + (s.nonzero ? "|nz" : "");
    auto it = scalars_.find(key);
    if (it != scalars_.end()) return it->second;
    static constexpr double values[] = {0.25, 0.5, 0.75, 1.0, 1.5, 2.0};
    std::uniform_int_distribution<int> pick(0, 11);
    const int k = pick(rng_);
    const double v = (k < 6 ? 1.0 : -1.0) * values[k % 6];
    return scalars_.emplace(key, v).first->second;
  }

 private:
  double draw_entry() {
    std::uniform_int_distribution<int> pick(1, 6);
    const int k = pick(rng_);
    return k <= 3 ? k : 3 - k;  // 1, 2, 3, -1, -2, -3
  }

  std::map<std::string, int> sizes_;
  std::mt19937_64 rng_;
  std::map<std::string, Dense> matrices_;
  std::map<std::string, double> scalars_;
};

inline Dense evaluate_word(const Letter* w, std::size_t n, const DimInfo* rows, Valuation& val) {
  Dense r = Dense::Identity(val.size(rows), val.size(rows));
  for (std::size_t i = 0; i < n; ++i) {
    const Dense& m = val.matrix(*w[i].sym);
    if (w[i].transposed) {
      r = (r * m.transpose()).eval();
    } else {
      r = (r * m).eval();
    }
  }
  return r;
}

/// Σ coefficient · ∏ scalar^e · ∏ atoms · outer word.
inline Dense evaluate(const Poly& p, Valuation& val) {
  Dense r = Dense::Zero(val.size(p.rows()), val.size(p.cols()));
  for (const Term& t : p.terms()) {
    double factor = t.coeff.to_double();
    for (std::size_t i = 0; i < t.n_scalars; ++i)
      factor *= std::pow(val.scalar(*t.scalars[i].scalar), t.scalars[i].exponent);
    for (std::size_t k = 0; k < t.n_atoms; ++k) {
      const Letter* a = t.letters + t.atom_begin(k);
      const Dense v = evaluate_word(a, t.atom_size(k), a[0].out_rows(), val);
      if (v.rows() != 1 || v.cols() != 1) throw std::logic_error("atom is not 1x1");
      factor *= v(0, 0);
    }
    r += factor * evaluate_word(t.letters, t.word_len, p.rows(), val);
  }
  return r;
}

/// The dense matrix of a block matrix (blocks placed by the partitions' sizes).
inline Dense evaluate(const BlockValue& b, Valuation& val) {
  int rows = 0, cols = 0;
  for (const DimInfo* d : b.row_partition()) rows += val.size(d);
  for (const DimInfo* d : b.col_partition()) cols += val.size(d);
  Dense r = Dense::Zero(rows, cols);
  int r0 = 0;
  for (std::size_t i = 0; i < b.block_rows(); ++i) {
    int c0 = 0;
    const int h = val.size(b.row_partition()[i]);
    for (std::size_t j = 0; j < b.block_cols(); ++j) {
      const int w = val.size(b.col_partition()[j]);
      r.block(r0, c0, h, w) = evaluate(b.at(i, j), val);
      c0 += w;
    }
    r0 += h;
  }
  return r;
}

/// max |a − b| relative to max(1, max |a|, max |b|); +inf if the shapes differ.
inline double relative_difference(const Dense& a, const Dense& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return INFINITY;
  if (a.size() == 0) return 0.0;
  const double scale = std::max({1.0, a.cwiseAbs().maxCoeff(), b.cwiseAbs().maxCoeff()});
  return (a - b).cwiseAbs().maxCoeff() / scale;
}

}  // namespace icgd::dimfree::testing
