// icgd/moments/gaussian.hpp — exact expectations of polynomials in Gaussian vectors and of
// normalised sums over N i.i.d. samples (Isserlis / Wick), over Rational and Polynomial.
//
// A random variable is a Polynomial variable whose symbol letter names a *block*: the
// coordinates Var(symbol, slot, k), k < dim, of one random vector. Blocks are independent of
// each other. A block is either Gaussian N(0, C) (C may hold symbols, e.g. a symbolic diagonal
// λ_k) or has independent coordinates w_k = ±sqrt(v_k) with uniform signs (the same second
// moment diag(v) as N(0, diag v), different fourth moments: ZFB's task shift). A block is
// `per_sample` when each sample index of a prompt carries an independent copy (the inputs x_i,
// the label noise ε_i); the slot of its variables says which copy.
//
// Moments of one block (the recursion behind Isserlis' theorem, Stein's lemma):
//   E[z_i f(z)] = Σ_j C_ij E[∂_j f(z)],   so   E[z^α] = Σ_j C_ij α'_j E[z^(α' − e_j)],  α' = α − e_i,
// memoised on the exponent vector α: the cost grows with the number of distinct sub-monomials,
// not with the (2k−1)!! pairings. `pairing_moment` enumerates the pairings instead (a second
// method, for the tests).
//
// Normalised sums: (1/N)^k Σ_{i_1..i_k} f(x_{i_1}, …, x_{i_k}) is a SamplePiece with k slots.
// Its expectation is a sum over the set partitions π of the k slots (which indices coincide):
//   E = Σ_π [N(N−1)…(N−|π|+1) / N^k] · E[f with the slots of each part of π merged],
// and N(N−1)…(N−b+1)/N^k = ν^(k−b) Π_{j<b} (1 − jν) with ν = 1/N: a polynomial in the
// normaliser variable ν (e.g. E[Ŝ B Ŝ] = (1 + ν) Λ B Λ + ν tr(BΛ) Λ).
//
// All of it is constexpr: the proofs (proofs/zfb) run it inside static_assert.
#pragma once

#include "icgd/exact/polynomial.hpp"
#include "icgd/moments/polynomial_tools.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace icgd::moments {

inline constexpr int max_block_dim = 12;
using Exponents = std::array<std::uint8_t, max_block_dim>;

enum class BlockLaw {
  gaussian,           ///< N(0, C), C = `second_moment` (dim × dim, row-major)
  independent_signs,  ///< z_k = ±sqrt(v_k), independent uniform signs; `second_moment` = v (dim entries)
};

struct RandomBlock {
  char symbol;          ///< its variables are Var(symbol, slot, k)
  int dim;
  bool per_sample;      ///< an independent copy per sample index (slot); else slot 0 only
  BlockLaw law;
  std::vector<Polynomial> second_moment;
};

/// (1/N)^slots Σ over `slots` sample indices of `body`, whose per-sample variables use slots
/// 0..slots−1. slots = 0: a plain polynomial.
struct SamplePiece {
  int slots = 0;
  Polynomial body;
};

/// A sum of SamplePieces: the random expression whose expectation is wanted.
class SampleExpression {
 public:
  constexpr SampleExpression() = default;
  constexpr explicit SampleExpression(Polynomial plain) { add(0, std::move(plain)); }
  constexpr void add(int slots, Polynomial body) {
    if (slots < 0 || slots > 4) throw std::invalid_argument("SampleExpression: 0..4 sample slots");
    if (!body.is_zero()) pieces_.push_back({slots, std::move(body)});
  }
  [[nodiscard]] constexpr const std::vector<SamplePiece>& pieces() const { return pieces_; }

 private:
  std::vector<SamplePiece> pieces_;
};

/// Relabels the slots of per-sample variables: slot s becomes map[s].
template <class SlotMap>
constexpr Polynomial relabel_slots(const Polynomial& p, const std::vector<RandomBlock>& blocks, const SlotMap& map) {
  return substitute(p, [&](Var v) -> std::optional<Polynomial> {
    for (const auto& b : blocks)
      if (b.symbol == v.symbol() && b.per_sample) return Polynomial(Var(v.symbol(), map(v.i()), v.j()));
    return std::nullopt;
  });
}

