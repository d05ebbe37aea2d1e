// Trust the checker, not just the proofs: every claim's normal forms, evaluated with random
// integer matrices at several concrete sizes, must equal a dense computation of the same layers
// by the library's LSA layer (icgd::icl::lsa_forward, lib/include/icgd/icl/lsa.hpp — the layer
// the fixed-size proofs and `icgd verify` use), with the weights written out here from the
// papers (docs/papers/*.md) independently of the symbolic construction; positive claims must
// then hold numerically and every negative control must be numerically FALSE (a differing
// normal form alone does not prove that a claim is false).
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dense_eval.hpp"
#include "icgd/dimfree/claims.hpp"
#include "icgd/icl/lsa.hpp"

namespace {

using namespace icgd::dimfree;
using namespace icgd::dimfree::testing;
namespace c = icgd::dimfree::claims;

constexpr double kTolerance = 1e-9;  // exact in principle (integers and dyadic scalars)

template <fixed_string Name, class R, class C>
const Dense& mat(Valuation& v) {
  return v.matrix(symbol_info<Name, R, C, false>);
}
template <fixed_string Name, class D>
const Dense& symmetric_mat(Valuation& v) {
  return v.matrix(symbol_info<Name, D, D, true>);
}
template <fixed_string Name>
double scal(Valuation& v) {
  return v.scalar(scalar_info<Name, false>);
}

Dense I(int n) { return Dense::Identity(n, n); }
Dense Z(int r, int c) { return Dense::Zero(r, c); }

/// [[A, B], [C, D]] (dense).
Dense blocks(const Dense& A, const Dense& B, const Dense& C, const Dense& D) {
  Dense r(A.rows() + C.rows(), A.cols() + B.cols());
  r << A, B, C, D;
  return r;
}
Dense vstack(const Dense& A, const Dense& B) {
  Dense r(A.rows() + B.rows(), A.cols());
  r << A, B;
  return r;
}
Dense hstack(const Dense& A, const Dense& B) {
  Dense r(A.rows(), A.cols() + B.cols());
  r << A, B;
  return r;
}

// --- the library's layer on dense matrices ------------------------------------------------------

using icgd::icl::QueryInKeys;
using LibraryMat = icgd::Mat<double, icgd::Dynamic, icgd::Dynamic>;

LibraryMat to_library(const Dense& m) {
  LibraryMat r(static_cast<int>(m.rows()), static_cast<int>(m.cols()));
  for (int i = 0; i < r.rows(); ++i)
    for (int j = 0; j < r.cols(); ++j) r(i, j) = m(i, j);
  return r;
}
Dense from_library(const LibraryMat& m) {
  Dense r(m.rows(), m.cols());
  for (int i = 0; i < m.rows(); ++i)
    for (int j = 0; j < m.cols(); ++j) r(i, j) = m(i, j);
  return r;
}

/// E + λ P W_V E_kv E_kvᵀ W_Kᵀ W_Q E, computed by icgd::icl::lsa_forward (one head). `mode` says
/// whether the query (last column) is among the keys/values E_kv. Every dense reference below
/// goes through this one call, so a bug in the library's layer shows up here as a normal form
/// that no longer matches.
Dense library_layer(const Dense& E, const Dense& WK, const Dense& WQ, const Dense& WV, const Dense& P,
                    QueryInKeys mode, double lambda = 1.0) {
  const std::vector<icgd::icl::LsaHead<double, icgd::Dynamic>> heads{
      {to_library(WK), to_library(WQ), to_library(WV), to_library(P)}};
  return from_library(icgd::icl::lsa_forward(to_library(E), heads, mode, lambda));
}

/// Dense reference sides of a claim for one valuation.
struct DenseSides {
  Dense lhs, rhs;
};

/// Evaluates the claim's normal forms in `val`, compares each with the dense reference, and
/// returns the relative difference between the two dense sides.
double check_against_dense(ClaimSides (*construct)(), Valuation& val, const DenseSides& dense) {
  const ClaimSides sides = construct();
  const Dense lhs_nf = evaluate(sides.lhs, val);
  const Dense rhs_nf = evaluate(sides.rhs, val);
  CHECK(relative_difference(lhs_nf, dense.lhs) <= kTolerance);
  CHECK(relative_difference(rhs_nf, dense.rhs) <= kTolerance);
  return relative_difference(dense.lhs, dense.rhs);
}

// --- von Oswald (dense) ------------------------------------------------------------------------

struct VoDense {
  int Nx, Ny, N;
  Dense X, Y, W0, xq;
  double eta, invN;
  explicit VoDense(Valuation& v)
      : Nx(v.size("Nx")), Ny(v.size("Ny")), N(v.size("N")),
        X(mat<"X", c::Nx, c::N>(v)), Y(mat<"Y", c::Ny, c::N>(v)), W0(mat<"W0", c::Ny, c::Nx>(v)),
        xq(mat<"x_q", c::Nx, one>(v)), eta(scal<"eta">(v)), invN(scal<"1/N">(v)) {}
  [[nodiscard]] Dense tokens(const Dense& Xc, const Dense& xqc, const Dense& Yc, const Dense& yqc) const {
    return blocks(Xc, xqc, Yc, yqc);
  }
  [[nodiscard]] Dense E0() const { return tokens(X, xq, Y, -W0 * xq); }
  [[nodiscard]] Dense WKQ() const { return blocks(I(Nx), Z(Nx, Ny), Z(Ny, Nx), Z(Ny, Ny)); }
  [[nodiscard]] Dense WV_prop1(double sign) const { return blocks(Z(Nx, Nx), Z(Nx, Ny), W0, sign * I(Ny)); }
  [[nodiscard]] Dense P_prop1() const { return eta * invN * I(Nx + Ny); }
  [[nodiscard]] Dense gd(const Dense& W, double step) const { return W - step * invN * (W * X - Y) * X.transpose(); }
};

DenseSides vo1_dense(Valuation& v, double value_sign) {
  const VoDense d(v);
  const Dense E1 = library_layer(d.E0(), d.WKQ(), d.WKQ(), d.WV_prop1(value_sign), d.P_prop1(), QueryInKeys::excluded);
  const Dense dW = d.gd(d.W0, d.eta) - d.W0;
  return {E1.leftCols(d.N), vstack(d.X, d.Y - dW * d.X)};
}
DenseSides vo2_dense(Valuation& v, double readout_sign) {
  const VoDense d(v);
  const Dense E1 = library_layer(d.E0(), d.WKQ(), d.WKQ(), d.WV_prop1(-1), d.P_prop1(), QueryInKeys::excluded);
  const Dense query = E1.rightCols(1);
  return {vstack(query.topRows(d.Nx), readout_sign * query.bottomRows(d.Ny)),
          vstack(d.xq, d.gd(d.W0, d.eta) * d.xq)};
}
DenseSides vo_stack_dense(Valuation& v, int K, bool damped, bool query_in_keys) {
  const VoDense d(v);
  const double lambda = damped ? scal<"lambda">(v) : 1.0;
  Dense E = d.E0();
  Dense W = d.W0;
  for (int k = 0; k < K; ++k) {
    E = library_layer(E, d.WKQ(), d.WKQ(), d.WV_prop1(-1), d.P_prop1(),
                      query_in_keys ? QueryInKeys::included : QueryInKeys::excluded, lambda);
    W = d.gd(W, lambda * d.eta);
  }
  return {E, d.tokens(d.X, d.xq, d.Y - (W - d.W0) * d.X, -W * d.xq)};
}
DenseSides vo5_dense(Valuation& v, int L) {
  const VoDense d(v);
  const double gamma = scal<"gamma">(v);
  const Dense WV = blocks(I(d.Nx), Z(d.Nx, d.Ny), d.W0, -I(d.Ny));
  Dense P = Z(d.Nx + d.Ny, d.Nx + d.Ny);
  P.topLeftCorner(d.Nx, d.Nx) = -gamma * I(d.Nx);
  P.bottomRightCorner(d.Ny, d.Ny) = d.eta * d.invN * I(d.Ny);
  Dense E = d.E0();
  Dense X = d.X, xq = d.xq, Y = d.Y, yq = -d.W0 * d.xq;
  for (int l = 0; l < L; ++l) {
    E = library_layer(E, d.WKQ(), d.WKQ(), WV, P, QueryInKeys::excluded);
    // GD++ in words: y-slots get a GD step on the current inputs, x-slots are multiplied by
    // H = I − γ X Xᵀ (query included).
    const Dense H = I(d.Nx) - gamma * X * X.transpose();
    const Dense dW = -d.eta * d.invN * (d.W0 * X - Y) * X.transpose();
    Y = Y - dW * X;
    yq = yq - dW * xq;
    X = H * X;
    xq = H * xq;
  }
  return {E, d.tokens(X, xq, Y, yq)};
}
DenseSides vo9_dense(Valuation& v) {
  const int Dm = v.size("Dm"), Ny = v.size("Ny");
  const Dense& F = mat<"m(X)", c::Dm, c::N>(v);
  const Dense& fq = mat<"m(x_q)", c::Dm, one>(v);
  const Dense& Y = mat<"Y", c::Ny, c::N>(v);
  const double eta = scal<"eta">(v), invN = scal<"1/N">(v);
  const Dense E = blocks(F, fq, Y, Z(Ny, 1));
  const Dense WKQ = blocks(I(Dm), Z(Dm, Ny), Z(Ny, Dm), Z(Ny, Ny));
  const Dense WV = blocks(Z(Dm, Dm), Z(Dm, Ny), Z(Ny, Dm), -I(Ny));
  const Dense E1 = library_layer(E, WKQ, WKQ, WV, eta * invN * I(Dm + Ny), QueryInKeys::excluded);
  return {-E1.bottomRightCorner(Ny, 1), eta * invN * Y * (F.transpose() * fq)};
}

// --- Ahn, ZFB, Dai (dense) ---------------------------------------------------------------------

DenseSides ahn_dense(Valuation& v, int L, bool symmetric) {
  const int d = v.size("d");
  const Dense& X = mat<"X", c::d, c::n>(v);
  const Dense& Y = mat<"y", one, c::n>(v);
  const Dense& xq = mat<"x_q", c::d, one>(v);
  const double invn = scal<"1/n">(v);
  Dense Zm = blocks(X, xq, Y, Z(1, 1));
  Dense P = Z(d + 1, d + 1);
  P(d, d) = 1.0;
  Dense w = Z(d, 1);
  for (int l = 1; l <= L; ++l) {
    const Dense& A = symmetric ? v.matrix(indexed_symbol_info<"A", c::d, c::d, true>(static_cast<std::size_t>(l)))
                               : v.matrix(indexed_symbol_info<"A", c::d, c::d, false>(static_cast<std::size_t>(l)));
    Dense Q = Z(d + 1, d + 1);
    Q.topLeftCorner(d, d) = -A;
    // Z + (1/n) P Z M Zᵀ Q Z with Ahn's mask M = diag(I_n, 0): the query is no key/value.
    Zm = library_layer(Zm, I(d + 1), Q, I(d + 1), invn * P, QueryInKeys::excluded);
    w = w - A * (invn * X * (X.transpose() * w - Y.transpose()));
  }
  return {Zm, blocks(X, xq, Y - w.transpose() * X, -w.transpose() * xq)};
}

DenseSides zfb1_dense(Valuation& v, bool symmetric) {
  const int d = v.size("d");
  const Dense& X = mat<"X", c::d, c::M>(v);
  const Dense& w = mat<"w", c::d, one>(v);
  const Dense& xq = mat<"x_q", c::d, one>(v);
  const Dense& G = symmetric ? symmetric_mat<"G", c::d>(v) : mat<"G", c::d, c::d>(v);
  const double cc = v.scalar(scalar_info<"c", true>), invM = scal<"1/M">(v);
  const Dense E = blocks(X, xq, w.transpose() * X, Z(1, 1));
  Dense WKQ = Z(d + 1, d + 1);
  WKQ.topLeftCorner(d, d) = cc * G;
  Dense WPV = Z(d + 1, d + 1);
  WPV(d, d) = 1.0 / cc;
  const Dense f = library_layer(E, I(d + 1), WKQ, WPV, invM * I(d + 1), QueryInKeys::included);
  return {f.bottomRightCorner(1, 1), xq.transpose() * G * (invM * X * X.transpose()) * w};
}

DenseSides zfb2_dense(Valuation& v) {
  const Dense& X = mat<"X", c::d, c::N>(v);
  const Dense& Y = mat<"y", one, c::N>(v);
  const Dense& xq = mat<"x_q", c::d, one>(v);
  const double invN = scal<"1/N">(v);
  const Dense WPV = blocks(mat<"W11^PV", c::d, c::d>(v), mat<"w12^PV", c::d, one>(v),
                           mat<"w21^PV", c::d, one>(v).transpose(), mat<"w22^PV", one, one>(v));
  const Dense WKQ = blocks(mat<"W11^KQ", c::d, c::d>(v), mat<"w12^KQ", c::d, one>(v),
                           mat<"w21^KQ", c::d, one>(v).transpose(), mat<"w22^KQ", one, one>(v));
  const Dense E = blocks(X, xq, Y, Z(1, 1));
  const int width = static_cast<int>(E.rows());
  const Dense f = library_layer(E, I(width), WKQ, WPV, invN * I(width), QueryInKeys::included);
  const Dense row = hstack(mat<"w21^PV", c::d, one>(v).transpose(), mat<"w22^PV", one, one>(v));
  const Dense col = vstack(mat<"W11^KQ", c::d, c::d>(v), mat<"w21^KQ", c::d, one>(v).transpose());
  return {f.bottomRightCorner(1, 1), invN * row * (E * E.transpose()) * col * xq};
}

DenseSides dai1_dense(Valuation& v) {
  const Dense& W0 = mat<"W0", c::Do, c::Di>(v);
  const Dense& E = mat<"E", c::Do, c::N>(v);
  const Dense& e = mat<"e", c::Do, one>(v);
  const Dense& Xp = mat<"X'", c::Di, c::N>(v);
  const Dense& xp = mat<"x'", c::Di, one>(v);
  const Dense& x = mat<"x", c::Di, one>(v);
  Dense dW = Z(W0.rows(), W0.cols());
  for (Eigen::Index i = 0; i < E.cols(); ++i) dW += E.col(i) * Xp.col(i).transpose();  // Σ_i e_i x'_iᵀ
  dW += e * xp.transpose();
  const Dense V = hstack(E, e), K = hstack(Xp, xp);
  return {(W0 + dW) * x, W0 * x + V * K.transpose() * x};
}

DenseSides dai2_dense(Valuation& v) {
  const Dense& WV = mat<"W_V", c::Dv, c::d>(v);
  const Dense& WK = mat<"W_K", c::Dk, c::d>(v);
  const Dense& Xd = mat<"X'", c::d, c::Nd>(v);
  const Dense& X = mat<"X", c::d, c::T>(v);
  const Dense& q = mat<"q", c::Dk, one>(v);
  const Dense all = hstack(Xd, X);
  return {WV * all * (WK * all).transpose() * q,
          (WV * X * (WK * X).transpose() + WV * Xd * (WK * Xd).transpose()) * q};
}

DenseSides dai4_dense(Valuation& v) {
  const int d = v.size("d");
  const double eta = scal<"eta">(v);
  auto vec = [&](int i) -> const Dense& {
    return v.matrix(indexed_symbol_info<"v", c::d, one>(static_cast<std::size_t>(i)));
  };
  Dense lhs = Z(d, 8), rhs = Z(d, 8);
  Dense m = Z(d, 1);
  for (int t = 2; t <= 8; ++t) {
    m = eta * (m + vec(t - 1));
    lhs.col(t - 1) = m;
    for (int i = 1; i < t; ++i) rhs.col(t - 1) += std::pow(eta, t - i) * vec(i);
  }
  return {lhs, rhs};
}

// --- the sweep -----------------------------------------------------------------------------------

struct NumericCase {
  std::string id;
  bool negative;
  ClaimSides (*construct)();
  std::function<DenseSides(Valuation&)> dense;
  std::vector<std::map<std::string, int>> sizes;
};

std::vector<NumericCase> numeric_cases() {
  const std::vector<std::map<std::string, int>> vo_sizes = {
      {{"Nx", 1}, {"Ny", 1}, {"N", 1}}, {{"Nx", 2}, {"Ny", 1}, {"N", 3}},
      {{"Nx", 3}, {"Ny", 2}, {"N", 4}}, {{"Nx", 2}, {"Ny", 3}, {"N", 2}}};
  const std::vector<std::map<std::string, int>> vo9_sizes = {
      {{"Dm", 1}, {"Ny", 1}, {"N", 1}}, {{"Dm", 4}, {"Ny", 1}, {"N", 3}}, {{"Dm", 2}, {"Ny", 3}, {"N", 5}}};
  const std::vector<std::map<std::string, int>> ahn_sizes = {
      {{"d", 1}, {"n", 1}}, {{"d", 2}, {"n", 3}}, {{"d", 3}, {"n", 4}}, {{"d", 4}, {"n", 2}}};
  const std::vector<std::map<std::string, int>> zfb1_sizes = {
      {{"d", 1}, {"M", 1}}, {{"d", 2}, {"M", 5}}, {{"d", 3}, {"M", 3}}};
  // The non-symmetry controls are false only for d ≥ 2: a 1×1 matrix IS symmetric. (The
  // engine, which keeps d symbolic, rightly reports different normal forms.)
  const std::vector<std::map<std::string, int>> ahn1b_sizes = {{{"d", 2}, {"n", 3}}, {{"d", 3}, {"n", 1}}};
  const std::vector<std::map<std::string, int>> zfb1b_sizes = {{{"d", 2}, {"M", 5}}, {{"d", 3}, {"M", 1}}};
  const std::vector<std::map<std::string, int>> zfb2_sizes = {
      {{"d", 1}, {"N", 1}}, {{"d", 2}, {"N", 4}}, {{"d", 3}, {"N", 2}}};
  const std::vector<std::map<std::string, int>> dai1_sizes = {
      {{"Do", 1}, {"Di", 1}, {"N", 1}}, {{"Do", 2}, {"Di", 3}, {"N", 4}}, {{"Do", 3}, {"Di", 2}, {"N", 2}}};
  const std::vector<std::map<std::string, int>> dai2_sizes = {
      {{"Dv", 1}, {"Dk", 1}, {"d", 1}, {"Nd", 1}, {"T", 1}},
      {{"Dv", 2}, {"Dk", 3}, {"d", 4}, {"Nd", 3}, {"T", 2}},
      {{"Dv", 3}, {"Dk", 2}, {"d", 2}, {"Nd", 5}, {"T", 1}}};
  const std::vector<std::map<std::string, int>> dai4_sizes = {{{"d", 1}}, {{"d", 3}}};

  std::vector<NumericCase> cases = {
      {"VO-1", false, &c::vo1, [](Valuation& v) { return vo1_dense(v, -1); }, vo_sizes},
      {"VO-1b", true, &c::vo1b, [](Valuation& v) { return vo1_dense(v, +1); }, vo_sizes},
      {"VO-2", false, &c::vo2, [](Valuation& v) { return vo2_dense(v, -1); }, vo_sizes},
      {"VO-2b", true, &c::vo2b, [](Valuation& v) { return vo2_dense(v, +1); }, vo_sizes},
      {"VO-3 K=1", false, &c::vo3<1>, [](Valuation& v) { return vo_stack_dense(v, 1, false, false); }, vo_sizes},
      {"VO-3 K=2", false, &c::vo3<2>, [](Valuation& v) { return vo_stack_dense(v, 2, false, false); }, vo_sizes},
      {"VO-3 K=3", false, &c::vo3<3>, [](Valuation& v) { return vo_stack_dense(v, 3, false, false); }, vo_sizes},
      {"VO-3 K=4", false, &c::vo3<4>, [](Valuation& v) { return vo_stack_dense(v, 4, false, false); }, vo_sizes},
      {"VO-3b", true, &c::vo3b, [](Valuation& v) { return vo_stack_dense(v, 2, false, true); }, vo_sizes},
      {"VO-4 K=1", false, &c::vo4<1>, [](Valuation& v) { return vo_stack_dense(v, 1, true, false); }, vo_sizes},
      {"VO-4 K=2", false, &c::vo4<2>, [](Valuation& v) { return vo_stack_dense(v, 2, true, false); }, vo_sizes},
      {"VO-4 K=3", false, &c::vo4<3>, [](Valuation& v) { return vo_stack_dense(v, 3, true, false); }, vo_sizes},
      {"VO-4 K=4", false, &c::vo4<4>, [](Valuation& v) { return vo_stack_dense(v, 4, true, false); }, vo_sizes},
      {"VO-5 L=1", false, &c::vo5_layers<1>, [](Valuation& v) { return vo5_dense(v, 1); }, vo_sizes},
      {"VO-5 L=2", false, &c::vo5_layers<2>, [](Valuation& v) { return vo5_dense(v, 2); }, vo_sizes},
      {"VO-9", false, &c::vo9, vo9_dense, vo9_sizes},
      {"AHN-1 L=1", false, &c::ahn1<1>, [](Valuation& v) { return ahn_dense(v, 1, true); }, ahn_sizes},
      {"AHN-1 L=2", false, &c::ahn1<2>, [](Valuation& v) { return ahn_dense(v, 2, true); }, ahn_sizes},
      {"AHN-1 L=3", false, &c::ahn1<3>, [](Valuation& v) { return ahn_dense(v, 3, true); }, ahn_sizes},
      {"AHN-1b", true, &c::ahn1b, [](Valuation& v) { return ahn_dense(v, 1, false); }, ahn1b_sizes},
      {"ZFB-1", false, &c::zfb1, [](Valuation& v) { return zfb1_dense(v, true); }, zfb1_sizes},
      {"ZFB-1b", true, &c::zfb1b, [](Valuation& v) { return zfb1_dense(v, false); }, zfb1b_sizes},
      {"ZFB-2", false, &c::zfb2, zfb2_dense, zfb2_sizes},
      {"DAI-1", false, &c::dai1, dai1_dense, dai1_sizes},
      {"DAI-2", false, &c::dai2, dai2_dense, dai2_sizes},
      {"DAI-4", false, &c::dai4, dai4_dense, dai4_sizes},
  };
  return cases;
}

}  // namespace

