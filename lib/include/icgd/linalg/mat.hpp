// icgd/linalg/mat.hpp — a constexpr matrix over any icgd scalar, fixed-size or dynamic.
//
// Mat<T, R, C> with R, C > 0 has compile-time extents and std::array storage, so shape errors in
// the papers' constructions are compile errors. `Dynamic` extents (like Eigen's) hold a
// std::vector and check shapes at runtime; they let `icgd verify --nx 16 --n 32` run the very
// same templates at sizes chosen on the command line. Storage is row-major.
#pragma once

#include "icgd/linalg/scalar_traits.hpp"

#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

namespace icgd {

inline constexpr int Dynamic = -1;

/// Extent arithmetic: the sum/product of extents is Dynamic as soon as one is.
constexpr int extent_sum(int a, int b) { return (a == Dynamic || b == Dynamic) ? Dynamic : a + b; }
/// Two extents that must agree: Dynamic matches anything (checked at runtime).
constexpr bool extents_compatible(int a, int b) { return a == Dynamic || b == Dynamic || a == b; }
constexpr int extent_common(int a, int b) { return a == Dynamic ? b : a; }

struct shape_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

namespace detail {
template <class T, int R, int C>
struct MatStorage {  // fixed size
  constexpr MatStorage(int r, int c) {
    if (r != R || c != C) throw shape_error("Mat: runtime size contradicts the static extent");
  }
  std::array<T, static_cast<std::size_t>(R* C)> data{};
  static constexpr int rows() { return R; }
  static constexpr int cols() { return C; }
};
template <class T, int R, int C>
  requires(R == Dynamic || C == Dynamic)
struct MatStorage<T, R, C> {
  constexpr MatStorage(int r, int c) : rows_(r), cols_(c) {
    if (r < 0 || c < 0) throw shape_error("Mat: negative size");
    if ((R != Dynamic && r != R) || (C != Dynamic && c != C))
      throw shape_error("Mat: runtime size contradicts the static extent");
    data.resize(static_cast<std::size_t>(r) * static_cast<std::size_t>(c));
  }
  std::vector<T> data;
  int rows_, cols_;
  constexpr int rows() const { return rows_; }
  constexpr int cols() const { return cols_; }
};
}  // namespace detail

template <Scalar T, int R, int C>
class Mat {
 public:
  using scalar_type = T;
  static constexpr int rows_at_compile_time = R;
  static constexpr int cols_at_compile_time = C;
  static constexpr bool is_fixed = R != Dynamic && C != Dynamic;

  /// Fixed size: zero matrix. Dynamic: pass the runtime size.
  constexpr Mat() requires is_fixed : s_(R, C) { fill(scalar_traits<T>::zero()); }
  constexpr Mat(int rows, int cols) : s_(rows, cols) { fill(scalar_traits<T>::zero()); }

  // docs/verification.md "Compiler notes" (g++ 12): copying a std::array of objects that own constexpr
  // allocations (Polynomial) double-destroys them in constant evaluation. Copy element-wise.
  constexpr Mat(const Mat& other) : s_(other.rows(), other.cols()) {
    for (std::size_t k = 0; k < s_.data.size(); ++k) s_.data[k] = other.s_.data[k];
  }
  constexpr Mat(Mat&& other) noexcept : s_(other.rows(), other.cols()) {
    for (std::size_t k = 0; k < s_.data.size(); ++k) s_.data[k] = std::move(other.s_.data[k]);
  }
  constexpr Mat& operator=(const Mat& other) {
    if (this == &other) return *this;
    if constexpr (!is_fixed) s_ = detail::MatStorage<T, R, C>(other.rows(), other.cols());
    for (std::size_t k = 0; k < s_.data.size(); ++k) s_.data[k] = other.s_.data[k];
    return *this;
  }
  constexpr Mat& operator=(Mat&& other) noexcept {
    if (this == &other) return *this;
    if constexpr (!is_fixed) s_ = detail::MatStorage<T, R, C>(other.rows(), other.cols());
    for (std::size_t k = 0; k < s_.data.size(); ++k) s_.data[k] = std::move(other.s_.data[k]);
    return *this;
  }
  constexpr ~Mat() = default;

  /// Converting copy between a fixed and a dynamic extent of the same shape.
  template <int R2, int C2>
    requires((R2 != R || C2 != C) && extents_compatible(R, R2) && extents_compatible(C, C2))
  constexpr explicit Mat(const Mat<T, R2, C2>& other) : s_(other.rows(), other.cols()) {
    for (int r = 0; r < rows(); ++r)
      for (int c = 0; c < cols(); ++c) (*this)(r, c) = other(r, c);
  }

  [[nodiscard]] constexpr int rows() const { return s_.rows(); }
  [[nodiscard]] constexpr int cols() const { return s_.cols(); }
  constexpr T& operator()(int r, int c) { return s_.data[index(r, c)]; }
  constexpr const T& operator()(int r, int c) const { return s_.data[index(r, c)]; }
  /// Bounds-checked access (throws std::out_of_range; in a static_assert: a compile error).
  constexpr const T& at(int r, int c) const {
    if (r < 0 || c < 0 || r >= rows() || c >= cols()) throw std::out_of_range("Mat::at");
    return (*this)(r, c);
  }
  [[nodiscard]] constexpr const auto& data() const { return s_.data; }
  constexpr auto& data() { return s_.data; }

