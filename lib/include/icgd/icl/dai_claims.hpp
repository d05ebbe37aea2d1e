// icgd/icl/dai_claims.hpp — the fixed-size constructions of Dai et al. 2023's exact claims
// DAI-1, DAI-2 and DAI-4 and of their negative controls, written once over the scalar type for
// the fixed-size engines: the compile-time proofs (proofs/fixed/dai_fixed.cpp, over Polynomial)
// and `icgd verify`'s runtime symbolic and exact rational rows (lib/src/claims/dai_engines.cpp).
// The statements live in the claim registry; the mathematics is stated in docs/papers/dai.md:
//
//   DAI-1 (Eqs. 7–9)   (W_0 + Σ_i e_i x′_iᵀ) x = W_0 x + E (X′ᵀ x)            dual form of a linear layer
//   DAI-2 (Eqs. 10–12) W_V [X′ X] (W_K [X′ X])ᵀ q = (W_ZSL + ΔW_ICL) q          relaxed attention splits
//   DAI-4 (Sec. 5)     m_1 = 0, m_t = η (m_{t−1} + v_{t−1})  equals  Σ_{i<t} η^{t−i} v_i
//
// Each side is computed along a different path on purpose (a sum of outer products against a
// matrix–vector product; one attention over the concatenated tokens against two weight
// matrices; a recursion against explicit powers), so agreement is a theorem, not a tautology.
#pragma once

#include "icgd/icl/instances.hpp"
#include "icgd/linalg/mat.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace icgd::icl {

/// A deliberately broken construction every engine must refute.
enum class DaiBroken {
  none,
  error_sign,          ///< DAI-1b: W_0 x − E X′ᵀ x (the error signals with the wrong sign)
  demos_dropped,       ///< DAI-2b: W_ZSL q alone (the demonstrations' ΔW_ICL left out)
  newest_not_decayed,  ///< DAI-4b: m_t = η m_{t−1} + v_{t−1} (the newest value not decayed)
};

/// Which Dai claim a registry id names (nullopt: not one of the fixed-size Dai constructions).
enum class DaiClaim { dual_form, icl_split, momentum_ema };
struct DaiConstruction {
  DaiClaim claim;
  DaiBroken control;
};
constexpr std::optional<DaiConstruction> dai_construction(std::string_view id) {
  if (id == "DAI-1") return DaiConstruction{DaiClaim::dual_form, DaiBroken::error_sign};
  if (id == "DAI-2") return DaiConstruction{DaiClaim::icl_split, DaiBroken::demos_dropped};
  if (id == "DAI-4") return DaiConstruction{DaiClaim::momentum_ema, DaiBroken::newest_not_decayed};
  return std::nullopt;
}

/// The two sides of a Dai claim (both as matrices of the same shape).
template <class M>
struct DaiSides {
  M lhs, rhs;
};

// --- DAI-1: the dual form of a linear layer ---------------------------------------------------

/// W_0: Dout × Din, E = [e_1 … e_N] (error signals e_i = −γ g_i): Dout × N, X′ = [x′_1 … x′_N]:
/// Din × N (past inputs), x: Din × 1 (the current input).
template <Scalar T, int Dout, int Din, int N>
struct DualFormInstance {
  Mat<T, Dout, Din> W0;
  Mat<T, Dout, N> E;
  Mat<T, Din, N> X_past;
  Mat<T, Din, 1> x;
};

/// lhs: the trained layer (W_0 + ΔW) x with ΔW = Σ_i e_i x′_iᵀ summed outer product by outer
/// product; rhs: W_0 x + LinearAttn(E, X′, x) = W_0 x + E (X′ᵀ x).
template <Scalar T, int Dout, int Din, int N>
constexpr DaiSides<Mat<T, Dout, 1>> dai1_sides(const DualFormInstance<T, Dout, Din, N>& p,
                                               DaiBroken broken = DaiBroken::none) {
  const int dout = p.W0.rows(), din = p.W0.cols(), n = p.E.cols();
  Mat<T, Dout, Din> delta_W(dout, din);
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < dout; ++r)
      for (int c = 0; c < din; ++c) delta_W(r, c) = delta_W(r, c) + p.E(r, i) * p.X_past(c, i);
  const auto attention = p.E * (p.X_past.transpose() * p.x);  // values E, keys X′, query x
  Mat<T, Dout, 1> rhs = p.W0 * p.x;
  if (broken == DaiBroken::error_sign)
    rhs -= attention;
  else
    rhs += attention;
  return {(p.W0 + delta_W) * p.x, rhs};
}

// --- DAI-2: relaxed attention = zero-shot weights + implicit finetuning -----------------------

/// W_V: Dv × D, W_K: Dk × D, X′ (demonstrations): D × Nd, X (query-input tokens): D × T,
/// q = W_Q x: Dk × 1.
template <Scalar T, int Dv, int Dk, int D, int Nd, int Tq>
struct IclSplitInstance {
  Mat<T, Dv, D> W_V;
  Mat<T, Dk, D> W_K;
  Mat<T, D, Nd> X_demos;
  Mat<T, D, Tq> X_query;
  Mat<T, Dk, 1> q;
};

