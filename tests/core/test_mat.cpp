#include "icgd/linalg/mat.hpp"

#include <doctest/doctest.h>

using icgd::Dynamic;
using icgd::Mat;
using icgd::Rational;

template <class A, class B>
concept multipliable = requires(A a, B b) { a * b; };
template <class A, class B>
concept addable = requires(A a, B b) { a + b; };

TEST_CASE("Mat: product, transpose, identity, blocks") {
  constexpr auto check = [] {
    Mat<Rational, 2, 3> a;
    int v = 1;
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) a(r, c) = Rational(v++);
    const auto ata = a.transpose() * a;  // 3×3
    const auto i3 = Mat<Rational, 3, 3>::identity();
    return ata(0, 0) == Rational(17) && ata(1, 2) == Rational(2 * 3 + 5 * 6) && (a * i3) == a &&
           a.block<1, 2>(1, 1)(0, 1) == Rational(6);
  };
  static_assert(check());
  CHECK(check());
}

TEST_CASE("Mat: fixed shapes are checked at compile time") {
  // Would catch a product operator that accepts mismatched inner extents.
  using A = Mat<Rational, 2, 3>;
  using B = Mat<Rational, 2, 2>;
  static_assert(multipliable<A, Mat<Rational, 3, 2>>);
  static_assert(!multipliable<A, B>);
  static_assert(!addable<A, B>);
  static_assert(addable<A, A>);
  // A dynamic extent defers the check to runtime instead of refusing it.
  static_assert(multipliable<A, Mat<Rational, Dynamic, 2>>);
}

TEST_CASE("Mat: dynamic shapes are checked at runtime") {
  Mat<double, Dynamic, Dynamic> a(2, 3), b(2, 2);
  CHECK_THROWS_AS(a * b, icgd::shape_error);
  CHECK_THROWS_AS(a + b, icgd::shape_error);
  auto out_of_range_block = [&] { return a.block<Dynamic, Dynamic>(1, 1, 2, 2); };
  CHECK_THROWS_AS(out_of_range_block(), icgd::shape_error);
  CHECK_THROWS_AS((Mat<double, 2, Dynamic>(3, 1)), icgd::shape_error);
  CHECK((b * a).cols() == 3);
}

TEST_CASE("Mat: fixed and dynamic give the same product") {
  Mat<double, 2, 2> f;
  f(0, 0) = 1; f(0, 1) = 2; f(1, 0) = 3; f(1, 1) = 4;
  const Mat<double, Dynamic, Dynamic> d(f);
  const auto ff = f * f;
  const auto dd = d * d;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 2; ++c) CHECK(ff(r, c) == dd(r, c));
  CHECK(ff(1, 1) == 22);
}
