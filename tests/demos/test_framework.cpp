// Tests of the demo framework's record of checks (demos/demo/framework.cpp): a check holds,
// does not hold, or — when it failed on a model that was still improving at the end of its
// training — is inconclusive; results.json and the exit status (0, 3, 4) say which.
// The test links the command-line support library (icgd_cli_support), the same framework and
// exit-status store as `icgd`.
#include "demo/framework.hpp"

#include "temp_folder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace icgd;
using namespace icgd::demo;

namespace {

using icgd::test::TempFolder;

// A still-falling run (mean 0.6 in the third quarter, 0.3 in the last) and a flat one.
const std::vector<std::pair<std::int64_t, double>> kFalling = {{0, 1.0}, {500, 0.6}, {750, 0.4}, {1000, 0.2}};
const std::vector<std::pair<std::int64_t, double>> kFlat = {{0, 1.0}, {500, 0.2}, {750, 0.2}, {1000, 0.2}};

// A context for recording checks only (its run folder is never written).
struct ContextInFolder {
  TempFolder folder;
  DemoContext ctx{"fake", {}, parse_input_range("code"), io::RunDirectory(folder.path, false), 1000, {}, {}};
};

CommonOptions quiet_options() {
  CommonOptions o;
  o.no_plots = true;
  o.no_progress = true;
  o.threads = 1;
  return o;
}

// Runs a demo whose runner only records the given checks; returns the exit status and the
// results.json it wrote.
struct Ran {
  int status;
  nlohmann::json results;
};
Ran run_fake_demo(const std::function<void(DemoContext&)>& record_checks) {
  TempFolder folder;
  cli::set_exit_status(0);
  const DemoSpec spec{"fake", "records checks only", 0, nullptr};
  const DemoRunner runner = [&](DemoContext& ctx) {
    record_checks(ctx);
    return DemoResult{};
  };
  (void)run_demo(spec, runner, quiet_options(), io::RunDirectory(folder.path, false));
  std::ifstream in(folder.path / "results.json");
  return {cli::exit_status(), nlohmann::json::parse(in)};
}

}  // namespace

TEST_CASE("convergence: a fall over 5% in the last quarter is 'still training'") {
  CHECK_FALSE(convergence_of("falling", kFalling).converged());
  CHECK(convergence_of("flat", kFlat).converged());
  // Rising at the end (1.0 → mean 1.02 over the last quarter: −2%) is not "still improving".
  CHECK(convergence_of("rising", {{0, 1.0}, {80, 1.0}, {100, 1.04}}).converged());
}

TEST_CASE("a check that held holds whether or not its model converged") {
  ContextInFolder c;
  DemoContext& ctx = c.ctx;
  Check& held = ctx.check("held", "1 < 2", 1.0, "<", 2.0).inconclusive_unless_converged(convergence_of("m", kFalling));
  CHECK(held.outcome() == "held");
  CHECK(held.inconclusive_reason.empty());
}

TEST_CASE("a failed check is inconclusive only when its model was still improving") {
  ContextInFolder c;
  DemoContext& ctx = c.ctx;
  // Would catch: marking every failure inconclusive (then no claim could ever be refuted).
  Check& refuted = ctx.check("refuted", "3 < 2", 3.0, "<", 2.0).inconclusive_unless_converged(convergence_of("m", kFlat));
  CHECK(refuted.outcome() == "did not hold");
  Check& open = ctx.check("open", "3 < 2", 3.0, "<", 2.0).inconclusive_unless_converged(convergence_of("m", kFalling));
  CHECK(open.outcome() == "inconclusive");
  CHECK(open.inconclusive_reason.find("was 100.0% above") != std::string::npos);  // (0.6 − 0.3) / 0.3
  // A non-finite measurement never holds.
  CHECK(ctx.check("nan", "NaN < 1", std::nan(""), "<", 1.0).outcome() == "did not hold");
}

TEST_CASE("run_demo: exit status 0 / 3 / 4 and the outcome in results.json") {
  SUBCASE("all held: 0") {
    const Ran r = run_fake_demo([](DemoContext& ctx) { ctx.check("a", "", 1, "<", 2); });
    CHECK(r.status == 0);
    CHECK(r.results["outcome"] == "held");
    CHECK(r.results["checks"][0]["outcome"] == "held");
  }
  SUBCASE("only inconclusive failures: 4") {
    const Ran r = run_fake_demo([](DemoContext& ctx) {
      ctx.check("a", "", 1, "<", 2);
      ctx.check("b", "", 3, "<", 2).inconclusive_unless_converged(convergence_of("m", kFalling));
    });
    CHECK(r.status == 4);
    CHECK(r.results["outcome"] == "inconclusive");
    CHECK(r.results["checks"][1]["outcome"] == "inconclusive");
    CHECK(r.results["checks"][1].contains("inconclusive_reason"));
    CHECK(r.results["all_enforced_checks_passed"] == false);
  }
  SUBCASE("a refuted check outweighs an inconclusive one: 3") {
    const Ran r = run_fake_demo([](DemoContext& ctx) {
      ctx.check("b", "", 3, "<", 2).inconclusive_unless_converged(convergence_of("m", kFalling));
      ctx.check("c", "", 3, "<", 2);
    });
    CHECK(r.status == 3);
    CHECK(r.results["outcome"] == "did not hold");
  }
  SUBCASE("--quick records checks without enforcing them: 0") {
    TempFolder folder;
    cli::set_exit_status(0);
    CommonOptions options = quiet_options();
    options.quick = true;
    const DemoSpec spec{"fake", "", 0, nullptr};
    (void)run_demo(
        spec, [](DemoContext& ctx) { ctx.check("c", "", 3, "<", 2); return DemoResult{}; }, options,
        io::RunDirectory(folder.path, false));
    CHECK(cli::exit_status() == 0);
  }
}
