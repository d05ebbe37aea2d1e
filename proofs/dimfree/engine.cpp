// Compile-time regression tests of the dimension-free engine itself (mp-units style: each case
// says which bug it would catch). The claims are in von_oswald.cpp and ahn_zfb_dai.cpp.
#include "icgd/dimfree/matrix.hpp"

namespace {
using namespace icgd::dimfree;
using icgd::Rational;

using Nx = dim<"Nx">;
using Ny = dim<"Ny">;
using N = dim<"N">;

// A (Nx×N), B (N×Ny), C (Ny×Nx), square P, Q (Nx×Nx), symmetric S (Nx×Nx), vectors u, v (Nx×1),
// y (Ny×1), a 1×1 symbol s.
constexpr auto A() { return symbol<"A", Nx, N>(); }
constexpr auto B() { return symbol<"B", N, Ny>(); }
constexpr auto C() { return symbol<"C", Ny, Nx>(); }
constexpr auto P() { return symbol<"P", Nx, Nx>(); }
constexpr auto Q() { return symbol<"Q", Nx, Nx>(); }
constexpr auto S() { return symmetric_symbol<"S", Nx>(); }
constexpr auto u() { return symbol<"u", Nx, one>(); }
constexpr auto v() { return symbol<"v", Nx, one>(); }
constexpr auto y() { return symbol<"y", Ny, one>(); }
constexpr auto s() { return symbol<"s", one, one>(); }

// (AB)ᵀ = BᵀAᵀ: catches a transpose that forgets to reverse the word or to flip letters.
static_assert(transpose(A() * B()) == transpose(B()) * transpose(A()));
// (Aᵀ)ᵀ = A: catches a transpose flag that is set instead of toggled.
static_assert(transpose(transpose(A())) == A());
// Sᵀ = S for a declared symmetric symbol, and (P S Q)ᵀ = Qᵀ S Pᵀ.
static_assert(transpose(S()) == S());
static_assert(transpose(P() * S() * Q()) == transpose(Q()) * S() * transpose(P()));
// ... but Pᵀ ≠ P for an undeclared one: catches symmetry assumed by default.
static_assert(!(transpose(P()) == P()));
// Non-commutativity: catches letters sorted inside a word.
static_assert(!(P() * Q() == Q() * P()));
// Associativity across bracketings, including through 1×1 quantities: catches canonicalising a
// whole 1×1 expression by min(w, wᵀ) (docs/dimension_free.md; ZFB-2 is the classic victim).
static_assert((transpose(u()) * P()) * (v() * transpose(u())) * Q() * v() ==
              transpose(u()) * (P() * v()) * ((transpose(u()) * Q()) * v()));
// A 1×1 segment equals its transpose: uᵀv = vᵀu and uᵀPv = vᵀPᵀu.
static_assert(transpose(u()) * v() == transpose(v()) * u());
static_assert(transpose(u()) * P() * v() == transpose(v()) * transpose(P()) * u());
// 1×1 segments commute with everything: u (vᵀ P u) yᵀ = (vᵀ P u) · u yᵀ, and with each other.
static_assert(u() * (transpose(v()) * P() * u()) * transpose(y()) ==
              to_scalar(transpose(v()) * P() * u()) * (u() * transpose(y())));
static_assert(to_scalar(s()) * to_scalar(transpose(u()) * v()) * P() ==
              P() * to_scalar(transpose(v()) * u()) * to_scalar(s()));
// ... but an outer product u vᵀ is not a scalar and does not commute: catches cutting at a
// symbolic dimension or at the ends of a word.
static_assert(!(u() * transpose(v()) == v() * transpose(u())));
// y yᵀ y yᵀ = (yᵀy) · y yᵀ: the inner 1×1 segment is cut out, the outer product stays a word.
static_assert(y() * transpose(y()) * y() * transpose(y()) ==
              to_scalar(transpose(y()) * y()) * (y() * transpose(y())));
// Scalars commute; c·c⁻¹ = 1 for c declared nonzero; rational coefficients add exactly.
static_assert(scalar<"eta">() * (scalar<"gamma">() * A()) == scalar<"gamma">() * A() * scalar<"eta">());
static_assert(nonzero_scalar<"c">() * inverse(nonzero_scalar<"c">()) * A() == A());
static_assert(Scalar(Rational{1, 2}) * A() + Scalar(Rational{1, 2}) * A() == A());
static_assert(A() - A() == zero<Nx, N>());
// Identity and zero blocks carry their shape: I_Nx A = A = A I_N, 0 · A = 0.
static_assert(identity<Nx>() * A() == A() && A() * identity<N>() == A());
static_assert(zero<Ny, Nx>() * A() == zero<Ny, N>());
// I_Nx and I_N never meet: equal-looking identities of different dimensions differ.
static_assert(!(identity<Nx>().value() == identity<N>().value()));
// Two symbols that share a name but not a shape are different symbols (identity is by content).
static_assert(!(symbol<"X", Nx, N>().value() == transpose(symbol<"X", N, Nx>()).value()));
// Block products are blockwise: [P | A] [Q ; Aᵀ] = P Q + A Aᵀ.
static_assert(hcat(P(), A()) * vcat(Q(), transpose(A())) == P() * Q() + A() * transpose(A()));
// Transpose of a block matrix transposes the grid and each block.
static_assert(transpose(vcat(hcat(P(), A()), hcat(C(), transpose(B())))) ==
              vcat(hcat(transpose(P()), transpose(C())), hcat(transpose(A()), B())));
// Block extraction and reassembly round-trip.
constexpr auto grid() { return vcat(hcat(P(), A()), hcat(C(), transpose(B()))); }
static_assert(vcat(hcat(block<0, 0>(grid()), block<0, 1>(grid())),
                   hcat(block<1, 0>(grid()), block<1, 1>(grid()))) == grid());
}  // namespace
