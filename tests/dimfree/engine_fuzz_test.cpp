// Fuzz test of the dimension-free engine (docs/dimension_free.md, "Trusting the checker"): thousands of random expressions (products,
// sums, transposes, scalars and inverses, 1×1 and symmetric symbols, 1×1 expressions used as
// scalars) are built twice — as normal forms by the engine and as dense Eigen matrices directly
// from the expression tree — and must agree at several concrete sizes. Then the properties that
// make the normal form canonical: every bracketing of a product, (ab)ᵀ vs bᵀaᵀ, commutativity
// of sums, a 1×1 expression equal to its transpose — all must give IDENTICAL normal forms.
#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dense_eval.hpp"
#include "icgd/dimfree/normal_form.hpp"
#include "icgd/dimfree/print.hpp"

namespace {

using namespace icgd::dimfree;
using namespace icgd::dimfree::testing;
using icgd::Rational;

constexpr DimInfo kNx = make_dim("Nx");
constexpr DimInfo kNy = make_dim("Ny");
constexpr DimInfo kN = make_dim("N");
const DimInfo* const kDims[] = {&kNx, &kNy, &kN, &literal_one_dim};
constexpr ScalarInfo kEta = make_scalar("eta", false);
constexpr ScalarInfo kGamma = make_scalar("gamma", false);
constexpr ScalarInfo kC = make_scalar("c", true);

/// Two plain symbols per shape, plus a symmetric one per square shape (1×1 included: 1×1
/// symbols are scalars). Descriptors and names live as long as the pool.
class SymbolPool {
 public:
  SymbolPool() {
    for (const DimInfo* r : kDims) {
      for (const DimInfo* c : kDims) {
        for (const char* base : {"A", "B"}) add(std::string(base) + "_" + std::string(r->name) + std::string(c->name), *r, *c, false);
        if (r == c) add("S_" + std::string(r->name), *r, *c, true);
      }
    }
  }
  [[nodiscard]] std::vector<const SymbolInfo*> of_shape(const DimInfo* r, const DimInfo* c) const {
    std::vector<const SymbolInfo*> out;
    for (const SymbolInfo& s : symbols_)
      if (s.rows == r && s.cols == c) out.push_back(&s);
    return out;
  }

 private:
  void add(std::string name, const DimInfo& r, const DimInfo& c, bool symmetric) {
    names_.push_back(std::move(name));
    symbols_.push_back(make_symbol(names_.back(), r, c, symmetric));
  }
  std::deque<std::string> names_;  // deque: references stay valid as it grows
  std::deque<SymbolInfo> symbols_;
};

struct Node {
  enum Kind { Symbol, Identity, Zero, Sum, Difference, Product, Transpose, ScalarTimes, InverseTimes, RationalTimes, AtomTimes, Negate };
  Kind kind = Symbol;
  const DimInfo* rows = nullptr;
  const DimInfo* cols = nullptr;
  const SymbolInfo* symbol = nullptr;
  const ScalarInfo* scalar = nullptr;
  Rational q{1};
  std::unique_ptr<Node> a, b;
};

class Generator {
 public:
  Generator(const SymbolPool& pool, std::uint64_t seed) : pool_(pool), rng_(seed) {}

  /// A random dimension; the literal 1 is favoured so that 1×1 segments are frequent.
  const DimInfo* dimension() { return uniform(0, 9) < 4 ? &literal_one_dim : kDims[uniform(0, 2)]; }

