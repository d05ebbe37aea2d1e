// icgd/report/site.hpp — the documentation site's generated sources (`icgd report`).
//
// The site (docs/site.md) is built from what actually ran: the claim registry, a fresh
// `icgd verify` (or the JSON it wrote), and the demos' run folders. This area turns those into
// the Markdown sources of the site generator: the claims catalogue (one entry per registry claim,
// every engine row, proof files, negative control, demo checks with measured value, threshold,
// outcome, seed and configuration), the dependency graph of the claims (Graphviz), one page per
// paper (the hand-written page under docs/papers/ followed by what icgd found), the figures the
// demos drew, and `site.json`, the record of every status a page shows (the site test compares
// each page with it). Nothing in the catalogue is typed by hand: a claim whose evidence is
// missing says "not run", "not built" or "not checked", as `icgd verify` does.
#pragma once

#include "icgd/claims/registry.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace icgd::report {

/// Input that cannot be turned into a site (a missing folder, a corrupt results.json or verify
/// JSON, a page the registry names that does not exist): one line for the user, exit status 2.
struct invalid_input : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The data of `icgd verify --json` (tool, icgd_version, compiler, options, claims[] with their
/// results[]) for reports computed in this process.
[[nodiscard]] nlohmann::json verify_json(const std::vector<claims::ClaimReport>& reports,
                                         const claims::VerifyOptions& options);

/// One demo run folder as the site shows it: its results.json and config.json as written.
struct RunFolder {
  std::filesystem::path folder;
  nlohmann::json results;  ///< results.json
  nlohmann::json config;   ///< config.json (empty object when the run has none)
  [[nodiscard]] std::string demo() const { return results.value("demo", std::string{}); }
};
/// Every run folder at or below `paths` (as claims::read_runs finds them; it validates them).
/// Throws invalid_input for a path that is not a folder, holds no run, or a corrupt file.
[[nodiscard]] std::vector<RunFolder> load_run_folders(const std::vector<std::filesystem::path>& paths);

struct SiteInputs {
  nlohmann::json verify;                  ///< the data of `icgd verify --json`
  std::string verify_source;              ///< "computed by icgd report" or the JSON file read
  std::vector<RunFolder> runs;
  std::vector<std::filesystem::path> run_paths;  ///< the --runs arguments, as given
  std::filesystem::path source_root;     ///< the repository (docs/, proofs/, demos/, lib/include/)
  /// Fresh output of the documentation examples (docs/examples/<name>.out, run by the build):
  /// a folder of <name>.out files pasted into the marked blocks of the pages; empty: none.
  std::filesystem::path example_outputs;
  /// Doxygen's tag file of lib/include and the URL of its HTML from the site's root ("api/"):
  /// headers are linked to their API page; empty: headers are named, not linked.
  std::filesystem::path api_tags;
  std::string api_url = "api/";
  std::string build_date;  ///< UTC, ISO 8601
  std::string commit;      ///< the source revision, when known
};

/// What was written (for the command's summary line).
struct SiteSummary {
  int pages = 0, claims = 0, figures = 0;
  std::map<std::string, int> status_counts;
};

/// Checks the inputs (throws invalid_input) and writes the site sources into `out`: built in
/// `<out>.partial` and swapped in as a whole (io::RunDirectory), so a failed report leaves a
/// previous site source as it was.
SiteSummary write_site_sources(const SiteInputs& inputs, const std::filesystem::path& out);

}  // namespace icgd::report
