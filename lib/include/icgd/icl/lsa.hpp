// icgd/icl/lsa.hpp — the linear self-attention layer (von Oswald et al. 2023, Eq. for LSA;
// docs/papers/von_oswald.md, "The linear self-attention layer"):
//
//   e_j ← e_j + λ Σ_h P_h W_{V,h} (Σ_{i∈KV} e_i e_iᵀ) W_{K,h}ᵀ W_{Q,h} e_j
//
// No softmax and no 1/N inside the layer: von Oswald puts the 1/N into P (docs/papers/von_oswald.md, "Conventions that bite").
// Which tokens serve as keys and values is an explicit argument (docs/papers/von_oswald.md, "Conventions that bite"): the reference code
// excludes the query (`include_query=False`), ZFB includes it. Every token, the query included,
// is updated.
#pragma once

#include "icgd/linalg/mat.hpp"

#include <vector>

namespace icgd::icl {

enum class QueryInKeys { excluded, included };

/// One head's weights, all D × D with D = Nx + Ny.
template <Scalar T, int D>
struct LsaHead {
  Mat<T, D, D> W_K, W_Q, W_V, P;
};

/// Applies one LSA layer (sum over heads) with damping λ (E ← E + λ·LSA(E); λ = 1 is the plain
/// layer, docs/papers/von_oswald.md, "Several layers and the damped recurrence"). The query is the last column of E.
template <Scalar T, int D, int Cols>
constexpr Mat<T, D, Cols> lsa_forward(const Mat<T, D, Cols>& E,
                                      const std::vector<LsaHead<T, D>>& heads, QueryInKeys mode,
                                      const T& damping = scalar_traits<T>::one()) {
  // Keys and values: E times the mask diag(I_N, 0) when the query is excluded (Ahn et al.'s M);
  // the zeroed column costs nothing because products skip structural zeros.
  Mat<T, D, Cols> E_kv = E;
  if (mode == QueryInKeys::excluded)
    for (int r = 0; r < E.rows(); ++r) E_kv(r, E.cols() - 1) = scalar_traits<T>::zero();
  Mat<T, D, Cols> out = E;
  for (const auto& h : heads) {
    // Bracketed as P ((W_V E_kv) ((W_K E_kv)ᵀ (W_Q E))): every intermediate is at most
    // D × (N+1) or (N+1) × (N+1), never a product of two dense D × D symbolic matrices.
    const auto keys = h.W_K * E_kv;
    const auto queries = h.W_Q * E;
    const auto scores = keys.transpose() * queries;  // (N+1) × (N+1): k_iᵀ q_j
    const auto update = h.P * ((h.W_V * E_kv) * scores);
    if (damping == scalar_traits<T>::one())
      out += update;  // the undamped layer: no multiplication by 1 (costly for Polynomial)
    else
      out += damping * update;
  }
  return out;
}

}  // namespace icgd::icl
