#include "icgd/exact/rational.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using icgd::Rational;

// SFINAE on constant evaluation: true iff F() is a constant expression. A Rational overflow
// executes `throw`, which is not, so an overflowing static_assert cannot compile.
template <auto F, int = (F(), 0)>
constexpr bool is_constant_expression(int) { return true; }
template <auto F>
constexpr bool is_constant_expression(long) { return false; }

TEST_CASE("Rational is normalised, so equality is structural") {
  static_assert(Rational(2, 4) == Rational(1, 2));
  static_assert(Rational(3, -6) == Rational(-1, 2));  // sign lives in the numerator
  static_assert(Rational(0, -5) == Rational(0));       // zero is 0/1
  CHECK(Rational(6, 4).num() == 3);
  CHECK(Rational(6, 4).den() == 2);
  CHECK(Rational(-6, -4).den() == 2);
}

TEST_CASE("Rational field operations") {
  static_assert(Rational(1, 3) + Rational(1, 6) == Rational(1, 2));
  static_assert(Rational(1, 3) - Rational(1, 2) == Rational(-1, 6));
  static_assert(Rational(2, 3) * Rational(9, 4) == Rational(3, 2));
  static_assert(Rational(2, 3) / Rational(4, 9) == Rational(3, 2));
  static_assert(Rational(-2, 3).reciprocal() == Rational(-3, 2));
  static_assert(Rational(1, 3) < Rational(1, 2));
  static_assert(Rational(-1, 2) < Rational(-1, 3));
  CHECK(Rational(7, 3).to_string() == "7/3");
  CHECK(Rational(-4).to_string() == "-4");
  CHECK(Rational(1, 4).to_double() == doctest::Approx(0.25));
  CHECK_THROWS_AS(Rational(1, 0), icgd::rational_division_by_zero);
  CHECK_THROWS_AS(static_cast<void>(Rational(0).reciprocal()), icgd::rational_division_by_zero);
}

TEST_CASE("Rational: cross-reduction keeps products of large reduced fractions exact") {
  // (10^12/3)·(3/10^12) would overflow int64 if multiplied before reducing.
  const Rational a(1'000'000'000'000, 3), b(3, 1'000'000'000'000);
  CHECK(a * b == Rational(1));
}

TEST_CASE("Rational overflow: an exception at runtime, never a wrapped value") {
  const Rational big(INT64_MAX);
  CHECK_THROWS_AS(big + Rational(1), icgd::rational_overflow);
  CHECK_THROWS_AS(big * Rational(2), icgd::rational_overflow);
  CHECK_THROWS_AS(Rational(1, INT64_MAX) + Rational(1, INT64_MAX - 1), icgd::rational_overflow);
  CHECK_THROWS_AS(Rational(INT64_MIN), icgd::rational_overflow);  // −INT64_MIN does not exist
  CHECK_NOTHROW(big + Rational(-1));
}

TEST_CASE("Rational overflow: a compile error in constant evaluation") {
  // Would catch an overflow check that only runs at runtime (if consteval ... skipped it).
  constexpr auto fine = [] { return Rational(INT64_MAX - 1) + Rational(1); };
  constexpr auto overflows = [] { return Rational(INT64_MAX) + Rational(1); };
  constexpr auto overflows_in_product = [] { return Rational(INT64_MAX / 2 + 1) * Rational(2); };
  static_assert(is_constant_expression<fine>(0));
  static_assert(!is_constant_expression<overflows>(0));
  static_assert(!is_constant_expression<overflows_in_product>(0));
  CHECK(fine() == Rational(INT64_MAX));
}

TEST_CASE("Rational: the cross-reduced product equals the definition on random samples") {
  // Would catch a product that skips normalisation wrongly (it relies on reduced operands).
  std::uint64_t s = 12345;
  auto next = [&s] { s = s * 6364136223846793005ULL + 1442695040888963407ULL; return s >> 33; };
  for (int i = 0; i < 20000; ++i) {
    const Rational a(static_cast<std::int64_t>(next() % 2001) - 1000, static_cast<std::int64_t>(next() % 999) + 1);
    const Rational b(static_cast<std::int64_t>(next() % 2001) - 1000, static_cast<std::int64_t>(next() % 999) + 1);
    const Rational by_definition(a.num() * b.num(), a.den() * b.den());
    REQUIRE(a * b == by_definition);
    REQUIRE((a * b).den() > 0);
  }
}
