// icgd/dimfree/matrix.hpp — the typed front end: shapes as types, so shape errors are compile
// errors wherever the code is compiled (not only inside a static_assert).
//
//   using Nx = dim<"Nx">;  using N = dim<"N">;  using one = dim<"1">;
//   const auto X  = symbol<"X", Nx, N>();        // Matrix<dims<Nx>, dims<N>>
//   const auto xq = symbol<"x_q", Nx, one>();
//   const auto E  = vcat(hcat(X, xq), hcat(Y, yq)); // Matrix<dims<Nx, Ny>, dims<N, one>>
//   X * X            // does not compile: "inner partitions of a product differ"
//
// A Matrix<R, C> is a block matrix whose row partition is R = dims<R1, R2, ...> and column
// partition C = dims<...>; a plain matrix has one-element partitions. Products require the
// inner partitions to be the same type (so the same dimension names in the same order). The
// values inside are the untyped BlockValue / Poly of block.hpp and normal_form.hpp.
//
// Why constexpr values and not Boost.Hana types for the algebra itself (docs/dimension_free.md):
// the normal form needs sorting, merging and rational arithmetic on sums of hundreds of words;
// done with types, every intermediate sum would be a distinct instantiation (compile memory and
// time grow with the number of terms, and error messages become unreadable). With constexpr
// values the compiler evaluates the same code that runs at runtime (icgd verify), and the only
// type-level information is the shape, which is small and exactly what should be checked
// statically. Hana is therefore not needed here.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include "icgd/dimfree/block.hpp"
#include "icgd/dimfree/normal_form.hpp"

namespace icgd::dimfree {

/// A string usable as a template argument (for names of dimensions, symbols and scalars).
template <std::size_t N>
struct fixed_string {
  static constexpr std::size_t size = N - 1;
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  [[nodiscard]] constexpr std::string_view view() const { return {chars, N - 1}; }
};

/// A dimension: symbolic (dim<"Nx">) or the literal dim<"1">. Same name, same type, same
/// descriptor, in every translation unit.
template <fixed_string Name>
struct dim {
  static constexpr std::string_view name = Name.view();
  static constexpr DimInfo info = make_dim(Name.view());
};
using one = dim<"1">;

/// A partition of rows or columns into blocks of the given dimensions.
template <class... Ds>
struct dims {
  static constexpr std::size_t size = sizeof...(Ds);
};

namespace detail {
template <class T>
struct is_dim : std::false_type {};
template <fixed_string S>
struct is_dim<dim<S>> : std::true_type {};

template <class T>
struct to_dims {
  static_assert(is_dim<T>::value, "dimfree: expected dim<\"name\"> or dims<...>");
  using type = dims<T>;
};
template <class... Ds>
struct to_dims<dims<Ds...>> {
  using type = dims<Ds...>;
};

template <class... Ps>
struct concat;
template <class P>
struct concat<P> {
  using type = P;
};
template <class... A, class... B, class... Rest>
struct concat<dims<A...>, dims<B...>, Rest...> {
  using type = typename concat<dims<A..., B...>, Rest...>::type;
};

template <std::size_t I, class P>
struct nth;
template <std::size_t I, class D, class... Ds>
struct nth<I, dims<D, Ds...>> {
  using type = typename nth<I - 1, dims<Ds...>>::type;
};
template <class D, class... Ds>
struct nth<0, dims<D, Ds...>> {
  using type = D;
};

template <class P>
struct partition_of;
template <class... Ds>
struct partition_of<dims<Ds...>> {
  static constexpr Partition value() { return Partition{&Ds::info...}; }
};
}  // namespace detail

template <class T>
using part_t = typename detail::to_dims<T>::type;

class Scalar;

/// A block matrix of symbolic shape: rows partitioned as R, columns as C (both dims<...>).
template <class R, class C>
class Matrix {
 public:
  using row_partition = R;
  using col_partition = C;

  /// Wraps a value; its partitions must be R and C (checked: throws otherwise).
  constexpr explicit Matrix(BlockValue v) : value_(std::move(v)) {
    if (!same_partition(value_.row_partition(), detail::partition_of<R>::value()) ||
        !same_partition(value_.col_partition(), detail::partition_of<C>::value()))
      throw shape_error("dimfree: value does not have the partitions of its type");
  }
  [[nodiscard]] constexpr const BlockValue& value() const { return value_; }

