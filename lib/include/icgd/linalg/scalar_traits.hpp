// icgd/linalg/scalar_traits.hpp — what the papers' mathematics needs from a scalar type.
//
// The constructions of lib/include/icgd/icl are written once over T and run over Rational
// (exact instances), Polynomial (symbolic proofs) and double/float (numerics). They need zero,
// one, conversion from an exact rational (η/N, 1/N, ...) and a cheap "is this exactly zero"
// test that lets matrix products skip structural zeros (which makes symbolic products of the
// sparse weight matrices affordable at compile time).
#pragma once

#include "icgd/exact/polynomial.hpp"
#include "icgd/exact/rational.hpp"

#include <concepts>

namespace icgd {

template <class T>
struct scalar_traits;  // specialised below; an unsupported T is a compile error

template <std::floating_point T>
struct scalar_traits<T> {
  static constexpr T zero() { return T(0); }
  static constexpr T one() { return T(1); }
  static constexpr T from_rational(const Rational& r) {
    return static_cast<T>(r.num()) / static_cast<T>(r.den());
  }
  static constexpr bool is_exact_zero(const T& v) { return v == T(0); }
  static constexpr bool exact = false;
};

template <>
struct scalar_traits<Rational> {
  static constexpr Rational zero() { return Rational(0); }
  static constexpr Rational one() { return Rational(1); }
  static constexpr Rational from_rational(const Rational& r) { return r; }
  static constexpr bool is_exact_zero(const Rational& v) { return v.is_zero(); }
  static constexpr bool exact = true;
};

template <>
struct scalar_traits<Polynomial> {
  static constexpr Polynomial zero() { return Polynomial{}; }
  static constexpr Polynomial one() { return Polynomial(Rational(1)); }
  static constexpr Polynomial from_rational(const Rational& r) { return Polynomial(r); }
  static constexpr bool is_exact_zero(const Polynomial& v) { return v.is_zero(); }
  static constexpr bool exact = true;
};

/// Types the icl templates accept.
template <class T>
concept Scalar = requires(const T& a, const T& b, const Rational& r) {
  { scalar_traits<T>::zero() } -> std::convertible_to<T>;
  { scalar_traits<T>::from_rational(r) } -> std::convertible_to<T>;
  { scalar_traits<T>::is_exact_zero(a) } -> std::convertible_to<bool>;
  { a + b } -> std::convertible_to<T>;
  { a * b } -> std::convertible_to<T>;
  { -a } -> std::convertible_to<T>;
};

}  // namespace icgd