class MomentEngine {
 public:
  /// `normaliser` is the variable ν standing for 1/N (the prompt length of the sums).
  constexpr MomentEngine(std::vector<RandomBlock> blocks, Var normaliser)
      : blocks_(std::move(blocks)), normaliser_(normaliser), memo_(blocks_.size()) {
    for (const auto& b : blocks_) {
      if (b.dim < 1 || b.dim > max_block_dim) throw std::invalid_argument("MomentEngine: block dimension 1..12");
      const std::size_t want = b.law == BlockLaw::gaussian ? std::size_t(b.dim) * b.dim : std::size_t(b.dim);
      if (b.second_moment.size() != want) throw std::invalid_argument("MomentEngine: second moment of the wrong size");
    }
  }

  [[nodiscard]] constexpr const std::vector<RandomBlock>& blocks() const { return blocks_; }
  [[nodiscard]] constexpr Var normaliser() const { return normaliser_; }

  /// E[z^α] for block `b` (memoised).
  constexpr Polynomial block_moment(std::size_t b, const Exponents& alpha) {
    const RandomBlock& block = blocks_[b];
    int total = 0;
    for (int k = 0; k < block.dim; ++k) total += alpha[k];
    if (total == 0) return Polynomial(Rational(1));
    if (total % 2 == 1) return Polynomial{};
    if (block.law == BlockLaw::independent_signs) {
      Polynomial r(Rational(1));
      for (int k = 0; k < block.dim; ++k) {
        if (alpha[k] % 2 == 1) return Polynomial{};
        for (int e = 0; e < alpha[k] / 2; ++e) r = r * block.second_moment[k];
      }
      return r;
    }
    auto& memo = memo_[b];
    const auto at = std::lower_bound(memo.begin(), memo.end(), alpha,
                                     [](const auto& entry, const Exponents& key) { return entry.first < key; });
    if (at != memo.end() && at->first == alpha) return at->second;
    // Stein: take one factor z_i out, pair it with every remaining factor z_j.
    int i = 0;
    while (alpha[i] == 0) ++i;
    Exponents rest = alpha;
    --rest[i];
    std::vector<Polynomial> parts;
    for (int j = 0; j < block.dim; ++j) {
      if (rest[j] == 0) continue;
      const Polynomial& c = block.second_moment[std::size_t(i) * block.dim + j];
      if (c.is_zero()) continue;
      Exponents sub = rest;
      --sub[j];
      parts.push_back(Rational(rest[j]) * (c * block_moment(b, sub)));
    }
    Polynomial value = sum_all(parts);
    memo_[b].insert(std::lower_bound(memo_[b].begin(), memo_[b].end(), alpha,
                                     [](const auto& entry, const Exponents& key) { return entry.first < key; }),
                    {alpha, value});
    return value;
  }

  /// E[p] for a polynomial whose per-sample variables live in slots 0..slots−1, every slot a
  /// distinct sample (no sum, no normalisation).
  constexpr Polynomial expectation(const Polynomial& p) { return expectation(p, nullptr); }