  friend constexpr bool operator==(const Matrix& a, const Matrix& b) { return a.value_ == b.value_; }

 private:
  BlockValue value_;
};

/// A commuting scalar: a polynomial in scalar symbols and 1×1 atoms with rational coefficients.
class Scalar {
 public:
  constexpr Scalar(Rational c) : p_(Poly::constant(&literal_one_dim, c)) {}  // NOLINT: implicit
  constexpr Scalar(int c) : Scalar(Rational{c}) {}                       // NOLINT: implicit
  constexpr explicit Scalar(Poly p) : p_(std::move(p)) {
    if (!p_.is_scalar_shaped())
      throw shape_error("dimfree: a scalar must be 1×1");
  }
  [[nodiscard]] constexpr const Poly& poly() const { return p_; }

  friend constexpr Scalar operator+(const Scalar& a, const Scalar& b) { return Scalar(a.p_ + b.p_); }
  friend constexpr Scalar operator-(const Scalar& a, const Scalar& b) { return Scalar(a.p_ - b.p_); }
  friend constexpr Scalar operator-(const Scalar& a) { return Scalar(-a.p_); }
  friend constexpr Scalar operator*(const Scalar& a, const Scalar& b) { return Scalar(a.p_ * b.p_); }
  friend constexpr bool operator==(const Scalar& a, const Scalar& b) { return a.p_ == b.p_; }

