// The LSA layer and the Prop. 1 construction on examples small enough to compute by hand.
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"

#include <doctest/doctest.h>

using icgd::Mat;
using icgd::Rational;
namespace icl = icgd::icl;

TEST_CASE("LSA layer, identity weights, query among keys: e_j += (sum_i e_i e_i^T) e_j") {
  // Tokens e_1 = (1, 0), e_2 = (2, 1) (e_2 is the 'query' column).
  // sum_i e_i e_i^T = [[1,0],[0,0]] + [[4,2],[2,1]] = [[5,2],[2,1]].
  // e_1 -> (1,0) + (5,2) = (6,2);  e_2 -> (2,1) + (12,5) = (14,6).
  Mat<Rational, 2, 2> E;
  E(0, 0) = 1; E(1, 0) = 0; E(0, 1) = 2; E(1, 1) = 1;
  const auto I = Mat<Rational, 2, 2>::identity();
  const auto out = icl::lsa_forward(E, {{I, I, I, I}}, icl::QueryInKeys::included);
  CHECK(out(0, 0) == Rational(6));
  CHECK(out(1, 0) == Rational(2));
  CHECK(out(0, 1) == Rational(14));
  CHECK(out(1, 1) == Rational(6));
  // Query excluded: only e_1 e_1^T = [[1,0],[0,0]]: e_1 -> (2,0), e_2 -> (4,1).
  const auto masked = icl::lsa_forward(E, {{I, I, I, I}}, icl::QueryInKeys::excluded);
  CHECK(masked(0, 0) == Rational(2));
  CHECK(masked(0, 1) == Rational(4));
  CHECK(masked(1, 1) == Rational(1));
  // Two identical heads add up: e_1 -> (1,0) + 2·(1,0).
  const auto two = icl::lsa_forward(E, {{I, I, I, I}, {I, I, I, I}}, icl::QueryInKeys::excluded);
  CHECK(two(0, 0) == Rational(3));
}

TEST_CASE("Prop. 1 layer on Nx = Ny = 1, N = 2 by hand") {
  // x = (1, 2), y = (3, 5), W_0 = 0, eta = 1, x_q = 1.
  // dW = (eta/N) sum_i (y_i − W_0 x_i) x_i = (3·1 + 5·2)/2 = 13/2.
  // Context y-slots: 3 − 13/2 = −7/2 and 5 − 13 = −8; query slot 0 − 13/2 = −13/2 (prediction 13/2).
  icl::RegressionInstance<Rational, 1, 1, 2> p{{}, {}, {}, {}, Rational(1)};
  p.X(0, 0) = 1; p.X(0, 1) = 2;
  p.Y(0, 0) = 3; p.Y(0, 1) = 5;
  p.xq(0, 0) = 1;
  const auto out = icl::apply_layers(icl::prop1_tokens(p), {icl::prop1_head(p.W0, p.eta, 2)},
                                     icl::QueryInKeys::excluded, 1);
  CHECK(out(0, 0) == Rational(1));   // x-slots unchanged
  CHECK(out(0, 1) == Rational(2));
  CHECK(out(1, 0) == Rational(-7, 2));
  CHECK(out(1, 1) == Rational(-8));
  CHECK(out(1, 2) == Rational(-13, 2));
  CHECK(icl::prop1_prediction<1>(out, 1, 1)(0, 0) == Rational(13, 2));
  // And the GD step itself: W_1 = 0 − 1·(1/2)·((0 − y) xᵀ) = 13/2.
  CHECK(icl::gd_step(p.W0, p.X, p.Y, p.eta)(0, 0) == Rational(13, 2));
}

TEST_CASE("Prop. 1 with W_0 != 0 and Ny = 2 on an exact instance") {
  const auto p = icl::random_rational_instance<3, 2, 4>(11);
  CHECK(icl::prop1_matches_gd(p, 1, icl::Columns::all));
  // The broken twin (+I in W_V) must differ: the check can fail.
  auto head = icl::prop1_head(p.W0, p.eta, 4);
  head.W_V(3, 3) = Rational(1);
  CHECK_FALSE(icl::stack_matches_gd(p, head, icl::QueryInKeys::excluded, 1, icl::Columns::context));
}
