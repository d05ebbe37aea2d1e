// icgd/dimfree/normal_form.hpp — the canonical normal form of the dimension-free algebra.
//
// What is represented (docs/dimension_free.md has the full story):
//   a matrix expression of symbolic shape r×c is a finite sum of TERMS
//       coefficient · (scalar monomial) · (scalar atoms) · (outer word)
//   - coefficient: an exact Rational;
//   - scalar monomial: a Laurent monomial in commuting scalar symbols (η, γ, λ, 1/N, c, ...);
//     negative exponents only for symbols declared nonzero (c · c⁻¹ = 1 needs c ≠ 0);
//   - scalar atoms: 1×1 products of matrix symbols (x_qᵀ G x_q, y Xᵀ A x_q, ...), which commute
//     with everything and equal their own transpose, each stored as min(s, sᵀ);
//   - outer word: a product of matrix symbols and their transposes (empty = identity I_r).
// Terms are kept sorted by (outer word, atoms, monomial), equal keys merged, zero coefficients
// dropped. Two expressions are therefore equal in this algebra iff their term lists are
// identical, which is what `==` checks (structural equality).
//
// 1×1 handling (docs/dimension_free.md, "The normal form"): after every
// product, a word is cut at each internal position where the dimension is the LITERAL 1; every
// segment that starts and ends at dimension 1 is a 1×1 matrix, i.e. a scalar, and becomes an atom
// (canonicalised as min(s, sᵀ)); what remains (at most the first segment, r×1, and the last,
// 1×c) is the outer word. Canonicalising a whole 1×1 *sum* by min(w, wᵀ) would make the result
// depend on the bracketing (ZFB-2 is the classic victim); canonicalising per segment does not,
// because the segments of a word do not depend on how the product was bracketed.
//
// Representation, chosen for the cost of constant evaluation in g++ 12 (measured; see
// docs/dimension_free.md): symbols, dimensions and scalars are static descriptor objects and a
// letter is a pointer to one plus a transpose flag; a Term is a trivially copyable struct with
// fixed-capacity raw arrays (copying it is one operation for the constexpr evaluator, whereas
// every element of a std::vector costs hundreds of counted operations). Capacities are checked:
// exceeding one throws, never truncates.
//
// Everything is constexpr and allocates only transiently (std::vector of terms), so a whole
// claim is evaluated inside one static_assert. Errors (shape mismatch, inverse of a scalar not
// declared nonzero, capacity) `throw`: inside constant evaluation that is a compile error, at
// runtime an exception. The typed layer (matrix.hpp) also turns shape errors into type errors.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "icgd/exact/rational.hpp"

