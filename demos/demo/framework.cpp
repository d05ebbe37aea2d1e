// Common machinery of the demos (demos/demo/framework.hpp).
#include "demo/framework.hpp"

#include "interrupt.hpp"
#include "options.hpp"

#include "icgd/io/json.hpp"
#include "icgd/train/metrics.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace icgd::demo {

std::vector<DemoSpec>& demo_registry() {
  static std::vector<DemoSpec> registry;
  return registry;
}

InputRange parse_input_range(const std::string& text) {
  if (text == "code") return {0.5, "U(−0.5, 0.5) (reference-code default; docs/papers/von_oswald.md)", "U(−0.5, 0.5)"};
  if (text == "paper") return {1.0, "U(−1, 1) (paper text; docs/papers/von_oswald.md)", "U(−1, 1)"};
  const auto parsed = cli::parse_real(text, {0, 1e6, true});
  const double a = parsed.value_or(0);
  if (!parsed)
    throw cli::InputError(fmt::format("--input-range '{}': expected code, paper or a half-width a in (0, 1e6] (x ~ U(-a, a))", text));
  if (a == 0.5) return parse_input_range("code");
  if (a == 1.0) return parse_input_range("paper");
  return {a, fmt::format("U(−{0}, {0}) (custom)", a), fmt::format("U(−{0}, {0})", a)};
}

InputRange input_range_for(const DemoSpec& spec, const CommonOptions& options) {
  if (spec.fixed_input_range) {
    // `icgd demo all --input-range paper` applies to the linear demos; a fixed-range demo keeps its own.
    return *spec.fixed_input_range;
  }
  return parse_input_range(options.input_range.value_or("code"));
}

nlohmann::json to_json(const Check& check) {
  nlohmann::json j = {{"id", check.id},         {"statement", check.statement}, {"measured", check.measured},
                      {"relation", check.relation}, {"threshold", check.threshold}, {"passed", check.passed},
                      {"enforced", check.enforced}, {"outcome", check.outcome()}};
  if (!check.inconclusive_reason.empty()) j["inconclusive_reason"] = check.inconclusive_reason;
  return j;
}

Convergence convergence_of(std::string model, const std::vector<std::pair<std::int64_t, double>>& curve) {
  return {std::move(model), train::late_relative_fall(curve)};
}

Check& Check::inconclusive_unless_converged(const Convergence& run) {
  if (!passed && !run.converged())
    // late_fall is relative to the last quarter's mean, so it can exceed 100% (a loss that halved
    // reads 100%): say "above", not "fell by".
    inconclusive_reason = fmt::format("{} had not converged: its mean evaluation loss in the third quarter of training was "
                                      "{:.1f}% above its mean in the last quarter (tolerance {:.0f}%); run longer (--steps) to decide",
                                      run.model, 100 * run.late_fall, 100 * Convergence::kLateFallTolerance);
  return *this;
}

namespace {
/// The result column of the checks table: pass, FAIL or INCONCLUSIVE.
std::string check_verdict(const Check& c) {
  if (c.passed || c.inconclusive_reason.empty()) return io::verdict(c.passed);
  return "INCONCLUSIVE";
}
}  // namespace

std::string Check::outcome() const {
  if (passed) return "held";
  return inconclusive_reason.empty() ? "did not hold" : "inconclusive";
}

std::int64_t DemoContext::steps_or(std::int64_t full_default, std::int64_t quick_default) const {
  if (options.steps) return *options.steps;
  return options.quick ? quick_default : full_default;
}

int DemoContext::threads() const { return cli::resolve_thread_count(options.threads); }

double task_bytes(double tasks, double d, double n, double y_dim) {
  // x and y in double, the float token matrix (d + y + 1 rows), and about as much again for
  // the workspaces and predictions.
  const double per_token = 8.0 * (d + y_dim) + 4.0 * (d + y_dim + 1);
  return 2.0 * tasks * (n + 1) * per_token;
}

void require_task_memory(double tasks, double d, double n, const std::string& what) {
  cli::require_memory(task_bytes(tasks, d, n), what);
}

