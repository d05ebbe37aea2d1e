// `icgd verify`: every claim in the registry, checked by every engine (lib/include/icgd/claims).
#include "command.hpp"

#include "icgd/claims/registry.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/report/site.hpp"
#include "options.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>

namespace icgd::cli {
namespace {

using claims::Engine;

const std::map<std::string, Engine> engine_names{
    {"compile-time", Engine::compile_time},       {"compile-time-dimfree", Engine::compile_time_dimfree},
    {"symbolic", Engine::runtime_symbolic},       {"rational", Engine::exact_rational},
    {"numeric", Engine::numeric_double},          {"dimension-free", Engine::dimension_free},
    {"demo", Engine::demo_run},                  {"training-backward", Engine::training_backward},
    {"gaussian-moments", Engine::gaussian_moments}, {"monte-carlo", Engine::monte_carlo}};

struct VerifyArgs {
  claims::VerifyOptions options;
  std::vector<std::string> engines;
  std::vector<std::string> runs;
  std::string json_path;
  std::string explain_id;
  bool list_only = false;
  bool receipts_only = false;
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

std::string evidence_text(const claims::Evidence& e) {
  std::vector<std::string> parts;
  if (!e.proof_units.empty()) parts.push_back(fmt::format("proofs {}", fmt::join(e.proof_units, ", ")));
  std::vector<std::string> engines;
  for (const auto engine : e.engines) engines.push_back(claims::to_string(engine));
  if (!engines.empty()) parts.push_back(fmt::format("engines {}", fmt::join(engines, ", ")));
  for (const auto& d : e.demo_checks) parts.push_back(fmt::format("demo {} (checks {}*)", d.demo, d.check_prefix));
  if (parts.empty()) return "none: not checked by icgd yet";
  return fmt::format("{}", fmt::join(parts, "; "));
}

void print_claims() {
  fmt::print("Claims (the mathematics of each id: docs/papers/*.md):\n");
  for (const auto& c : claims::registry()) {
    fmt::print("  {:<6} {} [{}{}]\n", c.id, c.source(), claims::to_string(c.kind),
               c.negative_control ? ", negative control" : "");
    fmt::print("{}", wrap(c.statement, 88, "         "));
    if (!c.builds_on.empty()) fmt::print("         builds on: {}\n", fmt::join(c.builds_on, ", "));
    if (c.control) fmt::print("         control (must fail): {}: {}\n", c.control->id, c.control->description);
    fmt::print("{}", wrap("evidence: " + evidence_text(c.evidence), 88, "         "));
  }
}

nlohmann::json to_json(const VerifyArgs& a, const std::vector<claims::ClaimReport>& reports, int exit_code) {
  // The claims, their rows and the options in the one shape the site generator also writes
  // (report::verify_json); this command adds what only it knows.
  nlohmann::json j = report::verify_json(reports, a.options);
  j["tool"] = "icgd verify";
  j["options"]["engines"] = a.engines;
  j["options"]["runs"] = a.runs;
  j["exit_status"] = exit_code;
  // "all_held": everything that was asked for and has evidence held (the exit status is 0); the
  // counts say how many claims are held, not run, not checked, ...
  j["all_held"] = exit_code == 0;
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
  fmt::print("{}  {}\n{}\n", claim.id, claim.source(), wrap(claim.statement, 96, "  "));
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
  if (parts.empty()) {
    // Nothing to show is missing evidence (exit 5, as `icgd verify --claim` says), not a failure.
    fmt::print("no engine has a construction for {} (status: not checked)\n", claim.id);
    fmt::print(stderr, "icgd: verify: no engine of icgd checks {} yet\n", claim.id);
    set_exit_status(5);
    return;
  }
  if (!as_expected) fmt::print(stderr, "icgd: verify: {}: a normal form is not what the claim says (UNEXPECTED above)\n", claim.id);
  set_exit_status(as_expected ? 0 : 1);
}

// The exit status of a verify run (docs/verification.md): 1 an exact check failed, 2 an engine
// could not decide, 3 a demo check did not hold, 4 one was inconclusive, 5 evidence is missing
// for what was asked: a proof unit not built into this binary, or a claim named with --claim (or
// a demo with --runs) that has no evidence. Claims merely listed as "not run" or "not checked"
// in a full run do not fail it: they say what icgd has not (yet) established.
int exit_code_of(const VerifyArgs& a, const std::vector<claims::ClaimReport>& reports) {
  using claims::Status;
  bool failed = false, error = false, did_not_hold = false, inconclusive = false, missing = false;
  const bool named = !a.options.claim_ids.empty();
  for (const auto& r : reports) {
    if (r.results.empty() && named) missing = true;  // asked for a claim nothing checks
    for (const auto& e : r.results) {
      switch (e.status) {
        case Status::failed: failed = true; break;
        case Status::error: error = true; break;
        case Status::did_not_hold: did_not_hold = true; break;
        case Status::inconclusive: inconclusive = true; break;
        case Status::not_built: missing = true; break;
        case Status::not_run: missing = missing || named; break;
        case Status::not_checked: missing = missing || named; break;
        case Status::held: break;
      }
    }
  }
  if (failed) return 1;
  if (error) return 2;
  if (did_not_hold) return 3;
  if (inconclusive) return 4;
  if (missing) return 5;
  return 0;
}

// `--receipts`: the proof receipts linked into this binary, each checked against the registry (a
// receipt whose claim or unit the registry does not name would be evidence nobody reads).
void print_receipts() {
  const auto& book = claims::proof_receipt_book();
  int unknown = 0;
  fmt::print("{} proof receipts in this binary (compiled by {}):\n", book.size(), __VERSION__);
  for (const auto& r : book) {
    bool named = false;
    for (const auto& c : claims::registry()) {
      const bool id_matches = c.id == r.claim_id || (c.control && c.control->id == r.claim_id);
      if (id_matches && std::ranges::find(c.evidence.proof_units, r.unit) != c.evidence.proof_units.end()) named = true;
    }
    unknown += named ? 0 : 1;
    fmt::print("  {:<32} {:<7} {:<8} {}{}\n", r.unit, r.claim_id,
               r.outcome == claims::ProofOutcome::proved ? "proved" : "refuted", r.sizes,
               named ? "" : "  [NOT IN THE REGISTRY]");
  }
  if (unknown > 0) {
    fmt::print(stderr, "icgd: verify: {} receipts name a claim or unit the registry does not list\n", unknown);
    set_exit_status(1);
  }
}

void run_verify(VerifyArgs& a) {
  if (!a.json_path.empty()) {
    // Checked before anything runs: a result that cannot be written is bad input, not a failure.
    namespace fs = std::filesystem;
    const fs::path json(a.json_path);
    const fs::path parent = json.has_parent_path() ? json.parent_path() : fs::path(".");
    if (fs::is_directory(json)) throw InputError(fmt::format("--json '{}' is a folder", a.json_path));
    if (!fs::is_directory(parent))
      throw InputError(fmt::format("--json '{}': the folder '{}' does not exist", a.json_path, parent.string()));
  }
  for (const auto& name : a.engines) a.options.engines.push_back(engine_names.at(name));
  for (const auto& run : a.runs) {
    if (run.empty()) throw InputError("--runs needs a folder (got an empty string)");
    a.options.runs.emplace_back(run);
  }
  if (a.list_only) {
    print_claims();
    return;
  }
  if (a.receipts_only) {
    print_receipts();
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
  fmt::print("{:<6} {:<20} {:<40} {:<12} {:>8}  {}\n", "claim", "engine", "sizes", "result", "time", "detail");
  fmt::print("{}\n", std::string(128, '-'));
  std::map<std::string, int> counts;
  for (const auto& r : reports) {
    if (r.results.empty())
      fmt::print("{:<6} {:<20} {:<40} {:<12} {:>8}  {}\n", r.claim.id, "-", "-", "not checked", "",
                 "no engine of icgd checks this claim yet");
    for (const auto& e : r.results) {
      // Long size lists (the compile-time sweeps) go on a line of their own below the row.
      const bool long_sizes = e.sizes.size() > 40;
      fmt::print("{:<6} {:<20} {:<40} {:<12} {:>7.3f}s  {}\n", r.claim.id, claims::to_string(e.engine),
                 long_sizes ? "(below)" : e.sizes, claims::to_string(e.status), e.seconds, e.detail);
      if (long_sizes) fmt::print("{}", wrap("sizes: " + e.sizes, 110, "         "));
    }
    ++counts[claims::to_string(r.status())];
  }
  fmt::print("{}\n", std::string(128, '-'));
  std::vector<std::string> summary;
  for (const auto status : {claims::Status::held, claims::Status::failed, claims::Status::did_not_hold,
                            claims::Status::inconclusive, claims::Status::error, claims::Status::not_built,
                            claims::Status::not_run, claims::Status::not_checked})
    if (const auto it = counts.find(claims::to_string(status)); it != counts.end())
      summary.push_back(fmt::format("{} {}", it->second, it->first));
  const int code = exit_code_of(a, reports);
  fmt::print("{} claims: {}\n", reports.size(), fmt::join(summary, ", "));
  if (!a.json_path.empty()) {
    try {
      io::write_file_atomically(a.json_path, to_json(a, reports, code).dump(2) + "\n");
    } catch (const std::exception& e) {
      throw InputError(fmt::format("cannot write --json file '{}': {}", a.json_path, e.what()));
    }
    fmt::print("wrote {}\n", a.json_path);
  }
  // One line on stderr for any verdict other than "everything asked for held".
  if (code == 1) fmt::print(stderr, "icgd: verify: an exact check FAILED (see the table)\n");
  if (code == 2) fmt::print(stderr, "icgd: verify: an engine could not decide (ERROR in the table)\n");
  if (code == 3) fmt::print(stderr, "icgd: verify: a demo check did not hold (see the table and the run's results.json)\n");
  if (code == 4) fmt::print(stderr, "icgd: verify: a demo check was inconclusive (a model had not converged)\n");
  if (code == 5)
    fmt::print(stderr, "icgd: verify: evidence missing for what was asked (not built / not run / not checked in the table)\n");
  set_exit_status(code);
}

RegisterCommand verify_command{"verify", 10, [](CLI::App& root) {
  auto args = std::make_shared<VerifyArgs>();
  auto& o = args->options;
  // Sizes: 1..4096 for the symbolic/exact engines (their own cost limits apply on top), up to
  // 16384 for the numeric one; the engines refuse what they cannot do in reasonable time.
  const CLI::Validator size = Integer(1, 4096), numeric_size = Integer(1, 16384);
  auto* sub = root.add_subcommand(
      "verify",
      "Check every claim in the registry: compile-time proofs (sizes listed), runtime symbolic "
      "and exact rational checks at the sizes below, Eigen double at large sizes. Exit status 0 "
      "only if everything asked for held (1: an exact check failed; 2: bad input or an engine limit; "
      "3: a demo check did not hold; 4: one was inconclusive; 5: evidence missing, e.g. proofs not built).");
  sub->add_option("--nx", o.nx, "input dimension for the single-layer symbolic/exact checks")->capture_default_str()->check(size);
  sub->add_option("--ny", o.ny, "label dimension for the single-layer checks")->capture_default_str()->check(size);
  sub->add_option("--n", o.n, "context size for the single-layer checks")->capture_default_str()->check(size);
  sub->add_option("--stack-nx", o.stack_nx, "input dimension for the K-layer checks")->capture_default_str()->check(size);
  sub->add_option("--stack-ny", o.stack_ny, "label dimension for the K-layer checks")->capture_default_str()->check(size);
  sub->add_option("--stack-n", o.stack_n, "context size for the K-layer checks")->capture_default_str()->check(size);
  sub->add_option("--layers,-K", o.layers, "K, the number of shared layers (VO-3, VO-4)")->capture_default_str()->check(Integer(1, 4));
  sub->add_option("--numeric-nx", o.numeric_nx, "input dimension for the Eigen double check")->capture_default_str()->check(numeric_size);
  sub->add_option("--numeric-ny", o.numeric_ny, "label dimension for the Eigen double check")->capture_default_str()->check(numeric_size);
  sub->add_option("--numeric-n", o.numeric_n, "context size for the Eigen double check")->capture_default_str()->check(numeric_size);
  sub->add_option("--instances", o.rational_instances, "random rational instances per claim")->capture_default_str()->check(Integer(1, 1000));
  sub->add_option("--seed", o.seed, "seed of the random instances")->capture_default_str()->check(Unsigned());
  sub->add_option("--tolerance", o.relative_error_bound, "relative error bound of the double check")->capture_default_str()->check(Real({0, 0.1, true}));
  sub->add_option("--claim", o.claim_ids, "check only this claim id (repeatable), e.g. VO-1")->check(NonEmpty);
  sub->add_option("--engine", args->engines, "run only this engine (repeatable)")
      ->check(CLI::IsMember([] {
        std::vector<std::string> names;
        for (const auto& [k, v] : engine_names) names.push_back(k);
        return names;
      }()));
  sub->add_option("--runs", args->runs,
                  "demo run folders (or folders of them, e.g. `icgd demo all --out DIR`) whose "
                  "results.json decide the statistical claims (repeatable); without it they say \"not run\"")
      ->check(NonEmpty);
  sub->add_option("--json", args->json_path, "also write the results as JSON to this file (written atomically)")->check(NonEmpty);
  sub->add_flag("--list", args->list_only, "list the claims (source, kind, control, evidence) and exit");
  sub->add_flag("--receipts", args->receipts_only,
                "list the proof receipts compiled into this binary (what the compile-time rows rest on) and exit");
  sub->add_option("--explain", args->explain_id,
                  "print CLAIM's two sides as normal forms in each engine (fixed-size at the "
                  "sizes above, and dimension-free), its control included, and where they differ")
      ->check(NonEmpty);
  sub->callback([args] { run_verify(*args); });
}};

}  // namespace
}  // namespace icgd::cli
