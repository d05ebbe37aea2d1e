// Proposition 1 of von Oswald et al. (2023), proved by the compiler at one size, then printed.
//
// Claims VO-1 and VO-2 (docs/papers/von_oswald.md, "Claim definitions"): one linear self-attention layer with the weights
//   W_K = W_Q = [[I, 0], [0, 0]],  W_V = [[0, 0], [W_0, −I]],  P = (η/N) I
// maps every context token (x_j, y_j) to (x_j, y_j − ΔW x_j) and the query (x_q, −W_0 x_q) to
// (x_q, −(W_0 + ΔW) x_q), where ΔW = −η ∇L(W_0) is one gradient-descent step.
//
// Every entry of X, Y, x_q, W_0 and η is its own variable (icgd::Polynomial), so the
// static_assert below is the identity for ALL real inputs of this size. If it were false, this
// file would not compile, and the compiler's message would name the claim.
#include "icgd/icl/gd_emulation.hpp"  // prop1_head, apply_layers, gd_prediction, columns_agree
#include "icgd/icl/instances.hpp"     // symbolic_instance

#include <cstdio>
#include <cstring>
#include <string>

using namespace icgd;

constexpr int Nx = 2, Ny = 1, N = 2;  // a size of our choice; the build proves Nx ≤ 4, N ≤ 5

// What the layer computes, and what one GD step predicts, on the fully symbolic instance.
// (The instance is built inside the function: a g++ 12 constexpr bug forbids passing a
// temporary that owns constexpr allocations into a static_assert; see docs/verification.md, "Compiler notes".)
constexpr bool layer_is_gd_step(icl::Columns columns, int value_sign) {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  auto head = icl::prop1_head(p.W0, p.eta, N);
  for (int b = 0; b < Ny; ++b) head.W_V(Nx + b, Nx + b) = Polynomial(value_sign);
  const auto after = icl::apply_layers(icl::prop1_tokens(p), {head}, icl::QueryInKeys::excluded, 1);
  const auto gd = icl::gd_prediction(p, p.eta, /*steps=*/1);
  return icl::columns_agree(after, gd, columns);
}

static_assert(layer_is_gd_step(icl::Columns::context, -1), "VO-1: context tokens are not one GD step");
static_assert(layer_is_gd_step(icl::Columns::query, -1), "VO-2: the query is not one GD step");
// The negative control: +I instead of −I in W_V. The check must be able to fail, and does.
static_assert(!layer_is_gd_step(icl::Columns::context, +1), "VO-1b: the broken W_V must NOT pass");

// Prints a long polynomial over several lines, breaking before " + " and " - " (no trailing
// spaces: the output is compared byte for byte with prop1_proof.out).
void print_wrapped(const char* label, const std::string& text) {
  const std::string indent(std::strlen(label), ' ');
  std::string line = label;
  bool line_empty = true;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t sign = text.find(" + ", start + 1);
    const std::size_t minus = text.find(" - ", start + 1);
    if (minus < sign) sign = minus;
    const std::size_t end = sign == std::string::npos ? text.size() : sign;
    const std::string term = text.substr(start, end - start);
    if (!line_empty && line.size() + 1 + term.size() > 100) {
      std::printf("%s\n", line.c_str());
      line = indent;
      line_empty = true;
    }
    line += (line_empty ? "" : " ") + term;
    line_empty = false;
    start = end == text.size() ? end : end + 1;  // the next term starts with its sign
  }
  std::printf("%s\n", line.c_str());
}

int main() {
  const auto p = icl::symbolic_instance<Nx, Ny, N>();
  const auto after = icl::apply_layers(icl::prop1_tokens(p), {icl::prop1_head(p.W0, p.eta, N)},
                                       icl::QueryInKeys::excluded, 1);
  // von Oswald's read-out: the prediction is MINUS the query's y-slot (docs/papers/von_oswald.md, "Conventions that bite").
  const Polynomial transformer = icl::prop1_prediction<Ny>(after, Nx, Ny)(0, 0);
  const Polynomial gradient_descent = (icl::gd_step(p.W0, p.X, p.Y, p.eta) * p.xq)(0, 0);

  std::printf("Proposition 1 at Nx = %d, Ny = %d, N = %d (proved by the static_asserts above)\n", Nx, Ny, N);
  std::printf("variables: x[i][a] input i, coordinate a; y[i][0] label i; xq[a] query; W0[0][a]; eta\n\n");
  print_wrapped("-(query y-slot) after the layer = ", transformer.to_string());
  std::printf("equal to one GD step (W0 - eta grad L(W0)) xq: %s (%zu terms)\n\n",
              transformer == gradient_descent ? "yes" : "no", transformer.size());

  // The negative control VO-1b: what the layer gets wrong with +I instead of −I in W_V.
  auto broken = icl::prop1_head(p.W0, p.eta, N);
  for (int b = 0; b < Ny; ++b) broken.W_V(Nx + b, Nx + b) = Polynomial(1);
  const auto after_broken = icl::apply_layers(icl::prop1_tokens(p), {broken}, icl::QueryInKeys::excluded, 1);
  const Polynomial error = icl::prop1_prediction<Ny>(after_broken, Nx, Ny)(0, 0) - gradient_descent;
  print_wrapped("with +I in W_V: prediction - GD = ", error.to_string());
  return transformer == gradient_descent && !error.is_zero() ? 0 : 1;
}
