// proofs/fixed/prop1_proofs.hpp — VO-1 and VO-2 (von Oswald et al. 2023, Prop. 1; stated in
// docs/papers/von_oswald.md) at one Nx, swept over Ny × N with Boost.Hana. Included by one
// translation unit per Nx, which records what it proved with ICGD_PROVE (claims/receipt.hpp).
//
// Symbolic instance: every entry of X, Y, x_q, W_0 and η is a variable, so agreement of the
// canonical polynomials is the identity for all real inputs of that size. Exact instances:
// random rationals, a second, independent route through the same templates.
#pragma once

#include "icgd/claims/receipt.hpp"
#include "icgd/icl/gd_claims.hpp"
#include "icgd/icl/instances.hpp"
#include "icgd/icl/proof_sizes.hpp"

#include <boost/hana.hpp>

#include <string>
#include <string_view>

namespace icgd::proofs {
namespace hana = boost::hana;
using icl::Columns;

struct Verdict {
  bool vo1;  // context columns: (x_j, y_j) → (x_j, y_j − ΔW x_j)
  bool vo2;  // query column: (x_q, −W_0 x_q) → (x_q, −(W_0 + ΔW) x_q)
};

// One evaluation computes both claims (the layer and GD are run once).
// The instance lives inside the function: a temporary of a type that owns constexpr
// allocations inside a static_assert trips a g++ 12 double-destruction bug (docs/verification.md, "Compiler notes").
template <int Nx, int Ny, int N>
constexpr Verdict prop1_symbolic() {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  const auto actual = icl::apply_layers(icl::prop1_tokens(p), {icl::prop1_head(p.W0, p.eta, N)},
                                        icl::QueryInKeys::excluded, 1);
  const auto expected = icl::gd_prediction(p, p.eta, 1);
  return {icl::columns_agree(actual, expected, Columns::context),
          icl::columns_agree(actual, expected, Columns::query)};
}

template <int Nx, int Ny, int N>
constexpr Verdict prop1_rational(unsigned long long seed) {
  const auto p = icl::random_rational_instance<Nx, Ny, N>(seed);
  return {icl::prop1_matches_gd(p, 1, Columns::context), icl::prop1_matches_gd(p, 1, Columns::query)};
}

/// Evaluated in a constant expression by ICGD_PROVE: instantiating it runs every static_assert
/// below, so `true` is returned only when all of them compiled.
template <int Nx>
constexpr bool prove_prop1_group() {
  using namespace icl::proof_sizes;
  hana::for_each(hana::make_range(hana::int_c<0>, hana::int_c<int(prop1_ny.size())>), [](auto iy) {
    hana::for_each(hana::make_range(hana::int_c<0>, hana::int_c<int(prop1_n.size())>), [](auto in) {
      constexpr int Ny = prop1_ny[decltype(iy)::value];
      constexpr int N = prop1_n[decltype(in)::value];
      constexpr Verdict symbolic = prop1_symbolic<Nx, Ny, N>();
      static_assert(symbolic.vo1, "VO-1 (von Oswald Prop. 1): one LSA layer is not one GD step on the context tokens");
      static_assert(symbolic.vo2, "VO-2 (von Oswald Prop. 1): the query read-out is not the one-step GD prediction");
      hana::for_each(hana::make_range(hana::int_c<0>, hana::int_c<int(rational_seeds.size())>), [](auto is) {
        constexpr Verdict exact = prop1_rational<Nx, Ny, N>(rational_seeds[decltype(is)::value]);
        static_assert(exact.vo1, "VO-1 (exact rational instance): context tokens differ from one GD step");
        static_assert(exact.vo2, "VO-2 (exact rational instance): query differs from one GD step");
      });
    });
  });
  return true;
}

/// The negative control of `claim_id` (VO-1: +I in W_V, VO-2: the read-out +(y-slot)) must FAIL on
/// the symbolic instance at Nx × Ny × N: an engine that cannot tell it apart proves nothing.
template <int Nx, int Ny, int N>
constexpr bool prop1_control_refuted(std::string_view claim_id) {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  const auto claim = *icl::gd_construction(claim_id);
  return !icl::gd_construction_agrees(p, claim, 1, claim.control);
}

/// "Nx=1 x Ny={1,2} x N={1,2,3,4,5}, ...", what one unit proves (from proof_sizes.hpp). Built with
/// append, not `"{" + s + "}"`: g++ 12 warns falsely (-Wrestrict) on operator+ with a literal.
inline std::string prop1_sizes_text(int nx) {
  using namespace icl::proof_sizes;
  auto append_list = [](std::string& out, const auto& values) {
    out.append("{");
    for (std::size_t i = 0; i < values.size(); ++i) out.append(i ? "," : "").append(std::to_string(values[i]));
    out.append("}");
  };
  std::string out = "Nx=";
  out.append(std::to_string(nx)).append(" x Ny=");
  append_list(out, prop1_ny);
  out.append(" x N=");
  append_list(out, prop1_n);
  out.append(", symbolic and ").append(std::to_string(rational_seeds.size())).append(" rational instances each");
  return out;
}

}  // namespace icgd::proofs
