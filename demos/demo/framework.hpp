// demos/demo/framework.hpp — what every `icgd demo <name>` shares: the common options, the run
// folder, the record of checks, and the registry through which each demo file plugs itself in.
//
// A demo is a function DemoResult(DemoContext&). It trains and measures with the library
// (lib/include/icgd/train), writes config.json, results.json, CSV curves, weights and figures into
// ctx.run, and returns its summary. Options common to all demos are parsed here; a demo may add
// its own through DemoSpec::add_options.
#pragma once

#include "command.hpp"
#include "icgd/io/plot.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/io/table.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace icgd::demo {

/// Options every demo takes (docs/demos.md, "Common options and output").
struct CommonOptions {
  std::string out;                 ///< --out DIR (default: out/demo-<name>-<timestamp>)
  bool force = false;              ///< --force: replace a previous run (as a whole) and discard an interrupted one
  bool resume = false;             ///< --resume: continue the interrupted run in <out>.partial from its checkpoints
  std::uint64_t seed = 0;          ///< --seed S: first training seed
  std::optional<std::int64_t> steps;  ///< --steps N: training steps (default: the demo's own)
  bool quick = false;              ///< --quick: small and fast (seconds); what the tests run
  int threads = 0;                 ///< --threads T (0: all hardware threads; capped at them)
  std::optional<std::string> input_range;  ///< --input-range code|paper|<a>: x ~ U(−a, a) (default code)
  std::optional<std::int64_t> eval_tasks;  ///< --eval-tasks M (default 10 000, quick 1 000)
  bool no_plots = false;           ///< --no-plots: write plots.gp but do not run gnuplot
  std::string plot_format = "png";  ///< --plot-format png|svg
  bool no_progress = false;        ///< --no-progress
  bool no_fast = false;            ///< --no-fast: train LSA models with the general engine only
};

/// x ~ U(−a, a)^d (docs/papers/von_oswald.md, "Paper versus reference code"): the reference code's default a = 0.5 (its
/// `input_range = 1.0` is the full width), the paper's text a = 1.
struct InputRange {
  double half_width;
  std::string label;  ///< e.g. "U(−0.5, 0.5) (reference-code default; docs/papers/von_oswald.md)"
  std::string short_label;  ///< e.g. "U(−0.5, 0.5)"
};
[[nodiscard]] InputRange parse_input_range(const std::string& text);  // throws cli::InputError

/// How far a training run still was from converging: the relative fall of its evaluation loss
/// from the third quarter of the run to the last (train::late_relative_fall).
struct Convergence {
  /// A run whose mean loss still fell by more than this into its last quarter has not converged.
  static constexpr double kLateFallTolerance = 0.05;
  std::string model;       ///< which run, e.g. "the transformer"
  double late_fall = 0;
  [[nodiscard]] bool converged() const { return late_fall <= kLateFallTolerance; }
};
/// From the (step, evaluation loss) checkpoints of one run, in step order (at least two).
[[nodiscard]] Convergence convergence_of(std::string model, const std::vector<std::pair<std::int64_t, double>>& curve);

/// One check of a claim (its id defined in docs/papers/*.md, "Claim definitions"), recorded in results.json.
///
/// A check that compares a *converged* trained model with an algorithm cannot be refuted by a
/// model that was still improving when its step budget ran out. So a failed check whose model had
/// not converged (Convergence) is reported as inconclusive, with the measured late fall, instead of
/// as a refutation; a check that holds, holds either way.
struct Check {
  std::string id;         ///< e.g. "VO-6.loss-within-1pct"
  std::string statement;  ///< what must hold, in words
  double measured = 0;
  double threshold = 0;
  std::string relation;   ///< "<", ">", "<=" ... : measured <relation> threshold
  bool passed = false;
  bool enforced = true;   ///< false in --quick runs (too small to be meaningful)
  std::string inconclusive_reason;  ///< non-empty: failed, but the model had not converged

  /// Marks a failed check inconclusive when `run` had not converged (no effect otherwise).
  Check& inconclusive_unless_converged(const Convergence& run);
  /// "held", "did not hold" or "inconclusive".
  [[nodiscard]] std::string outcome() const;
};
[[nodiscard]] nlohmann::json to_json(const Check& check);

struct DemoContext {
  std::string name;
  CommonOptions options;
  InputRange input_range;
  io::RunDirectory run;
  std::int64_t eval_tasks = 10000;
  std::vector<Check> checks;
  std::vector<io::Figure> figures;

  /// Training steps: --steps if given, else `quick_default` under --quick, else `full_default`.
  [[nodiscard]] std::int64_t steps_or(std::int64_t full_default, std::int64_t quick_default) const;
  /// Records a check "measured relation threshold"; enforced unless --quick.
  Check& check(std::string id, std::string statement, double measured, std::string relation, double threshold);
  [[nodiscard]] bool progress_enabled() const { return !options.no_progress; }
  /// Writes config.json: metadata, common options, input range, then the demo's `settings`.
  /// It is the run's first write: the output folder is created here, so a demo validates all
  /// its input before calling it. On --resume, the interrupted run's config.json must match.
  void write_config(const nlohmann::json& settings);
  /// Number of worker threads to use (--threads, or all hardware threads).
  [[nodiscard]] int threads() const;
};

struct DemoResult {
  nlohmann::json results;  ///< the demo's part of results.json (final and per-checkpoint figures)
  nlohmann::json summary;  ///< a few headline figures for `icgd demo all`'s overview
  std::vector<io::SummaryTable> tables;  ///< printed at the end
};

using DemoRunner = std::function<DemoResult(DemoContext&)>;

struct DemoSpec {
  std::string name;
  std::string description;
  int order = 0;
  /// Adds the demo's own options to `app` (null for `icgd demo all`, which runs the defaults) and
  /// returns the runner that reads them.
  std::function<DemoRunner(CLI::App* app)> setup;
  /// Demos whose inputs are not the linear task's U(−a, a) (sine: x ~ U(−5, 5)) name their range
  /// here; --input-range is then refused for them.
  std::optional<InputRange> fixed_input_range = std::nullopt;
};

std::vector<DemoSpec>& demo_registry();
struct RegisterDemo {
  explicit RegisterDemo(DemoSpec spec) { demo_registry().push_back(std::move(spec)); }
};

/// The input range a demo runs with: its fixed range, else --input-range (default: code).
/// Throws cli::InputError for a bad value or --input-range given to a fixed-range demo.
[[nodiscard]] InputRange input_range_for(const DemoSpec& spec, const CommonOptions& options);

/// Runs one demo into `run`: the demo trains and writes its files, then this writes
/// results.json (demo results + checks + files + wall time), draws the figures (results are on
/// disk before gnuplot runs), and prints the tables and checks. Returns the summary for `all`.
nlohmann::json run_demo(const DemoSpec& spec, const DemoRunner& runner, const CommonOptions& options, io::RunDirectory run);

/// Adds the common options to a demo's subcommand.
void add_common_options(CLI::App& app, CommonOptions& options);

/// Bytes that `tasks` linear-regression tasks of d inputs and N context points take in the
/// engine (task data, tokens, a workspace), for require_memory.
[[nodiscard]] double task_bytes(double tasks, double d, double n, double y_dim = 1);
/// Refuses (InputError) sizes whose task sets would not fit this machine's memory:
/// `tasks` is the largest number of tasks held at once (evaluation set + batch + baselines).
void require_task_memory(double tasks, double d, double n, const std::string& what);

}  // namespace icgd::demo