TEST_CASE("dimfree claims: normal forms equal dense Eigen layers at several sizes") {
  for (const NumericCase& nc : numeric_cases()) {
    for (std::size_t s = 0; s < nc.sizes.size(); ++s) {
      // A negative control needs one counterexample per size; positive claims must hold for
      // every seed.
      int counterexamples = 0;
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        INFO(nc.id << " size set " << s << " seed " << seed);
        Valuation val(nc.sizes[s], 1000 * seed + s);
        const DenseSides dense = nc.dense(val);
        const double gap = check_against_dense(nc.construct, val, dense);
        if (nc.negative) {
          if (gap > 1e-6) ++counterexamples;
        } else {
          CHECK(gap <= kTolerance);
        }
      }
      if (nc.negative) {
        INFO(nc.id << " size set " << s);
        CHECK(counterexamples > 0);
      }
    }
  }
}

TEST_CASE("dimfree claims: the non-symmetry controls are true at d = 1 (a 1x1 matrix is symmetric)") {
  // Documents why ahn1b_sizes and zfb1b_sizes start at d = 2: the controls are not identities
  // for every d, but they do hold at d = 1, and the numerics must agree with that too.
  Valuation val({{"d", 1}, {"n", 2}, {"M", 3}}, 11);
  CHECK(check_against_dense(&c::ahn1b, val, ahn_dense(val, 1, false)) <= kTolerance);
  CHECK(check_against_dense(&c::zfb1b, val, zfb1_dense(val, false)) <= kTolerance);
}

