// `icgd eval WEIGHTS` — loads weights saved by a demo (a folder of .npy files plus
// manifest.json, icgd/train/npy.hpp) and evaluates the model on fresh tasks of the distribution
// it was trained on (recorded in the manifest), next to the zero predictor and, for the linear
// models of von Oswald et al., K-step GD with a line-searched learning rate (K = layers) and the
// alignment metrics of docs/papers/von_oswald.md, "Experiments and the numbers to hit".
#include "command.hpp"
#include "demo/framework.hpp"
#include "options.hpp"
#include "icgd/io/json.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/io/table.hpp"
#include "icgd/train/train.hpp"

#include <fmt/core.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>
#include <memory>
#include <optional>

namespace {
using namespace icgd;

struct EvalOptions {
  std::string weights;
  int tasks = 10000;
  std::uint64_t seed = 0;
  int threads = 0;
  std::optional<std::string> input_range;
  std::string json;
  bool force = false;
};

void evaluate(const EvalOptions& opt) {
  namespace fs = std::filesystem;
  // Everything is checked before the model is evaluated and before --json is written.
  if (!fs::is_directory(opt.weights) || !fs::exists(fs::path(opt.weights) / "manifest.json"))
    throw cli::InputError(fmt::format("'{}' is not a weights folder (no manifest.json)", opt.weights));
  if (!opt.json.empty()) {
    const fs::path json(opt.json);
    const fs::path parent = json.has_parent_path() ? json.parent_path() : fs::path(".");
    if (fs::is_directory(json)) throw cli::InputError(fmt::format("--json '{}' is a folder", opt.json));
    if (!fs::is_directory(parent)) throw cli::InputError(fmt::format("--json '{}': the folder '{}' does not exist", opt.json, parent.string()));
    if (::access(parent.c_str(), W_OK | X_OK) != 0)
      throw cli::InputError(fmt::format("--json '{}': the folder '{}' is not writable", opt.json, parent.string()));
    if (fs::exists(json) && !opt.force) throw cli::InputError(fmt::format("'{}' exists; pass --force to overwrite it", opt.json));
  }
  nlohmann::json manifest;
  train::Model<float> model = [&] {
    try {
      return train::load_model<float>(opt.weights, &manifest);
    } catch (const std::exception& e) {
      throw cli::InputError(fmt::format("cannot load '{}': {}", opt.weights, e.what()));
    }
  }();
  for (const float v : model.params().values())
    if (!std::isfinite(v)) throw cli::InputError(fmt::format("'{}' holds a NaN or infinite weight", opt.weights));
  train::TaskConfig task;
  train::TokenConfig tokens;
  try {
    const nlohmann::json meta = manifest.value("meta", nlohmann::json::object());
    if (!meta.contains("task"))
      throw cli::InputError(fmt::format("'{}': the manifest does not record the task distribution (meta.task)", opt.weights));
    task = train::TaskConfig::from_json(meta["task"]);
    tokens = meta.contains("tokens") ? train::TokenConfig::from_json(meta["tokens"]) : train::TokenConfig{};
    task.validate();
  } catch (const cli::InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw cli::InputError(fmt::format("'{}': the manifest's task or token settings are invalid: {}", opt.weights, e.what()));
  }
  if (!(std::isfinite(task.input_half_width) && task.input_half_width > 0) || !(std::isfinite(task.input_scale) && task.input_scale > 0) ||
      !(std::isfinite(task.weight_scale) && task.weight_scale > 0))
    throw cli::InputError(fmt::format("'{}': the manifest's task has a non-positive or non-finite scale (input_half_width {})",
                                      opt.weights, task.input_half_width));
  int token_width = 0;
  try {
    token_width = tokens.width(task);
  } catch (const std::exception& e) {
    throw cli::InputError(fmt::format("'{}': the manifest's token settings are invalid: {}", opt.weights, e.what()));
  }
  if (token_width != model.config().token_width || task.y_dim != model.config().y_dim)
    throw cli::InputError(fmt::format("'{}': the manifest's task (tokens of width {}, y_dim {}) does not match the model "
                                      "(token width {}, y_dim {})", opt.weights, token_width, task.y_dim,
                                      model.config().token_width, model.config().y_dim));
  demo::require_task_memory(2.0 * opt.tasks + 10000, task.x_dim, task.num_context, fmt::format("--tasks {}", opt.tasks));
  if (opt.input_range) {
    if (task.kind != train::TaskKind::linear || task.input_law != train::InputLaw::uniform)
      throw cli::InputError("--input-range applies to linear tasks with uniform inputs only");
    task.input_half_width = demo::parse_input_range(*opt.input_range).half_width;
  }
  const int threads = cli::resolve_thread_count(opt.threads);
  // Tasks nobody trained on: a stream of their own.
  const auto tasks = train::generate_tasks(task, opt.seed, static_cast<std::uint32_t>(train::Stream::user) + 2, 0, opt.tasks, 0, threads);
  const auto batch = train::make_batch<float>(tasks, tokens);
  const double loss = static_cast<double>(model.loss(batch.tokens, batch.targets, threads));
  const double zero = train::zero_predictor_loss(tasks);

  nlohmann::json result = {{"weights", opt.weights},
                           {"metadata", io::run_metadata("icgd eval")},
                           {"task", task.to_json()},
                           {"task_description", task.describe()},
                           {"tasks", opt.tasks},
                           {"seed", opt.seed},
                           {"loss", loss},
                           {"zero_predictor_loss", zero}};
  io::SummaryTable table(fmt::format("icgd eval {} on {} fresh tasks ({})", opt.weights, opt.tasks, task.describe()),
                         {"quantity", "value"});
  table.add_row({"model loss (0.5 · MSE)", io::cell(loss, 6)});
  table.add_row({"zero predictor", io::cell(zero, 6)});

  const auto& mc = model.config();
  const bool linear_lsa = task.kind == train::TaskKind::linear && tokens.kind == train::TokenKind::concatenated &&
                          !mc.input_embedding && !mc.input_mlp && task.y_dim == 1;
  if (linear_lsa) {
    const int steps = mc.num_layers;
    const auto fit = train::generate_tasks(task, opt.seed, train::Stream::baseline_tasks, 0, std::min(opt.tasks, 10000), 0, threads);
    const auto search = train::line_search_gd(fit, steps, {}, threads);
    const double gd = train::gd_loss(tasks, search.eta, steps, threads);
    const auto gd_model =
        train::make_gd_model<float>(task.x_dim, 1, task.num_context, std::vector<double>(static_cast<std::size_t>(steps), search.eta), true);
    const auto align = train::compare_models(model, gd_model, batch, task.x_dim, threads);
    table.add_row({fmt::format("{}-step GD, line-searched η = {}", steps, io::cell(search.eta, 5)), io::cell(gd, 6)});
    table.add_row({"model / GD loss", io::cell(loss / gd, 5)});
    table.add_row({"sensitivity cosine vs GD", io::cell(align.sens_cos, 5)});
    table.add_row({"mean |ŷ − ŷ_GD|", io::cell(align.pred_diff, 4)});
    result["gd"] = {{"steps", steps}, {"eta", search.eta}, {"loss", gd}, {"sens_cos", align.sens_cos},
                    {"sens_l2", align.sens_l2}, {"pred_diff", align.pred_diff}};
    if (steps == 1 && task.input_law == train::InputLaw::uniform && task.weight_scale == 1.0 && task.input_scale == 1.0) {
      const auto oracle = train::one_step_gd_oracle_uniform(task.input_half_width, task.x_dim, task.num_context);
      table.add_row({"optimal one-step GD (analytic; docs/papers/von_oswald.md)", io::cell(oracle.half_risk, 6)});
      result["oracle_half_risk"] = oracle.half_risk;
    }
  }
  table.print();
  if (!opt.json.empty()) {
    try {
      io::write_file_atomically(opt.json, result.dump(2) + "\n");
    } catch (const std::exception& e) {
      throw cli::InputError(fmt::format("cannot write --json file: {}", e.what()));
    }
    fmt::print("results written to {}\n", opt.json);
  }
}

const cli::RegisterCommand eval_command{"eval", 25, [](CLI::App& root) {
  auto opt = std::make_shared<EvalOptions>();
  auto* app = root.add_subcommand("eval", "Evaluate weights saved by a demo (a weights-* folder) on fresh tasks");
  app->add_option("weights", opt->weights, "Weights folder (manifest.json + .npy files)")->required()->check(cli::NonEmpty);
  app->add_option("--tasks", opt->tasks, "Number of fresh evaluation tasks (default 10000)")->check(cli::Integer(1, cli::limits::tasks));
  app->add_option("--seed", opt->seed, "Seed of the evaluation tasks")->check(cli::Unsigned());
  app->add_option("--threads", opt->threads, "Worker threads (0, the default: all; more are capped)")
      ->check(cli::Integer(0, cli::limits::threads));
  app->add_option("--input-range", opt->input_range, "Evaluate linear models on x ~ U(-a, a): code, paper or a in (0, 1e6]")
      ->check(cli::NonEmpty);
  app->add_option("--json", opt->json, "Also write the figures to this JSON file (atomically)")->check(cli::NonEmpty);
  app->add_flag("--force", opt->force, "Overwrite an existing --json file");
  app->callback([opt] { evaluate(*opt); });
}};

}  // namespace
