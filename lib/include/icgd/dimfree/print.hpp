// icgd/dimfree/print.hpp — human-readable normal forms (runtime only; used by `icgd verify
// --explain` and by test failure messages). Not constexpr, no fmt: plain std::string.
//
// Format of a term: [coefficient] [scalars] [(atom) ...] [outer word], e.g.
//   -1/2 eta^2 (1/N)^2 (x_q^T X Y^T) W0 X X^T
// An atom in parentheses is a 1×1 factor (a scalar that commutes); `I` is the identity of the
// block's shape, printed only when nothing else is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "icgd/dimfree/block.hpp"
#include "icgd/dimfree/normal_form.hpp"

namespace icgd::dimfree {

inline std::string to_string(const Letter* w, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) s += ' ';
    s += w[i].sym->name;
    if (w[i].transposed) s += "^T";
  }
  return s;
}

inline std::string scalar_to_string(const ScalarPower& p) {
  std::string name(p.scalar->name);
  if (name.find_first_of("/+- ") != std::string::npos) name = "(" + name + ")";
  if (p.exponent != 1) name += "^" + std::to_string(p.exponent);
  return name;
}

/// The term without its coefficient ("key"), e.g. `eta (1/N) W0 X X^T`.
inline std::string key_to_string(const Term& t, const DimInfo* rows) {
  std::string s;
  auto add = [&s](const std::string& f) {
    if (!s.empty()) s += ' ';
    s += f;
  };
  for (std::size_t i = 0; i < t.n_scalars; ++i) add(scalar_to_string(t.scalars[i]));
  for (std::size_t k = 0; k < t.n_atoms; ++k) {
    std::string atom = "(";  // appends: g++ 12 gives a false -Wrestrict on "(" + string
    atom += to_string(t.letters + t.atom_begin(k), t.atom_size(k));
    atom += ')';
    add(atom);
  }
  if (t.word_len > 0) add(to_string(t.letters, t.word_len));
  if (s.empty()) s = rows->is_one ? "1" : "I";
  return s;
}

/// One term with its sign: ` + 2 eta W0`, ` - X` (leading: no separator before a plus).
inline std::string term_to_string(const Term& t, const DimInfo* rows, bool leading) {
  const bool negative = t.coeff.num() < 0;
  std::string s = leading ? (negative ? "-" : "") : (negative ? " - " : " + ");
  const Rational magnitude = negative ? -t.coeff : t.coeff;
  const std::string key = key_to_string(t, rows);
  const bool bare_identity = t.n_scalars == 0 && t.n_atoms == 0 && t.word_len == 0;
  if (!magnitude.is_one()) {
    s += magnitude.to_string();
    if (!bare_identity || !rows->is_one) s += " " + key;
  } else {
    s += key;
  }
  return s;
}

inline std::string to_string(const Poly& p) {
  if (p.is_zero()) return "0";
  std::string s;
  for (std::size_t i = 0; i < p.terms().size(); ++i) s += term_to_string(p.terms()[i], p.rows(), i == 0);
  return s;
}

inline std::string to_string(const Partition& p) {
  std::string s = "(";
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i) s += " | ";
    s += p[i]->name;
  }
  return s + ")";
}

/// One line per block: `[i,j] rows×cols: normal form` (1-based block indices).
inline std::string to_string(const BlockValue& b) {
  std::string s;
  for (std::size_t i = 0; i < b.block_rows(); ++i) {
    for (std::size_t j = 0; j < b.block_cols(); ++j) {
      if (!s.empty()) s += '\n';
      // Appends rather than `"[" + std::string(...)`: g++ 12 emits a false -Wrestrict there.
      s += '[';
      s += std::to_string(i + 1);
      s += ',';
      s += std::to_string(j + 1);
      s += "] ";
      s += b.row_partition()[i]->name;
      s += "×";
      s += b.col_partition()[j]->name;
      s += ": ";
      s += to_string(b.at(i, j));
    }
  }
  return s;
}

/// The first place where two normal forms differ, or "" when they are identical.
inline std::string first_difference(const BlockValue& lhs, const BlockValue& rhs) {
  if (!same_partition(lhs.row_partition(), rhs.row_partition()) ||
      !same_partition(lhs.col_partition(), rhs.col_partition()))
    return "partitions differ: lhs " + to_string(lhs.row_partition()) + "×" +
           to_string(lhs.col_partition()) + ", rhs " + to_string(rhs.row_partition()) + "×" +
           to_string(rhs.col_partition());
  for (std::size_t i = 0; i < lhs.block_rows(); ++i) {
    for (std::size_t j = 0; j < lhs.block_cols(); ++j) {
      const Poly& a = lhs.at(i, j);
      const Poly& b = rhs.at(i, j);
      if (a == b) continue;
      std::string where = "block [";
      where += std::to_string(i + 1);
      where += ',';
      where += std::to_string(j + 1);
      where += "] ";
      where += a.rows()->name;
      where += "×";
      where += a.cols()->name;
      where += ": ";
      std::size_t p = 0, q = 0;
      while (p < a.terms().size() || q < b.terms().size()) {
        const Term* ta = p < a.terms().size() ? &a.terms()[p] : nullptr;
        const Term* tb = q < b.terms().size() ? &b.terms()[q] : nullptr;
        if (ta && tb && compare_keys(*ta, *tb) == 0) {
          if (!(ta->coeff == tb->coeff))
            return where + "term `" + key_to_string(*ta, a.rows()) + "` has coefficient " +
                   ta->coeff.to_string() + " on the left, " + tb->coeff.to_string() + " on the right";
          ++p;
          ++q;
          continue;
        }
        if (ta && (!tb || compare_keys(*ta, *tb) < 0))
          return where + "term `" + key_to_string(*ta, a.rows()) + "` has coefficient " +
                 ta->coeff.to_string() + " on the left, 0 on the right";
        return where + "term `" + key_to_string(*tb, b.rows()) + "` has coefficient 0 on the left, " +
               tb->coeff.to_string() + " on the right";
      }
    }
  }
  return "";
}

}  // namespace icgd::dimfree