Check& DemoContext::check(std::string id, std::string statement, double measured, std::string relation, double threshold) {
  bool passed = false;
  if (relation == "<") passed = measured < threshold;
  else if (relation == "<=") passed = measured <= threshold;
  else if (relation == ">") passed = measured > threshold;
  else if (relation == ">=") passed = measured >= threshold;
  else throw std::invalid_argument("check relation must be <, <=, > or >=");
  if (!std::isfinite(measured)) passed = false;
  return checks.emplace_back(Check{std::move(id), std::move(statement), measured, threshold, std::move(relation), passed,
                                   !options.quick, {}});
}

void DemoContext::write_config(const nlohmann::json& settings) {
  nlohmann::json config = {
      {"demo", name},
      {"metadata", io::run_metadata(fmt::format("icgd demo {}", name))},
      {"seed", options.seed},
      {"quick", options.quick},
      {"threads", threads()},
      {"eval_tasks", eval_tasks},
      {"input_range", {{"distribution", "uniform"}, {"half_width_a", input_range.half_width}, {"label", input_range.label}}},
      {"loss_convention", "0.5 * mean over tasks of (prediction - target)^2 (reference code; docs/papers/von_oswald.md)"},
      {"settings", settings}};
  if (run.resuming() && std::filesystem::exists(run.path("config.json"))) {
    // The interrupted run must have had the same settings (its metadata and threads aside).
    nlohmann::json before;
    try {
      before = io::read_json_file(run.path("config.json").string());
    } catch (const std::exception&) {
      throw cli::InputError(fmt::format("cannot resume '{}': its config.json is missing or unreadable", run.root().string()));
    }
    auto comparable = [](nlohmann::json j) {
      j.erase("metadata");
      j.erase("threads");
      return j.dump();
    };
    if (comparable(before) != comparable(nlohmann::json::parse(config.dump())))
      throw cli::InputError(fmt::format("cannot resume '{}': it was started with other options (see its config.json)",
                                        run.root().string()));
  }
  try {
    run.start();
  } catch (const io::RunDirectoryError& e) {
    throw cli::InputError(e.what());
  }
  run.write_json("config.json", config);
}

void add_common_options(CLI::App& app, CommonOptions& options) {
  namespace lim = cli::limits;
  app.add_option("--out", options.out, "Output folder (default: out/demo-<name>-<date>-<time>)")->check(cli::NonEmpty);
  app.add_flag("--force", options.force,
               "Replace the run in --out as a whole when this run finishes (and discard an interrupted one)");
  app.add_flag("--resume", options.resume,
               "Continue the interrupted run of --out (<out>.partial) from its checkpoints, with the same options");
  app.add_option("--seed", options.seed, "Training seed (several-seed demos use seed, seed+1, ...)")->check(cli::Unsigned());
  app.add_option("--steps", options.steps, "Training steps (default: the demo's full size; see docs/demos.md)")
      ->check(cli::Integer(1, lim::steps));
  app.add_flag("--quick", options.quick, "Small and fast (seconds): what the test suite runs");
  app.add_option("--threads", options.threads, "Worker threads (0, the default: all hardware threads; more are capped)")
      ->check(cli::Integer(0, lim::threads));
  app.add_option("--input-range", options.input_range,
                 "x ~ U(-a, a): 'code' (a = 0.5, the reference code's default), 'paper' (a = 1, the paper's text) or a in (0, 1e6]")
      ->check(cli::NonEmpty);
  app.add_option("--eval-tasks", options.eval_tasks, "Fixed evaluation tasks (default 10000; --quick 1000)")
      ->check(cli::Integer(1, lim::tasks));
  app.add_flag("--no-plots", options.no_plots, "Do not run gnuplot (plots.gp is still written)");
  app.add_option("--plot-format", options.plot_format, "Figure format (png or svg)")->check(CLI::IsMember({"png", "svg"}));
  app.add_flag("--no-progress", options.no_progress, "No progress bar on stderr");
  app.add_flag("--no-fast", options.no_fast,
               "Train linear-attention models with the general layer-by-layer engine instead of the fast path");
}

