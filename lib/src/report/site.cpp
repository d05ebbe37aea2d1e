// The documentation site's generated sources (icgd/report/site.hpp, docs/site.md).
//
// Everything a generated page says comes from three inputs: the registry (what is claimed),
// the verify data (what each engine found), the run folders (what the demos measured). The
// pages are MyST Markdown for Sphinx (docs/site/conf.py). Every status a page shows is written
// as <span class="icgd-status" data-claim=ID data-status=STATUS>, and site.json records the
// status of every claim, so that the site test can compare each rendered page with the data.
#include "icgd/report/site.hpp"

#include "icgd/io/run_directory.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace icgd::report {
namespace fs = std::filesystem;
using nlohmann::json;

// --- the verify data --------------------------------------------------------------------------

json verify_json(const std::vector<claims::ClaimReport>& reports, const claims::VerifyOptions& o) {
  // The shape of `icgd verify --json` (demos/cmd_verify.cpp), so that a site built from a
  // computed verify and one built from `--verify-json` read the same fields.
  json j;
  j["tool"] = "icgd report (verify)";
  j["icgd_version"] = ICGD_VERSION;
  j["compiler"] = __VERSION__;
  std::vector<std::string> runs;
  for (const auto& r : o.runs) runs.push_back(r.string());
  j["options"] = {{"nx", o.nx}, {"ny", o.ny}, {"n", o.n}, {"stack_nx", o.stack_nx},
                  {"stack_ny", o.stack_ny}, {"stack_n", o.stack_n}, {"layers", o.layers},
                  {"numeric_nx", o.numeric_nx}, {"numeric_ny", o.numeric_ny},
                  {"numeric_n", o.numeric_n}, {"rational_instances", o.rational_instances},
                  {"seed", o.seed}, {"relative_error_bound", o.relative_error_bound},
                  {"claims", o.claim_ids}, {"runs", runs}};
  j["claims"] = json::array();
  json counts = json::object();
  for (const auto& r : reports) {
    const auto status = claims::to_string(r.status());
    counts[status] = counts.value(status, 0) + 1;
    const auto& claim = r.claim;
    json evidence{{"proof_units", claim.evidence.proof_units}, {"engines", json::array()}, {"demo_checks", json::array()}};
    for (const auto e : claim.evidence.engines) evidence["engines"].push_back(claims::to_string(e));
    for (const auto& d : claim.evidence.demo_checks)
      evidence["demo_checks"].push_back({{"demo", d.demo}, {"check_prefix", d.check_prefix}});
    json c{{"id", claim.id}, {"paper", claim.paper}, {"location", claim.location}, {"page", claim.page},
           {"statement", claim.statement}, {"kind", claims::to_string(claim.kind)}, {"builds_on", claim.builds_on},
           {"negative_control", claim.negative_control}, {"evidence", evidence}, {"status", status},
           {"held", r.held()}, {"results", json::array()}};
    if (claim.control) c["control"] = {{"id", claim.control->id}, {"description", claim.control->description}};
    for (const auto& e : r.results)
      c["results"].push_back({{"engine", claims::to_string(e.engine)}, {"sizes", e.sizes},
                              {"status", claims::to_string(e.status)}, {"detail", e.detail}, {"seconds", e.seconds}});
    j["claims"].push_back(c);
  }
  j["status_counts"] = counts;
  return j;
}

// --- run folders ------------------------------------------------------------------------------

