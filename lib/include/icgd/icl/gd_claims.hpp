// icgd/icl/gd_claims.hpp — the constructions of the GD-emulation claims VO-1 … VO-4 and of their
// negative controls, written once over the scalar type, for the fixed-size engines: the proofs
// (proofs/fixed, over Polynomial at compile time) and `icgd verify`'s runtime symbolic and exact
// rational engines. The statements themselves live in the claim registry (lib/src/claims); this
// header only says how each claim is built (von Oswald et al. 2023, Prop. 1 and Sec. 3; the
// mathematics is stated in docs/papers/von_oswald.md).
#pragma once

#include "icgd/icl/gd_emulation.hpp"

#include <optional>
#include <string_view>

namespace icgd::icl {

/// A deliberately broken construction: the negative control an engine must refute.
enum class Broken {
  none,
  value_sign,        ///< VO-1b: W_V = [[0, 0], [W_0, +I]] instead of −I
  readout_sign,      ///< VO-2b: the prediction read as +(y-slot), without von Oswald's sign flip
  query_among_keys,  ///< VO-3b: the query among keys and values
  undamped_layers,   ///< VO-4's control: layers not damped, GD step still λη
};

/// How a claim of the family is stated.
struct GdConstruction {
  bool stack;        ///< K layers (VO-3, VO-3b, VO-4) or one (VO-1, VO-2)
  Columns columns;   ///< which tokens the claim speaks about
  bool damped;       ///< damping λ (VO-4)
  Broken control;    ///< the claim's negative control (none for VO-3b, which IS one)
  bool negative;     ///< the claim is a negative control: its construction must fail (VO-3b)
};

/// The construction behind a registry id, or nullopt when the fixed-size engines do not check it.
constexpr std::optional<GdConstruction> gd_construction(std::string_view id) {
  if (id == "VO-1") return GdConstruction{false, Columns::context, false, Broken::value_sign, false};
  if (id == "VO-2") return GdConstruction{false, Columns::query, false, Broken::readout_sign, false};
  if (id == "VO-3") return GdConstruction{true, Columns::all, false, Broken::query_among_keys, false};
  if (id == "VO-3b") return GdConstruction{true, Columns::all, false, Broken::none, true};
  if (id == "VO-4") return GdConstruction{true, Columns::all, true, Broken::undamped_layers, false};
  return std::nullopt;
}

/// λ of the damped claim: a variable where the engine is symbolic, 3/4 (the reference notebook's
/// 0.75) where it is exact.
template <class T>
constexpr T damping_value() {
  if constexpr (std::is_same_v<T, Polynomial>) return Polynomial(Var('l'));
  else return scalar_traits<T>::from_rational(Rational(3, 4));
}

/// The two token matrices a claim compares: what the layers produce (`actual`) and what GD
/// predicts (`expected`), for the claim's construction or, with `broken`, its control.
template <class T, int Nx, int Ny, int N>
struct GdSides {
  TokenMatrix<T, Nx, Ny, N> actual, expected;
};
template <class T, int Nx, int Ny, int N>
constexpr GdSides<T, Nx, Ny, N> gd_claim_sides(const RegressionInstance<T, Nx, Ny, N>& p,
                                               const GdConstruction& c, int layers, Broken broken) {
  auto head = prop1_head(p.W0, p.eta, p.n());
  QueryInKeys mode = QueryInKeys::excluded;
  if (c.negative) mode = QueryInKeys::included;  // if/else, not ?: (g++ 12 constexpr note)
  T layer_damping = scalar_traits<T>::one();
  T gd_damping = scalar_traits<T>::one();
  if (c.damped) {
    layer_damping = damping_value<T>();
    gd_damping = damping_value<T>();
  }
  switch (broken) {
    case Broken::none: break;
    case Broken::value_sign:
      for (int b = 0; b < p.ny(); ++b) head.W_V(p.nx() + b, p.nx() + b) = scalar_traits<T>::one();
      break;
    case Broken::readout_sign: break;  // applied to the read-out below
    case Broken::query_among_keys: mode = QueryInKeys::included; break;
    case Broken::undamped_layers: layer_damping = scalar_traits<T>::one(); break;
  }
  GdSides<T, Nx, Ny, N> sides{apply_layers(prop1_tokens(p), {head}, mode, layers, layer_damping),
                              gd_prediction(p, gd_damping * p.eta, layers)};
  if (broken == Broken::readout_sign) {
    // Reading ŷ = +(y-slot) instead of −(y-slot) is the same as comparing the query's y-slot
    // with +W_K x_q instead of −W_K x_q.
    for (int b = 0; b < p.ny(); ++b)
      sides.expected(p.nx() + b, p.n()) = -sides.expected(p.nx() + b, p.n());
  }
  return sides;
}

/// True when the layers reproduce GD on the claim's columns (for `broken`: the control agrees).
template <class T, int Nx, int Ny, int N>
constexpr bool gd_construction_agrees(const RegressionInstance<T, Nx, Ny, N>& p, const GdConstruction& c,
                                      int layers, Broken broken) {
  const auto sides = gd_claim_sides(p, c, layers, broken);
  return columns_agree(sides.actual, sides.expected, c.columns);
}

/// True when the control computes exactly what the construction computes on this instance
/// (both sides equal on the claim's columns): the control then coincides with the claim there —
/// e.g. VO-1's +I control at N = 1 with a zero label — and agreeing with GD refutes nothing.
template <class T, int Nx, int Ny, int N>
constexpr bool gd_control_coincides(const RegressionInstance<T, Nx, Ny, N>& p, const GdConstruction& c, int layers) {
  if (c.control == Broken::none) return false;
  const auto construction = gd_claim_sides(p, c, layers, Broken::none);
  const auto control = gd_claim_sides(p, c, layers, c.control);
  return columns_agree(construction.actual, control.actual, c.columns) &&
         columns_agree(construction.expected, control.expected, c.columns);
}

}  // namespace icgd::icl
