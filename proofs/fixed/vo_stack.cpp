// VO-3 and VO-4 (theory.md §E, A.4): K applications of the same Prop. 1 layer, query excluded
// from keys and values, are K GD steps from W_0 on the original data — context y-slots hold
// y_i − (W_K − W_0) x_i and the query holds −W_K x_q. With damping E ← E + λ·LSA(E) the same
// holds with step λη (λ a variable). Sizes: icgd/icl/proof_sizes.hpp (stack_sizes).
#include "icgd/icl/gd_emulation.hpp"
#include "icgd/icl/instances.hpp"
#include "icgd/icl/proof_sizes.hpp"

#include <boost/hana.hpp>

namespace icgd::proofs {
namespace hana = boost::hana;

template <int Nx, int Ny, int N>
constexpr bool stack_symbolic(int layers, bool damped) {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  // Undamped: λ = 1 (VO-3). Damped: λ is its own variable (VO-4). if/else, not `?:`: a `?:`
  // whose result is a Polynomial temporary is double-destroyed by g++ 12 (DESIGN.md).
  Polynomial damping(1);
  if (damped) damping = Polynomial(Var('l'));
  return icl::prop1_matches_gd(p, layers, icl::Columns::all, damping);
}

template <std::size_t I>
constexpr void prove_stack() {
  constexpr auto s = icl::proof_sizes::stack_sizes[I];
  static_assert(stack_symbolic<s.nx, s.ny, s.n>(s.layers, false),
                "VO-3: K shared Prop. 1 layers (query excluded from keys/values) are not K GD steps");
  static_assert(stack_symbolic<s.nx, s.ny, s.n>(s.layers, true),
                "VO-4: K damped layers E <- E + lambda*LSA(E) are not K GD steps with step lambda*eta");
}

void prove_all_stacks() {
  hana::for_each(hana::make_range(hana::size_c<0>, hana::size_c<icl::proof_sizes::stack_sizes.size()>),
                 [](auto i) { prove_stack<decltype(i)::value>(); });
}

}  // namespace icgd::proofs
