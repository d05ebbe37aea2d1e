// The dimension-free engine: Proposition 1 proved for EVERY Nx, Ny, N at once, and the normal
// forms it compares, printed.
//
// Matrices are symbols with symbolic shapes (X is Nx × N, W0 is Ny × Nx, ...); tokens are block
// matrices with rows (x | y) and columns (context | query). An identity holds when both sides
// reach the same canonical normal form (docs/dimension_free.md explains why that is a proof for
// all sizes). The construction below is written here from the engine's building blocks
// (icgd/dimfree/layers.hpp); the library's own version is icgd::dimfree::claims::vo2.
#include "icgd/dimfree/claims.hpp"  // ClaimSides, holds<>, layers::*, claims::vo3b
#include "icgd/dimfree/print.hpp"   // to_string, first_difference (runtime only)

#include <cstdio>
#include <string>

using namespace icgd::dimfree;
using namespace icgd::dimfree::layers;
using Nx = dim<"Nx">;
using Ny = dim<"Ny">;
using N = dim<"N">;

// VO-2 (docs/papers/von_oswald.md, "Claim definitions"): the query token after one Prop. 1 layer, read out as −(y-slot), is the
// one-step GD prediction (W0 − η ∇L(W0)) x_q.
constexpr ClaimSides query_after_one_layer() {
  const auto X = symbol<"X", Nx, N>();     // context inputs, one per column
  const auto Y = symbol<"Y", Ny, N>();     // context labels
  const auto W0 = symbol<"W0", Ny, Nx>();  // the inner model's initial weights
  const auto xq = symbol<"x_q", Nx, one>();
  const Scalar eta = scalar<"eta">();
  const Scalar inv_N = scalar<"1/N">();  // an opaque scalar: never tied to the dimension N

  const auto w = prop1_weights(W0, eta, inv_N);  // W_K = W_Q = [[I,0],[0,0]], W_V = [[0,0],[W0,-I]], P = (eta/N) I
  const auto E0 = tokens(X, xq, Y, -(W0 * xq));  // the query's y-slot starts at −W0 x_q
  const auto E1 = lsa_layer(E0, w.W_PV(), w.W_KQ(), mask_query_excluded<N>(), Scalar(1));
  const auto prediction = -block<1, 1>(E1);      // von Oswald reads ŷ = −(y-slot)
  const auto W1 = gd_step(W0, X, Y, eta, inv_N);  // W0 − (eta/N)(W0 X − Y) Xᵀ
  return {prediction.value(), (W1 * xq).value()};
}

// Building this file is the proof, for every size at once.
static_assert(holds<query_after_one_layer>(), "VO-2: the read-out is not one GD step");
// A negative control from the library: the query among keys and values, two layers (VO-3b).
static_assert(!holds<claims::vo3b>(), "VO-3b: the query among keys/values must break VO-3");

int main() {
  const ClaimSides vo2 = query_after_one_layer();
  std::printf("VO-2, every Nx, Ny, N: prediction -(query y-slot) after one Prop. 1 layer\n");
  std::printf("  transformer: %s\n", to_string(vo2.lhs).c_str());
  std::printf("  GD step:     %s\n", to_string(vo2.rhs).c_str());
  std::printf("  identical normal forms: %s\n\n", vo2.lhs == vo2.rhs ? "yes" : "no");

  const ClaimSides stack = claims::vo3<2>();
  std::string blocks = "  " + to_string(stack.lhs);  // one line per block, indented
  for (std::size_t at = blocks.find('\n'); at != std::string::npos; at = blocks.find('\n', at + 1))
    blocks.insert(at + 1, "  ");
  std::printf("VO-3, K = 2 shared layers, query excluded from keys/values (the whole token matrix):\n%s\n",
              blocks.c_str());
  std::printf("  identical to 2 GD steps: %s\n\n", stack.lhs == stack.rhs ? "yes" : "no");

  const ClaimSides control = claims::vo3b();
  std::printf("VO-3b (negative control), the query among keys and values, K = 2:\n");
  std::printf("  identical: %s\n  first difference: %s\n", control.lhs == control.rhs ? "yes" : "no",
              first_difference(control.lhs, control.rhs).c_str());
  return vo2.lhs == vo2.rhs && stack.lhs == stack.rhs && !(control.lhs == control.rhs) ? 0 : 1;
}
