// The claim registry and the statuses `icgd verify` computes from evidence. This test binary links
// the library but no proof unit, so it is also "a build without the proofs": every compile-time
// row must say "not built" here, never "held".
#include "icgd/claims/registry.hpp"
#include "icgd/dimfree/claims.hpp"
#include "icgd/icl/gd_claims.hpp"
#include "icgd/icl/dai_claims.hpp"

#include "temp_folder.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

using namespace icgd::claims;
namespace fs = std::filesystem;

namespace {

Claim claim(const std::string& id) {
  const auto c = find_claim(id);
  REQUIRE_MESSAGE(c.has_value(), id);
  return *c;
}

bool lists(const Claim& c, Engine e) { return std::ranges::find(c.evidence.engines, e) != c.evidence.engines.end(); }

/// Writes `json` as <folder>/<sub>/results.json (the format demos/demo/framework.cpp writes).
fs::path write_results(const fs::path& folder, const std::string& sub, const std::string& json) {
  fs::create_directories(folder / sub);
  std::ofstream(folder / sub / "results.json") << json;
  return folder / sub;
}

std::string results_json(const std::string& demo, bool quick, const std::string& checks) {
  return R"({"demo": ")" + demo + R"(", "seed": 7, "quick": )" + (quick ? "true" : "false") +
         R"(, "checks": [)" + checks + "]}";
}
std::string check_json(const std::string& id, const std::string& outcome) {
  return R"({"id": ")" + id + R"(", "statement": "s", "measured": 0.5, "relation": "<", "threshold": 1,
            "passed": )" + (outcome == "held" ? "true" : "false") + R"(, "enforced": true, "outcome": ")" + outcome + R"("})";
}

}  // namespace

TEST_CASE("registry: every claim of the papers is declared once, with what it builds on") {
  std::set<std::string> ids;
  for (const auto& c : registry()) {
    CHECK_MESSAGE(ids.insert(c.id).second, "duplicate id " << c.id);
    CHECK_FALSE(c.statement.empty());
    CHECK_FALSE(c.paper.empty());
    CHECK_FALSE(c.location.empty());
    CHECK(c.page.starts_with("docs/papers/"));
  }
  // The claims named in the mathematics, analytic and statistical ones included.
  for (const char* id : {"VO-1", "VO-2", "VO-3", "VO-3b", "VO-4", "VO-5", "VO-5b", "VO-6", "VO-7", "VO-8", "VO-9",
                         "VO-10", "VO-11", "VO-12", "VO-13", "AHN-1", "AHN-2", "ZFB-1", "ZFB-2", "ZFB-3", "ZFB-4",
                         "ZFB-5", "ZFB-6", "ZFB-7", "ZFB-8", "ZFB-9", "MAH-1", "DAI-1", "DAI-2", "DAI-3", "DAI-4",
                         "DAI-5", "DAI-6"})
    CHECK_MESSAGE(ids.contains(id), "missing " << id);
  for (const auto& c : registry())
    for (const auto& dep : c.builds_on) CHECK_MESSAGE(ids.contains(dep), c.id << " builds on unknown " << dep);
}

TEST_CASE("registry: evidence slots point at engines that exist") {
  std::set<std::string> dimfree_ids;
  for (const auto& entry : icgd::dimfree::claim_registry) dimfree_ids.insert(std::string(entry.id));
  for (const auto& c : registry()) {
    INFO(c.id);
    // A fixed-size engine listed means icl/gd_claims.hpp (or, for Dai et al., icl/dai_claims.hpp;
    // DAI-6's counterexample search) has the construction.
    if (lists(c, Engine::runtime_symbolic) || lists(c, Engine::exact_rational) || lists(c, Engine::numeric_double))
      CHECK((icgd::icl::gd_construction(c.id).has_value() || icgd::icl::dai_construction(c.id).has_value() ||
             c.id == "DAI-6"));
    // The dimension-free engine listed means its table has the construction, and vice versa.
    CHECK(lists(c, Engine::dimension_free) == dimfree_ids.contains(c.id));
    // An exact claim proved somewhere lists its proof units; a statistical one has demo checks.
    if (c.kind == Kind::statistical && !c.evidence.empty()) CHECK_FALSE(c.evidence.demo_checks.empty());
    for (const auto& unit : c.evidence.proof_units) CHECK(unit.starts_with("proofs/"));
  }
  // Every construction of the dimension-free table is a claim, or the control of one.
  for (const auto& id : dimfree_ids) {
    bool known = find_claim(id).has_value();
    for (const auto& c : registry()) known = known || (c.control && c.control->id == id);
    CHECK_MESSAGE(known, id << " is in the dimension-free table but not in the registry");
  }
}

