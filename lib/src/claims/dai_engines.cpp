// Runtime rows of Dai et al. 2023's claims (docs/papers/dai.md; see dai_engines.hpp).
//
//  - runtime symbolic / exact rational: the constructions of icl/dai_claims.hpp at sizes taken
//    from the command line (--nx, --ny, --n), every entry a variable or a random rational;
//  - numeric double: a second implementation with Eigen at large sizes (--numeric-nx, --numeric-n);
//  - training backward (DAI-3): train::linear_backward, the training engine's own gradient of a
//    linear layer, on dyadic inputs where double arithmetic is exact;
//  - DAI-6: a search, from the smallest size up, for an instance where softmax attention over
//    [X′ X] is not attention over X plus attention over X′.
#include "dai_engines.hpp"

#include "icgd/icl/dai_claims.hpp"
#include "icgd/train/layers.hpp"

#include <Eigen/Dense>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

namespace icgd::claims::dai {
namespace {

using icl::DaiBroken;
using icl::DaiClaim;

template <class F>
EngineResult timed(Engine engine, const std::string& sizes, F&& run) {
  const auto start = std::chrono::steady_clock::now();
  EngineResult r{engine, sizes, Status::error, {}, 0};
  try {
    r = run();
  } catch (const rational_overflow& e) {
    r = {engine, sizes, Status::error, std::string("engine limit: ") + e.what(), 0};
  } catch (const std::exception& e) {
    r = {engine, sizes, Status::error, e.what(), 0};
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

/// The claim must hold and its control must not.
EngineResult judged(Engine engine, std::string sizes, bool holds, bool control_holds, std::string measured) {
  EngineResult r{engine, std::move(sizes), Status::held, {}, 0};
  r.detail = measured + (holds ? "; identity holds" : "; identity FAILS") +
             (control_holds ? "; control NOT refuted" : "; control refuted");
  if (!holds || control_holds) r.status = Status::failed;
  return r;
}

// --- sizes -------------------------------------------------------------------------------------

/// The exact rational engine keeps DAI-4 to t <= 12: η = k/8 raised to the 11th power already
/// has a denominator of 2^33, and int64 rationals must not overflow.
constexpr int kRationalMomentumSteps = 12;

struct DaiSizes {
  int a, b, c, d;  // DAI-1: Dout, Din, N; DAI-2: Dv = Dk, D, Nd, T; DAI-4: D, t
};
DaiSizes symbolic_sizes(DaiClaim claim, const VerifyOptions& o) {
  switch (claim) {
    case DaiClaim::dual_form: return {o.ny, o.nx, o.n, 0};
    case DaiClaim::icl_split: return {o.ny, o.nx, o.n, 2};
    case DaiClaim::momentum_ema: return {o.ny, o.n, 0, 0};
  }
  return {};
}
std::string sizes_text(DaiClaim claim, const DaiSizes& s) {
  switch (claim) {
    case DaiClaim::dual_form: return fmt::format("Dout={} Din={} N={}", s.a, s.b, s.c);
    case DaiClaim::icl_split: return fmt::format("Dv=Dk={} D={} Nd={} T={}", s.a, s.b, s.c, s.d);
    case DaiClaim::momentum_ema: return fmt::format("D={} t={}", s.a, s.b);
  }
  return {};
}

// --- the fixed-size templates at runtime ----------------------------------------------------

/// Both sides for the construction (holds) and the control (control_holds), one instance.
struct Outcome {
  bool holds, control_holds;
};
template <class Instance, class Sides>
Outcome outcome(const Instance& p, Sides&& sides, DaiBroken control) {
  const auto s = sides(p, DaiBroken::none);
  const auto c = sides(p, control);
  return {s.lhs == s.rhs, c.lhs == c.rhs};
}

Outcome fixed_size_outcome(const icl::DaiConstruction& c, const DaiSizes& s, std::optional<std::uint64_t> seed) {
  constexpr int X = Dynamic;
  auto dai1 = [](const auto& p, DaiBroken b) { return icl::dai1_sides(p, b); };
  auto dai2 = [](const auto& p, DaiBroken b) { return icl::dai2_sides(p, b); };
  auto dai4 = [](const auto& p, DaiBroken b) { return icl::dai4_sides(p, b); };
  switch (c.claim) {
    case DaiClaim::dual_form:
      return seed ? outcome(icl::dai1_random_rational<X, X, X>(*seed, s.a, s.b, s.c), dai1, c.control)
                  : outcome(icl::dai1_symbolic<X, X, X>(s.a, s.b, s.c), dai1, c.control);
    case DaiClaim::icl_split:
      return seed ? outcome(icl::dai2_random_rational<X, X, X, X, X>(*seed, s.a, s.a, s.b, s.c, s.d), dai2, c.control)
                  : outcome(icl::dai2_symbolic<X, X, X, X, X>(s.a, s.a, s.b, s.c, s.d), dai2, c.control);
    case DaiClaim::momentum_ema:
      return seed ? outcome(icl::dai4_random_rational<X, X>(*seed, s.a, s.b), dai4, c.control)
                  : outcome(icl::dai4_symbolic<X, X>(s.a, s.b), dai4, c.control);
  }
  return {false, true};
}

EngineResult symbolic_row(const icl::DaiConstruction& c, const VerifyOptions& o) {
  DaiSizes s = symbolic_sizes(c.claim, o);
  // η^(t−1) must stay within Monomial::max_degree.
  if (c.claim == DaiClaim::momentum_ema) s.b = std::min(s.b, kRationalMomentumSteps);
  const std::string sizes = sizes_text(c.claim, s);
  return timed(Engine::runtime_symbolic, sizes, [&] {
    const Outcome r = fixed_size_outcome(c, s, std::nullopt);
    return judged(Engine::runtime_symbolic, sizes, r.holds, r.control_holds, "all entries symbolic");
  });
}

EngineResult rational_row(const icl::DaiConstruction& c, const VerifyOptions& o) {
  DaiSizes s = symbolic_sizes(c.claim, o);
  if (c.claim == DaiClaim::momentum_ema) s.b = std::min(s.b, kRationalMomentumSteps);
  const std::string sizes = sizes_text(c.claim, s);
  return timed(Engine::exact_rational, sizes, [&] {
    // The control is refuted when it fails on at least one instance: on an instance with q = 0
    // (Dk = 1 draws it one time in 13) W_ZSL q = (W_ZSL + dW_ICL) q, and agreeing refutes nothing.
    bool holds = true, control_holds = true;
    for (int k = 0; k < o.rational_instances; ++k) {
      const Outcome r = fixed_size_outcome(c, s, o.seed + static_cast<std::uint64_t>(k));
      holds = holds && r.holds;
      control_holds = control_holds && r.control_holds;
    }
    std::string measured = fmt::format("{} random instances", o.rational_instances);
    if (c.claim == DaiClaim::momentum_ema && s.b < o.n)
      measured += fmt::format(" (t capped at {}: int64 rationals)", kRationalMomentumSteps);
    return judged(Engine::exact_rational, sizes, holds, control_holds, measured);
  });
}

// --- numeric double: Eigen ---------------------------------------------------------------------

Eigen::MatrixXd uniform_matrix(icl::SplitMix64& rng, int rows, int cols) {
  auto uniform = [&rng] { return static_cast<double>(rng.next() >> 11) * 0x1.0p-53 * 2.0 - 1.0; };
  return Eigen::MatrixXd::NullaryExpr(rows, cols, uniform);
}

double relative(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).norm() / std::max(b.norm(), 1e-300);
}

/// Relative differences lhs/rhs for the claim and its control, in double.
std::pair<double, double> numeric_errors(DaiClaim claim, int d, int n, std::uint64_t seed) {
  icl::SplitMix64 rng{seed};
  switch (claim) {
    case DaiClaim::dual_form: {
      const Eigen::MatrixXd W0 = uniform_matrix(rng, d, d), E = uniform_matrix(rng, d, n),
                            Xp = uniform_matrix(rng, d, n), x = uniform_matrix(rng, d, 1);
      Eigen::MatrixXd dW = Eigen::MatrixXd::Zero(d, d);
      for (int i = 0; i < n; ++i) dW.noalias() += E.col(i) * Xp.col(i).transpose();
      const Eigen::MatrixXd lhs = (W0 + dW) * x;
      const Eigen::MatrixXd attention = E * (Xp.transpose() * x);
      return {relative(lhs, W0 * x + attention), relative(lhs, W0 * x - attention)};
    }
    case DaiClaim::icl_split: {
      const Eigen::MatrixXd WV = uniform_matrix(rng, d, d), WK = uniform_matrix(rng, d, d),
                            Xd = uniform_matrix(rng, d, n), Xq = uniform_matrix(rng, d, n), q = uniform_matrix(rng, d, 1);
      Eigen::MatrixXd tokens(d, 2 * n);
      tokens << Xd, Xq;
      const Eigen::MatrixXd lhs = (WV * tokens) * ((WK * tokens).transpose() * q);
      const Eigen::MatrixXd W_ZSL = (WV * Xq) * (WK * Xq).transpose();
      const Eigen::MatrixXd values = WV * Xd, keys = WK * Xd;
      Eigen::MatrixXd dW_ICL = Eigen::MatrixXd::Zero(d, d);
      for (int i = 0; i < n; ++i) dW_ICL.noalias() += values.col(i) * keys.col(i).transpose();
      return {relative(lhs, (W_ZSL + dW_ICL) * q), relative(lhs, W_ZSL * q)};
    }
    case DaiClaim::momentum_ema: {
      const Eigen::MatrixXd V = uniform_matrix(rng, d, n);
      const double eta = 0.9;
      Eigen::MatrixXd recursion = Eigen::MatrixXd::Zero(d, n), control = recursion, closed = recursion;
      for (int t = 1; t < n; ++t) {
        recursion.col(t) = eta * (recursion.col(t - 1) + V.col(t - 1));
        control.col(t) = eta * control.col(t - 1) + V.col(t - 1);
      }
      for (int t = 1; t < n; ++t)
        for (int i = 0; i < t; ++i) closed.col(t) += std::pow(eta, t - i) * V.col(i);
      return {relative(recursion, closed), relative(control, closed)};
    }
  }
  return {1, 0};
}

EngineResult numeric_row(const icl::DaiConstruction& c, const VerifyOptions& o) {
  const int d = o.numeric_nx, n = o.numeric_n;
  const std::string sizes = c.claim == DaiClaim::dual_form   ? fmt::format("Dout=Din={} N={}", d, n)
                            : c.claim == DaiClaim::icl_split ? fmt::format("Dv=Dk=D={} Nd=T={}", d, n)
                                                             : fmt::format("D={} t={} eta=0.9", d, n);
  return timed(Engine::numeric_double, sizes, [&] {
    const auto [err, control_err] = numeric_errors(c.claim, d, n, o.seed);
    const double bound = o.relative_error_bound;
    return judged(Engine::numeric_double, sizes, err <= bound, control_err <= bound,
                  fmt::format("rel. error {:.2e} (bound {:.0e}), control {:.2e}", err, bound, control_err));
  });
}

// --- DAI-3: the training engine's backward pass --------------------------------------------------

/// A double that is a multiple of 2^-20 below 2^40 as an exact Rational (nullopt otherwise).
std::optional<Rational> exact_dyadic(double v) {
  const double scaled = v * 0x1.0p20;
  if (!(std::abs(scaled) < 0x1.0p52) || scaled != std::trunc(scaled)) return std::nullopt;
  return Rational(static_cast<std::int64_t>(scaled), std::int64_t{1} << 20);
}

/// One SGD step on a square linear layer y = W x over N examples, loss ½ Σ_i ‖W x_i − y_i‖²:
/// the output gradients are g_i = W x_i − y_i, the training engine's backward gives dW, and the
/// step is W ← W − γ dW. Inputs are multiples of 1/4 and γ = 1/8, so double arithmetic is exact
/// and the step can be compared with −γ Σ_i g_i x_iᵀ formed in exact rationals.
EngineResult training_backward_row(const VerifyOptions& o) {
  const int d = o.nx, n = o.n;
  const std::string sizes = fmt::format("Din=Dout={} N={}", d, n);
  return timed(Engine::training_backward, sizes, [&] {
    icl::SplitMix64 rng{o.seed};
    auto quarter = [&rng] { return static_cast<double>(rng.uniform(-6, 6)) / 4.0; };
    const Eigen::MatrixXd W = Eigen::MatrixXd::NullaryExpr(d, d, quarter);
    const Eigen::MatrixXd X = Eigen::MatrixXd::NullaryExpr(d, n, quarter);
    const Eigen::MatrixXd Y = Eigen::MatrixXd::NullaryExpr(d, n, quarter);
    const Eigen::MatrixXd x_test = Eigen::MatrixXd::NullaryExpr(d, 1, quarter);
    const double gamma = 0.125;
    // Forward and the output gradient of the loss: G = Ŷ − Y.
    std::vector<double> W_store(W.data(), W.data() + W.size());
    const Eigen::Map<const Eigen::MatrixXd> W_map(W_store.data(), d, d), no_bias(nullptr, 0, 0);
    Eigen::MatrixXd outputs;
    train::linear_forward<double>(W_map, no_bias, X, outputs);
    const Eigen::MatrixXd G = outputs - Y;
    // The training engine's backward pass.
    std::vector<double> dW_store(static_cast<std::size_t>(d) * d, 0.0);
    Eigen::Map<Eigen::MatrixXd> dW(dW_store.data(), d, d), db(nullptr, 0, 0);
    Eigen::MatrixXd d_input;
    train::linear_backward<double>(W_map, X, G, dW, db, d_input);
    const Eigen::MatrixXd W_after = W - gamma * dW;
    const Eigen::MatrixXd step = W_after - W;
    // −γ Σ_i g_i x_iᵀ and the control −γ Σ_i x_i g_iᵀ, outer product by outer product, exactly.
    bool matches = true, control_matches = true, exact = true;
    const Rational g_rational = Rational(1, 8);
    for (int r = 0; r < d; ++r)
      for (int c = 0; c < d; ++c) {
        Rational expected(0), control(0);
        for (int i = 0; i < n; ++i) {
          const auto g_r = exact_dyadic(G(r, i)), x_c = exact_dyadic(X(c, i));
          const auto x_r = exact_dyadic(X(r, i)), g_c = exact_dyadic(G(c, i));
          if (!g_r || !x_c || !x_r || !g_c) { exact = false; continue; }
          expected = expected - g_rational * (*g_r) * (*x_c);
          control = control - g_rational * (*x_r) * (*g_c);
        }
        const auto measured = exact_dyadic(step(r, c));
        exact = exact && measured.has_value();
        matches = matches && measured && *measured == expected;
        control_matches = control_matches && measured && *measured == control;
      }
    if (!exact) return EngineResult{Engine::training_backward, sizes, Status::error,
                                    "an intermediate was not an exact dyadic number; the comparison would be inexact", 0};
    // The dual form on top: the stepped layer applied to a new input is W x + E (X'ᵀ x), e_i = −γ g_i.
    const Eigen::MatrixXd dual = W * x_test + (-gamma * G) * (X.transpose() * x_test);
    const bool dual_matches = (W_after * x_test - dual).cwiseAbs().maxCoeff() == 0.0;
    EngineResult r = judged(Engine::training_backward, sizes, matches && dual_matches, control_matches,
                            fmt::format("train::linear_backward, one SGD step (gamma = 1/8) on dyadic data, compared "
                                        "exactly with -gamma sum_i g_i x_i^T; stepped layer on a new input {} "
                                        "W x + E X'^T x",
                                        dual_matches ? "equals" : "DIFFERS from"));
    return r;
  });
}

// --- DAI-6: the softmax counterexample -------------------------------------------------------------

/// Softmax attention W_V T softmax((W_K T)ᵀ q / √d) over the columns of T (0 for no columns).
Eigen::VectorXd softmax_attention(const Eigen::MatrixXd& W_V, const Eigen::MatrixXd& W_K, const Eigen::MatrixXd& tokens,
                                  const Eigen::VectorXd& q) {
  if (tokens.cols() == 0) return Eigen::VectorXd::Zero(W_V.rows());
  Eigen::VectorXd scores = (W_K * tokens).transpose() * q / std::sqrt(static_cast<double>(q.size()));
  scores = (scores.array() - scores.maxCoeff()).exp().matrix();
  scores /= scores.sum();
  return (W_V * tokens) * scores;
}

struct Counterexample {
  int d = 0, n = 0;  // token dimension, number of demonstrations (one query-input token)
  // exact: q = 0, so every score is 0 and the softmax is uniform (exp 0 = 1: rational)
  std::vector<Rational> exact_lhs, exact_split;
  // double: a generic instance
  double numeric_difference = 0, numeric_scale = 0, rounding_bound = 0;
  std::vector<std::string> held_at;  // the sizes searched before, where the split held
};

constexpr int kSearchMaxSize = 6;     // d + n
constexpr int kSearchInstances = 8;   // per size and engine
constexpr double kFarAboveRounding = 1e6;

/// Exact: at q = 0 softmax attention over m tokens is their mean value; the split is the mean
/// over X plus the mean over X′ (0 without demonstrations). Returns the first instance (of a few
/// seeds) where they differ, as (lhs, split).
std::optional<std::pair<std::vector<Rational>, std::vector<Rational>>> exact_split_failure(int d, int n, std::uint64_t seed) {
  for (int k = 0; k < kSearchInstances; ++k) {
    icl::SplitMix64 rng{seed + static_cast<std::uint64_t>(k)};
    const auto W_V = icl::random_rational_matrix<Dynamic, Dynamic>(rng, d, d);
    const auto demos = icl::random_rational_matrix<Dynamic, Dynamic>(rng, d, n);
    const auto query = icl::random_rational_matrix<Dynamic, Dynamic>(rng, d, 1);
    const auto v_demos = W_V * demos;
    const auto v_query = W_V * query;
    std::vector<Rational> lhs(static_cast<std::size_t>(d)), split(static_cast<std::size_t>(d));
    bool differs = false;
    for (int r = 0; r < d; ++r) {
      Rational sum_demos(0);
      for (int i = 0; i < n; ++i) sum_demos = sum_demos + v_demos(r, i);
      const Rational all = (sum_demos + v_query(r, 0)) * Rational(1, n + 1);
      const Rational parts = v_query(r, 0) + (n > 0 ? sum_demos * Rational(1, n) : Rational(0));
      lhs[static_cast<std::size_t>(r)] = all;
      split[static_cast<std::size_t>(r)] = parts;
      differs = differs || !(all == parts);
    }
    if (differs) return std::pair{lhs, split};
  }
  return std::nullopt;
}

/// Double: generic instances (every entry U(−1, 1), q random). The largest |lhs − split| found,
/// with |lhs| at that instance and a rounding bound (64 ulps per term of the three sums).
struct NumericFailure {
  double difference, scale, bound;
};
NumericFailure numeric_split_difference(int d, int n, std::uint64_t seed) {
  NumericFailure worst{0, 0, 0};
  for (int k = 0; k < kSearchInstances; ++k) {
    icl::SplitMix64 rng{seed + 1000 + static_cast<std::uint64_t>(k)};
    const Eigen::MatrixXd W_V = uniform_matrix(rng, d, d), W_K = uniform_matrix(rng, d, d);
    const Eigen::MatrixXd demos = uniform_matrix(rng, d, n), query = uniform_matrix(rng, d, 1);
    const Eigen::VectorXd q = uniform_matrix(rng, d, 1);
    Eigen::MatrixXd tokens(d, n + 1);
    tokens << demos, query;
    const Eigen::VectorXd lhs = softmax_attention(W_V, W_K, tokens, q);
    const Eigen::VectorXd split = softmax_attention(W_V, W_K, query, q) + softmax_attention(W_V, W_K, demos, q);
    const double values = (W_V * tokens).cwiseAbs().maxCoeff();
    const double bound = 3 * 64.0 * (n + 1 + d) * std::numeric_limits<double>::epsilon() * (values + 1);
    const double diff = (lhs - split).cwiseAbs().maxCoeff();
    if (diff > worst.difference) worst = {diff, lhs.cwiseAbs().maxCoeff(), bound};
    if (worst.bound == 0) worst.bound = bound;
  }
  return worst;
}

/// The search: sizes by increasing d + n, then d; the first where both engines find a failure.
std::optional<Counterexample> find_softmax_counterexample(std::uint64_t seed) {
  Counterexample out;
  for (int size = 1; size <= kSearchMaxSize; ++size)
    for (int d = 1; d <= size; ++d) {
      const int n = size - d;
      const auto exact = exact_split_failure(d, n, seed);
      const NumericFailure numeric = numeric_split_difference(d, n, seed);
      const bool numeric_fails = numeric.difference > kFarAboveRounding * numeric.bound;
      if (exact && numeric_fails) {
        out.d = d;
        out.n = n;
        out.exact_lhs = exact->first;
        out.exact_split = exact->second;
        out.numeric_difference = numeric.difference;
        out.numeric_scale = numeric.scale;
        out.rounding_bound = numeric.bound;
        return out;
      }
      out.held_at.push_back(fmt::format("d={} n={} (max |diff| {:.1e})", d, n, numeric.difference));
    }
  return std::nullopt;
}

std::string vector_text(const std::vector<Rational>& v) {
  std::vector<std::string> parts;
  for (const auto& x : v) parts.push_back(x.to_string());
  return fmt::format("({})", fmt::join(parts, ", "));
}

const std::string kSearchSizes = fmt::format("searched d + n <= {}, one query-input token", kSearchMaxSize);

std::vector<EngineResult> softmax_rows(const VerifyOptions& o, const std::function<bool(Engine)>& selected) {
  std::vector<EngineResult> rows;
  const auto start = std::chrono::steady_clock::now();
  const auto found = find_softmax_counterexample(o.seed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string before = found && !found->held_at.empty()
                                 ? fmt::format("; the split held at {}", fmt::join(found->held_at, ", "))
                                 : std::string();
  if (selected(Engine::exact_rational)) {
    EngineResult r{Engine::exact_rational, kSearchSizes, Status::failed, "no counterexample found: the split held everywhere searched", seconds};
    if (found) {
      r.status = Status::held;
      r.sizes = fmt::format("d={} n={} T=1", found->d, found->n);
      r.detail = fmt::format("counterexample at q = 0 (all scores 0, softmax uniform, exact): softmax attention {} "
                             "vs split {}; identity fails, as it must{}",
                             vector_text(found->exact_lhs), vector_text(found->exact_split), before);
    }
    rows.push_back(r);
  }
  if (selected(Engine::numeric_double)) {
    EngineResult r{Engine::numeric_double, kSearchSizes, Status::failed, "no counterexample found: the split held everywhere searched", seconds};
    if (found) {
      r.status = Status::held;
      r.sizes = fmt::format("d={} n={} T=1", found->d, found->n);
      r.detail = fmt::format("generic instance: |softmax - split| = {:.3e} (|softmax| = {:.3e}), rounding bound {:.1e}; "
                             "identity fails, as it must",
                             found->numeric_difference, found->numeric_scale, found->rounding_bound);
    }
    rows.push_back(r);
  }
  return rows;
}

bool listed(const Claim& claim, Engine e) {
  return std::ranges::find(claim.evidence.engines, e) != claim.evidence.engines.end();
}

template <class Instance, class Sides>
std::vector<Explanation> symbolic_explanations(const Instance& p, Sides&& sides, const Claim& claim,
                                               const std::string& sizes, DaiBroken control) {
  std::vector<Explanation> out;
  for (const DaiBroken b : {DaiBroken::none, control}) {
    const auto s = sides(p, b);
    const auto& l = s.lhs(0, s.lhs.cols() - 1);
    const auto& r = s.rhs(0, s.rhs.cols() - 1);
    const Polynomial diff = l - r;
    const std::string what = b == DaiBroken::none
                                 ? fmt::format("claim, {} — entry 0 of the last column", sizes)
                                 : fmt::format("control {} ({}), {}", claim.control->id, claim.control->description, sizes);
    out.push_back({Engine::runtime_symbolic, what, s.lhs == s.rhs, b == DaiBroken::none, l.to_string(12), r.to_string(12),
                   diff.is_zero() ? std::string() : "lhs - rhs = " + diff.to_string(4)});
  }
  return out;
}

}  // namespace

bool has_runtime_rows(const std::string& id) {
  return icl::dai_construction(id).has_value() || id == "DAI-3" || id == "DAI-6";
}

std::vector<EngineResult> runtime_rows(const Claim& claim, const VerifyOptions& o,
                                       const std::function<bool(Engine)>& selected) {
  std::vector<EngineResult> rows;
  auto wanted = [&](Engine e) { return selected(e) && listed(claim, e); };
  if (const auto c = icl::dai_construction(claim.id)) {
    if (wanted(Engine::runtime_symbolic)) rows.push_back(symbolic_row(*c, o));
    if (wanted(Engine::exact_rational)) rows.push_back(rational_row(*c, o));
    if (wanted(Engine::numeric_double)) rows.push_back(numeric_row(*c, o));
  } else if (claim.id == "DAI-3") {
    if (wanted(Engine::training_backward)) rows.push_back(training_backward_row(o));
  } else if (claim.id == "DAI-6") {
    rows = softmax_rows(o, wanted);
  }
  return rows;
}

std::vector<Explanation> explanations(const Claim& claim, const VerifyOptions& o) {
  std::vector<Explanation> out;
  if (const auto c = icl::dai_construction(claim.id)) {
    // Small sizes: the normal forms are meant to be read.
    const DaiSizes s = c->claim == DaiClaim::dual_form   ? DaiSizes{1, 2, 2, 0}
                       : c->claim == DaiClaim::icl_split ? DaiSizes{1, 2, 1, 1}
                                                         : DaiSizes{1, 4, 0, 0};
    const std::string sizes = sizes_text(c->claim, s);
    constexpr int X = Dynamic;
    switch (c->claim) {
      case DaiClaim::dual_form:
        return symbolic_explanations(icl::dai1_symbolic<X, X, X>(s.a, s.b, s.c),
                                     [](const auto& p, DaiBroken b) { return icl::dai1_sides(p, b); }, claim, sizes, c->control);
      case DaiClaim::icl_split:
        return symbolic_explanations(icl::dai2_symbolic<X, X, X, X, X>(s.a, s.a, s.b, s.c, s.d),
                                     [](const auto& p, DaiBroken b) { return icl::dai2_sides(p, b); }, claim, sizes, c->control);
      case DaiClaim::momentum_ema:
        return symbolic_explanations(icl::dai4_symbolic<X, X>(s.a, s.b),
                                     [](const auto& p, DaiBroken b) { return icl::dai4_sides(p, b); }, claim, sizes, c->control);
    }
  }
  if (claim.id == "DAI-6") {
    const auto found = find_softmax_counterexample(o.seed);
    if (!found) {
      out.push_back({Engine::exact_rational, "search for a softmax counterexample, " + kSearchSizes, true, false,
                     "(none found)", "(none found)", ""});
      return out;
    }
    std::string what = fmt::format(
        "negative control: the smallest size where softmax attention over [X' X] is not attention over X plus "
        "attention over X' is d={} n={} (T=1 query-input token); at q = 0 every score is 0, so the softmax is "
        "uniform and exact: lhs = mean of all values, rhs = mean over X + mean over X'",
        found->d, found->n);
    if (!found->held_at.empty()) what += fmt::format(". It held at {}", fmt::join(found->held_at, ", "));
    std::vector<std::string> diffs;
    for (std::size_t r = 0; r < found->exact_lhs.size(); ++r)
      diffs.push_back((found->exact_lhs[r] - found->exact_split[r]).to_string());
    out.push_back({Engine::exact_rational, what, false, false, vector_text(found->exact_lhs),
                   vector_text(found->exact_split), fmt::format("lhs - rhs = ({})", fmt::join(diffs, ", "))});
    out.push_back({Engine::numeric_double,
                   fmt::format("generic random instance at d={} n={} (q random; exp is irrational, so double, with a "
                               "rounding bound)",
                               found->d, found->n),
                   false, false, fmt::format("|softmax| = {:.6e}", found->numeric_scale),
                   fmt::format("|softmax - split| = {:.6e}", found->numeric_difference),
                   fmt::format("difference / rounding bound = {:.1e} (bound {:.1e})",
                               found->numeric_difference / found->rounding_bound, found->rounding_bound)});
  }
  return out;
}

}  // namespace icgd::claims::dai
