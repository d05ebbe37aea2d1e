// icgd/dimfree/block.hpp — block matrices over the dimension-free normal form (untyped layer).
//
// A block matrix is a grid of Poly blocks with a row partition and a column partition, each a
// list of dimension names, e.g. tokens (Nx | Ny) × (N | 1). Symbolic dimensions cannot be added
// (Nx + Ny is not a dimension of the algebra), so two block matrices multiply only blockwise and
// only when the inner partitions are IDENTICAL: I_Nx and I_N never meet. The typed layer
// (matrix.hpp) checks partitions at compile time; the checks here are the runtime safety net
// (and a compile error too when evaluated in a static_assert).
//
// Zero blocks are empty polynomials and are skipped in products, which keeps the layers of the
// papers (whose weight matrices are mostly zero blocks) cheap.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "icgd/dimfree/normal_form.hpp"

namespace icgd::dimfree {

/// A partition of rows or columns: the dimensions of the blocks, in order.
using Partition = std::vector<const DimInfo*>;

constexpr bool same_partition(const Partition& a, const Partition& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_dim(a[i], b[i])) return false;
  return true;
}

class BlockValue {
 public:
  constexpr BlockValue() = default;
  /// All-zero block matrix with the given partitions.
  constexpr BlockValue(Partition rows, Partition cols) : rows_(std::move(rows)), cols_(std::move(cols)) {
    blocks_.reserve(rows_.size() * cols_.size());
    for (const DimInfo* r : rows_)
      for (const DimInfo* c : cols_) blocks_.emplace_back(r, c);
  }
  /// A 1×1 grid holding one block.
  static constexpr BlockValue single(Poly p) {
    BlockValue b;
    b.rows_.push_back(p.rows());
    b.cols_.push_back(p.cols());
    b.blocks_.push_back(std::move(p));
    return b;
  }

  [[nodiscard]] constexpr const Partition& row_partition() const { return rows_; }
  [[nodiscard]] constexpr const Partition& col_partition() const { return cols_; }
  [[nodiscard]] constexpr std::size_t block_rows() const { return rows_.size(); }
  [[nodiscard]] constexpr std::size_t block_cols() const { return cols_.size(); }
  [[nodiscard]] constexpr const Poly& at(std::size_t i, std::size_t j) const {
    return blocks_[i * cols_.size() + j];
  }
  constexpr void set(std::size_t i, std::size_t j, Poly p) {
    if (!same_dim(p.rows(), rows_[i]) || !same_dim(p.cols(), cols_[j]))
      throw shape_error("dimfree: block does not fit the partition");
    blocks_[i * cols_.size() + j] = std::move(p);
  }

  friend constexpr bool operator==(const BlockValue& a, const BlockValue& b) {
    return same_partition(a.rows_, b.rows_) && same_partition(a.cols_, b.cols_) &&
           a.blocks_ == b.blocks_;
  }

  friend constexpr BlockValue operator+(const BlockValue& a, const BlockValue& b) {
    require_same_partitions(a, b);
    BlockValue r = a;
    for (std::size_t k = 0; k < r.blocks_.size(); ++k) r.blocks_[k] = a.blocks_[k] + b.blocks_[k];
    return r;
  }
  friend constexpr BlockValue operator-(const BlockValue& a) {
    BlockValue r = a;
    for (Poly& p : r.blocks_) p = -p;
    return r;
  }
  friend constexpr BlockValue operator-(const BlockValue& a, const BlockValue& b) {
    return a + (-b);
  }

  /// Blockwise product: C_ij = Σ_k A_ik B_kj, each block canonicalised once.
  friend constexpr BlockValue operator*(const BlockValue& a, const BlockValue& b) {
    if (!same_partition(a.cols_, b.rows_))
      throw shape_error("dimfree: block product with different inner partitions");
    BlockValue r(a.rows_, b.cols_);
    for (std::size_t i = 0; i < a.rows_.size(); ++i) {
      for (std::size_t j = 0; j < b.cols_.size(); ++j) {
        std::vector<Term> acc;
        for (std::size_t k = 0; k < a.cols_.size(); ++k) {
          const Poly& x = a.at(i, k);
          const Poly& y = b.at(k, j);
          if (x.is_zero() || y.is_zero()) continue;
          Poly::append_product_terms(acc, x, y);
        }
        if (!acc.empty())
          r.blocks_[i * r.cols_.size() + j] = Poly::from_terms(a.rows_[i], b.cols_[j], std::move(acc));
      }
    }
    return r;
  }