/// [X′ X]: the demonstrations, then the query-input tokens, as one token matrix.
template <Scalar T, int D, int Nd, int Tq>
constexpr Mat<T, D, extent_sum(Nd, Tq)> concatenate_tokens(const Mat<T, D, Nd>& demos, const Mat<T, D, Tq>& query) {
  Mat<T, D, extent_sum(Nd, Tq)> all(demos.rows(), demos.cols() + query.cols());
  all.set_block(0, 0, demos);
  all.set_block(0, demos.cols(), query);
  return all;
}

/// Σ_i (W_V x_i) ⊗ (W_K x_i) over the columns of X, one outer product per token.
template <Scalar T, int Dv, int Dk, int D, int C>
constexpr Mat<T, Dv, Dk> sum_of_value_key_outer_products(const Mat<T, Dv, D>& W_V, const Mat<T, Dk, D>& W_K,
                                                         const Mat<T, D, C>& X) {
  const auto values = W_V * X;
  const auto keys = W_K * X;
  Mat<T, Dv, Dk> out(W_V.rows(), W_K.rows());
  for (int i = 0; i < X.cols(); ++i)
    for (int r = 0; r < W_V.rows(); ++r)
      for (int c = 0; c < W_K.rows(); ++c) out(r, c) = out(r, c) + values(r, i) * keys(c, i);
  return out;
}

/// lhs: relaxed linear attention over [X′ X], W_V [X′ X] ((W_K [X′ X])ᵀ q); rhs: (W_ZSL + ΔW_ICL) q
/// with W_ZSL = (W_V X)(W_K X)ᵀ and ΔW_ICL = Σ_i (W_V x′_i)(W_K x′_i)ᵀ.
template <Scalar T, int Dv, int Dk, int D, int Nd, int Tq>
constexpr DaiSides<Mat<T, Dv, 1>> dai2_sides(const IclSplitInstance<T, Dv, Dk, D, Nd, Tq>& p,
                                             DaiBroken broken = DaiBroken::none) {
  const auto tokens = concatenate_tokens(p.X_demos, p.X_query);
  const auto lhs = (p.W_V * tokens) * ((p.W_K * tokens).transpose() * p.q);
  const auto W_ZSL = (p.W_V * p.X_query) * (p.W_K * p.X_query).transpose();
  Mat<T, Dv, Dk> W = W_ZSL;
  if (broken != DaiBroken::demos_dropped) W += sum_of_value_key_outer_products(p.W_V, p.W_K, p.X_demos);
  return {lhs, W * p.q};
}

// --- DAI-4: momentum attention's moving average -----------------------------------------------

/// Values v_1 … v_Tn as the columns of V (D × Tn) and the decay η.
template <Scalar T, int D, int Tn>
struct MomentumInstance {
  Mat<T, D, Tn> V;
  T eta;
};

/// lhs: column t−1 holds m_t of the recursion m_1 = 0, m_t = η (m_{t−1} + v_{t−1});
/// rhs: column t−1 holds Σ_{i<t} η^{t−i} v_i with the powers formed explicitly.
template <Scalar T, int D, int Tn>
constexpr DaiSides<Mat<T, D, Tn>> dai4_sides(const MomentumInstance<T, D, Tn>& p, DaiBroken broken = DaiBroken::none) {
  const int d = p.V.rows(), tn = p.V.cols();
  Mat<T, D, Tn> recursion(d, tn), closed(d, tn);
  for (int t = 1; t < tn; ++t)
    for (int r = 0; r < d; ++r) {
      if (broken == DaiBroken::newest_not_decayed)
        recursion(r, t) = p.eta * recursion(r, t - 1) + p.V(r, t - 1);
      else
        recursion(r, t) = p.eta * (recursion(r, t - 1) + p.V(r, t - 1));
    }
  for (int t = 0; t < tn; ++t)
    for (int i = 0; i < t; ++i) {
      T power = scalar_traits<T>::one();
      for (int k = 0; k < t - i; ++k) power = power * p.eta;
      for (int r = 0; r < d; ++r) closed(r, t) = closed(r, t) + power * p.V(r, i);
    }
  return {recursion, closed};
}

// --- instances ---------------------------------------------------------------------------------

