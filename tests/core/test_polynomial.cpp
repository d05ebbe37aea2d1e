#include "icgd/exact/polynomial.hpp"
#include "icgd/icl/instances.hpp"

#include <doctest/doctest.h>

#include <vector>

using icgd::Polynomial;
using icgd::Rational;
using icgd::Var;

TEST_CASE("Polynomial canonical form") {
  const Polynomial x = Var('x', 0, 0), y = Var('y', 1, 0), e = Var('e');
  static_assert([] {
    const Polynomial a = Var('x', 0, 0), b = Var('y', 0, 0);
    return (a + b) * (a - b) == a * a - b * b;
  }());
  CHECK(x * y == y * x);                       // order of factors is irrelevant
  CHECK((x + y) - x == y);                     // like terms combine
  CHECK((x - x).is_zero());                    // zero coefficients are removed
  CHECK((x - x).size() == 0);
  CHECK(Polynomial(Rational(0)).is_zero());
  CHECK((x * x * e).degree() == 3);
  CHECK((Rational(1, 2) * (x + x)) == x);
  // Graded order: lower degree first.
  CHECK((e * x - Rational(1, 3) * y).to_string() == "-1/3*y[1][0] + eta*x[0][0]");
  CHECK(((x + 1) * (x + 1)).to_string() == "1 + 2*x[0][0] + x[0][0]^2");
  CHECK(Var('w', 2, 3).name() == "W0[2][3]");
}

namespace {
// A random polynomial in a few variables with small rational coefficients.
Polynomial random_polynomial(icgd::icl::SplitMix64& rng) {
  Polynomial p;
  const int terms = static_cast<int>(rng.uniform(0, 4));
  for (int t = 0; t < terms; ++t) {
    Polynomial m(Rational(rng.uniform(-5, 5), rng.uniform(1, 3)));
    const int degree = static_cast<int>(rng.uniform(0, 3));
    for (int k = 0; k < degree; ++k) m *= Polynomial(Var('x', static_cast<std::uint32_t>(rng.uniform(0, 2)), 0));
    p += m;
  }
  return p;
}
}  // namespace

TEST_CASE("Polynomial ring laws on random samples") {
  icgd::icl::SplitMix64 rng{42};
  for (int trial = 0; trial < 300; ++trial) {
    const Polynomial a = random_polynomial(rng), b = random_polynomial(rng), c = random_polynomial(rng);
    CHECK(a + b == b + a);
    CHECK(a * b == b * a);
    CHECK((a + b) + c == a + (b + c));
    CHECK((a * b) * c == a * (b * c));
    CHECK(a * (b + c) == a * b + a * c);
    CHECK(a - a == Polynomial{});
    CHECK(a * Polynomial(1) == a);
    CHECK((a * Polynomial{}).is_zero());
    // Evaluation is a ring homomorphism: catches a canonicalisation that changes the function.
    auto at = [](Var v) { return Rational(static_cast<std::int64_t>(v.i()) + 2, 3); };
    CHECK((a * b + c).evaluate<Rational>(at) == a.evaluate<Rational>(at) * b.evaluate<Rational>(at) + c.evaluate<Rational>(at));
  }
}

TEST_CASE("Polynomial: exceeding the monomial capacity throws instead of truncating") {
  Polynomial p = Var('x', 0, 0);
  Polynomial q = p;
  for (int k = 1; k < icgd::Monomial::max_degree; ++k) q *= p;
  CHECK(q.degree() == icgd::Monomial::max_degree);
  CHECK_THROWS_AS(q * p, std::length_error);
}