namespace icgd::dimfree {

/// A product or sum whose shapes (or block partitions) do not match.
struct shape_error : std::logic_error {
  using std::logic_error::logic_error;
};
/// An operation outside the algebra (inverting a scalar not declared nonzero, a capacity).
struct algebra_error : std::logic_error {
  using std::logic_error::logic_error;
};

// ---------------------------------------------------------------------------------------------
// Descriptors (static storage: letters and terms point to them)

/// A dimension: symbolic (Nx, Ny, N, ...) or the literal 1. Only the literal 1 makes a block a
/// scalar; a symbolic dimension is never assumed to be 1, so a proof over it covers every size.
struct DimInfo {
  std::string_view name;
  bool is_one = false;
};
constexpr DimInfo make_dim(std::string_view name) {
  return DimInfo{name, name.size() == 1 && name[0] == '1'};
}
inline constexpr DimInfo literal_one_dim = make_dim("1");

/// Same dimension: same descriptor, or same name.
// Identity of the static symbol/scalar/dimension records. The address test is a shortcut (the
// contents decide otherwise), but with -fsanitize=address g++ refuses to fold the address
// comparison of two *distinct* constexpr variables, which made every proof fail to compile in
// the sanitizer build; there the shortcut is off and only the contents are compared.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool address_shortcut = false;
#else
inline constexpr bool address_shortcut = true;
#endif
template <class T>
constexpr bool same_record(const T* a, const T* b) {
  if constexpr (address_shortcut) return a == b;
  else return false;
}
constexpr bool same_dim(const DimInfo* a, const DimInfo* b) { return same_record(a, b) || a->name == b->name; }

/// The first 8 bytes of a name, big-endian: orders like the name for names of ≤ 8 characters,
/// and lets most comparisons avoid a string comparison.
constexpr std::uint64_t name_key(std::string_view s) {
  std::uint64_t k = 0;
  for (std::size_t i = 0; i < 8; ++i) k = (k << 8) | (i < s.size() ? static_cast<unsigned char>(s[i]) : 0U);
  return k;
}

/// A matrix symbol. Its identity is its content (name, shape, symmetry), so two descriptors with
/// the same content are the same symbol and two symbols that share only a name are not merged.
struct SymbolInfo {
  std::string_view name;
  const DimInfo* rows = nullptr;
  const DimInfo* cols = nullptr;
  bool symmetric = false;  // declared Aᵀ = A
  std::uint64_t key = 0;   // name_key(name)
};
constexpr SymbolInfo make_symbol(std::string_view name, const DimInfo& rows, const DimInfo& cols,
                                 bool symmetric) {
  return SymbolInfo{name, &rows, &cols, symmetric, name_key(name)};
}

/// A commuting scalar symbol. `nonzero`: declared ≠ 0, so it may carry negative exponents.
struct ScalarInfo {
  std::string_view name;
  bool nonzero = false;
  std::uint64_t key = 0;
};
constexpr ScalarInfo make_scalar(std::string_view name, bool nonzero) {
  return ScalarInfo{name, nonzero, name_key(name)};
}

constexpr std::strong_ordering compare_symbols(const SymbolInfo* a, const SymbolInfo* b) {
  if (same_record(a, b)) return std::strong_ordering::equal;
  if (a->key != b->key) return a->key <=> b->key;
  if (auto c = a->name <=> b->name; c != 0) return c;
  if (auto c = a->rows->name <=> b->rows->name; c != 0) return c;
  if (auto c = a->cols->name <=> b->cols->name; c != 0) return c;
  return a->symmetric <=> b->symmetric;
}
constexpr std::strong_ordering compare_scalars(const ScalarInfo* a, const ScalarInfo* b) {
  if (same_record(a, b)) return std::strong_ordering::equal;
  if (a->key != b->key) return a->key <=> b->key;
  if (auto c = a->name <=> b->name; c != 0) return c;
  return a->nonzero <=> b->nonzero;
}

// ---------------------------------------------------------------------------------------------
// Letters

/// One occurrence of a matrix symbol, possibly transposed (never for a symmetric symbol).
struct Letter {
  const SymbolInfo* sym = nullptr;
  bool transposed = false;

  [[nodiscard]] constexpr const DimInfo* out_rows() const { return transposed ? sym->cols : sym->rows; }
  [[nodiscard]] constexpr const DimInfo* out_cols() const { return transposed ? sym->rows : sym->cols; }
  [[nodiscard]] constexpr Letter transpose() const {
    return Letter{sym, sym->symmetric ? false : !transposed};
  }
};
constexpr std::strong_ordering compare_letters(const Letter& a, const Letter& b) {
  if (auto c = compare_symbols(a.sym, b.sym); c != 0) return c;
  return a.transposed <=> b.transposed;
}

/// Words of letters as (pointer, length): shorter words first (printed normal forms then read
/// by degree), then lexicographic.
constexpr std::strong_ordering compare_words(const Letter* a, std::size_t na, const Letter* b,
                                             std::size_t nb) {
  if (na != nb) return na <=> nb;
  for (std::size_t i = 0; i < na; ++i)
    if (auto c = compare_letters(a[i], b[i]); c != 0) return c;
  return std::strong_ordering::equal;
}

// ---------------------------------------------------------------------------------------------
// Terms

struct ScalarPower {
  const ScalarInfo* scalar = nullptr;
  int exponent = 0;
};

/// coefficient · ∏ scalars^exponent · ∏ atoms · outer word, in fixed-capacity raw arrays
/// (trivially copyable; see the header comment). letters[0, word_len) is the outer word; the
/// atoms follow back to back, atom k ending at atom_end[k], sorted by compare_words.
struct Term {
  static constexpr std::size_t max_letters = 64;
  static constexpr std::size_t max_atoms = 16;
  static constexpr std::size_t max_scalars = 6;

  Rational coeff{1};
  ScalarPower scalars[max_scalars]{};  // sorted by compare_scalars, nonzero exponents
  Letter letters[max_letters]{};
  std::uint8_t atom_end[max_atoms]{};
  std::uint8_t n_scalars = 0;
  std::uint8_t word_len = 0;
  std::uint8_t n_atoms = 0;
  bool internal_one = false;  // the outer word has a literal-1 dimension between two letters