namespace {

/// The compiler of this binary, as the run folders' config.json name it ("g++ 12.2.0").
std::string compiler_name() {
#if defined(__clang__)
  return std::string("clang++ ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("g++ ") + __VERSION__;
#else
  return __VERSION__;
#endif
}

json read_json_file(const fs::path& file, bool required) {
  std::ifstream in(file);
  if (!in) {
    if (required) throw invalid_input(fmt::format("cannot read {}", file.string()));
    return json::object();
  }
  try {
    json j;
    in >> j;
    return j;
  } catch (const json::exception&) {
    throw invalid_input(fmt::format("{} is not valid JSON (an interrupted run?)", file.string()));
  }
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw invalid_input(fmt::format("cannot read {}", file.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<RunFolder> load_run_folders(const std::vector<fs::path>& paths) {
  std::vector<claims::DemoRun> runs;
  try {
    runs = claims::read_runs(paths);  // the same validation as `icgd verify --runs`
  } catch (const claims::invalid_request& e) {
    throw invalid_input(e.what());
  }
  std::vector<RunFolder> folders;
  for (const auto& run : runs) {
    RunFolder f{run.folder, read_json_file(run.folder / "results.json", true), read_json_file(run.folder / "config.json", false)};
    if (!f.results.is_object() || !f.config.is_object())
      throw invalid_input(fmt::format("{}: results.json or config.json is not a JSON object", run.folder.string()));
    folders.push_back(std::move(f));
  }
  return folders;
}

// --- Markdown helpers -------------------------------------------------------------------------

namespace {

/// Text as literal Markdown: no emphasis, links, math or HTML from a statement's characters.
std::string md(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::string_view("\\`*_[]<>$|#{}").find(c) != std::string_view::npos) out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string html(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string slug(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string claim_anchor(const std::string& id) { return "claim-" + slug(id); }

/// The machine-readable status every page shows (the site test reads data-status).
std::string status_badge(const std::string& claim_id, const std::string& status) {
  return fmt::format(R"(<span class="icgd-status icgd-status-{}" data-claim="{}" data-status="{}">{}</span>)", slug(status),
                     html(claim_id), html(status), html(status));
}

std::string number(const json& value) {
  if (value.is_null()) return "null (not finite)";
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) {
    const double v = value.get<double>();
    return std::isfinite(v) ? fmt::format("{:.6g}", v) : "not finite";
  }
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string graphviz_colour(const std::string& status) {
  if (status == "held") return "#b7e1b0";
  if (status == "FAILED" || status == "ERROR" || status == "did not hold") return "#f2a7a7";
  if (status == "inconclusive") return "#f7d9a0";
  if (status == "not run" || status == "not built") return "#d9d9f2";
  return "#e6e6e6";  // not checked, missing
}

const char* const kStatusLegend =
    "held (green): the evidence is there and holds; FAILED / ERROR / did not hold (red); inconclusive (orange); "
    "not run / not built (blue: evidence missing from this build or these runs); not checked (grey: no engine of "
    "icgd checks it yet).";

/// Headers of icgd a source file includes (#include "icgd/…"), and those of the local headers it includes.
std::vector<std::string> icgd_includes(const fs::path& file, int depth = 0) {
  std::vector<std::string> found;
  std::ifstream in(file);
  if (!in) return found;
  static const std::regex include_line(R"re(^\s*#\s*include\s+"([^"]+)")re");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, include_line)) continue;
    const std::string target = m[1];
    if (target.starts_with("icgd/")) found.push_back(target);
    else if (depth < 2) {
      for (auto& h : icgd_includes(file.parent_path() / target, depth + 1)) found.push_back(h);
    }
  }
  std::ranges::sort(found);
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

/// Doxygen's tag file: header (relative to lib/include) → its HTML page.
std::map<std::string, std::string> read_api_tags(const fs::path& tag_file) {
  std::map<std::string, std::string> pages;
  if (tag_file.empty()) return pages;
  const std::string text = read_text(tag_file);
  static const std::regex file_compound(
      R"re(<compound kind="file">\s*<name>([^<]+)</name>\s*<path>([^<]*)</path>\s*<filename>([^<]+)</filename>)re");
  for (std::sregex_iterator it(text.begin(), text.end(), file_compound), end; it != end; ++it) {
    std::string path = (*it)[2].str() + (*it)[1].str();
    const auto at = path.find("include/icgd/");
    if (at == std::string::npos) continue;
    std::string page = (*it)[3];
    if (!page.ends_with(".html")) page += ".html";
    pages[path.substr(at + std::string("include/").size())] = page;
  }
  if (pages.empty()) throw invalid_input(fmt::format("{} lists no header of lib/include/icgd (not a Doxygen tag file?)", tag_file.string()));
  return pages;
}

/// Replaces the block after each `<!-- example-output: docs/examples/NAME.out -->` marker by the
/// fresh output `outputs/NAME.out` when the build ran the example (docs/examples; tests/examples).
std::string paste_example_outputs(const std::string& page, const fs::path& outputs, int& pasted) {
  if (outputs.empty()) return page;
  std::string out;
  std::size_t at = 0;
  static const std::regex marker(R"re(\n<!-- example-output: docs/examples/([A-Za-z0-9_]+)\.out -->[ \t]*\n(```[^\n]*\n))re");
  std::smatch m;
  std::string::const_iterator from = page.begin();
  while (std::regex_search(from, page.end(), m, marker)) {
    const auto block_start = static_cast<std::size_t>(m[0].second - page.begin());
    const auto close = page.find("\n```", block_start - 1);
    const fs::path fresh = outputs / (m[1].str() + ".out");
    if (close == std::string::npos || !fs::is_regular_file(fresh)) {
      from = m[0].second;
      continue;
    }
    out += page.substr(at, block_start - at);
    out += read_text(fresh);
    at = close + 1;  // keeps the closing fence
    from = page.begin() + static_cast<std::ptrdiff_t>(at);
    ++pasted;
  }
  out += page.substr(at);
  return out;
}

struct Context {
  const SiteInputs& in;
  std::map<std::string, json> verified;                   // claim id → its verify entry
  std::map<std::string, std::string> api_pages;           // header → Doxygen page
  std::map<std::string, std::string> figure_paths;        // run folder + figure → site path
  std::map<std::string, std::string> run_names;           // run folder → its name on the site
  std::string stamp;

  [[nodiscard]] std::string status_of(const std::string& id) const {
    const auto it = verified.find(id);
    return it == verified.end() ? "missing from the verify data" : it->second.value("status", "missing");
  }
  [[nodiscard]] std::string header_link(const std::string& header, const std::string& to_root) const {
    const auto it = api_pages.find(header);
    if (it == api_pages.end()) {
      if (!api_pages.empty())  // fail closed: a construction without its API page is a broken site
        throw std::runtime_error(fmt::format("the API documentation has no page for {} (Doxygen tag file)", header));
      return fmt::format("<code>{}</code>", html(header));
    }
    return fmt::format(R"(<a class="icgd-api" href="{}{}{}"><code>{}</code></a>)", to_root, in.api_url, it->second, html(header));
  }
};

std::string stamp_of(const SiteInputs& in) {
  std::vector<std::string> sources;
  int quick = 0;
  for (const auto& r : in.runs) quick += r.results.value("quick", false) ? 1 : 0;
  for (const auto& p : in.run_paths) sources.push_back(p.string());
  const std::string runs =
      in.runs.empty() ? "no demo runs"
                      : fmt::format("{} demo run folder{} from {} ({} of them --quick)", in.runs.size(), in.runs.size() == 1 ? "" : "s",
                                    fmt::join(sources, ", "), quick);
  return fmt::format("icgd {} · {} · built {}{} · verify: {} · runs: {}", ICGD_VERSION, compiler_name(), in.build_date,
                     in.commit.empty() ? "" : " · source " + in.commit, in.verify_source, runs);
}

std::string stamp_block(const Context& cx) {
  return fmt::format("<p class=\"icgd-stamp\">Generated by <code>icgd report</code>: {}</p>\n\n", html(cx.stamp));
}

// --- the catalogue ----------------------------------------------------------------------------

/// A link to a claim's catalogue entry from any page (its label, resolved by Sphinx).
std::string link_to_claim(const std::string& id) { return fmt::format("[{}]({})", md(id), claim_anchor(id)); }

std::string proof_file_link(const Context& cx, const std::string& unit, const std::string& to_root) {
  const bool exists = fs::is_regular_file(cx.in.source_root / unit);
  if (!exists) return fmt::format("<code>{}</code> (<strong>missing from the source tree</strong>)", html(unit));
  return fmt::format(R"(<a class="icgd-source" href="{}source/{}"><code>{}</code></a>)", to_root, html(unit), html(unit));
}

std::string demo_source(const std::string& demo) {
  std::string file = demo;
  std::ranges::replace(file, '-', '_');
  return "demos/demo/" + file + ".cpp";
}

std::string config_summary(const RunFolder& run) {
  std::vector<std::string> parts;
  if (run.config.contains("input_range") && run.config["input_range"].is_object())
    parts.push_back("inputs " + run.config["input_range"].value("label", std::string{}));
  if (run.config.contains("eval_tasks")) parts.push_back("eval tasks " + number(run.config["eval_tasks"]));
  if (run.config.contains("metadata") && run.config["metadata"].is_object()) {
    const auto& m = run.config["metadata"];
    parts.push_back(fmt::format("{} {} ({}), started {}", m.value("command", std::string{"icgd demo"}),
                                m.value("icgd_version", std::string{}), m.value("compiler", std::string{}),
                                m.value("started_utc", std::string{})));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

/// The demo checks that decide `claim` in `runs`, as a table (empty when none).
std::string demo_check_table(const Context& cx, const claims::Claim& claim, const std::string& to_root) {
  std::string rows;
  for (const auto& evidence : claim.evidence.demo_checks) {
    bool any = false;
    for (const auto& run : cx.in.runs) {
      if (run.demo() != evidence.demo || !run.results.contains("checks")) continue;
      const std::string name = cx.run_names.at(run.folder.string());
      for (const auto& c : run.results["checks"]) {
        const std::string id = c.value("id", std::string{});
        if (!id.starts_with(evidence.check_prefix)) continue;
        any = true;
        const bool enforced = c.value("enforced", true);
        std::string outcome = c.value("outcome", std::string{"?"});
        if (!enforced) outcome += " (not enforced: --quick)";
        if (c.contains("inconclusive_reason") && !c["inconclusive_reason"].get<std::string>().empty())
          outcome += "; " + c["inconclusive_reason"].get<std::string>();
        rows += fmt::format("| {} | {} | {} | {} {} {} | {} | <a href=\"{}runs/{}/results.json\">{}</a>, seed {}{}, <a href=\"{}runs/{}/config.json\">config</a> |\n",
                            md(id), md(c.value("statement", std::string{})), number(c.value("measured", json())),
                            md(c.value("relation", std::string{})), number(c.value("threshold", json())),
                            c.value("relation", std::string{}).empty() ? "" : "required", md(outcome), to_root, name,
                            html(name), number(run.results.value("seed", json(0))),
                            run.results.value("quick", false) ? " (--quick)" : "", to_root, name);
      }
    }
    if (!any)
      rows += fmt::format("| {}* | no run folder of `icgd demo {}` among the runs this site was built from | — | — | **not run** | — |\n",
                          md(evidence.check_prefix), md(evidence.demo));
  }
  if (rows.empty()) return {};
  return "| check | what is measured | measured | required | outcome | run |\n|---|---|---|---|---|---|\n" + rows + "\n";
}

std::string catalogue_entry(const Context& cx, const claims::Claim& claim) {
  const std::string status = cx.status_of(claim.id);
  std::string s = fmt::format("({})=\n### {} {}\n\n", claim_anchor(claim.id), md(claim.id), status_badge(claim.id, status));
  std::string page_stem = fs::path(claim.page).stem().string();
  std::string def_anchor;
  if (fs::is_regular_file(cx.in.source_root / claim.page) && read_text(cx.in.source_root / claim.page).find("\n## Claim definitions") != std::string::npos)
    def_anchor = "#claim-definitions";
  s += "| | |\n|---|---|\n";
  s += fmt::format("| paper | {}, {} — [its definition on icgd's page]({}{}) |\n", md(claim.paper), md(claim.location),
                   "papers/" + page_stem + ".md", def_anchor);
  s += fmt::format("| statement | {} |\n", md(claim.statement));
  s += fmt::format("| kind | {}{} |\n", claims::to_string(claim.kind), claim.negative_control ? " (a negative control: the identity must FAIL)" : "");
  std::vector<std::string> on;
  for (const auto& id : claim.builds_on) on.push_back(link_to_claim(id));
  s += fmt::format("| builds on | {} |\n", on.empty() ? "—" : fmt::format("{}", fmt::join(on, ", ")));
  if (claim.control) {
    const bool own_claim = claims::find_claim(claim.control->id).has_value();
    s += fmt::format("| negative control | {}: {} |\n", own_claim ? link_to_claim(claim.control->id) : md(claim.control->id),
                     md(claim.control->description));
  } else {
    s += "| negative control | none in the registry |\n";
  }
  std::vector<std::string> proofs;
  for (const auto& unit : claim.evidence.proof_units) proofs.push_back(proof_file_link(cx, unit, ""));
  s += fmt::format("| proof files | {} |\n", proofs.empty() ? "none (no compile-time proof)" : fmt::format("{}", fmt::join(proofs, ", ")));
  // The construction: the icgd headers its proofs (or, for a statistical claim, its demos) include.
  std::set<std::string> headers;
  for (const auto& unit : claim.evidence.proof_units)
    for (auto& h : icgd_includes(cx.in.source_root / unit)) headers.insert(h);
  for (const auto& d : claim.evidence.demo_checks)
    for (auto& h : icgd_includes(cx.in.source_root / demo_source(d.demo))) headers.insert(h);
  std::vector<std::string> header_links;
  for (const auto& h : headers)
    if (h != "icgd/claims/receipt.hpp") header_links.push_back(cx.header_link(h, ""));
  s += fmt::format("| construction (API) | {} |\n", header_links.empty() ? "—" : fmt::format("{}", fmt::join(header_links, " ")));
  s += fmt::format("| status | {} |\n\n", status_badge(claim.id, status));

  const auto it = cx.verified.find(claim.id);
  if (it == cx.verified.end()) {
    s += "**The verify data this site was built from has no entry for this claim**: its status is unknown.\n\n";
  } else if (it->second["results"].empty()) {
    s += "**No engine of icgd checks this claim yet** (status: not checked).\n\n";
  } else {
    s += "| engine | sizes | result | time | detail |\n|---|---|---|---|---|\n";
    for (const auto& r : it->second["results"])
      s += fmt::format("| {} | {} | {} | {:.3f} s | {} |\n", md(r.value("engine", std::string{})), md(r.value("sizes", std::string{})),
                       md(r.value("status", std::string{})), r.value("seconds", 0.0), md(r.value("detail", std::string{})));
    s += "\n";
  }
  const std::string checks = demo_check_table(cx, claim, "");
  if (!checks.empty()) s += "The demo checks that decide it:\n\n" + checks;
  return s;
}

std::string claims_graph(const Context& cx) {
  std::string dot = "digraph claims {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=11];\n";
  std::string paper;
  int cluster = 0;
  for (const auto& c : claims::registry()) {
    if (c.paper != paper) {
      if (!paper.empty()) dot += "  }\n";
      paper = c.paper;
      dot += fmt::format("  subgraph cluster_{} {{\n    label=\"{}\"; fontname=\"sans-serif\"; style=rounded; color=\"#999999\";\n", cluster++, html(paper));
    }
    const std::string status = cx.status_of(c.id);
    dot += fmt::format("    \"{}\" [label=\"{}\\n{}\", fillcolor=\"{}\", URL=\"../catalogue.html#{}\", target=\"_top\", tooltip=\"{}: {}\"];\n", c.id,
                       c.id, status, graphviz_colour(status), claim_anchor(c.id), c.id, html(c.statement.substr(0, 200)));
  }
  if (!paper.empty()) dot += "  }\n";
  for (const auto& c : claims::registry())
    for (const auto& on : c.builds_on) dot += fmt::format("  \"{}\" -> \"{}\";\n", on, c.id);
  for (const auto& c : claims::registry())
    if (c.control && claims::find_claim(c.control->id)) dot += fmt::format("  \"{}\" -> \"{}\" [style=dashed, label=\"control\"];\n", c.id, c.control->id);
  return dot + "}\n";
}

std::string catalogue_page(const Context& cx) {
  std::string s = "# Claims catalogue\n\n" + stamp_block(cx);
  std::map<std::string, int> counts;
  for (const auto& c : claims::registry()) ++counts[cx.status_of(c.id)];
  std::vector<std::string> parts;
  for (const auto& [status, n] : counts) parts.push_back(fmt::format("{} {}", n, status));
  s += fmt::format("Every claim of icgd's registry, {} in all ({}), with the evidence behind its status. "
                   "Statuses are computed from the verify data and the run folders named above; none is typed.\n\n",
                   claims::registry().size(), fmt::join(parts, ", "));
  s += "## Dependency graph\n\nAn arrow runs from a claim to the claims that build on it; a dashed arrow to a claim's negative control. "
       "Click a claim to reach its entry. ";
  s += std::string(kStatusLegend) + "\n\n```{graphviz} claims.dot\n:caption: The claims, coloured by status\n```\n\n";
  s += "## Overview\n\n| claim | paper, where | kind | status |\n|---|---|---|---|\n";
  for (const auto& c : claims::registry())
    s += fmt::format("| {} | {}, {} | {} | {} |\n", link_to_claim(c.id), md(c.paper), md(c.location), claims::to_string(c.kind),
                     status_badge(c.id, cx.status_of(c.id)));
  s += "\n## The claims\n\n";
  for (const auto& c : claims::registry()) s += catalogue_entry(cx, c);
  return s;
}

// --- paper pages ------------------------------------------------------------------------------

std::string flatten_numbers(const json& value, const std::string& prefix, int& budget) {
  std::string out;
  if (budget <= 0) return out;
  if (value.is_object()) {
    for (const auto& [k, v] : value.items()) out += flatten_numbers(v, prefix.empty() ? k : prefix + "/" + k, budget);
  } else if (value.is_number() || value.is_null()) {
    --budget;
    out += fmt::format("| {} | {} |\n", md(prefix), number(value));
  }
  return out;
}

std::string paper_findings(const Context& cx, const std::string& page, const std::string& text) {
  std::vector<const claims::Claim*> claims_here;
  for (const auto& c : claims::registry())
    if (c.page == page) claims_here.push_back(&c);
  std::string s = "\n\n## What icgd found\n\n" + stamp_block(cx);
  s += "This section is generated from the verify data and the demo run folders; the mathematics above is hand-written.\n\n";
  s += "| claim | where in the paper | kind | status | entry |\n|---|---|---|---|---|\n";
  for (const auto* c : claims_here)
    s += fmt::format("| {} | {} | {} | {} | [catalogue]({}) |\n", md(c->id), md(c->location), claims::to_string(c->kind),
                     status_badge(c->id, cx.status_of(c->id)), claim_anchor(c->id));
  s += "\n### Claims that did not hold or are undecided\n\n";
  int undecided = 0;
  for (const auto* c : claims_here) {
    const std::string status = cx.status_of(c->id);
    if (status == "held") continue;
    ++undecided;
    std::string why;
    const auto it = cx.verified.find(c->id);
    if (it != cx.verified.end())
      for (const auto& r : it->second["results"])
        if (r.value("status", std::string{}) != "held") {
          why = r.value("detail", std::string{});
          break;
        }
    if (why.empty() && it != cx.verified.end() && it->second["results"].empty()) why = "no engine of icgd checks it yet";
    s += fmt::format("- [{}]({}) {}: {}{}\n", md(c->id), claim_anchor(c->id), status_badge(c->id, status),
                     md(c->statement.substr(0, 160)) + (c->statement.size() > 160 ? "…" : ""), why.empty() ? "" : " — *" + md(why) + "*");
  }
  if (undecided == 0) s += "None: every claim of this page held.\n";
  s += "\n### Where the paper's text and its reference code disagree\n\n";
  static const std::regex heading(R"re(\n(#{2,4}) ([^\n]*(?:versus|[Rr]eference code|disagree|[Cc]onventions)[^\n]*))re");
  int found = 0;
  for (std::sregex_iterator h(text.begin(), text.end(), heading), end; h != end; ++h) {
    const std::string title = (*h)[2];
    std::string anchor;
    for (const char c : title) {  // GitHub / MyST heading slugs
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      else if (c == ' ') anchor += '-';
      else if (static_cast<unsigned char>(c) >= 0x80) anchor += c;
    }
    s += fmt::format("- [{}](#{}) (above)\n", md(title), anchor);
    ++found;
  }
  if (found == 0) s += "This page names no disagreement between the paper's text and a reference code.\n";

  // What the demos deciding this page's claims measured, and drew.
  std::set<std::string> demos;
  for (const auto* c : claims_here)
    for (const auto& d : c->evidence.demo_checks) demos.insert(d.demo);
  s += "\n### What the demos measured\n\n";
  if (demos.empty()) s += "No demo decides a claim of this page.\n";
  for (const auto& demo : demos) {
    bool any = false;
    for (const auto& run : cx.in.runs) {
      if (run.demo() != demo) continue;
      any = true;
      const std::string name = cx.run_names.at(run.folder.string());
      s += fmt::format("#### `icgd demo {}` — run `{}`\n\n", md(demo), md(name));
      s += fmt::format("Seed {}{}, outcome {}, {} s wall time; configuration: {}. Files: <a href=\"../runs/{}/results.json\">results.json</a>, "
                       "<a href=\"../runs/{}/config.json\">config.json</a>.\n\n",
                       number(run.results.value("seed", json(0))), run.results.value("quick", false) ? " (a --quick run: checks recorded, not enforced)" : "",
                       md(run.results.value("outcome", std::string{"?"})), number(run.results.value("wall_seconds", json(0))),
                       md(config_summary(run)), name, name);
      if (run.results.contains("checks") && !run.results["checks"].empty()) {
        s += "| check | what is measured | measured | required | outcome |\n|---|---|---|---|---|\n";
        for (const auto& c : run.results["checks"])
          s += fmt::format("| {} | {} | {} | {} {} | {}{} |\n", md(c.value("id", std::string{})), md(c.value("statement", std::string{})),
                           number(c.value("measured", json())), md(c.value("relation", std::string{})), number(c.value("threshold", json())),
                           md(c.value("outcome", std::string{})), c.value("enforced", true) ? "" : " (not enforced)");
        s += "\n";
      }
      if (run.results.contains("final") && run.results["final"].is_object()) {
        int budget = 40;
        const std::string rows = flatten_numbers(run.results["final"], "final", budget);
        if (!rows.empty()) s += "Final figures from results.json:\n\n| key | value |\n|---|---|\n" + rows + "\n";
      }
      const std::string figures_status = run.results.value("figures_status", std::string{});
      int drawn = 0;
      if (run.results.contains("figures"))
        for (const auto& f : run.results["figures"]) {
          const auto key = run.folder.string() + "/" + f.get<std::string>();
          const auto at = cx.figure_paths.find(key);
          if (at == cx.figure_paths.end()) continue;
          s += fmt::format("```{{figure}} ../{}\n:alt: {} of the {} run {}\n:width: 90%\n\n`{}` of `icgd demo {}` ({})\n```\n\n", at->second, f.get<std::string>(),
                           demo, name, f.get<std::string>(), demo, name);
          ++drawn;
        }
      if (drawn == 0)
        s += fmt::format("**No figure of this run is on the site** (figures: {}).\n\n", figures_status.empty() ? "none recorded" : figures_status);
    }
    if (!any) s += fmt::format("#### `icgd demo {}`\n\n**Not run**: no run folder of this demo among the runs this site was built from.\n\n", md(demo));
  }
  return s;
}

/// The page a folder link (`[papers/](papers/)`, which a code host shows as a listing) leads to
/// on the site: the folder's generated index.
std::string rewrite_folder_links(const std::string& text, const fs::path& page_dir, const std::set<std::string>& indexed) {
  static const std::regex folder_link(R"re(\]\(((?:\.\./)*[A-Za-z0-9_]+/)\))re");
  std::string out;
  auto from = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), folder_link), end; it != end; ++it) {
    const auto folder = (page_dir / (*it)[1].str()).lexically_normal().generic_string();
    out.append(from, (*it)[0].first);
    out += indexed.contains(folder) ? "](" + (*it)[1].str() + "index.md)" : (*it)[0].str();
    from = (*it)[0].second;
  }
  out.append(from, text.cend());
  return out;
}

std::string folder_index_page(const Context& cx, const std::string& folder, const std::vector<fs::path>& pages) {
  std::string s = fmt::format("# {}\n\n", folder == "papers" ? "The papers" : folder);
  s += "| page | claims | their statuses |\n|---|---|---|\n";
  for (const auto& relative : pages) {
    if (relative.parent_path().generic_string() != folder) continue;
    const std::string repo_path = "docs/" + relative.generic_string();
    std::map<std::string, int> counts;
    int n = 0;
    for (const auto& c : claims::registry())
      if (c.page == repo_path) ++n, ++counts[cx.status_of(c.id)];
    std::vector<std::string> parts;
    for (const auto& [status, k] : counts) parts.push_back(fmt::format("{} {}", k, status));
    s += fmt::format("| [{}]({}) | {} | {} |\n", relative.stem().string(), relative.filename().string(), n,
                     parts.empty() ? "—" : fmt::format("{}", fmt::join(parts, ", ")));
  }
  return s;
}

std::string index_page(const Context& cx, const std::string& hand_written, const std::vector<std::string>& toc) {
  std::string s = hand_written;
  s += "\n\n## This site\n\n" + stamp_block(cx);
  std::map<std::string, int> counts;
  for (const auto& c : claims::registry()) ++counts[cx.status_of(c.id)];
  std::vector<std::string> parts;
  for (const auto& [status, n] : counts) parts.push_back(fmt::format("{} {}", n, status));
  s += fmt::format("Generated from what ran: the [claims catalogue](catalogue.md) lists the {} claims of the registry ({}), "
                   "with the dependency graph of the claims; each paper page ends with what icgd found; the "
                   "<a href=\"api/index.html\">API</a> is generated from the headers (Doxygen). How the site is built: [site.md](site.md).\n\n",
                   claims::registry().size(), fmt::join(parts, ", "));
  s += "```{toctree}\n:maxdepth: 1\n:caption: Pages\n\ncatalogue\n";
  for (const auto& t : toc) s += t + "\n";
  return s + "```\n";
}

}  // namespace

// --- the whole site ---------------------------------------------------------------------------

SiteSummary write_site_sources(const SiteInputs& in, const fs::path& out) {
  Context cx{in, {}, {}, {}, {}, {}};
  // The verify data: every entry must be a registry claim (a JSON from another build would mix
  // two registries on one page).
  if (!in.verify.is_object() || !in.verify.contains("claims") || !in.verify["claims"].is_array())
    throw invalid_input(fmt::format("the verify data ({}) has no \"claims\" array: not the output of `icgd verify --json`", in.verify_source));
  for (const auto& c : in.verify["claims"]) {
    if (!c.is_object() || !c.contains("id") || !c["id"].is_string() || !c.contains("status") || !c["status"].is_string() ||
        !c.contains("results") || !c["results"].is_array())
      throw invalid_input(fmt::format("the verify data ({}) holds a claim without id, status or results", in.verify_source));
    const auto id = c["id"].get<std::string>();
    if (!claims::find_claim(id)) throw invalid_input(fmt::format("the verify data ({}) names {}, which this registry does not hold", in.verify_source, id));
    if (!cx.verified.emplace(id, c).second) throw invalid_input(fmt::format("the verify data ({}) lists {} twice", in.verify_source, id));
  }
  const fs::path docs = in.source_root / "docs";
  if (!fs::is_directory(docs)) throw invalid_input(fmt::format("--source {}: no docs/ folder there", in.source_root.string()));
  std::set<std::string> paper_pages;
  for (const auto& c : claims::registry()) {
    if (!fs::is_regular_file(in.source_root / c.page))
      throw invalid_input(fmt::format("{}'s page {} does not exist under {}", c.id, c.page, in.source_root.string()));
    paper_pages.insert(c.page);
  }
  cx.api_pages = read_api_tags(in.api_tags);
  cx.stamp = stamp_of(in);

  io::RunDirectory::StageOptions stage_options{.force = true, .resume = false,
                                                .marker_text = "an interrupted `icgd report`: run it again"};
  // Replacing is safe only for what an earlier report wrote: never another folder (--out docs).
  std::error_code ec;
  if (fs::is_directory(out, ec) && !fs::is_empty(out, ec) && !fs::is_regular_file(out / "site.json", ec))
    throw invalid_input(fmt::format("--out {} holds files that no `icgd report` wrote (no site.json): choose another folder", out.string()));
  try {
    io::RunDirectory::check_stage(out, stage_options);
  } catch (const io::RunDirectoryError& e) {
    throw invalid_input(e.what());
  }
  auto site = io::RunDirectory::stage(out, stage_options);
  SiteSummary summary;
  try {
    // The runs: results.json and config.json of each, and the figures they drew.
    std::set<std::string> names;
    for (const auto& run : in.runs) {
      std::string name = run.demo();
      for (int n = 2; names.contains(name); ++n) name = fmt::format("{}-{}", run.demo(), n);
      names.insert(name);
      cx.run_names[run.folder.string()] = name;
      fs::create_directories(site.root() / "extra" / "runs" / name);
      site.write_text("extra/runs/" + name + "/results.json", run.results.dump(2) + "\n");
      site.write_text("extra/runs/" + name + "/config.json", run.config.dump(2) + "\n");
      if (run.results.contains("figures") && run.results["figures"].is_array())
        for (const auto& f : run.results["figures"]) {
          if (!f.is_string()) continue;
          const fs::path figure = run.folder / f.get<std::string>();
          if (!fs::is_regular_file(figure)) continue;  // not drawn (gnuplot missing): the page says so
          const std::string at = "figures/" + name + "/" + f.get<std::string>();
          fs::create_directories((site.root() / at).parent_path());
          fs::copy_file(figure, site.root() / at, fs::copy_options::overwrite_existing);
          site.note_file(at);
          cx.figure_paths[run.folder.string() + "/" + f.get<std::string>()] = at;
          ++summary.figures;
        }
    }
    // The proof units, as text the catalogue links to.
    for (const auto& c : claims::registry())
      for (const auto& unit : c.evidence.proof_units)
        if (fs::is_regular_file(in.source_root / unit)) {
          fs::create_directories((site.root() / "extra" / "source" / unit).parent_path());
          fs::copy_file(in.source_root / unit, site.root() / "extra" / "source" / unit, fs::copy_options::overwrite_existing);
        }
    // The hand-written pages (docs/**/*.md, not the site's own templates), the paper pages with
    // their generated sections.
    std::vector<std::string> toc;
    int pasted = 0;
    std::vector<fs::path> pages;
    for (const auto& e : fs::recursive_directory_iterator(docs)) {
      const auto relative = fs::relative(e.path(), docs);
      if (*relative.begin() == "site" || !e.is_regular_file() || e.path().extension() != ".md") continue;
      pages.push_back(relative);
    }
    std::ranges::sort(pages);
    std::set<std::string> indexed;  // folders of pages get an index page of their own
    for (const auto& relative : pages)
      if (!relative.parent_path().empty() && !fs::exists(docs / relative.parent_path() / "index.md"))
        indexed.insert(relative.parent_path().generic_string() + "/");
    for (const auto& folder : indexed) {
      const std::string name = folder.substr(0, folder.size() - 1);
      fs::create_directories(site.root() / name);
      site.write_text(name + "/index.md", folder_index_page(cx, name, pages));
      toc.push_back(name + "/index");
      ++summary.pages;
    }
    std::string index_text;
    for (const auto& relative : pages) {
      const std::string repo_path = "docs/" + relative.generic_string();
      std::string text = paste_example_outputs(read_text(docs / relative), in.example_outputs, pasted);
      text = rewrite_folder_links(text, relative.parent_path(), indexed);
      if (relative == "index.md") {
        index_text = text;
        continue;
      }
      if (paper_pages.contains(repo_path)) text += paper_findings(cx, repo_path, text);
      fs::create_directories((site.root() / relative).parent_path());
      site.write_text(relative.generic_string(), text);
      toc.push_back(relative.parent_path().empty() ? relative.stem().string() : (relative.parent_path() / relative.stem()).generic_string());
      ++summary.pages;
    }
    std::ranges::sort(toc, [](const std::string& a, const std::string& b) {
      return std::pair(!a.starts_with("papers/"), a) < std::pair(!b.starts_with("papers/"), b);
    });
    site.write_text("index.md", index_page(cx, index_text, toc));
    site.write_text("catalogue.md", catalogue_page(cx));
    site.write_text("claims.dot", claims_graph(cx));
    summary.pages += 2;
    // What every page was built from: the site test compares each rendered status with it.
    json record{{"stamp", cx.stamp}, {"icgd_version", ICGD_VERSION}, {"compiler", compiler_name()}, {"build_date", in.build_date},
                {"commit", in.commit}, {"verify_source", in.verify_source}, {"examples_pasted", pasted},
                {"runs", json::array()}, {"claims", json::array()}, {"figures", json::array()}};
    for (const auto& run : in.runs)
      record["runs"].push_back({{"folder", run.folder.string()}, {"name", cx.run_names[run.folder.string()]}, {"demo", run.demo()},
                                {"quick", run.results.value("quick", false)}, {"seed", run.results.value("seed", json(0))}});
    for (const auto& c : claims::registry()) {
      const auto status = cx.status_of(c.id);
      ++summary.status_counts[status];
      record["claims"].push_back({{"id", c.id}, {"status", status}, {"page", c.page}, {"anchor", claim_anchor(c.id)}});
    }
    for (const auto& [from, at] : cx.figure_paths) record["figures"].push_back(at);
    site.write_json("site.json", record);
    site.write_json("verify.json", in.verify);
    summary.claims = static_cast<int>(claims::registry().size());
    site.commit();
  } catch (...) {
    site.discard();
    throw;
  }
  return summary;
}

}  // namespace icgd::report
