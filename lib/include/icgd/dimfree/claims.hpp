// icgd/dimfree/claims.hpp — the claims (docs/papers/*.md) that the dimension-free engine proves,
// each written ONCE as a constexpr function returning its two sides. The same functions are
// evaluated by the static_asserts in proofs/dimfree/ (building them is the proof, for every
// size at once) and at runtime by check_all_claims() (`icgd verify`), and the tests evaluate
// their normal forms numerically against dense Eigen layers (tests/dimfree/).
//
// Conventions (the "Conventions that bite" of docs/papers/*.md): von Oswald tokens e = (x; y), columns (context | query),
// query NOT among keys/values, query y-slot starts at −W_0 x_q, prediction = −(y-slot), the 1/N
// in P. ZFB: query column included, ρ = M (or N), no sign flip. Ahn: mask diag(I_n, 0), output
// negated. The label dimension Ny of von Oswald's claims is symbolic, so one proof covers Ny = 1
// and every other Ny. Scalars such as 1/N are opaque commuting symbols: the engine never relates
// the scalar 1/N to the dimension N (that would need a trace; see docs/dimension_free.md).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "icgd/dimfree/layers.hpp"
#include "icgd/dimfree/matrix.hpp"

namespace icgd::dimfree {

/// The two sides of a claim, as normal forms of block matrices.
struct ClaimSides {
  BlockValue lhs;
  BlockValue rhs;
};

/// True iff the claim's two sides have the same normal form, i.e. the identity holds for every
/// size of every symbolic dimension. Usage: static_assert(holds<claims::vo1>(), "VO-1: ...").
template <auto Construct>
constexpr bool holds() {
  const ClaimSides s = Construct();
  return s.lhs == s.rhs;
}

namespace claims {

using namespace layers;

// Dimensions (the notation of docs/papers/*.md).
using Nx = dim<"Nx">;  // input dimension (von Oswald)
using Ny = dim<"Ny">;  // label dimension (von Oswald), kept symbolic
using N = dim<"N">;    // number of context tokens
using Dm = dim<"Dm">;  // feature dimension of the MLP m (VO-9)
using d = dim<"d">;    // input dimension (ZFB, Ahn)
using M = dim<"M">;    // test prompt length (ZFB, ρ = M)
using n = dim<"n">;    // prompt length (Ahn)
using Do = dim<"Do">;  // output dimension of Dai's linear layer
using Di = dim<"Di">;  // input dimension of Dai's linear layer
using Dk = dim<"Dk">;  // key/query dimension (Dai)
using Dv = dim<"Dv">;  // value dimension (Dai)
using Nd = dim<"Nd">;  // demonstration tokens X' (Dai)
using T = dim<"T">;    // query-input tokens X (Dai)

// --- von Oswald et al. 2023 (docs/papers/von_oswald.md) -----------------------------------------

/// The regression data of A.1 and the initial tokens of A.3: E₀ = [[X, x_q], [Y, −W₀ x_q]].
struct VonOswaldData {
  Matrix<dims<Nx>, dims<N>> X = symbol<"X", Nx, N>();
  Matrix<dims<Ny>, dims<N>> Y = symbol<"Y", Ny, N>();
  Matrix<dims<Ny>, dims<Nx>> W0 = symbol<"W0", Ny, Nx>();
  Matrix<dims<Nx>, dims<one>> xq = symbol<"x_q", Nx, one>();
  Scalar eta = scalar<"eta">();
  Scalar inv_N = scalar<"1/N">();
  [[nodiscard]] constexpr auto tokens0() const { return tokens(X, xq, Y, -(W0 * xq)); }
};

/// After K layers (VO-3's statement): context y-slots Y − (W_K − W₀) X, query y-slot −W_K x_q,
/// x-slots unchanged.
constexpr auto vo_expected_tokens(const VonOswaldData& v, const Matrix<dims<Ny>, dims<Nx>>& WK) {
  return tokens(v.X, v.xq, v.Y - (WK - v.W0) * v.X, -(WK * v.xq));
}

/// One Prop. 1 layer; `value_sign` −1 is the paper, +1 the negative control VO-1b.
constexpr auto vo_one_layer(const VonOswaldData& v, int value_sign) {
  const auto w = prop1_weights(v.W0, v.eta, v.inv_N, value_sign);
  return lsa_layer(v.tokens0(), w.W_PV(), w.W_KQ(), mask_query_excluded<N>(), Scalar(1));
}

/// VO-1: every context token (x_j, y_j) ↦ (x_j, y_j − ΔW x_j), ΔW = −(η/N)(W₀X − Y)Xᵀ.
constexpr ClaimSides vo1_with_value_sign(int value_sign) {
  const VonOswaldData v;
  const auto E1 = vo_one_layer(v, value_sign);
  const auto dW = gd_step(v.W0, v.X, v.Y, v.eta, v.inv_N) - v.W0;
  return {block_col<0>(E1).value(), vcat(v.X, v.Y - dW * v.X).value()};
}
constexpr ClaimSides vo1() { return vo1_with_value_sign(-1); }
/// VO-1b (negative control): the opposite sign in W_V ([[0, 0], [W₀, +I]]).
constexpr ClaimSides vo1b() { return vo1_with_value_sign(+1); }

/// VO-2: query (x_q, −W₀x_q) ↦ (x_q, −(W₀ + ΔW)x_q); prediction ŷ = −(y-slot) = (W₀ + ΔW)x_q.
/// Compared: the x-slot and the read-out. `readout_sign` −1 is the paper's ŷ = −(y-slot).
constexpr ClaimSides vo2_with_readout_sign(int readout_sign) {
  const VonOswaldData v;
  const auto E1 = vo_one_layer(v, -1);
  const auto W1 = gd_step(v.W0, v.X, v.Y, v.eta, v.inv_N);
  const auto lhs = vcat(block<0, 1>(E1), Scalar(readout_sign) * block<1, 1>(E1));
  return {lhs.value(), vcat(v.xq, W1 * v.xq).value()};
}
constexpr ClaimSides vo2() { return vo2_with_readout_sign(-1); }
/// VO-2b (deliberately wrong identity): reading ŷ = +(y-slot), without von Oswald's sign flip.
constexpr ClaimSides vo2b() { return vo2_with_readout_sign(+1); }

/// K applications of the same layer (damping λ: E ← E + λ·update) against K GD steps of size
/// λη on the original data. `query_in_keys` true is the negative control VO-3b.
constexpr ClaimSides vo_stack(int K, bool damped, bool query_in_keys) {
  const VonOswaldData v;
  Scalar lambda = 1;  // if/else, not ?: (g++ 12 constexpr note in docs/verification.md)
  if (damped) lambda = scalar<"lambda">();
  const auto w = prop1_weights(v.W0, v.eta, v.inv_N);
  const auto PV = w.W_PV();
  const auto KQ = w.W_KQ();
  auto E = v.tokens0();
  auto W = v.W0;
  for (int k = 0; k < K; ++k) {
    if (query_in_keys) {
      E = lsa_layer(E, PV, KQ, mask_query_included<N>(), lambda);
    } else {
      E = lsa_layer(E, PV, KQ, mask_query_excluded<N>(), lambda);
    }
    W = gd_step(W, v.X, v.Y, lambda * v.eta, v.inv_N);
  }
  return {E.value(), vo_expected_tokens(v, W).value()};
}
/// VO-3: K layers (query excluded from keys/values) = K GD steps.
template <int K>
constexpr ClaimSides vo3() {
  return vo_stack(K, false, false);
}
/// VO-3b (negative control): the query among keys and values, K = 2.
constexpr ClaimSides vo3b() { return vo_stack(2, false, true); }
/// VO-4: the damped recurrence E ← E + λ·LSA(E), K times, = K GD steps of size λη.
template <int K>
constexpr ClaimSides vo4() {
  return vo_stack(K, true, false);
}

/// VO-5 (A.5, GD++): L layers with P = diag(−γ I, (η/N) I), W_V = [[I, 0], [W₀, −I]]. Each layer
/// transforms every x-slot (query included) by H = I − γ X_ℓ X_ℓᵀ and does the GD step of VO-1
/// on the current tokens. (W₀ is general; the claim's W₀ = 0 is a special case.)
constexpr ClaimSides vo5(int L) {
  const VonOswaldData v;
  const Scalar gamma = scalar<"gamma">();
  const auto w = gdpp_weights(v.W0, gamma, v.eta, v.inv_N);
  const auto PV = w.W_PV();
  const auto KQ = w.W_KQ();
  auto E = v.tokens0();
  // Reference recursion, in the language of GD: inputs X_ℓ, x_q,ℓ, targets Y_ℓ, query slot y_ℓ.
  auto X = v.X;
  auto xq = v.xq;
  auto Y = v.Y;
  auto yq = -(v.W0 * v.xq);
  for (int l = 0; l < L; ++l) {
    E = lsa_layer(E, PV, KQ, mask_query_excluded<N>(), Scalar(1));
    const auto H = identity<Nx>() - gamma * (X * transpose(X));
    const auto dW = gd_step(v.W0, X, Y, v.eta, v.inv_N) - v.W0;
    Y = Y - dW * X;
    yq = yq - dW * xq;
    X = H * X;
    xq = H * xq;
  }
  return {E.value(), tokens(X, xq, Y, yq).value()};
}
template <int L>
constexpr ClaimSides vo5_layers() {
  return vo5(L);
}

/// VO-9 (A.6): tokens (m(x_j), y_j) with the feature map m opaque, W₀ = 0: the Prop. 1 layer
/// predicts ŷ = (η/N) Σ_i y_i k(x_i, x_q), k(a, b) = m(a)ᵀ m(b) (kernel regression).
constexpr ClaimSides vo9() {
  const auto F = symbol<"m(X)", Dm, N>();
  const auto fq = symbol<"m(x_q)", Dm, one>();
  const auto Y = symbol<"Y", Ny, N>();
  const Scalar eta = scalar<"eta">();
  const Scalar inv_N = scalar<"1/N">();
  const auto w = prop1_weights(zero<Ny, Dm>(), eta, inv_N);
  const auto E1 = lsa_layer(tokens(F, fq, Y, zero<Ny, one>()), w.W_PV(), w.W_KQ(),
                            mask_query_excluded<N>(), Scalar(1));
  const auto prediction = -block<1, 1>(E1);
  const auto kernel_values = transpose(F) * fq;  // (k(x_i, x_q))_i
  return {prediction.value(), ((eta * inv_N) * (Y * kernel_values)).value()};
}

// --- Ahn et al. 2023 (docs/papers/ahn_mahankali.md) --------------------------------------------

/// AHN-1: L masked layers with P = [[0, 0], [0, 1]], Q_ℓ = −[[A_ℓ, 0], [0, 0]] (A_ℓ symmetric):
/// Z_L = [[X, x_q], [Y − w_Lᵀ X, −w_Lᵀ x_q]] with w₀ = 0, w_{ℓ+1} = w_ℓ − A_ℓ ∇R(w_ℓ); in
/// particular −Z_L[d+1, n+1] = ⟨w_L, x_q⟩. `symmetric` false (with the update still using A_ℓ,
/// not A_ℓᵀ) is the negative control AHN-1b.
constexpr ClaimSides ahn_stack(int L, bool symmetric) {
  const auto X = symbol<"X", d, n>();
  const auto Y = symbol<"y", one, n>();
  const auto xq = symbol<"x_q", d, one>();
  const Scalar inv_n = scalar<"1/n">();
  auto Z = tokens(X, xq, Y, zero<one, one>());
  auto w = zero<d, one>();
  for (int l = 1; l <= L; ++l) {
    Matrix<dims<d>, dims<d>> A = indexed_symbol<"A", d, d>(static_cast<std::size_t>(l));
    if (symmetric) A = indexed_symmetric_symbol<"A", d>(static_cast<std::size_t>(l));
    Z = lsa_layer(Z, ahn_P<d>(), ahn_Q(A), mask_query_excluded<n>(), inv_n);
    w = preconditioned_gd_step(w, A, X, Y, inv_n);
  }
  return {Z.value(), tokens(X, xq, Y - transpose(w) * X, -(transpose(w) * xq)).value()};
}
template <int L>
constexpr ClaimSides ahn1() {
  return ahn_stack(L, true);
}
/// AHN-1b (negative control): A not symmetric, update with A instead of Aᵀ, L = 1.
constexpr ClaimSides ahn1b() { return ahn_stack(1, false); }

// --- Zhang, Frei & Bartlett 2024 (docs/papers/zhang_frei_bartlett.md) -------------------------

/// ZFB-1: LSA (Eq. 3, ρ = M, query column included) at W^KQ = c[[G, 0], [0, 0]],
/// W^PV = c⁻¹[[0, 0], [0, 1]] predicts ŷ = x_qᵀ G Ŝ_M w, Ŝ_M = (1/M) X Xᵀ, labels y = wᵀX.
/// `symmetric_G` false is the negative control ZFB-1b.
constexpr ClaimSides zfb1_with(bool symmetric_G) {
  const auto X = symbol<"X", d, M>();
  const auto w = symbol<"w", d, one>();
  const auto xq = symbol<"x_q", d, one>();
  Matrix<dims<d>, dims<d>> G = symbol<"G", d, d>();
  if (symmetric_G) G = symmetric_symbol<"G", d>();
  const Scalar c = nonzero_scalar<"c">();
  const Scalar inv_M = scalar<"1/M">();
  const auto W_KQ = c * block_diag(G, zero<one>());
  const auto W_PV = inverse(c) * block_diag(zero<d>(), identity<one>());
  const auto E = tokens(X, xq, transpose(w) * X, zero<one, one>());
  const auto f = lsa_layer(E, W_PV, W_KQ, mask_query_included<M>(), inv_M);
  const auto S_M = inv_M * (X * transpose(X));
  return {block<1, 1>(f).value(), (transpose(xq) * G * S_M * w).value()};
}
constexpr ClaimSides zfb1() { return zfb1_with(true); }
/// ZFB-1b (negative control): G not symmetric.
constexpr ClaimSides zfb1b() { return zfb1_with(false); }

/// ZFB-2 (Eq. 6): for arbitrary W^PV, W^KQ (blocks W11 d×d, w12 d×1, w21 d×1, w22 1×1), the
/// bottom-right entry of f_LSA(E) is ((w21^PV)ᵀ, w22^PV) (E Eᵀ/N) (W11^KQ; (w21^KQ)ᵀ) x_q.
/// A bracketing-sensitive identity among 1×1 quantities (docs/dimension_free.md, "1×1 quantities").
constexpr ClaimSides zfb2() {
  const auto X = symbol<"X", d, N>();
  const auto Y = symbol<"y", one, N>();
  const auto xq = symbol<"x_q", d, one>();
  const Scalar inv_N = scalar<"1/N">();
  const auto PV11 = symbol<"W11^PV", d, d>();
  const auto PV12 = symbol<"w12^PV", d, one>();
  const auto PV21 = symbol<"w21^PV", d, one>();
  const auto PV22 = symbol<"w22^PV", one, one>();
  const auto KQ11 = symbol<"W11^KQ", d, d>();
  const auto KQ12 = symbol<"w12^KQ", d, one>();
  const auto KQ21 = symbol<"w21^KQ", d, one>();
  const auto KQ22 = symbol<"w22^KQ", one, one>();
  const auto W_PV = vcat(hcat(PV11, PV12), hcat(transpose(PV21), PV22));
  const auto W_KQ = vcat(hcat(KQ11, KQ12), hcat(transpose(KQ21), KQ22));
  const auto E = tokens(X, xq, Y, zero<one, one>());
  const auto f = lsa_layer(E, W_PV, W_KQ, mask_query_included<N>(), inv_N);
  const auto rhs = inv_N * (hcat(transpose(PV21), PV22) * (E * transpose(E)) *
                            vcat(KQ11, transpose(KQ21)) * xq);
  return {block<1, 1>(f).value(), rhs.value()};
}

// --- Dai et al. 2023 (docs/papers/dai.md) -----------------------------------------------------

/// DAI-1: (W₀ + Σ_i e_i x'_iᵀ) x = W₀ x + LinearAttn(E, X', x), the sum taken over the N
/// earlier examples (E_C, X'_C) and the latest one (e, x'), i.e. a column partition (N | 1).
constexpr ClaimSides dai1() {
  const auto W0 = symbol<"W0", Do, Di>();
  const auto EC = symbol<"E", Do, N>();
  const auto e = symbol<"e", Do, one>();
  const auto XC = symbol<"X'", Di, N>();
  const auto xp = symbol<"x'", Di, one>();
  const auto x = symbol<"x", Di, one>();
  const auto lhs = (W0 + EC * transpose(XC) + e * transpose(xp)) * x;
  const auto rhs = W0 * x + linear_attention(hcat(EC, e), hcat(XC, xp), x);
  return {lhs.value(), rhs.value()};
}

/// DAI-2: W_V [X' | X] (W_K [X' | X])ᵀ q = (W_ZSL + ΔW_ICL) q with W_ZSL = W_V X (W_K X)ᵀ and
/// ΔW_ICL = W_V X' (W_K X')ᵀ (relaxed linear attention).
constexpr ClaimSides dai2() {
  const auto WV = symbol<"W_V", Dv, d>();
  const auto WK = symbol<"W_K", Dk, d>();
  const auto Xd = symbol<"X'", d, Nd>();
  const auto X = symbol<"X", d, T>();
  const auto q = symbol<"q", Dk, one>();
  const auto tokens_all = hcat(Xd, X);
  const auto lhs = (WV * tokens_all) * (transpose(WK * tokens_all) * q);
  const auto W_ZSL = WV * X * transpose(WK * X);
  const auto dW_ICL = WV * Xd * transpose(WK * Xd);
  return {lhs.value(), ((W_ZSL + dW_ICL) * q).value()};
}

/// DAI-4: the momentum recursion m₁ = 0, m_t = η (m_{t−1} + v_{t−1}) equals Σ_{i<t} η^{t−i} v_i,
/// for t = 1 … t_max (all t compared at once, as a block row).
constexpr ClaimSides dai4_up_to(int t_max) {
  const Scalar eta = scalar<"eta">();
  auto m = zero<d, one>();
  BlockValue lhs = m.value();
  BlockValue rhs = zero<d, one>().value();
  for (int t = 2; t <= t_max; ++t) {
    m = eta * (m + indexed_symbol<"v", d, one>(static_cast<std::size_t>(t - 1)));
    auto sum = zero<d, one>();
    for (int i = 1; i < t; ++i) {
      Scalar power = 1;
      for (int k = 0; k < t - i; ++k) power = power * eta;
      sum = sum + power * indexed_symbol<"v", d, one>(static_cast<std::size_t>(i));
    }
    lhs = BlockValue::hcat(lhs, m.value());
    rhs = BlockValue::hcat(rhs, sum.value());
  }
  return {lhs, rhs};
}
constexpr ClaimSides dai4() { return dai4_up_to(8); }

}  // namespace claims

// --- runtime interface for `icgd verify` ------------------------------------------------------

/// One construction (or negative control) checked at runtime by the dimension-free engine.
struct ClaimCheck {
  std::string claim_id;   // a registry id (lib/src/claims/registry.cpp) or a control id ("VO-1b")
  std::string instance;   // which instance of the claim was built, e.g. "K = 3"
  bool holds = false;     // normal forms identical (expected false for negative controls)
  std::string lhs_normal_form;
  std::string rhs_normal_form;
  std::string first_difference;  // empty when holds
  bool negative_control = false;  // true: the construction is EXPECTED to fail (holds == false is a pass)
};

/// Every construction of the table below (the same ones as the static_asserts of
/// proofs/dimfree/). Microseconds to milliseconds in total.
std::vector<ClaimCheck> check_all_claims();

/// The constructions this engine proves, looked up by claim id; the statements themselves live in
/// the claim registry (icgd/claims/registry.hpp), never here.
struct ClaimEntry {
  std::string_view id;
  std::string_view instance;
  bool negative_control;
  ClaimSides (*construct)();
};

inline constexpr ClaimEntry claim_registry[] = {
    {"VO-1", "one layer", false, &claims::vo1},
    {"VO-2", "one layer", false, &claims::vo2},
    {"VO-3", "K = 1", false, &claims::vo3<1>},
    {"VO-3", "K = 2", false, &claims::vo3<2>},
    {"VO-3", "K = 3", false, &claims::vo3<3>},
    {"VO-3", "K = 4", false, &claims::vo3<4>},
    {"VO-4", "K = 1", false, &claims::vo4<1>},
    {"VO-4", "K = 2", false, &claims::vo4<2>},
    {"VO-4", "K = 3", false, &claims::vo4<3>},
    {"VO-4", "K = 4", false, &claims::vo4<4>},
    {"VO-5", "1 layer", false, &claims::vo5_layers<1>},
    {"VO-5", "2 layers", false, &claims::vo5_layers<2>},
    {"VO-9", "opaque feature map m", false, &claims::vo9},
    {"AHN-1", "L = 1", false, &claims::ahn1<1>},
    {"AHN-1", "L = 2", false, &claims::ahn1<2>},
    {"AHN-1", "L = 3", false, &claims::ahn1<3>},
    {"ZFB-1", "G symmetric, c != 0", false, &claims::zfb1},
    {"ZFB-2", "arbitrary W^PV, W^KQ", false, &claims::zfb2},
    {"DAI-1", "N earlier examples and the latest", false, &claims::dai1},
    {"DAI-2", "relaxed linear attention", false, &claims::dai2},
    {"DAI-4", "t = 1..8", false, &claims::dai4},
    {"VO-1b", "+I in W_V, one layer", true, &claims::vo1b},
    {"VO-2b", "read-out +(y-slot), one layer", true, &claims::vo2b},
    {"VO-3b", "query among keys and values, K = 2", true, &claims::vo3b},
    {"AHN-1b", "A not symmetric, update w - A grad R, L = 1", true, &claims::ahn1b},
    {"ZFB-1b", "G not symmetric", true, &claims::zfb1b},
};

}  // namespace icgd::dimfree