  [[nodiscard]] constexpr std::size_t atom_begin(std::size_t k) const {
    return k == 0 ? word_len : atom_end[k - 1];
  }
  [[nodiscard]] constexpr std::size_t atom_size(std::size_t k) const {
    return atom_end[k] - atom_begin(k);
  }
  [[nodiscard]] constexpr std::size_t letter_count() const {
    return n_atoms == 0 ? word_len : atom_end[n_atoms - 1];
  }
};

/// The ordering of keys (everything but the coefficient).
constexpr std::strong_ordering compare_keys(const Term& a, const Term& b) {
  if (auto c = compare_words(a.letters, a.word_len, b.letters, b.word_len); c != 0) return c;
  if (a.n_atoms != b.n_atoms) return a.n_atoms <=> b.n_atoms;
  for (std::size_t k = 0; k < a.n_atoms; ++k) {
    if (auto c = compare_words(a.letters + a.atom_begin(k), a.atom_size(k),
                               b.letters + b.atom_begin(k), b.atom_size(k));
        c != 0)
      return c;
  }
  if (a.n_scalars != b.n_scalars) return a.n_scalars <=> b.n_scalars;
  for (std::size_t i = 0; i < a.n_scalars; ++i) {
    if (auto c = compare_scalars(a.scalars[i].scalar, b.scalars[i].scalar); c != 0) return c;
    if (a.scalars[i].exponent != b.scalars[i].exponent)
      return a.scalars[i].exponent <=> b.scalars[i].exponent;
  }
  return std::strong_ordering::equal;
}
constexpr bool operator==(const Term& a, const Term& b) {
  return a.coeff == b.coeff && compare_keys(a, b) == 0;
}

namespace detail {

[[noreturn]] inline void capacity_exceeded(const char* what) { throw algebra_error(what); }

/// Product of two sorted Laurent monomials (c · c⁻¹ cancels: c was declared nonzero).
constexpr void multiply_scalars(const Term& a, const Term& b, Term& r) {
  std::size_t i = 0, j = 0, n = 0;
  while (i < a.n_scalars || j < b.n_scalars) {
    ScalarPower next;
    if (j == b.n_scalars) {
      next = a.scalars[i++];
    } else if (i == a.n_scalars) {
      next = b.scalars[j++];
    } else {
      const auto c = compare_scalars(a.scalars[i].scalar, b.scalars[j].scalar);
      if (c < 0) {
        next = a.scalars[i++];
      } else if (c > 0) {
        next = b.scalars[j++];
      } else {
        next = a.scalars[i++];
        next.exponent += b.scalars[j++].exponent;
        if (next.exponent == 0) continue;
      }
    }
    if (n == Term::max_scalars) capacity_exceeded("dimfree: too many distinct scalars in a term");
    r.scalars[n++] = next;
  }
  r.n_scalars = static_cast<std::uint8_t>(n);
}

/// Collects a term's atoms (as views into letter buffers), then writes them sorted.
struct AtomCollector {
  struct View {
    const Letter* p = nullptr;
    std::size_t n = 0;
  };
  View views[2 * Term::max_atoms + Term::max_letters]{};
  std::size_t count = 0;
  Letter fresh[2 * Term::max_letters]{};  // storage for atoms cut out of a word
  std::size_t fresh_used = 0;