TEST_CASE("dimfree claims: the dense references can fail (sanity of the harness)") {
  // A perturbed reference must be caught: the comparison is not vacuous.
  Valuation val({{"Nx", 2}, {"Ny", 2}, {"N", 3}}, 7);
  DenseSides dense = vo_stack_dense(val, 2, false, false);
  dense.lhs(0, 0) += 1.0;
  const ClaimSides sides = c::vo3<2>();
  CHECK(relative_difference(evaluate(sides.lhs, val), dense.lhs) > 1e-6);
}

TEST_CASE("dimfree check_all_claims: positives hold, negative controls fail, with explanations") {
  const std::vector<ClaimCheck> checks = check_all_claims();
  REQUIRE(checks.size() == std::size(claim_registry));
  std::set<std::string> ids;
  for (const ClaimCheck& ch : checks) {
    INFO(ch.claim_id << ": " << ch.instance);
    ids.insert(ch.claim_id);
    CHECK(ch.holds == !ch.negative_control);
    CHECK(!ch.lhs_normal_form.empty());
    CHECK(!ch.rhs_normal_form.empty());
    CHECK(ch.first_difference.empty() == ch.holds);
    if (ch.holds) CHECK(ch.lhs_normal_form == ch.rhs_normal_form);
    if (ch.negative_control) CHECK(ch.claim_id.back() == 'b');
  }
  for (const char* id : {"VO-1", "VO-2", "VO-3", "VO-4", "VO-5", "VO-9", "AHN-1", "ZFB-1", "ZFB-2",
                         "DAI-1", "DAI-2", "DAI-4", "VO-1b", "VO-2b", "VO-3b", "AHN-1b", "ZFB-1b"}) {
    INFO(id);
    CHECK(ids.count(id) == 1);
  }
}