  std::unique_ptr<Node> expression(const DimInfo* r, const DimInfo* c, int depth) {
    auto n = std::make_unique<Node>();
    n->rows = r;
    n->cols = c;
    // Leaves (choices 0–9) always at depth 0, and 1 time in 6 above it.
    int choice = uniform(0, 9);
    if (depth > 0 && uniform(0, 5) != 0) choice = uniform(10, 26);
    if (choice < 8) {
      const auto candidates = pool_.of_shape(r, c);
      n->kind = Node::Symbol;
      n->symbol = candidates[static_cast<std::size_t>(uniform(0, static_cast<int>(candidates.size()) - 1))];
    } else if (choice == 8) {
      n->kind = Node::Identity;
      if (r != c) n->kind = Node::Zero;
    } else if (choice == 9) {
      n->kind = Node::Zero;
      if (uniform(0, 3) != 0) {  // zero blocks, but rarely: they erase whole subtrees
        const auto candidates = pool_.of_shape(r, c);
        n->kind = Node::Symbol;
        n->symbol = candidates.front();
      }
    } else if (choice < 13) {
      n->kind = uniform(0, 1) ? Node::Sum : Node::Difference;
      n->a = expression(r, c, depth - 1);
      n->b = expression(r, c, depth - 1);
    } else if (choice < 19) {
      n->kind = Node::Product;
      const DimInfo* k = dimension();
      n->a = expression(r, k, depth - 1);
      n->b = expression(k, c, depth - 1);
    } else if (choice < 21) {
      n->kind = Node::Transpose;
      n->a = expression(c, r, depth - 1);
    } else if (choice < 23) {
      n->kind = uniform(0, 3) == 0 ? Node::InverseTimes : Node::ScalarTimes;
      const ScalarInfo* scalars[] = {&kEta, &kGamma, &kC};
      n->scalar = n->kind == Node::InverseTimes ? &kC : scalars[uniform(0, 2)];
      n->a = expression(r, c, depth - 1);
    } else if (choice < 24) {
      n->kind = Node::RationalTimes;
      const Rational qs[] = {Rational{1, 2}, Rational{-3}, Rational{2, 3}, Rational{-1, 4}};
      n->q = qs[uniform(0, 3)];
      n->a = expression(r, c, depth - 1);
    } else if (choice < 26) {
      n->kind = Node::AtomTimes;  // a 1×1 expression used as a scalar
      n->a = expression(&literal_one_dim, &literal_one_dim, depth - 1);
      n->b = expression(r, c, depth - 1);
    } else {
      n->kind = Node::Negate;
      n->a = expression(r, c, depth - 1);
    }
    return n;
  }

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  const SymbolPool& pool_;
  std::mt19937_64 rng_;
};

Poly to_poly(const Node& n) {
  switch (n.kind) {
    case Node::Symbol: return Poly::symbol(*n.symbol);
    case Node::Identity: return Poly::identity(n.rows);
    case Node::Zero: return Poly::zero(n.rows, n.cols);
    case Node::Sum: return to_poly(*n.a) + to_poly(*n.b);
    case Node::Difference: return to_poly(*n.a) - to_poly(*n.b);
    case Node::Product: return to_poly(*n.a) * to_poly(*n.b);
    case Node::Transpose: return to_poly(*n.a).transpose();
    case Node::ScalarTimes: return to_poly(*n.a).scaled_by(Poly::scalar_symbol(*n.scalar));
    case Node::InverseTimes: return to_poly(*n.a).scaled_by(inverse_scalar(Poly::scalar_symbol(*n.scalar)));
    case Node::RationalTimes: return to_poly(*n.a).scaled_by(Poly::constant(&literal_one_dim, n.q));
    case Node::AtomTimes: return to_poly(*n.b).scaled_by(to_poly(*n.a));
    case Node::Negate: return -to_poly(*n.a);
  }
  throw std::logic_error("unreachable");
}

Dense to_dense(const Node& n, Valuation& val) {
  switch (n.kind) {
    case Node::Symbol: return val.matrix(*n.symbol);
    case Node::Identity: return Dense::Identity(val.size(n.rows), val.size(n.rows));
    case Node::Zero: return Dense::Zero(val.size(n.rows), val.size(n.cols));
    case Node::Sum: return to_dense(*n.a, val) + to_dense(*n.b, val);
    case Node::Difference: return to_dense(*n.a, val) - to_dense(*n.b, val);
    case Node::Product: return to_dense(*n.a, val) * to_dense(*n.b, val);
    case Node::Transpose: return to_dense(*n.a, val).transpose();
    case Node::ScalarTimes: return val.scalar(*n.scalar) * to_dense(*n.a, val);
    case Node::InverseTimes: return to_dense(*n.a, val) / val.scalar(*n.scalar);
    case Node::RationalTimes: return n.q.to_double() * to_dense(*n.a, val);
    case Node::AtomTimes: return to_dense(*n.a, val)(0, 0) * to_dense(*n.b, val);
    case Node::Negate: return -to_dense(*n.a, val);
  }
  throw std::logic_error("unreachable");
}

const std::vector<std::map<std::string, int>> kSizeSets = {
    {{"Nx", 2}, {"Ny", 3}, {"N", 4}}, {{"Nx", 3}, {"Ny", 1}, {"N", 2}}, {{"Nx", 1}, {"Ny", 2}, {"N", 1}}};

}  // namespace