  constexpr void add_view(const Letter* p, std::size_t n) {
    if (count == std::size(views)) capacity_exceeded("dimfree: too many atoms in a term");
    views[count++] = View{p, n};
  }
  /// Add segment w[0, n) (1×1) in canonical orientation min(s, sᵀ).
  constexpr void add_segment(const Letter* w, std::size_t n) {
    bool use_transpose = false;
    for (std::size_t k = 0; k < n; ++k) {
      const auto c = compare_letters(w[n - 1 - k].transpose(), w[k]);
      if (c != 0) {
        use_transpose = c < 0;
        break;
      }
    }
    if (fresh_used + n > std::size(fresh)) capacity_exceeded("dimfree: word too long");
    Letter* out = fresh + fresh_used;
    for (std::size_t k = 0; k < n; ++k) out[k] = use_transpose ? w[n - 1 - k].transpose() : w[k];
    fresh_used += n;
    add_view(out, n);
  }
  /// Sort (insertion sort: few atoms) and append to r after its outer word.
  constexpr void write_to(Term& r) {
    for (std::size_t i = 1; i < count; ++i) {
      const View v = views[i];
      std::size_t j = i;
      while (j > 0 && compare_words(v.p, v.n, views[j - 1].p, views[j - 1].n) < 0) {
        views[j] = views[j - 1];
        --j;
      }
      views[j] = v;
    }
    if (count > Term::max_atoms) capacity_exceeded("dimfree: too many atoms in a term");
    std::size_t pos = r.word_len;
    for (std::size_t i = 0; i < count; ++i) {
      if (pos + views[i].n > Term::max_letters) capacity_exceeded("dimfree: term too long");
      for (std::size_t k = 0; k < views[i].n; ++k) r.letters[pos + k] = views[i].p[k];
      pos += views[i].n;
      r.atom_end[i] = static_cast<std::uint8_t>(pos);
    }
    r.n_atoms = static_cast<std::uint8_t>(count);
  }
};

/// Write word w[0, n) into r as its outer word, moving 1×1 segments (cut at internal literal-1
/// dimensions) into the collector.
constexpr void cut_word_into(const Letter* w, std::size_t n, Term& r, AtomCollector& atoms) {
  std::size_t out = 0;
  std::size_t start = 0;
  std::size_t kept_segments = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bool segment_ends = (i + 1 == n) || w[i].out_cols()->is_one;
    if (!segment_ends) continue;
    if (w[start].out_rows()->is_one && w[i].out_cols()->is_one) {
      atoms.add_segment(w + start, i + 1 - start);
    } else {
      if (out + (i + 1 - start) > Term::max_letters) capacity_exceeded("dimfree: word too long");
      for (std::size_t k = start; k <= i; ++k) r.letters[out++] = w[k];
      ++kept_segments;
    }
    start = i + 1;
  }
  r.word_len = static_cast<std::uint8_t>(out);
  r.internal_one = kept_segments > 1;  // the first (r×1) and last (1×c) segments, joined at 1
}

}  // namespace detail

/// The product of two terms (the caller has checked that the shapes chain).
constexpr Term multiply_terms(const Term& a, const Term& b) {
  // Fast path (most products of the papers' layers): no atoms, and no literal-1 dimension inside
  // the concatenated word nor at both of its ends, so there is nothing to cut. Copying a Term
  // whole is one constexpr operation, a letter loop is tens. The general path below gives the
  // same result (the fuzz test exercises both).
  const std::size_t na = a.word_len, nb = b.word_len;
  if (a.n_atoms == 0 && b.n_atoms == 0 && !a.internal_one && !b.internal_one &&
      na + nb <= Term::max_letters) {
    bool needs_cut = na > 0 && nb > 0 && a.letters[na - 1].out_cols()->is_one;  // the junction
    if (!needs_cut && na + nb > 0) {
      const Letter& first = na > 0 ? a.letters[0] : b.letters[0];
      const Letter& last = nb > 0 ? b.letters[nb - 1] : a.letters[na - 1];
      needs_cut = first.out_rows()->is_one && last.out_cols()->is_one;  // a 1×1 word: an atom
    }
    if (!needs_cut) {
      Term r = a;
      r.coeff = a.coeff * b.coeff;
      detail::multiply_scalars(a, b, r);
      for (std::size_t k = 0; k < nb; ++k) r.letters[na + k] = b.letters[k];
      r.word_len = static_cast<std::uint8_t>(na + nb);
      return r;
    }
  }
  Term r;
  r.coeff = a.coeff * b.coeff;
  detail::multiply_scalars(a, b, r);
  Letter word[2 * Term::max_letters]{};
  std::size_t n = 0;
  for (std::size_t k = 0; k < a.word_len; ++k) word[n++] = a.letters[k];
  for (std::size_t k = 0; k < b.word_len; ++k) word[n++] = b.letters[k];
  detail::AtomCollector atoms;
  for (std::size_t k = 0; k < a.n_atoms; ++k) atoms.add_view(a.letters + a.atom_begin(k), a.atom_size(k));
  for (std::size_t k = 0; k < b.n_atoms; ++k) atoms.add_view(b.letters + b.atom_begin(k), b.atom_size(k));
  detail::cut_word_into(word, n, r, atoms);
  atoms.write_to(r);
  return r;
}