  /// The same after merging slots: slot s of a per-sample variable is read as slot_map[s]
  /// (slot_map == nullptr: as it is). Merging here, term by term, costs nothing beyond the
  /// grouping, where relabelling the polynomial first would rebuild every term.
  constexpr Polynomial expectation(const Polynomial& p, const std::array<int, 4>* slot_map) {
    std::vector<Polynomial> deterministic, moment;
    deterministic.reserve(p.size());
    moment.reserve(p.size());
    for (const auto& t : p.terms()) {
      // Group the random factors by (block, slot); the rest is deterministic.
      struct Group {
        std::size_t block;
        std::uint32_t slot;
        Exponents alpha;
      };
      std::vector<Group> groups;
      Polynomial fixed(t.coefficient);
      for (int k = 0; k < t.monomial.degree(); ++k) {
        const Var v = t.monomial.var(k);
        std::size_t b = 0;
        while (b < blocks_.size() && blocks_[b].symbol != v.symbol()) ++b;
        if (b == blocks_.size()) {
          fixed = fixed * Polynomial(v);
          continue;
        }
        std::uint32_t slot = 0;
        if (blocks_[b].per_sample) {
          slot = v.i();
          if (slot_map) {
            if (slot >= 4) throw std::out_of_range("SamplePiece: a variable's slot exceeds the piece's slots");
            slot = std::uint32_t((*slot_map)[slot]);
            if (slot >= 4) throw std::out_of_range("SamplePiece: a variable's slot exceeds the piece's slots");
          }
        }
        if (v.j() >= std::uint32_t(blocks_[b].dim)) throw std::out_of_range("MomentEngine: coordinate beyond the block");
        auto g = std::find_if(groups.begin(), groups.end(),
                              [&](const Group& x) { return x.block == b && x.slot == slot; });
        if (g == groups.end()) {
          groups.push_back({b, slot, Exponents{}});
          g = groups.end() - 1;
        }
        ++g->alpha[v.j()];
      }
      Polynomial m(Rational(1));
      for (const auto& g : groups) {
        m = m * block_moment(g.block, g.alpha);
        if (m.is_zero()) break;
      }
      if (m.is_zero()) continue;
      deterministic.push_back(std::move(fixed));
      moment.push_back(std::move(m));
    }
    std::vector<std::pair<const Polynomial*, const Polynomial*>> pairs;
    for (std::size_t k = 0; k < moment.size(); ++k) pairs.emplace_back(&deterministic[k], &moment[k]);
    Polynomial sum;
    sum.add_sum_of_products(pairs);
    return sum;
  }

  /// E of a normalised sum: the sum over set partitions of its slots, weighted by
  /// ν^(k−b) Π_{j<b}(1 − jν) (b parts), ν = the normaliser.
  constexpr Polynomial expectation(const SamplePiece& piece) {
    const int k = piece.slots;
    if (k == 0) return expectation(piece.body);
    std::vector<Polynomial> parts;
    // Restricted growth strings enumerate the set partitions: part[s] ≤ 1 + max(part[0..s−1]).
    std::array<int, 4> part{};
    for (;;) {
      int b = 0;
      for (int s = 0; s < k; ++s) b = std::max(b, part[s] + 1);
      Polynomial weight(Rational(1));
      for (int e = 0; e < k - b; ++e) weight = weight * Polynomial(normaliser_);
      for (int j = 1; j < b; ++j) weight = weight * (Polynomial(Rational(1)) - Rational(j) * Polynomial(normaliser_));
      for (int s = k; s < 4; ++s) part[s] = 4;  // slots beyond the piece's: an error if used
      parts.push_back(weight * expectation(piece.body, &part));
      for (int s = k; s < 4; ++s) part[s] = 0;
      // next restricted growth string
      int s = k - 1;
      for (; s > 0; --s) {
        int prefix_max = 0;
        for (int r = 0; r < s; ++r) prefix_max = std::max(prefix_max, part[r]);
        if (part[s] <= prefix_max) {
          ++part[s];
          for (int r = s + 1; r < k; ++r) part[r] = 0;
          break;
        }
      }
      if (s == 0) break;
    }
    return sum_all(parts);
  }

  constexpr Polynomial expectation(const SampleExpression& e) {
    std::vector<Polynomial> parts;
    for (const auto& piece : e.pieces()) parts.push_back(expectation(piece));
    return sum_all(parts);
  }

 private:
  std::vector<RandomBlock> blocks_;
  Var normaliser_;
  std::vector<std::vector<std::pair<Exponents, Polynomial>>> memo_;
};

/// E[z_{f_1} … z_{f_m}] for z ~ N(0, C) (C dim × dim row-major) by enumerating the perfect
/// matchings of the factors: the definition of Isserlis' theorem, exponential in m — only for
/// checking `MomentEngine` at small order.
constexpr Polynomial pairing_moment(const std::vector<Polynomial>& covariance, int dim, std::vector<int> factors) {
  if (factors.empty()) return Polynomial(Rational(1));
  if (factors.size() % 2 == 1) return Polynomial{};
  const int first = factors[0];
  std::vector<Polynomial> parts;
  for (std::size_t j = 1; j < factors.size(); ++j) {
    std::vector<int> rest;
    for (std::size_t r = 1; r < factors.size(); ++r)
      if (r != j) rest.push_back(factors[r]);
    parts.push_back(covariance[std::size_t(first) * dim + factors[j]] * pairing_moment(covariance, dim, rest));
  }
  return sum_all(parts);
}

}  // namespace icgd::moments
