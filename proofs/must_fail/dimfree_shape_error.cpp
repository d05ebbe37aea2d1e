// Shape errors are compile errors (type errors, not only in constant evaluation): X (Nx×N)
// times X (Nx×N) has inner dimensions N and Nx.
// expect-error: inner partitions of a product differ
#include "icgd/dimfree/matrix.hpp"

using namespace icgd::dimfree;
using Nx = dim<"Nx">;
using N = dim<"N">;

int main() {
  const auto X = symbol<"X", Nx, N>();
  const auto bad = X * X;
  (void)bad;
}