TEST_CASE("dimfree fuzz: normal form of random expressions equals dense evaluation") {
  SymbolPool pool;
  Generator gen(pool, 20240611);
  int multi_term = 0, with_atoms = 0, long_words = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const DimInfo* r = gen.dimension();
    const DimInfo* c = gen.dimension();
    const auto tree = gen.expression(r, c, 4);
    const Poly nf = to_poly(*tree);
    if (nf.terms().size() > 1) ++multi_term;
    bool atoms = false, long_word = false;
    for (const Term& t : nf.terms()) {
      atoms = atoms || t.n_atoms > 0;
      long_word = long_word || t.word_len >= 3;
    }
    with_atoms += atoms ? 1 : 0;
    long_words += long_word ? 1 : 0;
    for (std::size_t s = 0; s < kSizeSets.size(); ++s) {
      Valuation val(kSizeSets[s], static_cast<std::uint64_t>(trial * 7 + s));
      const Dense dense = to_dense(*tree, val);
      const double gap = relative_difference(evaluate(nf, val), dense);
      INFO("trial " << trial << " size set " << s << " normal form: " << to_string(nf));
      REQUIRE(gap <= 1e-9);
    }
  }
  // The generator does exercise sums, 1×1 atoms and long words (not just single symbols).
  MESSAGE("fuzz: " << multi_term << " sums, " << with_atoms << " with atoms, " << long_words << " with long words, of 3000");
  CHECK(multi_term > 750);
  CHECK(with_atoms > 750);
  CHECK(long_words > 300);
}

TEST_CASE("dimfree fuzz: canonical form does not depend on bracketing, order or transposition") {
  SymbolPool pool;
  Generator gen(pool, 7);
  for (int trial = 0; trial < 1000; ++trial) {
    // A chain of 3..6 factors with random (mostly literal-1) inner dimensions.
    const int k = gen.uniform(3, 6);
    std::vector<const DimInfo*> d;
    for (int i = 0; i <= k; ++i) d.push_back(gen.dimension());
    std::vector<Poly> f;
    for (int i = 0; i < k; ++i) f.push_back(to_poly(*gen.expression(d[static_cast<std::size_t>(i)], d[static_cast<std::size_t>(i) + 1], 1)));
    Poly left = f[0];
    for (int i = 1; i < k; ++i) left = left * f[static_cast<std::size_t>(i)];
    Poly right = f[static_cast<std::size_t>(k - 1)];
    for (int i = k - 2; i >= 0; --i) right = f[static_cast<std::size_t>(i)] * right;
    // A random bracketing: repeatedly multiply a random adjacent pair.
    std::vector<Poly> work = f;
    while (work.size() > 1) {
      const std::size_t i = static_cast<std::size_t>(gen.uniform(0, static_cast<int>(work.size()) - 2));
      work[i] = work[i] * work[i + 1];
      work.erase(work.begin() + static_cast<std::ptrdiff_t>(i) + 1);
    }
    INFO("trial " << trial << ": " << to_string(left) << "  vs  " << to_string(right));
    REQUIRE(left == right);
    REQUIRE(left == work[0]);
    // (f0 f1 … )ᵀ = … f1ᵀ f0ᵀ
    Poly reversed = f[static_cast<std::size_t>(k - 1)].transpose();
    for (int i = k - 2; i >= 0; --i) reversed = reversed * f[static_cast<std::size_t>(i)].transpose();
    REQUIRE(left.transpose() == reversed);
    REQUIRE(left.transpose().transpose() == left);
    // A 1×1 expression equals its transpose (the property docs/dimension_free.md, "1×1 quantities", warns about).
    if (d.front()->is_one && d.back()->is_one) REQUIRE(left == left.transpose());
  }
}