nlohmann::json run_demo(const DemoSpec& spec, const DemoRunner& runner, const CommonOptions& options, io::RunDirectory run) {
  const auto start = std::chrono::steady_clock::now();
  DemoContext ctx{spec.name, options, input_range_for(spec, options), std::move(run), 0, {}, {}};
  ctx.eval_tasks = options.eval_tasks.value_or(options.quick ? 1000 : 10000);
  fmt::print("icgd demo {}: {}\n  inputs x ~ {}; seed {}; {} thread(s){}; output {}\n", spec.name, spec.description,
             ctx.input_range.label, options.seed, ctx.threads(), options.quick ? "; --quick" : "", ctx.run.target().string());
  std::fflush(stdout);

  DemoResult result = runner(ctx);
  ctx.run.start();  // a demo that wrote nothing still leaves its results
  cli::interruption_point("after training");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json checks = nlohmann::json::array();
  bool enforced_failure = false, enforced_inconclusive = false;
  for (const auto& c : ctx.checks) {
    checks.push_back(to_json(c));
    if (!c.enforced || c.passed) continue;
    (c.inconclusive_reason.empty() ? enforced_failure : enforced_inconclusive) = true;
  }
  // One word for the whole demo: a refuted check outweighs an undecided one.
  const std::string outcome = enforced_failure ? "did not hold" : enforced_inconclusive ? "inconclusive" : "held";
  nlohmann::json results = {{"demo", spec.name},
                            {"input_range", ctx.input_range.label},
                            {"input_half_width_a", ctx.input_range.half_width},
                            {"seed", options.seed},
                            {"quick", options.quick},
                            {"wall_seconds", seconds},
                            {"checks", checks},
                            {"outcome", outcome},
                            {"all_enforced_checks_passed", !enforced_failure && !enforced_inconclusive}};
  for (auto& [key, value] : result.results.items()) results[key] = value;
  // Results reach the disk before gnuplot runs; the file list is completed afterwards.
  ctx.run.note_file("results.json");
  results["files"] = ctx.run.files();
  ctx.run.write_json("results.json", results);

  io::PlotOutcome plots;
  if (!ctx.figures.empty()) {
    plots = io::render_figures(ctx.run, ctx.figures, {!options.no_plots, options.plot_format});
    results["figures"] = plots.files;
    results["figures_status"] = plots.rendered ? std::string("drawn") : plots.message;
    results["files"] = ctx.run.files();
    ctx.run.write_json("results.json", results);
  }

  for (const auto& table : result.tables) table.print();
  if (!ctx.checks.empty()) {
    io::SummaryTable check_table(fmt::format("Checks ({})", options.quick ? "--quick: recorded, not enforced" : "enforced"),
                                 {"check", "measured", "relation", "threshold", "result"});
    for (const auto& c : ctx.checks)
      check_table.add_row({c.id, io::cell(c.measured, 6), c.relation, io::cell(c.threshold, 6),
                           c.enforced ? check_verdict(c) : (c.passed ? "(pass)" : "(fail)")});
    check_table.print();
    for (const auto& c : ctx.checks)
      if (c.enforced && !c.inconclusive_reason.empty()) fmt::print("{}: inconclusive: {}\n", c.id, c.inconclusive_reason);
  }
  // The finished run replaces what was at --out (a staged run; a sub-run of `all` waits for all).
  cli::interruption_point("before its results were put in place");
  ctx.run.commit();
  fmt::print("inputs: x ~ {}\nwall time {:.1f} s; files in {}\n", ctx.input_range.label, seconds, ctx.run.target().string());
  if (!ctx.figures.empty() && !plots.rendered) {
    fmt::print(stderr, "icgd: {}: {}\n", options.no_plots ? "note" : "error", plots.message);
    if (!options.no_plots) cli::set_exit_status(1);
  }
  // Exit status: 3 when a check did not hold, else 4 when one was inconclusive (docs/demos.md).
  if (enforced_failure) {
    fmt::print(stderr, "icgd: demo {}: a check did not hold (see results.json)\n", spec.name);
    if (cli::exit_status() == 0 || cli::exit_status() == 4) cli::set_exit_status(3);
  } else if (enforced_inconclusive) {
    fmt::print(stderr, "icgd: demo {}: a check was inconclusive: a model had not converged (see results.json)\n", spec.name);
    if (cli::exit_status() == 0) cli::set_exit_status(4);
  }
  std::fflush(stdout);
  nlohmann::json summary = result.summary;
  summary["wall_seconds"] = seconds;
  summary["outcome"] = outcome;
  summary["all_enforced_checks_passed"] = !enforced_failure && !enforced_inconclusive;
  return summary;
}

}  // namespace icgd::demo
