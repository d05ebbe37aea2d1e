// DAI-1, DAI-2 and DAI-4 (Dai et al. 2023, Eqs. 7–12 and the momentum-attention section; stated
// in docs/papers/dai.md) at fixed sizes, fully symbolic: every entry (and the decay η) is a
// variable, so agreement of the canonical polynomials is the identity for all real inputs of
// that size. Each claim's negative control (icl/dai_claims.hpp) must FAIL at its smallest size.
// Building this file is the proof; its receipts tell `icgd verify` so.
#include "icgd/claims/receipt.hpp"
#include "icgd/icl/dai_claims.hpp"

#include <string>
#include <utility>

namespace icgd::proofs {
namespace {

using icl::DaiBroken;

// The instance lives inside each function (the g++ 12 note of docs/verification.md).
template <int Dout, int Din, int N>
constexpr bool dai1_agrees(DaiBroken broken = DaiBroken::none) {
  const auto p = icl::dai1_symbolic<Dout, Din, N>();
  const auto s = icl::dai1_sides(p, broken);
  return s.lhs == s.rhs;
}
template <int Dv, int Dk, int D, int Nd, int Tq>
constexpr bool dai2_agrees(DaiBroken broken = DaiBroken::none) {
  const auto p = icl::dai2_symbolic<Dv, Dk, D, Nd, Tq>();
  const auto s = icl::dai2_sides(p, broken);
  return s.lhs == s.rhs;
}
template <int D, int Tn>
constexpr bool dai4_agrees(DaiBroken broken = DaiBroken::none) {
  const auto p = icl::dai4_symbolic<D, Tn>();
  const auto s = icl::dai4_sides(p, broken);
  return s.lhs == s.rhs;
}

// Sweeps: every (Dout, Din) in {1,2,3}² at N = 1..4; (Dv, Dk, D) in {1,2}³ at Nd = 1..3,
// T = 1..2; D in {1,2} at t = 1..8.
template <int Dout, int Din, int... N>
constexpr bool dai1_row(std::integer_sequence<int, N...>) { return (dai1_agrees<Dout, Din, N + 1>() && ...); }
template <int Dout, int... Din>
constexpr bool dai1_plane(std::integer_sequence<int, Din...>) {
  return (dai1_row<Dout, Din + 1>(std::make_integer_sequence<int, 4>{}) && ...);
}
template <int... Dout>
constexpr bool dai1_sweep(std::integer_sequence<int, Dout...>) {
  return (dai1_plane<Dout + 1>(std::make_integer_sequence<int, 3>{}) && ...);
}

template <int Dv, int Dk, int D, int Nd, int... Tq>
constexpr bool dai2_t(std::integer_sequence<int, Tq...>) { return (dai2_agrees<Dv, Dk, D, Nd, Tq + 1>() && ...); }
template <int Dv, int Dk, int D, int... Nd>
constexpr bool dai2_n(std::integer_sequence<int, Nd...>) {
  return (dai2_t<Dv, Dk, D, Nd + 1>(std::make_integer_sequence<int, 2>{}) && ...);
}
template <int Dv, int Dk, int... D>
constexpr bool dai2_d(std::integer_sequence<int, D...>) {
  return (dai2_n<Dv, Dk, D + 1>(std::make_integer_sequence<int, 3>{}) && ...);
}
template <int Dv, int... Dk>
constexpr bool dai2_k(std::integer_sequence<int, Dk...>) {
  return (dai2_d<Dv, Dk + 1>(std::make_integer_sequence<int, 2>{}) && ...);
}
template <int... Dv>
constexpr bool dai2_sweep(std::integer_sequence<int, Dv...>) {
  return (dai2_k<Dv + 1>(std::make_integer_sequence<int, 2>{}) && ...);
}

template <int D, int... Tn>
constexpr bool dai4_row(std::integer_sequence<int, Tn...>) { return (dai4_agrees<D, Tn + 1>() && ...); }
template <int... D>
constexpr bool dai4_sweep(std::integer_sequence<int, D...>) {
  return (dai4_row<D + 1>(std::make_integer_sequence<int, 8>{}) && ...);
}

constexpr bool dai1_proved = dai1_sweep(std::make_integer_sequence<int, 3>{});
constexpr bool dai2_proved = dai2_sweep(std::make_integer_sequence<int, 2>{});
constexpr bool dai4_proved = dai4_sweep(std::make_integer_sequence<int, 2>{});

ICGD_PROVE("DAI-1", std::string("(Dout,Din,N) in {1..3}x{1..3}x{1..4}, symbolic"), proved, dai1_proved,
           "DAI-1 (Dai et al. Eqs. 7-9): (W_0 + sum_i e_i x'_i^T) x is not W_0 x + E X'^T x");
ICGD_PROVE("DAI-2", std::string("(Dv,Dk,D,Nd,T) in {1,2}^3 x {1..3} x {1,2}, symbolic"), proved, dai2_proved,
           "DAI-2 (Dai et al. Eqs. 10-12): relaxed attention over [X' X] is not (W_ZSL + dW_ICL) q");
ICGD_PROVE("DAI-4", std::string("D in {1,2}, t = 1..8, eta symbolic"), proved, dai4_proved,
           "DAI-4 (Dai et al., momentum attention): the recursion is not sum_{i<t} eta^(t-i) v_i");
// The controls must fail at the smallest size where they differ from the claim.
ICGD_PROVE("DAI-1b", std::string("Dout=1 Din=1 N=1"), refuted, !(dai1_agrees<1, 1, 1>(DaiBroken::error_sign)),
           "DAI-1b: the wrong-signed error signals must NOT give the trained layer");
ICGD_PROVE("DAI-2b", std::string("Dv=1 Dk=1 D=1 Nd=1 T=1"), refuted,
           !(dai2_agrees<1, 1, 1, 1, 1>(DaiBroken::demos_dropped)),
           "DAI-2b: W_ZSL q alone must NOT be attention over the demonstrations too");
ICGD_PROVE("DAI-4b", std::string("D=1 t=3"), refuted, !(dai4_agrees<1, 3>(DaiBroken::newest_not_decayed)),
           "DAI-4b: m_t = eta m_{t-1} + v_{t-1} must NOT be sum_{i<t} eta^(t-i) v_i");

}  // namespace
}  // namespace icgd::proofs