 private:
  Poly p_;
};

// --- symbols ---------------------------------------------------------------------------------

/// The static descriptor of a symbol (one object per name, shape and symmetry).
template <fixed_string Name, class R, class C, bool Symmetric>
inline constexpr SymbolInfo symbol_info = make_symbol(Name.view(), R::info, C::info, Symmetric);
template <fixed_string Name, bool Nonzero>
inline constexpr ScalarInfo scalar_info = make_scalar(Name.view(), Nonzero);

/// A matrix symbol of shape R×C (two dimensions).
template <fixed_string Name, class R, class C>
constexpr Matrix<dims<R>, dims<C>> symbol() {
  static_assert(detail::is_dim<R>::value && detail::is_dim<C>::value,
                "dimfree: symbol<Name, R, C> takes two dimensions");
  return Matrix<dims<R>, dims<C>>(BlockValue::single(Poly::symbol(symbol_info<Name, R, C, false>)));
}
/// A symbol declared symmetric (Aᵀ = A).
template <fixed_string Name, class D>
constexpr Matrix<dims<D>, dims<D>> symmetric_symbol() {
  static_assert(detail::is_dim<D>::value, "dimfree: symmetric_symbol<Name, D> takes a dimension");
  return Matrix<dims<D>, dims<D>>(BlockValue::single(Poly::symbol(symbol_info<Name, D, D, true>)));
}

namespace detail {
/// Names Base1, Base2, ..., Base<Count> in static storage (for families like A_1 … A_L).
template <fixed_string Base, std::size_t Count>
struct indexed_names {
  static_assert(Count < 1000, "dimfree: at most 999 indexed symbols");
  static constexpr std::size_t width = decltype(Base)::size + 3;
  struct Storage {
    char chars[Count][width]{};
    std::size_t len[Count]{};
  };
  static constexpr Storage storage = [] {
    Storage st{};
    for (std::size_t i = 0; i < Count; ++i) {
      std::size_t n = 0;
      for (std::size_t k = 0; k < decltype(Base)::size; ++k) st.chars[i][n++] = Base.chars[k];
      const std::size_t v = i + 1;
      if (v >= 100) st.chars[i][n++] = static_cast<char>('0' + v / 100);
      if (v >= 10) st.chars[i][n++] = static_cast<char>('0' + (v / 10) % 10);
      st.chars[i][n++] = static_cast<char>('0' + v % 10);
      st.len[i] = n;
    }
    return st;
  }();
  static constexpr std::string_view name(std::size_t i) { return {storage.chars[i], storage.len[i]}; }
};
template <fixed_string Base, class R, class C, bool Symmetric, std::size_t Count>
struct indexed_symbol_infos {
  static constexpr std::array<SymbolInfo, Count> infos = [] {
    std::array<SymbolInfo, Count> a{};
    for (std::size_t i = 0; i < Count; ++i)
      a[i] = make_symbol(indexed_names<Base, Count>::name(i), R::info, C::info, Symmetric);
    return a;
  }();
};
}  // namespace detail

/// The descriptor of the i-th (1-based) member of a family Base1, Base2, ... (for evaluators).
template <fixed_string Base, class R, class C, bool Symmetric = false, std::size_t Count = 16>
constexpr const SymbolInfo& indexed_symbol_info(std::size_t i) {
  if (i < 1 || i > Count) throw shape_error("dimfree: indexed symbol out of range");
  return detail::indexed_symbol_infos<Base, R, C, Symmetric, Count>::infos[i - 1];
}

/// The i-th (1-based, i ≤ Count) member of a family of symbols named Base1, Base2, ...
template <fixed_string Base, class R, class C, std::size_t Count = 16>
constexpr Matrix<dims<R>, dims<C>> indexed_symbol(std::size_t i) {
  if (i < 1 || i > Count) throw shape_error("dimfree: indexed symbol out of range");
  return Matrix<dims<R>, dims<C>>(BlockValue::single(
      Poly::symbol(detail::indexed_symbol_infos<Base, R, C, false, Count>::infos[i - 1])));
}
template <fixed_string Base, class D, std::size_t Count = 16>
constexpr Matrix<dims<D>, dims<D>> indexed_symmetric_symbol(std::size_t i) {
  if (i < 1 || i > Count) throw shape_error("dimfree: indexed symbol out of range");
  return Matrix<dims<D>, dims<D>>(BlockValue::single(
      Poly::symbol(detail::indexed_symbol_infos<Base, D, D, true, Count>::infos[i - 1])));
}

/// A commuting scalar symbol (η, γ, λ, 1/N, ...). No inverse.
template <fixed_string Name>
constexpr Scalar scalar() {
  return Scalar(Poly::scalar_symbol(scalar_info<Name, false>));
}
/// A scalar symbol under the hypothesis that it is nonzero, so that inverse(c) exists.
template <fixed_string Name>
constexpr Scalar nonzero_scalar() {
  return Scalar(Poly::scalar_symbol(scalar_info<Name, true>));
}
/// c⁻¹ for a monomial in nonzero scalars (throws otherwise).
constexpr Scalar inverse(const Scalar& s) { return Scalar(inverse_scalar(s.poly())); }

/// The zero matrix with partitions R × C (each a dimension or a dims<...>).
template <class R, class C = R>
constexpr Matrix<part_t<R>, part_t<C>> zero() {
  using RP = part_t<R>;
  using CP = part_t<C>;
  return Matrix<RP, CP>(BlockValue(detail::partition_of<RP>::value(), detail::partition_of<CP>::value()));
}
/// The identity with partition R × R (block diagonal identities I_{Ri}).
template <class R>
constexpr Matrix<part_t<R>, part_t<R>> identity() {
  using RP = part_t<R>;
  const Partition p = detail::partition_of<RP>::value();
  BlockValue b(p, p);
  for (std::size_t i = 0; i < p.size(); ++i) b.set(i, i, Poly::identity(p[i]));
  return Matrix<RP, RP>(std::move(b));
}

// --- arithmetic ------------------------------------------------------------------------------

template <class R1, class C1, class R2, class C2>
constexpr Matrix<R1, C1> operator+(const Matrix<R1, C1>& a, const Matrix<R2, C2>& b) {
  static_assert(std::is_same_v<R1, R2> && std::is_same_v<C1, C2>,
                "dimfree shape error: a sum of matrices with different shapes/partitions");
  return Matrix<R1, C1>(a.value() + b.value());
}
template <class R1, class C1, class R2, class C2>
constexpr Matrix<R1, C1> operator-(const Matrix<R1, C1>& a, const Matrix<R2, C2>& b) {
  static_assert(std::is_same_v<R1, R2> && std::is_same_v<C1, C2>,
                "dimfree shape error: a difference of matrices with different shapes/partitions");
  return Matrix<R1, C1>(a.value() - b.value());
}
template <class R, class C>
constexpr Matrix<R, C> operator-(const Matrix<R, C>& a) {
  return Matrix<R, C>(-a.value());
}
template <class R, class K1, class K2, class C>
constexpr Matrix<R, C> operator*(const Matrix<R, K1>& a, const Matrix<K2, C>& b) {
  static_assert(std::is_same_v<K1, K2>,
                "dimfree shape error: the inner partitions of a product differ (columns of the "
                "left factor vs rows of the right factor)");
  return Matrix<R, C>(a.value() * b.value());
}
template <class R, class C>
constexpr Matrix<R, C> operator*(const Scalar& s, const Matrix<R, C>& m) {
  return Matrix<R, C>(m.value().scaled_by(s.poly()));
}
template <class R, class C>
constexpr Matrix<R, C> operator*(const Matrix<R, C>& m, const Scalar& s) {
  return s * m;
}
template <class R, class C>
constexpr Matrix<C, R> transpose(const Matrix<R, C>& m) {
  return Matrix<C, R>(m.value().transpose());
}
/// A 1×1 matrix is a scalar: it may multiply matrices of any shape.
constexpr Scalar to_scalar(const Matrix<dims<one>, dims<one>>& m) { return Scalar(m.value().at(0, 0)); }

// --- block structure -------------------------------------------------------------------------

/// [A | B | ...]: all row partitions equal; column partitions concatenated.
template <class M0, class... Ms>
constexpr auto hcat(const M0& m0, const Ms&... ms) {
  using R = typename M0::row_partition;
  static_assert((std::is_same_v<R, typename Ms::row_partition> && ...),
                "dimfree shape error: hcat of matrices with different row partitions");
  using C = typename detail::concat<typename M0::col_partition, typename Ms::col_partition...>::type;
  BlockValue v = m0.value();
  ((v = BlockValue::hcat(v, ms.value())), ...);
  return Matrix<R, C>(std::move(v));
}
/// [A ; B ; ...]: all column partitions equal; row partitions concatenated.
template <class M0, class... Ms>
constexpr auto vcat(const M0& m0, const Ms&... ms) {
  using C = typename M0::col_partition;
  static_assert((std::is_same_v<C, typename Ms::col_partition> && ...),
                "dimfree shape error: vcat of matrices with different column partitions");
  using R = typename detail::concat<typename M0::row_partition, typename Ms::row_partition...>::type;
  BlockValue v = m0.value();
  ((v = BlockValue::vcat(v, ms.value())), ...);
  return Matrix<R, C>(std::move(v));
}
/// diag(A, B, ...) for square blocks.
template <class M0, class... Ms>
constexpr auto block_diag(const M0& m0, const Ms&... ms) {
  static_assert(std::is_same_v<typename M0::row_partition, typename M0::col_partition> &&
                    (std::is_same_v<typename Ms::row_partition, typename Ms::col_partition> && ...),
                "dimfree shape error: block_diag takes square blocks");
  using P = typename detail::concat<typename M0::row_partition, typename Ms::row_partition...>::type;
  BlockValue v(detail::partition_of<P>::value(), detail::partition_of<P>::value());
  std::size_t offset = 0;
  auto place = [&](const BlockValue& b) {
    for (std::size_t i = 0; i < b.block_rows(); ++i)
      for (std::size_t j = 0; j < b.block_cols(); ++j) v.set(offset + i, offset + j, b.at(i, j));
    offset += b.block_rows();
  };
  place(m0.value());
  (place(ms.value()), ...);
  return Matrix<P, P>(std::move(v));
}

/// Block (I, J) of a block matrix.
template <std::size_t I, std::size_t J, class R, class C>
constexpr auto block(const Matrix<R, C>& m) {
  static_assert(I < R::size && J < C::size, "dimfree: block index out of range");
  using BR = dims<typename detail::nth<I, R>::type>;
  using BC = dims<typename detail::nth<J, C>::type>;
  return Matrix<BR, BC>(m.value().sub(I, I + 1, J, J + 1));
}
/// Block column J (all block rows).
template <std::size_t J, class R, class C>
constexpr auto block_col(const Matrix<R, C>& m) {
  static_assert(J < C::size, "dimfree: block column out of range");
  using BC = dims<typename detail::nth<J, C>::type>;
  return Matrix<R, BC>(m.value().sub(0, R::size, J, J + 1));
}
/// Block row I (all block columns).
template <std::size_t I, class R, class C>
constexpr auto block_row(const Matrix<R, C>& m) {
  static_assert(I < R::size, "dimfree: block row out of range");
  using BR = dims<typename detail::nth<I, R>::type>;
  return Matrix<BR, C>(m.value().sub(I, I + 1, 0, C::size));
}

}  // namespace icgd::dimfree
