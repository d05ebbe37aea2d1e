// VO-3 and VO-4 (von Oswald et al. 2023, Sec. 3; stated in docs/papers/von_oswald.md): K
// applications of the same Prop. 1 layer, query excluded from keys and values, are K GD steps
// from W_0 on the original data — context y-slots hold y_i − (W_K − W_0) x_i and the query holds
// −W_K x_q. With damping E ← E + λ·LSA(E) the same holds with step λη (λ a variable). And VO-3b:
// with the query among keys and values the identity FAILS. Sizes: icgd/icl/proof_sizes.hpp.
#include "icgd/claims/receipt.hpp"
#include "icgd/icl/gd_claims.hpp"
#include "icgd/icl/instances.hpp"
#include "icgd/icl/proof_sizes.hpp"

#include <boost/hana.hpp>

#include <string>

namespace icgd::proofs {
namespace hana = boost::hana;

template <int Nx, int Ny, int N>
constexpr bool stack_symbolic(std::string_view claim_id, int layers) {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  return icl::gd_construction_agrees(p, *icl::gd_construction(claim_id), layers, icl::Broken::none);
}

/// The negative control of `claim_id` (VO-3: the query among keys, VO-4: the layers undamped)
/// must FAIL at this size.
template <int Nx, int Ny, int N>
constexpr bool stack_control_refuted(std::string_view claim_id, int layers) {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  const auto claim = *icl::gd_construction(claim_id);
  return !icl::gd_construction_agrees(p, claim, layers, claim.control);
}

template <std::size_t I>
constexpr bool prove_stack() {
  constexpr auto s = icl::proof_sizes::stack_sizes[I];
  static_assert(stack_symbolic<s.nx, s.ny, s.n>("VO-3", s.layers),
                "VO-3: K shared Prop. 1 layers (query excluded from keys/values) are not K GD steps");
  static_assert(stack_symbolic<s.nx, s.ny, s.n>("VO-4", s.layers),
                "VO-4: K damped layers E <- E + lambda*LSA(E) are not K GD steps with step lambda*eta");
  return true;
}

/// Instantiating it runs every static_assert of the sweep; true only when all of them compiled.
constexpr bool prove_all_stacks() {
  hana::for_each(hana::make_range(hana::size_c<0>, hana::size_c<icl::proof_sizes::stack_sizes.size()>),
                 [](auto i) { prove_stack<decltype(i)::value>(); });
  return true;
}

/// "(Nx,Ny,N,K) in {(1,1,2,2), ...}", the sizes this unit proves (append: see prop1_proofs.hpp).
inline std::string stack_sizes_text() {
  std::string out = "(Nx,Ny,N,K) in {";
  bool first = true;
  for (const auto& z : icl::proof_sizes::stack_sizes) {
    out.append(first ? "(" : ", (");
    first = false;
    for (const int v : {z.nx, z.ny, z.n, z.layers}) out.append(std::to_string(v)).append(",");
    out.back() = ')';
  }
  out.append("}, symbolic");
  return out;
}

namespace {
constexpr bool proved = prove_all_stacks();
ICGD_PROVE("VO-3", stack_sizes_text(), proved, proved, "VO-3: shared layers = GD steps");
ICGD_PROVE("VO-4", stack_sizes_text(), proved, proved, "VO-4: damped shared layers = GD steps of size lambda*eta");
// VO-3b: the query among keys and values must break VO-3 (K = 2; the smallest size where the
// spurious term survives). proofs/must_fail/vo3b_query_among_keys.cpp asserts the opposite and
// must not compile.
ICGD_PROVE("VO-3b", "Nx=2 Ny=1 N=2 K=2", refuted, !(stack_symbolic<2, 1, 2>("VO-3b", 2)),
           "VO-3b: with the query among keys and values, 2 shared layers must NOT be 2 GD steps");
// VO-4b: undamped layers against GD steps of size lambda*eta must not agree (K = 2).
ICGD_PROVE("VO-4b", "Nx=1 Ny=1 N=2 K=2", refuted, (stack_control_refuted<1, 1, 2>("VO-4", 2)),
           "VO-4b: undamped layers must NOT be GD steps of size lambda*eta");
}  // namespace

}  // namespace icgd::proofs
