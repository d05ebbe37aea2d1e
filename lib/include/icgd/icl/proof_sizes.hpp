// icgd/icl/proof_sizes.hpp — the sizes the compile-time proofs sweep (proofs/fixed).
//
// One list, read by the proofs (which static_assert every claim at each size) and by the claim
// registry (which reports these sizes as proved: `icgd` is built only after the proofs are).
#pragma once

#include <array>

namespace icgd::icl::proof_sizes {

// VO-1 / VO-2, fully symbolic (every x, y, x_q, W_0 entry and η a variable).
// One translation unit per Nx (proofs/fixed/vo_prop1_nx<Nx>.cpp) sweeps Ny × N.
inline constexpr std::array<int, 4> prop1_nx{1, 2, 3, 4};
inline constexpr std::array<int, 2> prop1_ny{1, 2};
inline constexpr std::array<int, 5> prop1_n{1, 2, 3, 4, 5};

// VO-2/VO-1 on exact random rational instances (same sizes, these seeds).
inline constexpr std::array<unsigned long long, 3> rational_seeds{1, 2, 3};

// VO-3 (K layers with shared weights = K GD steps) and VO-4 (damping λ), fully symbolic.
struct StackSize {
  int nx, ny, n, layers;
};
inline constexpr std::array<StackSize, 6> stack_sizes{{
    {1, 1, 2, 2}, {2, 1, 2, 2}, {1, 2, 3, 2}, {2, 1, 3, 2}, {1, 1, 2, 3}, {2, 1, 2, 3},
}};

}  // namespace icgd::icl::proof_sizes
