// proofs/fixed/prop1_proofs.hpp — VO-1 and VO-2 (theory.md §E; von Oswald et al. 2023, Prop. 1)
// at one Nx, swept over Ny × N with Boost.Hana. Included by one translation unit per Nx.
//
// Symbolic instance: every entry of X, Y, x_q, W_0 and η is a variable, so agreement of the
// canonical polynomials is the identity for all real inputs of that size. Exact instances:
// random rationals, a second, independent route through the same templates.
#pragma once

#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"
#include "icgd/icl/proof_sizes.hpp"

#include <boost/hana.hpp>

namespace icgd::proofs {
namespace hana = boost::hana;
using icl::Columns;

struct Verdict {
  bool vo1;  // context columns: (x_j, y_j) → (x_j, y_j − ΔW x_j)
  bool vo2;  // query column: (x_q, −W_0 x_q) → (x_q, −(W_0 + ΔW) x_q)
};

// One evaluation computes both claims (the layer and GD are run once).
// The instance lives inside the function: a temporary of a type that owns constexpr
// allocations inside a static_assert trips a g++ 12 double-destruction bug (DESIGN.md).
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

template <int Nx>
constexpr void prove_prop1_group() {
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
}

}  // namespace icgd::proofs
