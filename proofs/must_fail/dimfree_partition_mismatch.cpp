// Block products need EXACTLY matching partitions: tokens partitioned (Nx | Ny) cannot be
// multiplied by a matrix whose columns are partitioned (Ny | Nx) — I_Nx and I_Ny never meet.
// expect-error: inner partitions of a product differ
#include "icgd/dimfree/matrix.hpp"

using namespace icgd::dimfree;
using Nx = dim<"Nx">;
using Ny = dim<"Ny">;
using N = dim<"N">;

int main() {
  const auto E = vcat(symbol<"X", Nx, N>(), symbol<"Y", Ny, N>());  // rows (Nx | Ny)
  const auto W = block_diag(identity<Ny>(), identity<Nx>());         // (Ny | Nx) × (Ny | Nx)
  const auto bad = W * E;
  (void)bad;
}