TEST_CASE("statuses: a binary without proof receipts says 'not built', never 'held'") {
  // This test binary links no proof unit: its book must be empty.
  REQUIRE(proof_receipt_book().empty());
  VerifyOptions o;
  o.engines = {Engine::compile_time, Engine::compile_time_dimfree};
  const auto reports = verify(o);
  REQUIRE_FALSE(reports.empty());
  for (const auto& r : reports) {
    INFO(r.claim.id);
    REQUIRE_FALSE(r.results.empty());
    for (const auto& row : r.results) CHECK(row.status == Status::not_built);
    CHECK(r.status() == Status::not_built);
  }
}

TEST_CASE("statuses: compile-time rows come from receipts, unit by unit") {
  const Claim vo1 = claim("VO-1");
  std::vector<ProofReceipt> receipts;
  for (const auto& unit : vo1.evidence.proof_units)
    receipts.push_back({unit, "VO-1", unit.find("dimfree") != std::string::npos ? "every size" : "Nx=1", ProofOutcome::proved, "g++"});
  auto rows = compile_time_rows(vo1, receipts);
  REQUIRE(rows.size() == 2);  // fixed sizes and dimension-free
  CHECK(rows[0].engine == Engine::compile_time);
  CHECK(rows[1].engine == Engine::compile_time_dimfree);
  for (const auto& row : rows) CHECK(row.status == Status::held);
  CHECK(rows[0].detail.find("control VO-1b not asserted") != std::string::npos);

  // One unit missing (a partial build): that row is not built, and says which unit.
  auto partial = receipts;
  partial.erase(partial.begin());
  rows = compile_time_rows(vo1, partial);
  CHECK(rows[0].status == Status::not_built);
  CHECK(rows[0].detail.find(vo1.evidence.proof_units.front()) != std::string::npos);
  CHECK(rows[1].status == Status::held);

  // A receipt from a unit the registry does not name for the claim does not count.
  std::vector<ProofReceipt> elsewhere{{"proofs/fixed/other.cpp", "VO-1", "Nx=9", ProofOutcome::proved, "g++"}};
  for (const auto& row : compile_time_rows(vo1, elsewhere)) CHECK(row.status == Status::not_built);

  // A unit that records the opposite outcome contradicts the registry: failed.
  auto wrong = receipts;
  wrong.back().outcome = ProofOutcome::refuted;
  CHECK(compile_time_rows(vo1, wrong)[1].status == Status::failed);

  // A negative control (VO-3b) is held only by a receipt that it was REFUTED.
  const Claim vo3b = claim("VO-3b");
  std::vector<ProofReceipt> proved_control;
  for (const auto& unit : vo3b.evidence.proof_units) proved_control.push_back({unit, "VO-3b", "K=2", ProofOutcome::proved, "g++"});
  for (const auto& row : compile_time_rows(vo3b, proved_control)) CHECK(row.status == Status::failed);
  for (auto& r : proved_control) r.outcome = ProofOutcome::refuted;
  for (const auto& row : compile_time_rows(vo3b, proved_control)) CHECK(row.status == Status::held);
}

TEST_CASE("statuses: a claim with no evidence is not checked, never held") {
  VerifyOptions o;
  // VO-5b (GD++ conditioning) is the one claim no engine of icgd checks yet.
  o.claim_ids = {"VO-5b"};
  const auto reports = verify(o);
  REQUIRE(reports.size() == 1);
  for (const auto& r : reports) {
    CHECK(r.results.empty());
    CHECK(r.status() == Status::not_checked);
    CHECK_FALSE(r.held());
  }
}

