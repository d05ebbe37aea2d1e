// expect-error: Rational overflow
// A Rational overflow during constant evaluation must stop compilation, with the reason in the
// message — never a wrapped value that a proof would then trust.
#include "icgd/exact/rational.hpp"

#include <cstdint>

static_assert(icgd::Rational(INT64_MAX) + icgd::Rational(1) > icgd::Rational(0),
              "unreachable: the sum overflows int64");
