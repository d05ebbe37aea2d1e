// `icgd zfb error` and `icgd zfb minimiser` — the closed forms of Zhang, Frei & Bartlett 2024
// (docs/papers/zhang_frei_bartlett.md): the trained one-layer LSA's error on a test law (ZFB
// Theorem 4.2, the task / query / covariate shifts of Sec. 4.2, label noise), computed three
// ways and labelled as such: the closed form in double (icgd/zfb/closed_form.hpp), the exact
// Gaussian-moment engine over Rational (icgd/zfb/moment_models.hpp; rational inputs, d ≤ 3),
// and Monte Carlo on request (--mc). `minimiser` prints Γ, Γ⁻¹ and the Theorem 4.1 weights.
#include "command.hpp"
#include "demo/zfb_support.hpp"
#include "options.hpp"

#include "icgd/io/json.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/zfb/closed_form.hpp"
#include "icgd/zfb/moment_models.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

namespace {
using namespace icgd;
namespace ex = icgd::zfb::exact;
using demo::zfb_demo::matrix_json;

/// A matrix given on the command line: double entries, and exact ones when every entry is a
/// short decimal or a fraction p/q.
struct MatrixArg {
  Eigen::MatrixXd value;
  std::optional<ex::RatMatrix> exact;
  std::string text;
};

std::optional<Rational> parse_rational_entry(const std::string& s) {
  // [-]digits[.digits] or [-]digits/digits, at most 15 significant digits.
  std::size_t slash = s.find('/');
  auto integer = [](const std::string& t, std::int64_t& out) {
    if (t.empty() || t.size() > 15) return false;
    std::size_t k = (t[0] == '-' || t[0] == '+') ? 1 : 0;
    if (k == t.size()) return false;
    std::int64_t v = 0;
    for (; k < t.size(); ++k) {
      if (t[k] < '0' || t[k] > '9') return false;
      v = v * 10 + (t[k] - '0');
    }
    out = t[0] == '-' ? -v : v;
    return true;
  };
  std::int64_t p = 0, q = 1;
  if (slash != std::string::npos) {
    if (!integer(s.substr(0, slash), p) || !integer(s.substr(slash + 1), q) || q == 0) return std::nullopt;
    return Rational(p, q);
  }
  const std::size_t dot = s.find('.');
  if (dot == std::string::npos) {
    if (!integer(s, p)) return std::nullopt;
    return Rational(p);
  }
  const std::string digits = s.substr(0, dot) + s.substr(dot + 1);
  const std::size_t decimals = s.size() - dot - 1;
  if (decimals > 12 || !integer(digits == "-" ? std::string() : digits, p)) return std::nullopt;
  for (std::size_t k = 0; k < decimals; ++k) q *= 10;
  return Rational(p, q);
}

double parse_entry(const std::string& option, const std::string& s) {
  std::string why;
  const auto v = cli::parse_real(s, {-1e12, 1e12}, &why);
  if (!v) throw cli::InputError(fmt::format("{}: entry '{}' is not a finite number ({})", option, s, why));
  return *v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

/// "1,3" → diag(1, 3); "1,0.5;0.5,2" → the full matrix (rows separated by ';').
MatrixArg parse_matrix(const std::string& option, const std::string& text) {
  if (text.empty()) throw cli::InputError(option + ": empty matrix");
  const auto rows = split(text, ';');
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) cells.push_back(split(r, ','));
  const bool diagonal = cells.size() == 1;
  const auto d = static_cast<Eigen::Index>(diagonal ? cells[0].size() : cells.size());
  if (d > 64) throw cli::InputError(fmt::format("{}: at most 64 dimensions (got {})", option, d));
  MatrixArg m{Eigen::MatrixXd::Zero(d, d), ex::RatMatrix(int(d), int(d)), text};
  bool exact = true;
  auto set = [&](Eigen::Index i, Eigen::Index j, const std::string& s) {
    m.value(i, j) = parse_entry(option, s);
    if (const auto r = parse_rational_entry(s)) (*m.exact)(int(i), int(j)) = *r;
    else exact = false;
  };
  if (diagonal) {
    for (Eigen::Index k = 0; k < d; ++k) set(k, k, cells[0][std::size_t(k)]);
  } else {
    for (Eigen::Index i = 0; i < d; ++i) {
      if (static_cast<Eigen::Index>(cells[std::size_t(i)].size()) != d)
        throw cli::InputError(fmt::format("{}: row {} has {} entries, expected {} (a square matrix)", option, i + 1,
                                          cells[std::size_t(i)].size(), d));
      for (Eigen::Index j = 0; j < d; ++j) set(i, j, cells[std::size_t(i)][std::size_t(j)]);
    }
  }
  if (!exact) m.exact.reset();
  return m;
}

template <class F>
auto input_checked(F&& f) {
  try {
    return f();
  } catch (const std::invalid_argument& e) {
    throw cli::InputError(e.what());
  }
}

void check_json_target(const std::string& path, bool force) {
  namespace fs = std::filesystem;
  if (path.empty()) return;
  const fs::path json(path);
  const fs::path parent = json.has_parent_path() ? json.parent_path() : fs::path(".");
  if (fs::is_directory(json)) throw cli::InputError(fmt::format("--json '{}' is a folder", path));
  if (!fs::is_directory(parent))
    throw cli::InputError(fmt::format("--json '{}': the folder '{}' does not exist", path, parent.string()));
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    throw cli::InputError(fmt::format("--json '{}': the folder '{}' is not writable", path, parent.string()));
  if (fs::exists(json) && !force) throw cli::InputError(fmt::format("'{}' exists; pass --force to overwrite it", path));
}

void write_json(const std::string& path, const nlohmann::json& value) {
  if (path.empty()) return;
  try {
    io::write_file_atomically(path, value.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw cli::InputError(fmt::format("cannot write --json file: {}", e.what()));
  }
  fmt::print("results written to {}\n", path);
}

std::string matrix_text(const Eigen::MatrixXd& m) {
  std::string s = "[";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    if (i) s += "; ";
    for (Eigen::Index j = 0; j < m.cols(); ++j) s += fmt::format("{}{:.6g}", j ? ", " : "", m(i, j));
  }
  return s + "]";
}
std::string matrix_text(const ex::RatMatrix& m) {
  std::string s = "[";
  for (int i = 0; i < m.rows(); ++i) {
    if (i) s += "; ";
    for (int j = 0; j < m.cols(); ++j) s += (j ? ", " : "") + m(i, j).to_string();
  }
  return s + "]";
}

// --- icgd zfb error -----------------------------------------------------------------------------

struct ErrorOptions {
  std::string lambda, omega, query_cov, task_cov, m = "inf", noise = "0", json;
  int n = 0;
  long long mc = 0;
  std::uint64_t seed = 1;
  bool force = false;
};

constexpr int max_exact_dim = 3;

void run_error(const ErrorOptions& o) {
  const MatrixArg lambda = parse_matrix("--lambda", o.lambda);
  const auto d = lambda.value.rows();
  const MatrixArg omega = o.omega.empty() ? lambda : parse_matrix("--omega", o.omega);
  const MatrixArg query = o.query_cov.empty() ? omega : parse_matrix("--query-cov", o.query_cov);
  MatrixArg task{Eigen::MatrixXd::Identity(d, d), ex::identity<Rational>(int(d)), "I"};
  if (!o.task_cov.empty()) task = parse_matrix("--task-cov", o.task_cov);
  for (const MatrixArg* m : std::array<const MatrixArg*, 3>{&omega, &query, &task})
    if (m->value.rows() != d)
      throw cli::InputError(fmt::format("matrix '{}' is {}x{}, but --lambda is {}x{}", m->text, m->value.rows(),
                                        m->value.rows(), d, d));
  std::string why;
  double M = std::numeric_limits<double>::infinity();
  if (o.m != "inf") {
    const auto v = cli::parse_integer(o.m, 1, 1'000'000'000, &why);
    if (!v) throw cli::InputError(fmt::format("--m: '{}' is not an integer >= 1 or 'inf' ({})", o.m, why));
    M = double(*v);
  }
  const auto sigma = cli::parse_real(o.noise, {0, 1e6}, &why);
  if (!sigma) throw cli::InputError(fmt::format("--noise: '{}' ({})", o.noise, why));
  const double noise_variance = *sigma * *sigma;
  input_checked([&] { icgd::zfb::require_spd(lambda.value, "--lambda"); return 0; });
  const icgd::zfb::TestLaw law{omega.value, query.value, task.value, noise_variance};
  input_checked([&] { icgd::zfb::require_valid(law); return 0; });
  if (o.mc > 0 && std::isinf(M)) throw cli::InputError("--mc needs a finite --m");
  if (o.mc > 0 && double(o.mc) * M * double(d * d) > 5e11)
    throw cli::InputError(fmt::format("--mc {} at M={} d={} is beyond what runs in reasonable time", o.mc, M, d));
  check_json_target(o.json, o.force);

  const Eigen::MatrixXd a = icgd::zfb::gamma_inverse(lambda.value, o.n);
  const double closed = icgd::zfb::predictor_error(a, law, M);
  fmt::print("ZFB predictor y_hat = x_q^T Gamma^-1 (1/M) sum_i y_i x_i, Gamma from Lambda at N = {} (Theorem 4.1)\n", o.n);
  fmt::print("  Lambda = {}\n  test: M = {}, prompts x ~ N(0, {}), query ~ N(0, {}), E[w w^T] = {}, noise sd {}\n",
             matrix_text(lambda.value), o.m, matrix_text(omega.value), matrix_text(query.value), matrix_text(task.value),
             *sigma);
  fmt::print("closed form (double; E[S B S] = (1+1/M) O B O + tr(BO)/M O):  {:.12g}\n", closed);
  nlohmann::json result{{"command", "zfb error"},
                        {"lambda", matrix_json(lambda.value)},
                        {"N", o.n},
                        {"M", o.m},
                        {"prompt_cov", matrix_json(omega.value)},
                        {"query_cov", matrix_json(query.value)},
                        {"task_second_moment", matrix_json(task.value)},
                        {"noise_sd", *sigma},
                        {"closed_form", {{"value", closed}, {"method", "closed form in double"}}},
                        {"meta", io::run_metadata("zfb error")}};

  // The exact engine: rational inputs (σ rational too) and d ≤ 3.
  const auto sigma_exact = parse_rational_entry(o.noise);
  if (d <= max_exact_dim && lambda.exact && omega.exact && query.exact && task.exact && sigma_exact) try {
    const auto start = std::chrono::steady_clock::now();
    const ex::RatMatrix g_inv = ex::inverse(ex::gamma(*lambda.exact, o.n));
    ex::ExactLaw exact_law{ex::to_poly(*omega.exact), ex::to_poly(*query.exact), ex::to_poly(*task.exact),
                           moments::BlockLaw::gaussian, Polynomial(*sigma_exact * *sigma_exact)};
    const Polynomial err = ex::moment_error(ex::to_poly(g_inv), exact_law, ex::test_nu);
    const Rational at_m = std::isinf(M) ? Rational(0) : Rational(1, std::int64_t(M));
    const Polynomial value = ex::at_value(err, ex::test_nu, at_m);
    const Rational r = moments::constant_term(value);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("moment engine (exact Isserlis/Wick over Rational, d <= {}):   {} = {:.12g}  ({:.2f} s)\n", max_exact_dim,
               r.to_string(), r.to_double(), seconds);
    fmt::print("  as a polynomial in m = 1/M: {}\n", err.to_string());
    result["moment_engine"] = {{"value", r.to_double()},
                               {"exact", r.to_string()},
                               {"polynomial_in_inverse_M", err.to_string()},
                               {"method", "exact Gaussian moments over Rational"}};
  } catch (const rational_overflow&) {
    fmt::print("moment engine: not run (the exact numbers exceed 64-bit rationals; give shorter entries)\n");
  } else {
    fmt::print("moment engine: not run ({})\n",
               d > max_exact_dim ? fmt::format("d = {} > {}", d, max_exact_dim)
                                 : std::string("an entry is not a short decimal or fraction"));
  }
  if (o.mc > 0) {
    const auto start = std::chrono::steady_clock::now();
    const auto mc = icgd::zfb::monte_carlo_error(a, law, int(M), o.mc, o.seed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("Monte Carlo ({} samples, seed {}, Philox):                   {:.8g} ± {:.2g}  ({:+.2f} s.e. from the closed form, {:.2f} s)\n",
               mc.samples, o.seed, mc.mean, mc.standard_error, (mc.mean - closed) / mc.standard_error, seconds);
    result["monte_carlo"] = {{"mean", mc.mean},
                             {"standard_error", mc.standard_error},
                             {"samples", mc.samples},
                             {"seed", o.seed},
                             {"z_from_closed_form", (mc.mean - closed) / mc.standard_error},
                             {"method", "Monte Carlo, Gaussian prompts, tasks and noise"}};
  }
  write_json(o.json, result);
}

// --- icgd zfb minimiser -------------------------------------------------------------------------

struct MinimiserOptions {
  std::string lambda, json;
  int n = 0;
  bool force = false;
};

void run_minimiser(const MinimiserOptions& o) {
  const MatrixArg lambda = parse_matrix("--lambda", o.lambda);
  input_checked([&] { icgd::zfb::require_spd(lambda.value, "--lambda"); return 0; });
  check_json_target(o.json, o.force);
  const auto w = icgd::zfb::theorem41_minimiser(lambda.value, o.n);
  const Eigen::MatrixXd g = icgd::zfb::gamma(lambda.value, o.n), g_inv = icgd::zfb::gamma_inverse(lambda.value, o.n);
  const double risk = icgd::zfb::population_risk(g_inv, lambda.value, o.n);
  fmt::print("Theorem 4.1 (Zhang, Frei & Bartlett 2024) for Lambda = {}, N = {}\n", matrix_text(lambda.value), o.n);
  fmt::print("Gamma    = (1 + 1/N) Lambda + tr(Lambda)/N I = {}\n", matrix_text(g));
  fmt::print("Gamma^-1 = {}  (double)\n", matrix_text(g_inv));
  nlohmann::json result{{"command", "zfb minimiser"},     {"lambda", matrix_json(lambda.value)}, {"N", o.n},
                        {"gamma", matrix_json(g)},           {"gamma_inverse", matrix_json(g_inv)},
                        {"W_KQ", matrix_json(w.W_KQ)},       {"W_PV", matrix_json(w.W_PV)},
                        {"kq_scale", w.kq_scale},        {"pv_scale", w.pv_scale},
                        {"risk_at_minimiser", risk},     {"meta", io::run_metadata("zfb minimiser")}};
  if (lambda.exact) {
    const ex::RatMatrix g_exact = ex::inverse(ex::gamma(*lambda.exact, o.n));
    fmt::print("Gamma^-1 = {}  (exact over Rational)\n", matrix_text(g_exact));
    result["gamma_inverse_exact"] = matrix_text(g_exact);
  }
  fmt::print("W_KQ = tr(Gamma^-2)^(-1/4) [[Gamma^-1, 0], [0, 0]] = {}\n", matrix_text(w.W_KQ));
  fmt::print("W_PV = tr(Gamma^-2)^(+1/4) [[0, 0], [0, 1]]       = {}\n", matrix_text(w.W_PV));
  fmt::print("scales {:.17g} x {:.17g} = 1 {:+.2e} (double; the product is 1 exactly)\n", w.kq_scale, w.pv_scale,
             w.kq_scale * w.pv_scale - 1.0);
  fmt::print("population risk R(Gamma^-1) = E(y_hat - y)^2 at M = N: {:.12g} (twice ZFB's 1/2-loss)\n", risk);
  write_json(o.json, result);
}

const cli::RegisterCommand zfb_command{"zfb", 27, [](CLI::App& root) {
  auto* app = root.add_subcommand("zfb", "Zhang, Frei & Bartlett 2024: the trained LSA's minimiser and error, exactly");
  app->require_subcommand(1, 1);

  auto eo = std::make_shared<ErrorOptions>();
  auto* err = app->add_subcommand("error", "Error of the trained predictor on a test law: closed form, exact moments, Monte Carlo");
  err->add_option("--lambda", eo->lambda, "Training covariance: diagonal '1,3' or full '1,0.5;0.5,2'")->required()->check(cli::NonEmpty);
  err->add_option("--n", eo->n, "Training prompt length N")->required()->check(cli::Integer(1, 1'000'000'000));
  err->add_option("--m", eo->m, "Test prompt length M (an integer >= 1, or inf; default inf)")->check(cli::NonEmpty);
  err->add_option("--omega", eo->omega, "Test prompt covariance (default: Lambda)")->check(cli::NonEmpty);
  err->add_option("--query-cov", eo->query_cov, "Test query covariance (default: the prompt covariance)")->check(cli::NonEmpty);
  err->add_option("--task-cov", eo->task_cov, "Second moment E[w w^T] of the task (default: I)")->check(cli::NonEmpty);
  err->add_option("--noise", eo->noise, "Label noise standard deviation sigma (default 0)")->check(cli::NonEmpty);
  err->add_option("--mc", eo->mc, "Also estimate by Monte Carlo with this many prompts")->check(cli::Integer(2, 1'000'000'000));
  err->add_option("--seed", eo->seed, "Seed of the Monte Carlo")->check(cli::Unsigned());
  err->add_option("--json", eo->json, "Also write the numbers to this JSON file (atomically)")->check(cli::NonEmpty);
  err->add_flag("--force", eo->force, "Overwrite an existing --json file");
  err->callback([eo] { run_error(*eo); });

  auto mo = std::make_shared<MinimiserOptions>();
  auto* mini = app->add_subcommand("minimiser", "Gamma, Gamma^-1 and the Theorem 4.1 weights (exact when Lambda is rational)");
  mini->add_option("--lambda", mo->lambda, "Training covariance: diagonal '1,3' or full '1,0.5;0.5,2'")->required()->check(cli::NonEmpty);
  mini->add_option("--n", mo->n, "Training prompt length N")->required()->check(cli::Integer(1, 1'000'000'000));
  mini->add_option("--json", mo->json, "Also write the numbers to this JSON file (atomically)")->check(cli::NonEmpty);
  mini->add_flag("--force", mo->force, "Overwrite an existing --json file");
  mini->callback([mo] { run_minimiser(*mo); });
}};

}  // namespace
