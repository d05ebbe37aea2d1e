// icgd/dimfree/layers.hpp — the papers' layers and algorithms, written once over symbolic
// shapes. claims.hpp states each claim (docs/papers/*.md, "Claim definitions") with these functions; the tests compare
// their normal forms with dense Eigen computations of the same layers.
//
// Token layout (docs/dimension_free.md): rows are partitioned by the token's slots (x | y), columns by the
// token's role (context | query). "Which tokens are keys and values" is therefore an explicit
// block-diagonal mask over the column partition (docs/papers/von_oswald.md, "Conventions that bite"), never implicit.
#pragma once

#include "icgd/dimfree/matrix.hpp"

namespace icgd::dimfree::layers {

// --- attention (docs/papers/von_oswald.md, "The linear self-attention layer"; ZFB Eq. 3,
// docs/papers/zhang_frei_bartlett.md, "The model"; docs/papers/ahn_mahankali.md, "Ahn et al. 2023")

/// The update of one linear self-attention layer with merged weights,
///   scale · W_PV · E · M · Eᵀ · W_KQ · E,
/// where M (block diagonal over the columns) selects the key/value tokens. von Oswald:
/// W_PV = P W_V, W_KQ = W_Kᵀ W_Q, scale = 1. ZFB: scale = 1/ρ, M = I. Ahn: scale = 1/n.
/// Bracketed right to left so that every intermediate is a few blocks of short words.
template <class T, class Cols>
constexpr Matrix<T, Cols> lsa_update(const Matrix<T, Cols>& E, const Matrix<T, T>& W_PV,
                                     const Matrix<T, T>& W_KQ, const Matrix<Cols, Cols>& mask,
                                     const Scalar& scale) {
  return scale * (W_PV * (E * (mask * (transpose(E) * (W_KQ * E)))));
}
/// E + update: one residual LSA layer.
template <class T, class Cols>
constexpr Matrix<T, Cols> lsa_layer(const Matrix<T, Cols>& E, const Matrix<T, T>& W_PV,
                                    const Matrix<T, T>& W_KQ, const Matrix<Cols, Cols>& mask,
                                    const Scalar& scale) {
  return E + lsa_update(E, W_PV, W_KQ, mask, scale);
}

/// Keys/values = the context tokens only (von Oswald's reference code, Ahn's M = diag(I_n, 0)).
template <class Context>
constexpr auto mask_query_excluded() {
  return block_diag(identity<Context>(), zero<one>());
}
/// Keys/values = every token, the query included (ZFB Eq. 3; von Oswald's VO-3b control).
template <class Context>
constexpr auto mask_query_included() {
  return identity<dims<Context, one>>();
}

/// Tokens as columns: [[X, x_q], [Y, y_q]] with rows (x | y) and columns (context | query).
template <class MX, class Mxq, class MY, class Myq>
constexpr auto tokens(const MX& X, const Mxq& xq, const MY& Y, const Myq& yq) {
  return vcat(hcat(X, xq), hcat(Y, yq));
}

// --- von Oswald et al. (docs/papers/von_oswald.md, "Proposition 1", "Several layers and the damped recurrence", "GD++: curvature correction") ---------------------------------------------------

/// Weights of one LSA head, in the paper's (unmerged) form.
template <class T>
struct LsaWeights {
  Matrix<T, T> W_K, W_Q, W_V, P;
  [[nodiscard]] constexpr Matrix<T, T> W_PV() const { return P * W_V; }
  [[nodiscard]] constexpr Matrix<T, T> W_KQ() const { return transpose(W_K) * W_Q; }
};

/// Proposition 1 (von_oswald.md, "Proposition 1"): W_K = W_Q = [[I, 0], [0, 0]], W_V = [[0, 0], [W_0, −I]], P = (η/N) I.
/// `value_sign` = −1 is the paper; +1 is the "opposite sign in W_V" negative control.
template <class Dx, class Dy>
constexpr LsaWeights<dims<Dx, Dy>> prop1_weights(const Matrix<dims<Dy>, dims<Dx>>& W0,
                                                 const Scalar& eta, const Scalar& inv_N,
                                                 int value_sign = -1) {
  using T = dims<Dx, Dy>;
  const auto kq = block_diag(identity<Dx>(), zero<Dy>());
  const auto W_V = vcat(hcat(zero<Dx>(), zero<Dx, Dy>()), hcat(W0, Scalar(value_sign) * identity<Dy>()));
  return LsaWeights<T>{kq, kq, W_V, (eta * inv_N) * identity<T>()};
}

/// GD++ (von_oswald.md, "GD++: curvature correction"): W_V = [[I, 0], [W_0, −I]], P = diag(−γ I_x, (η/N) I_y),
/// W_K = W_Q = [[I, 0], [0, 0]].
template <class Dx, class Dy>
constexpr LsaWeights<dims<Dx, Dy>> gdpp_weights(const Matrix<dims<Dy>, dims<Dx>>& W0,
                                                const Scalar& gamma, const Scalar& eta,
                                                const Scalar& inv_N) {
  using T = dims<Dx, Dy>;
  const auto kq = block_diag(identity<Dx>(), zero<Dy>());
  const auto W_V = vcat(hcat(identity<Dx>(), zero<Dx, Dy>()), hcat(W0, -identity<Dy>()));
  const auto P = block_diag(-gamma * identity<Dx>(), (eta * inv_N) * identity<Dy>());
  return LsaWeights<T>{kq, kq, W_V, P};
}

/// One gradient step on L(W) = 1/(2N) Σ ||W x_i − y_i||² (von_oswald.md, "Setting and notation"):
///   W ← W − η (1/N) (W X − Y) Xᵀ.
template <class Dy, class Dx, class Ctx>
constexpr Matrix<dims<Dy>, dims<Dx>> gd_step(const Matrix<dims<Dy>, dims<Dx>>& W,
                                             const Matrix<dims<Dx>, dims<Ctx>>& X,
                                             const Matrix<dims<Dy>, dims<Ctx>>& Y, const Scalar& eta,
                                             const Scalar& inv_N) {
  return W - (eta * inv_N) * ((W * X - Y) * transpose(X));
}

// --- Ahn et al. (docs/papers/ahn_mahankali.md, "Ahn et al. 2023") ----------------------------------------------------------------

/// P_ℓ = [[0, 0], [0, 1]], Q_ℓ = −[[A_ℓ, 0], [0, 0]].
template <class D>
constexpr auto ahn_P() {
  return block_diag(zero<D>(), identity<one>());
}
template <class D>
constexpr auto ahn_Q(const Matrix<dims<D>, dims<D>>& A) {
  return -block_diag(A, zero<one>());
}
/// One step of preconditioned GD on R(w) = 1/(2n) Σ (wᵀ x_i − y_i)²:
///   w ← w − A ∇R(w),  ∇R(w) = (1/n) X (Xᵀ w − Yᵀ).
template <class D, class Ctx>
constexpr Matrix<dims<D>, dims<one>> preconditioned_gd_step(const Matrix<dims<D>, dims<one>>& w,
                                                           const Matrix<dims<D>, dims<D>>& A,
                                                           const Matrix<dims<D>, dims<Ctx>>& X,
                                                           const Matrix<dims<one>, dims<Ctx>>& Y,
                                                           const Scalar& inv_n) {
  return w - inv_n * (A * (X * (transpose(X) * w - transpose(Y))));
}

// --- Dai et al. (docs/papers/dai.md, "The dual form of a linear layer", "ICL as implicit finetuning", "Momentum-based attention") -------------------------------------------------------

/// LinearAttn(V, K, q) = V Kᵀ q.
template <class Dv, class Cols, class Dk, class Q>
constexpr auto linear_attention(const Matrix<Dv, Cols>& V, const Matrix<Dk, Cols>& K,
                                const Matrix<Dk, Q>& q) {
  return V * (transpose(K) * q);
}

}  // namespace icgd::dimfree::layers
