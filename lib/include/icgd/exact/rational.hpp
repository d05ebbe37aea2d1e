// icgd/exact/rational.hpp — exact rational numbers for compile-time proofs.
//
// Why not a floating-point type: the exact claims (docs/papers/*.md, "Claim definitions") are polynomial identities, and a
// proof must not depend on rounding. Why int64 with __int128 intermediates: enough headroom for
// the instances we check, and every operation that would not fit is *detected*:
//   - in constant evaluation a detected overflow executes `throw`, which is not a constant
//     expression, so the static_assert that asked for it fails to compile;
//   - at runtime it throws icgd::rational_overflow.
// Never a wrapped (wrong) value.
#pragma once

#include <compare>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace icgd {

/// Thrown when a Rational result does not fit in int64 numerator/denominator.
struct rational_overflow : std::overflow_error {
  using std::overflow_error::overflow_error;
};
/// Thrown on division by zero.
struct rational_division_by_zero : std::domain_error {
  using std::domain_error::domain_error;
};

namespace detail {
__extension__ typedef __int128 i128;  // __extension__: silences -Wpedantic
// docs/verification.md "Compiler notes": __int128 is not std::is_integral in strict C++20, so std::gcd and
// std::abs do not accept it; these two are written for it.
constexpr i128 abs128(i128 v) { return v < 0 ? -v : v; }
constexpr i128 gcd128(i128 a, i128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}
constexpr std::int64_t gcd64(std::int64_t a, std::int64_t b) {
  std::uint64_t x = a < 0 ? 0 - static_cast<std::uint64_t>(a) : static_cast<std::uint64_t>(a);
  std::uint64_t y = b < 0 ? 0 - static_cast<std::uint64_t>(b) : static_cast<std::uint64_t>(b);
  while (y != 0) {
    const std::uint64_t t = x % y;
    x = y;
    y = t;
  }
  return static_cast<std::int64_t>(x);  // operands exclude INT64_MIN, so this fits
}
constexpr i128 int64_max = INT64_MAX;
constexpr bool fits_int64(i128 v) { return v <= int64_max && v >= -int64_max; }
}  // namespace detail

/// A normalised rational p/q: gcd(p, q) = 1, q > 0, zero is 0/1. Equality is therefore
/// structural. |p|, q ≤ INT64_MAX (INT64_MIN is excluded so that negation never overflows).
class Rational {
 public:
  constexpr Rational() = default;
  constexpr Rational(std::int64_t n) : num_(n) {  // NOLINT: implicit from integers by design
    if (n == INT64_MIN) throw rational_overflow("Rational overflow: INT64_MIN numerator");
  }
  constexpr Rational(std::int64_t n, std::int64_t d) { assign(n, d); }

  [[nodiscard]] constexpr std::int64_t num() const { return num_; }
  [[nodiscard]] constexpr std::int64_t den() const { return den_; }
  [[nodiscard]] constexpr bool is_zero() const { return num_ == 0; }
  [[nodiscard]] constexpr bool is_one() const { return num_ == 1 && den_ == 1; }

  constexpr Rational operator-() const {
    Rational r;
    r.num_ = -num_;
    r.den_ = den_;
    return r;
  }
  friend constexpr Rational operator+(const Rational& a, const Rational& b) {
    using detail::i128;
    // Fast path for integers (most coefficients of the symbolic proofs): no gcd needed.
    if (a.den_ == 1 && b.den_ == 1) return from_integer(i128{a.num_} + b.num_);
    if (a.den_ == b.den_) return from_wide(i128{a.num_} + b.num_, a.den_);
    return from_wide(i128{a.num_} * b.den_ + i128{b.num_} * a.den_, i128{a.den_} * b.den_);
  }
  friend constexpr Rational operator-(const Rational& a, const Rational& b) { return a + (-b); }
  friend constexpr Rational operator*(const Rational& a, const Rational& b) {
    using detail::i128;
    if (a.num_ == 0 || b.num_ == 0) return Rational{};
    if (a.den_ == 1 && b.den_ == 1) return from_integer(i128{a.num_} * b.num_);
    // Cross-reduce first so that products of already reduced fractions stay small. The
    // operands are int64, so 64-bit gcds suffice, and the result is then already in lowest
    // terms (gcd(a.num, a.den) = gcd(b.num, b.den) = 1): no third gcd is needed.
    const std::int64_t g1 = detail::gcd64(a.num_, b.den_);
    const std::int64_t g2 = detail::gcd64(b.num_, a.den_);
    return from_reduced(i128{a.num_ / g1} * (b.num_ / g2), i128{a.den_ / g2} * (b.den_ / g1));
  }
  friend constexpr Rational operator/(const Rational& a, const Rational& b) {
    return a * b.reciprocal();
  }
  [[nodiscard]] constexpr Rational reciprocal() const {
    if (num_ == 0) throw rational_division_by_zero("Rational: division by zero");
    Rational r;
    r.num_ = num_ < 0 ? -den_ : den_;
    r.den_ = num_ < 0 ? -num_ : num_;
    return r;
  }
  constexpr Rational& operator+=(const Rational& o) { return *this = *this + o; }
  constexpr Rational& operator-=(const Rational& o) { return *this = *this - o; }
  constexpr Rational& operator*=(const Rational& o) { return *this = *this * o; }
  constexpr Rational& operator/=(const Rational& o) { return *this = *this / o; }

  friend constexpr bool operator==(const Rational&, const Rational&) = default;
  friend constexpr std::strong_ordering operator<=>(const Rational& a, const Rational& b) {
    using detail::i128;
    return i128{a.num_} * b.den_ <=> i128{b.num_} * a.den_;
  }

  [[nodiscard]] constexpr double to_double() const {
    return static_cast<double>(num_) / static_cast<double>(den_);
  }
  [[nodiscard]] std::string to_string() const {
    return den_ == 1 ? std::to_string(num_) : std::to_string(num_) + "/" + std::to_string(den_);
  }

 private:
  constexpr void assign(detail::i128 n, detail::i128 d) {
    if (d == 0) throw rational_division_by_zero("Rational: zero denominator");
    if (d < 0) {
      n = -n;
      d = -d;
    }
    const detail::i128 g = detail::gcd128(n, d);
    if (g > 1) {
      n /= g;
      d /= g;
    }
    if (n == 0) d = 1;
    if (!detail::fits_int64(n) || !detail::fits_int64(d))
      throw rational_overflow("Rational overflow: result does not fit in int64");
    num_ = static_cast<std::int64_t>(n);
    den_ = static_cast<std::int64_t>(d);
  }
  static constexpr Rational from_integer(detail::i128 n) {
    if (!detail::fits_int64(n)) throw rational_overflow("Rational overflow: result does not fit in int64");
    Rational r;
    r.num_ = static_cast<std::int64_t>(n);
    return r;
  }
  // n/d with gcd(n, d) = 1 and d > 0 already: only the range is checked.
  static constexpr Rational from_reduced(detail::i128 n, detail::i128 d) {
    if (!detail::fits_int64(n) || !detail::fits_int64(d))
      throw rational_overflow("Rational overflow: result does not fit in int64");
    Rational r;
    r.num_ = static_cast<std::int64_t>(n);
    r.den_ = static_cast<std::int64_t>(d);
    return r;
  }
  static constexpr Rational from_wide(detail::i128 n, detail::i128 d) {
    Rational r;
    r.assign(n, d);
    return r;
  }

  std::int64_t num_ = 0;
  std::int64_t den_ = 1;
};

}  // namespace icgd