TEST_CASE("dimfree fuzz: sums are commutative and associative, scalars distribute") {
  SymbolPool pool;
  Generator gen(pool, 99);
  for (int trial = 0; trial < 500; ++trial) {
    const DimInfo* r = gen.dimension();
    const DimInfo* c = gen.dimension();
    const Poly a = to_poly(*gen.expression(r, c, 3));
    const Poly b = to_poly(*gen.expression(r, c, 3));
    const Poly e = to_poly(*gen.expression(r, c, 3));
    const Poly s = to_poly(*gen.expression(&literal_one_dim, &literal_one_dim, 2));
    INFO("trial " << trial);
    REQUIRE(a + b == b + a);
    REQUIRE((a + b) + e == a + (b + e));
    REQUIRE((a + b).scaled_by(s) == a.scaled_by(s) + b.scaled_by(s));
    REQUIRE(a - a == Poly::zero(r, c));
  }
}

TEST_CASE("dimfree engine: errors are reported, never silently wrong") {
  constexpr SymbolInfo X = make_symbol("X", kNx, kN, false);
  constexpr SymbolInfo W = make_symbol("W", kNy, kNx, false);
  constexpr SymbolInfo Sq = make_symbol("P", kNx, kNx, false);
  // Shape mismatch at runtime: X (Nx×N) · X (Nx×N).
  CHECK_THROWS_AS(Poly::symbol(X) * Poly::symbol(X), shape_error);
  CHECK_THROWS_AS(Poly::symbol(X) + Poly::symbol(W), shape_error);
  CHECK_NOTHROW(Poly::symbol(W) * Poly::symbol(Sq) * Poly::symbol(X));
  // A symmetric symbol must be square.
  constexpr SymbolInfo bad_symmetric = make_symbol("S", kNx, kN, true);
  CHECK_THROWS_AS(Poly::symbol(bad_symmetric), shape_error);
  // Only scalars declared nonzero can be inverted; no inverse of a sum or of a matrix.
  CHECK_THROWS_AS(inverse_scalar(Poly::scalar_symbol(kEta)), algebra_error);
  CHECK_THROWS_AS(inverse_scalar(Poly::scalar_symbol(kC) + Poly::scalar_symbol(kC).scaled_by(Poly::scalar_symbol(kEta))), algebra_error);
  CHECK(Poly::scalar_symbol(kC) * inverse_scalar(Poly::scalar_symbol(kC)) == Poly::identity(&literal_one_dim));
  // Capacity: a word longer than Term::max_letters throws instead of truncating.
  Poly p = Poly::symbol(Sq);
  for (std::size_t i = 1; i < Term::max_letters; ++i) p = p * Poly::symbol(Sq);
  CHECK_THROWS_AS(p * Poly::symbol(Sq), algebra_error);
  // Block partitions must match exactly.
  BlockValue tokens(Partition{&kNx, &kNy}, Partition{&kN});
  BlockValue swapped(Partition{&kNy, &kNx}, Partition{&kNy, &kNx});
  CHECK_THROWS_AS(swapped * tokens, shape_error);
}