/// Every entry its own variable: W_0 'w', E 'e', X′ 'x', x 'q'.
template <int Dout, int Din, int N>
constexpr DualFormInstance<Polynomial, Dout, Din, N> dai1_symbolic(int dout = Dout, int din = Din, int n = N) {
  DualFormInstance<Polynomial, Dout, Din, N> p{Mat<Polynomial, Dout, Din>(dout, din), Mat<Polynomial, Dout, N>(dout, n),
                                               Mat<Polynomial, Din, N>(din, n), Mat<Polynomial, Din, 1>(din, 1)};
  auto u = [](int v) { return static_cast<std::uint32_t>(v); };
  for (int r = 0; r < dout; ++r)
    for (int c = 0; c < din; ++c) p.W0(r, c) = Var('w', u(r), u(c));
  for (int i = 0; i < n; ++i) {
    for (int r = 0; r < dout; ++r) p.E(r, i) = Var('e', u(i), u(r));
    for (int c = 0; c < din; ++c) p.X_past(c, i) = Var('x', u(i), u(c));
  }
  for (int c = 0; c < din; ++c) p.x(c, 0) = Var('q', u(c));
  return p;
}

/// Every entry its own variable: W_V 'v', W_K 'k', X′ 'd' (demonstrations), X 't', q 'q'.
template <int Dv, int Dk, int D, int Nd, int Tq>
constexpr IclSplitInstance<Polynomial, Dv, Dk, D, Nd, Tq> dai2_symbolic(int dv = Dv, int dk = Dk, int d = D, int nd = Nd,
                                                                        int tq = Tq) {
  IclSplitInstance<Polynomial, Dv, Dk, D, Nd, Tq> p{Mat<Polynomial, Dv, D>(dv, d), Mat<Polynomial, Dk, D>(dk, d),
                                                    Mat<Polynomial, D, Nd>(d, nd), Mat<Polynomial, D, Tq>(d, tq),
                                                    Mat<Polynomial, Dk, 1>(dk, 1)};
  auto u = [](int v) { return static_cast<std::uint32_t>(v); };
  for (int a = 0; a < d; ++a) {
    for (int r = 0; r < dv; ++r) p.W_V(r, a) = Var('v', u(r), u(a));
    for (int r = 0; r < dk; ++r) p.W_K(r, a) = Var('k', u(r), u(a));
    for (int i = 0; i < nd; ++i) p.X_demos(a, i) = Var('d', u(i), u(a));
    for (int i = 0; i < tq; ++i) p.X_query(a, i) = Var('t', u(i), u(a));
  }
  for (int r = 0; r < dk; ++r) p.q(r, 0) = Var('q', u(r));
  return p;
}

/// Values 'v' (v[i][a]: value i, coordinate a) and the decay η = 'h', all variables.
template <int D, int Tn>
constexpr MomentumInstance<Polynomial, D, Tn> dai4_symbolic(int d = D, int tn = Tn) {
  MomentumInstance<Polynomial, D, Tn> p{Mat<Polynomial, D, Tn>(d, tn), Polynomial(Var('h'))};
  for (int i = 0; i < tn; ++i)
    for (int a = 0; a < d; ++a) p.V(a, i) = Var('v', static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(a));
  return p;
}

/// Random exact entries k/2, k ∈ [−6, 6] (as icl/instances.hpp draws them).
template <int R, int C>
constexpr Mat<Rational, R, C> random_rational_matrix(SplitMix64& rng, int rows = R, int cols = C) {
  Mat<Rational, R, C> m(rows, cols);
  for (auto& v : m.data()) v = Rational(rng.uniform(-6, 6), 2);
  return m;
}

template <int Dout, int Din, int N>
constexpr DualFormInstance<Rational, Dout, Din, N> dai1_random_rational(std::uint64_t seed, int dout = Dout,
                                                                        int din = Din, int n = N) {
  SplitMix64 rng{seed};
  return {random_rational_matrix<Dout, Din>(rng, dout, din), random_rational_matrix<Dout, N>(rng, dout, n),
          random_rational_matrix<Din, N>(rng, din, n), random_rational_matrix<Din, 1>(rng, din, 1)};
}

template <int Dv, int Dk, int D, int Nd, int Tq>
constexpr IclSplitInstance<Rational, Dv, Dk, D, Nd, Tq> dai2_random_rational(std::uint64_t seed, int dv = Dv, int dk = Dk,
                                                                             int d = D, int nd = Nd, int tq = Tq) {
  SplitMix64 rng{seed};
  return {random_rational_matrix<Dv, D>(rng, dv, d), random_rational_matrix<Dk, D>(rng, dk, d),
          random_rational_matrix<D, Nd>(rng, d, nd), random_rational_matrix<D, Tq>(rng, d, tq),
          random_rational_matrix<Dk, 1>(rng, dk, 1)};
}

/// Values k/2 and a decay η = k/8, k ∈ [1, 7] (η ∈ (0, 1), where the paper's momentum lives).
template <int D, int Tn>
constexpr MomentumInstance<Rational, D, Tn> dai4_random_rational(std::uint64_t seed, int d = D, int tn = Tn) {
  SplitMix64 rng{seed};
  auto V = random_rational_matrix<D, Tn>(rng, d, tn);
  return {V, Rational(rng.uniform(1, 7), 8)};
}

}  // namespace icgd::icl