TEST_CASE("statuses: statistical claims come from run folders") {
  const Claim vo6 = claim("VO-6");
  SUBCASE("no runs given: not run") {
    const auto rows = demo_rows(vo6, {}, false);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].status == Status::not_run);
  }
  const icgd::test::TempFolder folder;
  fs::create_directories(folder.path);
  SUBCASE("a run with a failed check: did not hold, with the run it came from") {
    write_results(folder.path, "one", results_json("one-layer", false,
                                     check_json("VO-6.loss-within-1pct.seed0", "held") + "," +
                                         check_json("VO-6.loss-within-1pct.seed1", "did not hold") + "," +
                                         check_json("VO-8.model-cos.seed0", "held")));
    const auto runs = read_runs({folder.path});
    REQUIRE(runs.size() == 1);
    const auto rows = demo_rows(vo6, runs, true);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].status == Status::did_not_hold);
    CHECK(rows[0].sizes.find("one-layer seed 7") != std::string::npos);
    CHECK(rows[0].detail.find("1/2 checks held") != std::string::npos);
    // VO-8's check in the same run held.
    CHECK(demo_rows(claim("VO-8"), runs, true)[0].status == Status::held);
    // A different demo's claim is not decided by this run.
    CHECK(demo_rows(claim("VO-11"), runs, true)[0].status == Status::not_run);
  }
  SUBCASE("an inconclusive check, and a --quick run that decides nothing") {
    write_results(folder.path, "all/one-layer", results_json("one-layer", false, check_json("VO-6.a", "inconclusive")));
    write_results(folder.path, "all/quick", results_json("one-layer", true, check_json("VO-6.a", "held")));
    const auto runs = read_runs({folder.path});
    REQUIRE(runs.size() == 2);
    const auto rows = demo_rows(vo6, runs, true);
    REQUIRE(rows.size() == 2);
    std::multiset<Status> statuses{rows[0].status, rows[1].status};
    CHECK(statuses.count(Status::inconclusive) == 1);
    CHECK(statuses.count(Status::not_run) == 1);
  }
  SUBCASE("bad run folders are refused with a reason") {
    CHECK_THROWS_AS(read_runs({folder.path / "missing"}), invalid_request);
    CHECK_THROWS_AS(read_runs({folder.path}), invalid_request);  // holds no results.json
    write_results(folder.path, "corrupt", "{\"demo\": \"one-layer\", \"checks\": [");
    CHECK_THROWS_AS(read_runs({folder.path}), invalid_request);
  }
  SUBCASE("not a demo's results.json") {
    write_results(folder.path, "other", R"({"tool": "something else"})");
    CHECK_THROWS_AS(read_runs({folder.path}), invalid_request);
  }
}

TEST_CASE("statuses: a claim's status is its worst row") {
  ClaimReport r{claim("VO-1"), {}};
  CHECK(r.status() == Status::not_checked);
  r.results.push_back({Engine::runtime_symbolic, "", Status::held, "", 0});
  CHECK(r.status() == Status::held);
  r.results.push_back({Engine::compile_time, "", Status::not_built, "", 0});
  CHECK(r.status() == Status::not_built);
  r.results.push_back({Engine::numeric_double, "", Status::failed, "", 0});
  CHECK(r.status() == Status::failed);
}

TEST_CASE("registry: every id is defined on its paper page, with the registry's kind") {
  // The page (docs/papers/*.md, section "Claim definitions") states the mathematics; the registry
  // says what icgd checks. A row per id whose kind cell starts with the registry's kind keeps
  // the two from drifting apart (a renamed id, a claim added to one and not the other).
  auto definitions = [](const std::string& page) {
    std::ifstream in(std::string(ICGD_SOURCE_DIR) + "/" + page);
    REQUIRE_MESSAGE(in.good(), page);
    std::map<std::string, std::string> kinds;  // id -> kind cell
    std::string line;
    bool in_section = false;
    while (std::getline(in, line)) {
      if (line.starts_with("## ")) in_section = line == "## Claim definitions";
      if (!in_section || !line.starts_with("| ")) continue;
      std::vector<std::string> cells;
      std::size_t at = 1;
      for (auto next = line.find('|', at); next != std::string::npos; at = next + 1, next = line.find('|', at)) {
        auto cell = line.substr(at, next - at);
        cell.erase(0, cell.find_first_not_of(' '));
        cell.erase(cell.find_last_not_of(' ') + 1);
        cells.push_back(cell);
      }
      if (cells.size() >= 2) kinds[cells.front()] = cells.back();
    }
    return kinds;
  };
  for (const auto& c : registry()) {
    INFO(c.id << " on " << c.page);
    const auto kinds = definitions(c.page);
    const auto it = kinds.find(c.id);
    REQUIRE_MESSAGE(it != kinds.end(), c.id << " is not defined in the \"Claim definitions\" of " << c.page);
    CHECK_MESSAGE(it->second.starts_with(to_string(c.kind)), c.id << ": the page says '" << it->second << "'");
    if (c.control) CHECK_MESSAGE(kinds.contains(c.control->id), "control " << c.control->id << " is not defined on " << c.page);
  }
}
