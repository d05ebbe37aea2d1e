// icgd/icl/instances.hpp — the inputs the three engines check a claim on.
//
//  - symbolic: every entry of X, Y, x_q, W_0 and η is its own variable, so a claim proved on
//    this instance holds for all real inputs of that size (a polynomial identity);
//  - exact random: small random rationals, checked in exact arithmetic;
//  - (numeric instances in double are built by the Eigen engine, lib/src/claims).
#pragma once

#include "icgd/icl/regression.hpp"

#include <cstdint>

namespace icgd::icl {

/// Variables: x[i][a] (input i, coordinate a), y[i][b], xq[a], W0[b][a], eta.
template <int Nx, int Ny, int N>
constexpr RegressionInstance<Polynomial, Nx, Ny, N> symbolic_instance(int nx = Nx, int ny = Ny,
                                                                      int n = N) {
  RegressionInstance<Polynomial, Nx, Ny, N> p{Mat<Polynomial, Nx, N>(nx, n),
                                              Mat<Polynomial, Ny, N>(ny, n),
                                              Mat<Polynomial, Nx, 1>(nx, 1),
                                              Mat<Polynomial, Ny, Nx>(ny, nx), Polynomial(Var('e'))};
  for (int i = 0; i < n; ++i) {
    for (int a = 0; a < nx; ++a) p.X(a, i) = Var('x', static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(a));
    for (int b = 0; b < ny; ++b) p.Y(b, i) = Var('y', static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(b));
  }
  for (int a = 0; a < nx; ++a) p.xq(a, 0) = Var('q', static_cast<std::uint32_t>(a));
  for (int b = 0; b < ny; ++b)
    for (int a = 0; a < nx; ++a) p.W0(b, a) = Var('w', static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(a));
  return p;
}

/// splitmix64: a tiny constexpr generator, so compile-time and runtime draw the same instances.
struct SplitMix64 {
  std::uint64_t state;
  constexpr std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform integer in [lo, hi].
  constexpr std::int64_t uniform(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
};

/// Random exact instance: entries k/2 with k ∈ [−6, 6] (halves exercise the fraction
/// arithmetic; small numerators keep multi-step checks well inside int64), η = k/16, k ∈ [1, 8].
template <int Nx, int Ny, int N>
constexpr RegressionInstance<Rational, Nx, Ny, N> random_rational_instance(std::uint64_t seed,
                                                                           int nx = Nx,
                                                                           int ny = Ny,
                                                                           int n = N) {
  SplitMix64 rng{seed};
  auto draw = [&rng] { return Rational(rng.uniform(-6, 6), 2); };
  RegressionInstance<Rational, Nx, Ny, N> p{Mat<Rational, Nx, N>(nx, n),
                                            Mat<Rational, Ny, N>(ny, n),
                                            Mat<Rational, Nx, 1>(nx, 1),
                                            Mat<Rational, Ny, Nx>(ny, nx), Rational(0)};
  for (auto& v : p.X.data()) v = draw();
  for (auto& v : p.Y.data()) v = draw();
  for (auto& v : p.xq.data()) v = draw();
  for (auto& v : p.W0.data()) v = draw();
  p.eta = Rational(rng.uniform(1, 8), 16);
  return p;
}

}  // namespace icgd::icl
