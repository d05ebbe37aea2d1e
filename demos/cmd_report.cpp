// `icgd report`: the documentation site's generated sources, from what actually ran
// (lib/include/icgd/report/site.hpp; how the site is built: docs/site.md).
#include "command.hpp"

#include "icgd/claims/registry.hpp"
#include "icgd/report/site.hpp"
#include "options.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace icgd::cli {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::vector<std::string> runs;
  std::string out;
  std::string verify_json;
  std::string source = ".";
  std::string example_outputs;
  std::string api_tags;
  std::string api_url = "api/";
  std::string commit;
};

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

void run_report(const ReportArgs& a) {
  report::SiteInputs in;
  in.source_root = a.source;
  in.build_date = utc_now();
  in.commit = a.commit;
  in.api_url = a.api_url;
  for (const auto& r : a.runs) in.run_paths.emplace_back(r);
  // Every input is checked before anything runs or is written.
  if (!a.example_outputs.empty()) {
    if (!fs::is_directory(a.example_outputs)) throw InputError(fmt::format("--examples {}: not a folder", a.example_outputs));
    in.example_outputs = a.example_outputs;
  }
  if (!a.api_tags.empty()) {
    if (!fs::is_regular_file(a.api_tags)) throw InputError(fmt::format("--api-tags {}: not a file", a.api_tags));
    in.api_tags = a.api_tags;
  }
  {  // refused before the verify runs (write_site_sources checks it again)
    std::error_code ec;
    const fs::path out(a.out);
    if (fs::exists(out, ec) && !fs::is_directory(out, ec)) throw InputError(fmt::format("--out {}: exists and is not a folder", a.out));
    if (fs::is_directory(out, ec) && !fs::is_empty(out, ec) && !fs::is_regular_file(out / "site.json", ec))
      throw InputError(fmt::format("--out {} holds files that no `icgd report` wrote (no site.json): choose another folder", a.out));
  }
  try {
    in.runs = report::load_run_folders(in.run_paths);
    if (!a.verify_json.empty()) {
      std::ifstream file(a.verify_json);
      if (!file) throw InputError(fmt::format("--verify-json {}: cannot read it", a.verify_json));
      try {
        file >> in.verify;
      } catch (const nlohmann::json::exception&) {
        throw InputError(fmt::format("--verify-json {}: not valid JSON", a.verify_json));
      }
      in.verify_source = a.verify_json;
    } else {
      // A fresh verify, the same as `icgd verify --runs <the runs> --json`.
      claims::VerifyOptions options;
      options.runs = in.run_paths;
      in.verify = report::verify_json(claims::verify(options), options);
      in.verify_source = "computed by this icgd report (the default sizes of icgd verify)";
    }
    const auto summary = report::write_site_sources(in, a.out);
    std::vector<std::string> counts;
    for (const auto& [status, n] : summary.status_counts) counts.push_back(fmt::format("{} {}", n, status));
    fmt::print("icgd report: {} pages, {} claims ({}), {} figures from {} run folders -> {}\n", summary.pages, summary.claims,
               fmt::join(counts, ", "), summary.figures, in.runs.size(), a.out);
  } catch (const report::invalid_input& e) {
    throw InputError(e.what());
  } catch (const claims::invalid_request& e) {
    throw InputError(e.what());
  }
}

RegisterCommand report_command{"report", 60, [](CLI::App& root) {
  auto args = std::make_shared<ReportArgs>();
  auto* sub = root.add_subcommand(
      "report",
      "Write the documentation site's sources from what ran: the claims catalogue (every registry claim, its engine "
      "rows, proofs, control and demo checks), the claims' dependency graph, and the paper pages with what icgd found "
      "(docs/site.md). Statuses come from a fresh verify (or --verify-json) and the --runs folders; none is typed.");
  sub->add_option("--runs", args->runs, "demo run folders (or folders of them, e.g. `icgd demo all --out DIR`), repeatable")
      ->required()->check(NonEmpty);
  sub->add_option("--out", args->out, "the site source folder to write (built aside, swapped in whole)")->required()->check(NonEmpty);
  sub->add_option("--verify-json", args->verify_json, "read the verify data from this `icgd verify --json` file instead of verifying now")
      ->check(NonEmpty);
  sub->add_option("--source", args->source, "the repository (its docs/, proofs/, demos/)")->capture_default_str()->check(NonEmpty);
  sub->add_option("--examples", args->example_outputs, "a folder of fresh docs/examples outputs (<name>.out) to paste into the pages")
      ->check(NonEmpty);
  sub->add_option("--api-tags", args->api_tags, "Doxygen's tag file of lib/include: each claim's headers link to their API page")
      ->check(NonEmpty);
  sub->add_option("--api-url", args->api_url, "where the API pages are, from the site's root")->capture_default_str()->check(NonEmpty);
  sub->add_option("--commit", args->commit, "the source revision to stamp on every page")->check(NonEmpty);
  sub->callback([args] { run_report(*args); });
}};

}  // namespace
}  // namespace icgd::cli