/// The transpose of a term: its outer word reversed and transposed; atoms and scalars are
/// symmetric and commute, so they stay.
constexpr Term transpose_term(const Term& t) {
  Term r = t;
  for (std::size_t k = 0; k < t.word_len; ++k) r.letters[k] = t.letters[t.word_len - 1 - k].transpose();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Polynomials: one block of symbolic shape rows × cols

class Poly {
 public:
  constexpr Poly() : rows_(&literal_one_dim), cols_(&literal_one_dim) {}
  /// The zero matrix of the given shape.
  constexpr Poly(const DimInfo* rows, const DimInfo* cols) : rows_(rows), cols_(cols) {}

  static constexpr Poly zero(const DimInfo* rows, const DimInfo* cols) { return {rows, cols}; }
  /// c · I_dim (the empty outer word is the identity of the polynomial's shape).
  static constexpr Poly constant(const DimInfo* dim, Rational c) {
    Poly p(dim, dim);
    if (!c.is_zero()) {
      Term t;
      t.coeff = c;
      p.terms_.push_back(t);
    }
    return p;
  }
  static constexpr Poly identity(const DimInfo* dim) { return constant(dim, Rational{1}); }
  static constexpr Poly symbol(const SymbolInfo& s) {
    if (s.symmetric && !same_dim(s.rows, s.cols))
      throw shape_error("dimfree: a symmetric symbol must be square");
    Poly p(s.rows, s.cols);
    const Letter l{&s, false};
    Term t;
    detail::AtomCollector atoms;
    detail::cut_word_into(&l, 1, t, atoms);  // a 1×1 symbol is a scalar atom
    atoms.write_to(t);
    p.terms_.push_back(t);
    return p;
  }
  /// A commuting scalar symbol, as a 1×1 polynomial.
  static constexpr Poly scalar_symbol(const ScalarInfo& s) {
    Poly p(&literal_one_dim, &literal_one_dim);
    Term t;
    t.scalars[0] = ScalarPower{&s, 1};
    t.n_scalars = 1;
    p.terms_.push_back(t);
    return p;
  }

  [[nodiscard]] constexpr const DimInfo* rows() const { return rows_; }
  [[nodiscard]] constexpr const DimInfo* cols() const { return cols_; }
  [[nodiscard]] constexpr const std::vector<Term>& terms() const { return terms_; }
  [[nodiscard]] constexpr bool is_zero() const { return terms_.empty(); }
  [[nodiscard]] constexpr bool is_scalar_shaped() const { return rows_->is_one && cols_->is_one; }
  /// The single term 1 (identity, no scalars, no atoms).
  [[nodiscard]] constexpr bool is_one() const {
    return terms_.size() == 1 && terms_[0].coeff.is_one() && terms_[0].n_scalars == 0 &&
           terms_[0].n_atoms == 0 && terms_[0].word_len == 0;
  }

  /// Build from arbitrary terms: sort, merge equal keys, drop zero coefficients.
  static constexpr Poly from_terms(const DimInfo* rows, const DimInfo* cols, std::vector<Term> terms) {
    Poly p(rows, cols);
    p.terms_ = std::move(terms);
    p.canonicalize();
    return p;
  }

  friend constexpr bool operator==(const Poly& a, const Poly& b) {
    if (!same_dim(a.rows_, b.rows_) || !same_dim(a.cols_, b.cols_)) return false;
    if (a.terms_.size() != b.terms_.size()) return false;
    for (std::size_t i = 0; i < a.terms_.size(); ++i)
      if (!(a.terms_[i] == b.terms_[i])) return false;
    return true;
  }

  friend constexpr Poly operator+(const Poly& a, const Poly& b) {
    require_same_shape(a, b);
    if (a.is_zero()) return b;
    if (b.is_zero()) return a;
    Poly r(a.rows_, a.cols_);  // merge of two sorted lists
    r.terms_.reserve(a.terms_.size() + b.terms_.size());
    std::size_t i = 0, j = 0;
    while (i < a.terms_.size() || j < b.terms_.size()) {
      if (j == b.terms_.size()) {
        r.terms_.push_back(a.terms_[i++]);
      } else if (i == a.terms_.size()) {
        r.terms_.push_back(b.terms_[j++]);
      } else {
        const auto c = compare_keys(a.terms_[i], b.terms_[j]);
        if (c < 0) {
          r.terms_.push_back(a.terms_[i++]);
        } else if (c > 0) {
          r.terms_.push_back(b.terms_[j++]);
        } else {
          const Rational s = a.terms_[i].coeff + b.terms_[j].coeff;
          if (!s.is_zero()) {
            r.terms_.push_back(a.terms_[i]);
            r.terms_.back().coeff = s;
          }
          ++i;
          ++j;
        }
      }
    }
    return r;
  }
  friend constexpr Poly operator-(const Poly& a) {
    Poly r = a;
    for (Term& t : r.terms_) t.coeff = -t.coeff;
    return r;
  }
  friend constexpr Poly operator-(const Poly& a, const Poly& b) { return a + (-b); }

  friend constexpr Poly operator*(const Poly& a, const Poly& b) {
    std::vector<Term> acc;
    append_product_terms(acc, a, b);
    return from_terms(a.rows_, b.cols_, std::move(acc));
  }
  /// Appends the (not yet canonical) terms of a·b; used to sum several products before a single
  /// canonicalisation (block products).
  static constexpr void append_product_terms(std::vector<Term>& out, const Poly& a, const Poly& b) {
    if (!same_dim(a.cols_, b.rows_)) throw shape_error("dimfree: product of incompatible shapes");
    out.reserve(out.size() + a.terms_.size() * b.terms_.size());
    for (const Term& ta : a.terms_)
      for (const Term& tb : b.terms_) out.push_back(multiply_terms(ta, tb));
  }

  /// Multiply by a commuting scalar (a 1×1 polynomial: numbers, scalar symbols, atoms).
  [[nodiscard]] constexpr Poly scaled_by(const Poly& scalar) const {
    if (!scalar.is_scalar_shaped()) throw shape_error("dimfree: only a 1×1 expression can act as a scalar");
    if (scalar.is_one()) return *this;  // E + 1·update: skip a re-sort per layer
    std::vector<Term> acc;
    acc.reserve(terms_.size() * scalar.terms_.size());
    for (const Term& s : scalar.terms_)
      for (const Term& t : terms_) acc.push_back(multiply_terms(s, t));
    return from_terms(rows_, cols_, std::move(acc));
  }

  [[nodiscard]] constexpr Poly transpose() const {
    std::vector<Term> ts;
    ts.reserve(terms_.size());
    for (const Term& t : terms_) ts.push_back(transpose_term(t));
    return from_terms(cols_, rows_, std::move(ts));
  }

 private:
  static constexpr void require_same_shape(const Poly& a, const Poly& b) {
    if (!same_dim(a.rows_, b.rows_) || !same_dim(a.cols_, b.cols_))
      throw shape_error("dimfree: sum of differently shaped matrices");
  }
  constexpr void canonicalize() {
    std::sort(terms_.begin(), terms_.end(),
              [](const Term& a, const Term& b) { return compare_keys(a, b) < 0; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < terms_.size();) {
      std::size_t j = i + 1;
      Rational sum = terms_[i].coeff;
      while (j < terms_.size() && compare_keys(terms_[i], terms_[j]) == 0) sum += terms_[j++].coeff;
      if (!sum.is_zero()) {
        if (out != i) terms_[out] = terms_[i];
        terms_[out].coeff = sum;
        ++out;
      }
      i = j;
    }
    terms_.erase(terms_.begin() + static_cast<std::ptrdiff_t>(out), terms_.end());
  }

  const DimInfo* rows_;
  const DimInfo* cols_;
  std::vector<Term> terms_;
};

/// The multiplicative inverse of a scalar that is a single monomial c · ∏ sᵢ^{eᵢ} with every sᵢ
/// declared nonzero. There is no inverse of a matrix expression or of a sum (out of reach).
constexpr Poly inverse_scalar(const Poly& s) {
  if (!s.is_scalar_shaped() || s.terms().size() != 1 || s.terms()[0].n_atoms != 0)
    throw algebra_error("dimfree: only a single nonzero scalar monomial can be inverted");
  Term t = s.terms()[0];
  t.coeff = t.coeff.reciprocal();
  for (std::size_t i = 0; i < t.n_scalars; ++i) {
    if (!t.scalars[i].scalar->nonzero)
      throw algebra_error("dimfree: inverse of a scalar symbol not declared nonzero");
    t.scalars[i].exponent = -t.scalars[i].exponent;
  }
  std::vector<Term> ts;
  ts.push_back(t);
  return Poly::from_terms(&literal_one_dim, &literal_one_dim, std::move(ts));
}

}  // namespace icgd::dimfree
