// Regression tests for the two g++ 12.2 constexpr bugs named in docs/verification.md ("Compiler notes"). Each static_assert
// exercises the workaround in the library; reverting the workaround makes this file fail to
// compile with "use of allocated storage after deallocation" / a double free in constant
// evaluation.
#include "icgd/linalg/mat.hpp"

#include <doctest/doctest.h>

using icgd::Mat;
using icgd::Polynomial;
using icgd::Var;

namespace {
// Bug 1: copying a std::array of objects that own constexpr allocations. Mat<Polynomial, R, C>
// keeps std::array storage, so its copy constructor/assignment copy element-wise.
constexpr bool copy_of_mat_of_polynomials() {
  Mat<Polynomial, 2, 2> a;
  a(0, 0) = Polynomial(Var('x', 0, 0));
  a(1, 1) = Polynomial(Var('y', 0, 0)) + Polynomial(1);
  const Mat<Polynomial, 2, 2> b = a;  // copy construction
  Mat<Polynomial, 2, 2> c;
  c = b;                              // copy assignment
  return c == a && !(c(1, 1) == c(0, 0));
}

// Bug 2: a `?:` whose result is a temporary owning a constexpr allocation is destroyed twice.
// The library selects such values with if/else (e.g. the damping in proofs/fixed/vo_stack.cpp).
constexpr Polynomial choose(bool variable) {
  Polynomial p(1);
  if (variable) p = Polynomial(Var('l'));
  return p;
}
constexpr bool if_else_selection() { return choose(true).degree() == 1 && choose(false).degree() == 0; }
}  // namespace

static_assert(copy_of_mat_of_polynomials());
static_assert(if_else_selection());

TEST_CASE("g++ 12 constexpr workarounds also behave at runtime") {
  CHECK(copy_of_mat_of_polynomials());
  CHECK(if_else_selection());
}
