// `icgd verify`: every claim in the registry, checked by every engine (lib/include/icgd/claims).
#include "command.hpp"

#include "icgd/claims/registry.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

namespace icgd::cli {
namespace {

using claims::Engine;

const std::map<std::string, Engine> engine_names{
    {"compile-time", Engine::compile_time},   {"symbolic", Engine::runtime_symbolic},
    {"rational", Engine::exact_rational},     {"numeric", Engine::numeric_double},
    {"dimension-free", Engine::dimension_free}};

struct VerifyArgs {
  claims::VerifyOptions options;
  std::vector<std::string> engines;
  std::string json_path;
  std::string explain_id;
  bool list_only = false;
};

std::string wrap(const std::string& text, std::size_t width, const std::string& indent) {
  std::string out, line;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

void print_claims() {
  fmt::print("Claims (theory.md §E):\n");
  for (const auto& c : claims::registry()) {
    fmt::print("  {:<6} {}{}\n", c.id, c.source, c.negative_control ? "  [negative control]" : "");
    fmt::print("{}", wrap(c.statement, 88, "         "));
    if (!c.control.empty()) fmt::print("         control (must fail): {}\n", c.control);
  }
}

nlohmann::json to_json(const VerifyArgs& a, const std::vector<claims::ClaimReport>& reports, bool all_held) {
  const auto& o = a.options;
  nlohmann::json j;
  j["tool"] = "icgd verify";
  j["icgd_version"] = ICGD_VERSION;
  j["options"] = {{"nx", o.nx}, {"ny", o.ny}, {"n", o.n}, {"stack_nx", o.stack_nx},
                  {"stack_ny", o.stack_ny}, {"stack_n", o.stack_n}, {"layers", o.layers},
                  {"numeric_nx", o.numeric_nx}, {"numeric_ny", o.numeric_ny},
                  {"numeric_n", o.numeric_n}, {"rational_instances", o.rational_instances},
                  {"seed", o.seed}, {"relative_error_bound", o.relative_error_bound},
                  {"claims", o.claim_ids}, {"engines", a.engines}};
  j["all_held"] = all_held;
  for (const auto& r : reports) {
    nlohmann::json c{{"id", r.claim.id}, {"source", r.claim.source},
                     {"statement", r.claim.statement}, {"kind", claims::to_string(r.claim.kind)},
                     {"negative_control", r.claim.negative_control}, {"control", r.claim.control},
                     {"held", r.held()}, {"results", nlohmann::json::array()}};
    for (const auto& e : r.results)
      c["results"].push_back({{"engine", claims::to_string(e.engine)}, {"sizes", e.sizes},
                              {"status", claims::to_string(e.status)}, {"detail", e.detail},
                              {"seconds", e.seconds}});
    j["claims"].push_back(c);
  }
  return j;
}

// `--explain CLAIM`: the two sides' normal forms in each engine, and where they differ.
void explain(const VerifyArgs& a) {
  std::vector<claims::Explanation> parts;
  try {
    parts = claims::explain(a.explain_id, a.options);
  } catch (const claims::invalid_request& e) {
    throw InputError(e.what());
  }
  const auto claim = *claims::find_claim(a.explain_id);
  fmt::print("{}  {}\n{}\n", claim.id, claim.source, wrap(claim.statement, 96, "  "));
  bool as_expected = true;
  for (const auto& p : parts) {
    const bool ok = p.agree == p.expected_to_agree;
    as_expected = as_expected && ok;
    fmt::print("[{}] {}\n", claims::to_string(p.engine), p.what);
    // Dimension-free normal forms print one block per line: indent the continuation lines.
    auto indented = [](std::string text) {
      for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
        text.insert(at + 1, "       ");
      return text;
    };
    fmt::print("  lhs: {}\n  rhs: {}\n", indented(p.lhs), indented(p.rhs));
    fmt::print("  normal forms {} — {}\n", p.agree ? "IDENTICAL" : "DIFFER",
               ok ? (p.expected_to_agree ? "the identity holds" : "the control fails, as it must")
                  : "UNEXPECTED");
    if (!p.first_difference.empty()) fmt::print("  first difference: {}\n", p.first_difference);
    fmt::print("\n");
  }
  if (parts.empty()) fmt::print("no engine has a construction for {}\n", claim.id);
  set_exit_status(as_expected && !parts.empty() ? 0 : 1);
}

void run_verify(VerifyArgs& a) {
  for (const auto& name : a.engines) a.options.engines.push_back(engine_names.at(name));
  if (a.list_only) {
    print_claims();
    return;
  }
  if (!a.explain_id.empty()) {
    explain(a);
    return;
  }
  std::vector<claims::ClaimReport> reports;
  try {
    reports = claims::verify(a.options);
  } catch (const claims::invalid_request& e) {
    throw InputError(e.what());
  }
  print_claims();
  fmt::print("\n{:<6} {:<17} {:<40} {:<7} {:>8}  {}\n", "claim", "engine", "sizes", "result", "time", "detail");
  fmt::print("{}\n", std::string(120, '-'));
  bool all_held = true, any_error = false;
  for (const auto& r : reports) {
    for (const auto& e : r.results) {
      fmt::print("{:<6} {:<17} {:<40} {:<7} {:>7.3f}s  {}\n", r.claim.id, claims::to_string(e.engine),
                 e.sizes, claims::to_string(e.status), e.seconds, e.detail);
      any_error = any_error || e.status == claims::Status::error;
    }
    all_held = all_held && r.held();
  }
  fmt::print("{}\n", std::string(120, '-'));
  fmt::print("{} claims checked: {}\n", reports.size(),
             all_held ? "everything held" : "NOT everything held (see FAILED / ERROR above)");
  if (!a.json_path.empty()) {
    std::ofstream out(a.json_path);
    if (!out) throw InputError(fmt::format("cannot write --json file '{}'", a.json_path));
    out << to_json(a, reports, all_held).dump(2) << "\n";
    if (!out) throw InputError(fmt::format("writing --json file '{}' failed", a.json_path));
    fmt::print("wrote {}\n", a.json_path);
  }
  set_exit_status(all_held ? 0 : (any_error ? 2 : 1));
}

RegisterCommand reg{"verify", 10, [](CLI::App& root) {
  auto args = std::make_shared<VerifyArgs>();
  auto& o = args->options;
  auto* sub = root.add_subcommand(
      "verify",
      "Check every claim in the registry: compile-time proofs (sizes listed), runtime symbolic "
      "and exact rational checks at the sizes below, Eigen double at large sizes. Exit status 0 "
      "only if everything held (1: a claim failed; 2: bad input or an engine limit).");
  sub->add_option("--nx", o.nx, "input dimension for the single-layer symbolic/exact checks")->capture_default_str();
  sub->add_option("--ny", o.ny, "label dimension for the single-layer checks")->capture_default_str();
  sub->add_option("--n", o.n, "context size for the single-layer checks")->capture_default_str();
  sub->add_option("--stack-nx", o.stack_nx, "input dimension for the K-layer checks")->capture_default_str();
  sub->add_option("--stack-ny", o.stack_ny, "label dimension for the K-layer checks")->capture_default_str();
  sub->add_option("--stack-n", o.stack_n, "context size for the K-layer checks")->capture_default_str();
  sub->add_option("--layers,-K", o.layers, "K, the number of shared layers (VO-3, VO-4)")->capture_default_str();
  sub->add_option("--numeric-nx", o.numeric_nx, "input dimension for the Eigen double check")->capture_default_str();
  sub->add_option("--numeric-ny", o.numeric_ny, "label dimension for the Eigen double check")->capture_default_str();
  sub->add_option("--numeric-n", o.numeric_n, "context size for the Eigen double check")->capture_default_str();
  sub->add_option("--instances", o.rational_instances, "random rational instances per claim")->capture_default_str();
  sub->add_option("--seed", o.seed, "seed of the random instances")->capture_default_str();
  sub->add_option("--tolerance", o.relative_error_bound, "relative error bound of the double check")->capture_default_str();
  sub->add_option("--claim", o.claim_ids, "check only this claim id (repeatable), e.g. VO-1");
  sub->add_option("--engine", args->engines, "run only this engine (repeatable)")
      ->check(CLI::IsMember([] {
        std::vector<std::string> names;
        for (const auto& [k, v] : engine_names) names.push_back(k);
        return names;
      }()));
  sub->add_option("--json", args->json_path, "also write the results as JSON to this file");
  sub->add_flag("--list", args->list_only, "list the claims and exit");
  sub->add_option("--explain", args->explain_id,
                  "print CLAIM's two sides as normal forms in each engine (fixed-size at the "
                  "sizes above, and dimension-free), its control included, and where they differ");
  sub->callback([args] { run_verify(*args); });
}};

}  // namespace
}  // namespace icgd::cli