  [[nodiscard]] constexpr BlockValue scaled_by(const Poly& scalar) const {
    BlockValue r = *this;
    for (Poly& p : r.blocks_)
      if (!p.is_zero()) p = p.scaled_by(scalar);
    return r;
  }

  [[nodiscard]] constexpr BlockValue transpose() const {
    BlockValue r(cols_, rows_);
    for (std::size_t i = 0; i < rows_.size(); ++i)
      for (std::size_t j = 0; j < cols_.size(); ++j) r.blocks_[j * rows_.size() + i] = at(i, j).transpose();
    return r;
  }

  /// [A | B]: same row partition, column partitions concatenated.
  static constexpr BlockValue hcat(const BlockValue& a, const BlockValue& b) {
    if (!same_partition(a.rows_, b.rows_)) throw shape_error("dimfree: hcat of different row partitions");
    Partition cols = a.cols_;
    cols.insert(cols.end(), b.cols_.begin(), b.cols_.end());
    BlockValue r(a.rows_, std::move(cols));
    for (std::size_t i = 0; i < a.rows_.size(); ++i) {
      for (std::size_t j = 0; j < a.cols_.size(); ++j) r.set(i, j, a.at(i, j));
      for (std::size_t j = 0; j < b.cols_.size(); ++j) r.set(i, a.cols_.size() + j, b.at(i, j));
    }
    return r;
  }
  /// [A ; B]: same column partition, row partitions concatenated.
  static constexpr BlockValue vcat(const BlockValue& a, const BlockValue& b) {
    if (!same_partition(a.cols_, b.cols_)) throw shape_error("dimfree: vcat of different column partitions");
    Partition rows = a.rows_;
    rows.insert(rows.end(), b.rows_.begin(), b.rows_.end());
    BlockValue r(std::move(rows), a.cols_);
    for (std::size_t j = 0; j < a.cols_.size(); ++j) {
      for (std::size_t i = 0; i < a.rows_.size(); ++i) r.set(i, j, a.at(i, j));
      for (std::size_t i = 0; i < b.rows_.size(); ++i) r.set(a.rows_.size() + i, j, b.at(i, j));
    }
    return r;
  }
  /// The sub-grid of block rows [r0, r1) and block columns [c0, c1).
  [[nodiscard]] constexpr BlockValue sub(std::size_t r0, std::size_t r1, std::size_t c0,
                                         std::size_t c1) const {
    if (r0 >= r1 || c0 >= c1 || r1 > rows_.size() || c1 > cols_.size())
      throw shape_error("dimfree: block index out of range");
    Partition rows(rows_.begin() + static_cast<std::ptrdiff_t>(r0),
                   rows_.begin() + static_cast<std::ptrdiff_t>(r1));
    Partition cols(cols_.begin() + static_cast<std::ptrdiff_t>(c0),
                   cols_.begin() + static_cast<std::ptrdiff_t>(c1));
    BlockValue r(std::move(rows), std::move(cols));
    for (std::size_t i = r0; i < r1; ++i)
      for (std::size_t j = c0; j < c1; ++j) r.set(i - r0, j - c0, at(i, j));
    return r;
  }

 private:
  static constexpr void require_same_partitions(const BlockValue& a, const BlockValue& b) {
    if (!same_partition(a.rows_, b.rows_) || !same_partition(a.cols_, b.cols_))
      throw shape_error("dimfree: sum of block matrices with different partitions");
  }

  Partition rows_;
  Partition cols_;
  std::vector<Poly> blocks_;  // row-major
};

}  // namespace icgd::dimfree
