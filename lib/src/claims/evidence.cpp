// Rows of `icgd verify` that come from evidence produced elsewhere: the receipts of the proof
// units linked into the binary (compile time) and the results.json of demo run folders.
#include "icgd/claims/registry.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <string_view>

namespace icgd::claims {
namespace {

Engine proof_engine(const std::string& unit) {
  return unit.starts_with("proofs/dimfree/") ? Engine::compile_time_dimfree : Engine::compile_time;
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  return fmt::format("{}", fmt::join(parts, separator));
}

/// Receipts of one sweep split per unit ("Nx=1 x Ny={1,2} x ...", "Nx=2 x Ny={1,2} x ...") read
/// as one: "Nx={1,2} x Ny={1,2} x ...". Texts of other shapes are kept as they are.
std::vector<std::string> merged_sizes(const std::vector<std::string>& sizes) {
  struct Group {
    std::string name, rest;           // "Nx=", " x Ny={1,2} x ..."
    std::vector<std::string> values;  // "1", "2", ...
  };
  std::vector<Group> groups;
  std::vector<std::string> others;
  for (const auto& s : sizes) {
    const auto eq = s.find('='), cut = s.find(" x ");
    if (eq == std::string::npos || cut == std::string::npos || eq > cut || s[eq + 1] == '{') {
      others.push_back(s);
      continue;
    }
    Group key{s.substr(0, eq + 1), s.substr(cut), {}};
    auto it = std::ranges::find_if(groups, [&](const Group& g) { return g.name == key.name && g.rest == key.rest; });
    if (it == groups.end()) it = groups.insert(groups.end(), std::move(key));
    it->values.push_back(s.substr(eq + 1, cut - eq - 1));
  }
  std::vector<std::string> out;
  for (const auto& g : groups)
    out.push_back(g.values.size() == 1 ? g.name + g.values[0] + g.rest
                                       : fmt::format("{}{{{}}}{}", g.name, fmt::join(g.values, ","), g.rest));
  out.insert(out.end(), others.begin(), others.end());
  return out;
}

}  // namespace

std::vector<EngineResult> compile_time_rows(const Claim& claim, const std::vector<ProofReceipt>& receipts) {
  // One row per proof engine (fixed sizes, dimension-free), in the order the registry names them.
  std::vector<Engine> engines;
  for (const auto& unit : claim.evidence.proof_units)
    if (std::ranges::find(engines, proof_engine(unit)) == engines.end()) engines.push_back(proof_engine(unit));

  const ProofOutcome wanted = claim.negative_control ? ProofOutcome::refuted : ProofOutcome::proved;
  std::vector<EngineResult> rows;
  for (const Engine engine : engines) {
    std::vector<std::string> proved, missing, wrong, control_sizes, units;
    for (const auto& unit : claim.evidence.proof_units) {
      if (proof_engine(unit) != engine) continue;
      units.push_back(unit);
      bool found = false;
      for (const auto& r : receipts) {
        if (r.unit != unit) continue;
        if (r.claim_id == claim.id) {
          found = true;
          (r.outcome == wanted ? proved : wrong).push_back(r.sizes);
        } else if (claim.control && r.claim_id == claim.control->id && r.outcome == ProofOutcome::refuted) {
          control_sizes.push_back(r.sizes);
        }
      }
      if (!found) missing.push_back(unit);
    }
    // Held only when every unit of this engine left a receipt with the outcome the claim needs.
    Status status = Status::held;
    if (!wrong.empty()) status = Status::failed;
    else if (!missing.empty() || proved.empty()) status = Status::not_built;
    EngineResult row{engine, {}, status, {}, 0};
    row.sizes = proved.empty() ? std::string("-") : joined(merged_sizes(proved), "; ");
    if (engine == Engine::compile_time_dimfree && !proved.empty()) {
      // Dimension-free receipts read "every size" or "every size; K = 3": list the instances once.
      std::vector<std::string> instances;
      for (const auto& p : proved)
        if (p.starts_with("every size; ")) instances.push_back(p.substr(12));
      row.sizes = instances.empty() ? "every size" : "every size; " + joined(instances, ", ");
    }
    if (status == Status::failed) {
      // A receipt with the opposite outcome means the registry and a proof unit disagree.
      row.detail = fmt::format("a proof unit records the opposite outcome ({})", joined(wrong, "; "));
    } else if (status == Status::not_built) {
      row.detail = fmt::format("no receipt in this binary from {} (built without the proofs?)", joined(missing, ", "));
    } else {
      row.detail = claim.negative_control
                       ? fmt::format("static_assert that the identity FAILS compiled ({})", joined(units, ", "))
                       : fmt::format("static_asserts compiled into this binary ({})", joined(units, ", "));
      if (claim.control) {
        if (!control_sizes.empty())
          row.detail += fmt::format("; control {} refuted at {}", claim.control->id, joined(control_sizes, "; "));
        else
          row.detail += fmt::format("; control {} not asserted at compile time here", claim.control->id);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// --- demo runs --------------------------------------------------------------------------------

namespace {

DemoRun read_run(const std::filesystem::path& results_file) {
  std::ifstream in(results_file);
  if (!in) throw invalid_request(fmt::format("--runs: cannot read {}", results_file.string()));
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception&) {
    throw invalid_request(fmt::format("--runs: {} is not valid JSON (an interrupted run?)", results_file.string()));
  }
  DemoRun run;
  run.folder = results_file.parent_path();
  try {
    run.demo = j.at("demo").get<std::string>();
    run.seed = j.value("seed", std::uint64_t{0});
    run.quick = j.value("quick", false);
    for (const auto& c : j.at("checks")) {
      DemoRun::CheckRecord r;
      r.id = c.at("id").get<std::string>();
      r.outcome = c.at("outcome").get<std::string>();
      r.enforced = c.value("enforced", true);
      r.relation = c.value("relation", std::string{});
      // A non-finite measurement is written as null by nlohmann; keep it as NaN.
      r.measured = c.contains("measured") && c["measured"].is_number() ? c["measured"].get<double>() : std::nan("");
      r.threshold = c.contains("threshold") && c["threshold"].is_number() ? c["threshold"].get<double>() : std::nan("");
      r.inconclusive_reason = c.value("inconclusive_reason", std::string{});
      if (r.outcome != "held" && r.outcome != "did not hold" && r.outcome != "inconclusive")
        throw invalid_request(fmt::format("--runs: {}: check {} has the unknown outcome '{}'", results_file.string(), r.id, r.outcome));
      run.checks.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw invalid_request(fmt::format("--runs: {} is not a demo's results.json ({})", results_file.string(), e.what()));
  }
  return run;
}

}  // namespace

std::vector<DemoRun> read_runs(const std::vector<std::filesystem::path>& paths) {
  namespace fs = std::filesystem;
  std::vector<DemoRun> runs;
  std::set<fs::path> seen;
  for (const auto& path : paths) {
    std::error_code ec;
    if (path.empty()) throw invalid_request("--runs: an empty path");
    if (!fs::is_directory(path, ec)) throw invalid_request(fmt::format("--runs: {} is not a folder", path.string()));
    std::vector<fs::path> found;
    if (fs::is_regular_file(path / "results.json", ec)) found.push_back(path / "results.json");
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().filename() == "results.json" && it->path() != path / "results.json")
        found.push_back(it->path());
    }
    if (ec) throw invalid_request(fmt::format("--runs: cannot list {}: {}", path.string(), ec.message()));
    if (found.empty()) throw invalid_request(fmt::format("--runs: no results.json at or below {}", path.string()));
    std::ranges::sort(found);
    for (const auto& f : found) {
      const auto canonical = fs::weakly_canonical(f, ec);
      if (!seen.insert(ec ? f : canonical).second) continue;
      runs.push_back(read_run(f));
    }
  }
  return runs;
}

std::vector<EngineResult> demo_rows(const Claim& claim, const std::vector<DemoRun>& runs, bool runs_given) {
  std::vector<EngineResult> rows;
  for (const auto& evidence : claim.evidence.demo_checks) {
    bool any = false;
    for (const auto& run : runs) {
      if (run.demo != evidence.demo) continue;
      std::vector<const DemoRun::CheckRecord*> checks;
      for (const auto& c : run.checks)
        if (c.id.starts_with(evidence.check_prefix)) checks.push_back(&c);
      if (checks.empty()) continue;
      any = true;
      EngineResult row{Engine::demo_run, fmt::format("{} seed {} ({})", run.demo, run.seed, run.folder.string()),
                       Status::held, {}, 0};
      if (run.quick) {
        // A --quick run is too small to decide anything: its checks are recorded, not enforced.
        row.status = Status::not_run;
        row.detail = fmt::format("only a --quick run: {} checks recorded, not enforced", checks.size());
        rows.push_back(std::move(row));
        continue;
      }
      int held = 0;
      std::vector<std::string> failing;
      for (const auto* c : checks) {
        Status s = Status::held;
        if (!c->enforced) s = Status::not_run;
        else if (c->outcome == "did not hold") s = Status::did_not_hold;
        else if (c->outcome == "inconclusive") s = Status::inconclusive;
        if (s == Status::held) ++held;
        else failing.push_back(fmt::format("{}: {} {} {} ({})", c->id, c->measured, c->relation, c->threshold, to_string(s)));
        if (severity(s) > severity(row.status)) row.status = s;
      }
      row.detail = fmt::format("{}/{} checks held", held, checks.size());
      if (!failing.empty()) row.detail += "; " + joined(failing, "; ");
      rows.push_back(std::move(row));
    }
    if (!any)
      rows.push_back({Engine::demo_run, fmt::format("demo {}", evidence.demo), Status::not_run,
                      runs_given ? fmt::format("no run of `icgd demo {}` among the --runs folders", evidence.demo)
                                 : fmt::format("give a run of `icgd demo {}` with --runs DIR", evidence.demo),
                      0});
  }
  return rows;
}

}  // namespace icgd::claims