  static constexpr Mat zero(int rows = R, int cols = C) { return Mat(rows, cols); }
  static constexpr Mat identity(int n = R) requires(extents_compatible(R, C)) {
    Mat m(n, n);
    for (int k = 0; k < n; ++k) m(k, k) = scalar_traits<T>::one();
    return m;
  }

  constexpr Mat<T, C, R> transpose() const {
    Mat<T, C, R> t(cols(), rows());
    for (int r = 0; r < rows(); ++r)
      for (int c = 0; c < cols(); ++c) t(c, r) = (*this)(r, c);
    return t;
  }

  /// Copy of the block starting at (r0, c0) with extents BR × BC (Dynamic: pass nr, nc).
  template <int BR, int BC>
  constexpr Mat<T, BR, BC> block(int r0, int c0, int nr = BR, int nc = BC) const {
    check_block(r0, c0, nr, nc);
    Mat<T, BR, BC> b(nr, nc);
    for (int r = 0; r < nr; ++r)
      for (int c = 0; c < nc; ++c) b(r, c) = (*this)(r0 + r, c0 + c);
    return b;
  }
  /// Writes `b` into this matrix with its top-left corner at (r0, c0).
  template <int BR, int BC>
  constexpr void set_block(int r0, int c0, const Mat<T, BR, BC>& b) {
    check_block(r0, c0, b.rows(), b.cols());
    for (int r = 0; r < b.rows(); ++r)
      for (int c = 0; c < b.cols(); ++c) (*this)(r0 + r, c0 + c) = b(r, c);
  }

  constexpr Mat& operator+=(const Mat& o) {
    check_same(o);
    for (std::size_t k = 0; k < s_.data.size(); ++k) s_.data[k] = s_.data[k] + o.s_.data[k];
    return *this;
  }
  constexpr Mat& operator-=(const Mat& o) {
    check_same(o);
    for (std::size_t k = 0; k < s_.data.size(); ++k) s_.data[k] = s_.data[k] - o.s_.data[k];
    return *this;
  }
  friend constexpr Mat operator+(Mat a, const Mat& b) { return a += b; }
  friend constexpr Mat operator-(Mat a, const Mat& b) { return a -= b; }
  constexpr Mat operator-() const {
    Mat m(rows(), cols());
    for (std::size_t k = 0; k < s_.data.size(); ++k) m.s_.data[k] = -s_.data[k];
    return m;
  }
  friend constexpr Mat operator*(const T& s, const Mat& m) {
    Mat r(m.rows(), m.cols());
    if (scalar_traits<T>::is_exact_zero(s)) return r;
    for (std::size_t k = 0; k < m.s_.data.size(); ++k)
      if (!scalar_traits<T>::is_exact_zero(m.s_.data[k])) r.s_.data[k] = s * m.s_.data[k];
    return r;
  }
  friend constexpr bool operator==(const Mat& a, const Mat& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (std::size_t k = 0; k < a.s_.data.size(); ++k)
      if (!(a.s_.data[k] == b.s_.data[k])) return false;
    return true;
  }

  constexpr void fill(const T& v) {
    for (auto& e : s_.data) e = v;
  }

 private:
  constexpr std::size_t index(int r, int c) const {
    return static_cast<std::size_t>(r) * static_cast<std::size_t>(cols()) +
           static_cast<std::size_t>(c);
  }
  constexpr void check_same(const Mat& o) const {
    if (rows() != o.rows() || cols() != o.cols()) throw shape_error("Mat: shapes differ");
  }
  constexpr void check_block(int r0, int c0, int nr, int nc) const {
    if (r0 < 0 || c0 < 0 || nr < 0 || nc < 0 || r0 + nr > rows() || c0 + nc > cols())
      throw shape_error("Mat: block out of range");
  }
  detail::MatStorage<T, R, C> s_;
};

/// Matrix product. Inner extents must agree at compile time when both are fixed. Structural
/// zeros are skipped, and for Polynomial entries each output entry is formed with a single
/// canonicalisation (Polynomial::add_sum_of_products).
template <Scalar T, int R, int K1, int K2, int C>
  requires(extents_compatible(K1, K2))
constexpr Mat<T, R, C> operator*(const Mat<T, R, K1>& a, const Mat<T, K2, C>& b) {
  if (a.cols() != b.rows()) throw shape_error("Mat product: inner sizes differ");
  Mat<T, R, C> out(a.rows(), b.cols());
  const int inner = a.cols();
  if constexpr (std::is_same_v<T, Polynomial>) {
    std::vector<std::pair<const Polynomial*, const Polynomial*>> pairs;
    pairs.reserve(static_cast<std::size_t>(inner));
    for (int r = 0; r < a.rows(); ++r)
      for (int c = 0; c < b.cols(); ++c) {
        pairs.clear();
        for (int k = 0; k < inner; ++k)
          if (!a(r, k).is_zero() && !b(k, c).is_zero()) pairs.emplace_back(&a(r, k), &b(k, c));
        out(r, c).add_sum_of_products(pairs);
      }
  } else {
    for (int r = 0; r < a.rows(); ++r)
      for (int k = 0; k < inner; ++k) {
        const T& ark = a(r, k);
        if (scalar_traits<T>::is_exact_zero(ark)) continue;
        for (int c = 0; c < b.cols(); ++c)
          if (!scalar_traits<T>::is_exact_zero(b(k, c))) out(r, c) = out(r, c) + ark * b(k, c);
      }
  }
  return out;
}

}  // namespace icgd
