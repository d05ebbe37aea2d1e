// `icgd demo <name>`: the von Oswald et al. (2023) reproductions (docs/demos.md), one subcommand per
// demo (demos/demo/*.cpp register themselves), plus `icgd demo all`, which runs every demo at
// full size (or --quick) into one folder. See docs/demos.md for what each demo shows.
#include "command.hpp"
#include "demo/framework.hpp"
#include "interrupt.hpp"
#include "icgd/io/json.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/io/table.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

namespace {
using namespace icgd;

void run_all_into(const demo::CommonOptions& options, io::RunDirectory& root);

std::filesystem::path out_folder(const demo::CommonOptions& options, const std::string& name) {
  return options.out.empty() ? io::timestamped_folder("out", "demo-" + name) : std::filesystem::path(options.out);
}

/// The staged run folder of a demo (io::RunDirectory::deferred): checked now, created at the
/// demo's first write, so that bad input found before it creates nothing.
io::RunDirectory open_run_folder(const demo::CommonOptions& options, const std::string& name, const std::string& command) {
  if (options.input_range) (void)demo::parse_input_range(*options.input_range);
  const std::filesystem::path folder = out_folder(options, name);
  io::RunDirectory::StageOptions stage{options.force, options.resume, {}};
  stage.marker_text = fmt::format(
      "This run did not finish (it was interrupted or failed). `{} --out {} --resume` (with the same options) "
      "continues it from its checkpoints; --force discards it.",
      command, folder.string());
  try {
    return io::RunDirectory::deferred(folder, stage);
  } catch (const io::RunDirectoryError& e) {
    throw cli::InputError(e.what());
  }
}

/// Runs `body` (which stages and fills the run at `folder`) and turns what can go wrong into the
/// command line's contract: bad input found after staging removes the staging folder again (exit
/// 2); a signal prints what was kept (exit 130 / 143); a failure says where the partial run is.
void guarded_run(const std::filesystem::path& folder, const std::function<void()>& body) {
  const std::filesystem::path staging = io::RunDirectory::staging_path(folder);
  cli::set_cooperative(true, fmt::format("icgd: interrupted again; stopped at once; the partial run is in {} (marked INCOMPLETE)",
                                         staging.string()));
  auto kept = [&] { return std::filesystem::exists(staging / "INCOMPLETE"); };
  try {
    body();
  } catch (const cli::Interrupted& e) {
    cli::acknowledge_signal();  // reported below; a further signal still stops at once
    cli::set_cooperative(false);
    std::string message = fmt::format("interrupted by {} {}", cli::signal_name(e.signal), e.what());
    if (kept())
      message += fmt::format("; the partial run is kept in {} (marked INCOMPLETE) with its checkpoints; rerun the same "
                             "command with --resume to continue it", staging.string());
    else
      message += "; nothing was written";
    throw cli::StopRequested(128 + e.signal, message);
  } catch (const cli::InputError&) {
    cli::set_cooperative(false);
    if (io::RunDirectory::staged_by_this_process(folder)) {
      std::error_code ec;
      std::filesystem::remove_all(staging, ec);
    }
    throw;
  } catch (const std::bad_alloc&) {
    cli::set_cooperative(false);
    throw std::runtime_error(fmt::format("out of memory{}", kept() ? fmt::format("; the partial run is in {} (marked INCOMPLETE)", staging.string()) : ""));
  } catch (const std::exception& e) {
    cli::set_cooperative(false);
    if (!kept()) throw;
    throw std::runtime_error(fmt::format("{}; the partial run is in {} (marked INCOMPLETE; --resume continues it)", e.what(),
                                         staging.string()));
  }
  cli::set_cooperative(false);
}

void run_all(const demo::CommonOptions& options) {
  if (options.steps)
    throw cli::InputError("--steps is per demo; `icgd demo all` runs each demo at its own size (use --quick for small runs)");
  const std::filesystem::path folder = out_folder(options, "all");
  demo::CommonOptions with_folder = options;
  with_folder.out = folder.string();
  io::RunDirectory root = open_run_folder(with_folder, "all", "icgd demo all");
  guarded_run(folder, [&] { run_all_into(options, root); });
}

void run_all_into(const demo::CommonOptions& options, io::RunDirectory& root) {
  root.start();
  auto& registry = demo::demo_registry();
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json overview = {{"metadata", io::run_metadata("icgd demo all")}, {"quick", options.quick}, {"demos", nlohmann::json::object()}};
  io::SummaryTable table("icgd demo all", {"demo", "wall s", "checks", "folder"});
  bool every_check_held = true;
  for (const auto& spec : registry) {
    io::RunDirectory sub = [&] {
      try {
        return root.subdirectory(spec.name);
      } catch (const io::RunDirectoryError& e) {
        throw cli::InputError(e.what());
      }
    }();
    const auto runner = spec.setup(nullptr);
    cli::interruption_point(fmt::format("before demo {}", spec.name));
    nlohmann::json summary = demo::run_demo(spec, runner, options, std::move(sub));
    const bool held = summary.value("all_enforced_checks_passed", true);
    every_check_held &= held;
    table.add_row({spec.name, io::cell(summary.value("wall_seconds", 0.0), 3),
                   options.quick ? "not enforced" : summary.value("outcome", std::string("?")), (root.target() / spec.name).string()});
    overview["demos"][spec.name] = summary;
    root.note_file(spec.name);
    fmt::print("\n");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  overview["wall_seconds"] = seconds;
  overview["all_enforced_checks_passed"] = every_check_held;
  root.write_json("all.json", overview);
  cli::interruption_point("before its results were put in place");
  root.commit();
  table.print();
  fmt::print("icgd demo all: {} demos in {:.1f} s ({:.1f} min); overview in {}\n", registry.size(), seconds, seconds / 60,
             (root.target() / "all.json").string());
}

const cli::RegisterCommand demo_command{"demo", 20, [](CLI::App& root) {
  auto* demo_app = root.add_subcommand("demo", "Train models and compare them with gradient descent (von Oswald et al. 2023)");
  demo_app->require_subcommand(1, 1);
  auto& registry = demo::demo_registry();
  std::ranges::sort(registry, {}, &demo::DemoSpec::order);
  for (const auto& spec : registry) {
    auto* sub = demo_app->add_subcommand(spec.name, spec.description);
    auto options = std::make_shared<demo::CommonOptions>();
    demo::add_common_options(*sub, *options);
    auto runner = std::make_shared<demo::DemoRunner>(spec.setup(sub));
    sub->callback([options, runner, &spec] {
      if (spec.fixed_input_range && options->input_range)
        throw cli::InputError(fmt::format("--input-range does not apply to demo {} (its inputs are x ~ {})", spec.name,
                                          spec.fixed_input_range->short_label));
      const std::filesystem::path folder = out_folder(*options, spec.name);
      demo::CommonOptions with_folder = *options;
      with_folder.out = folder.string();
      io::RunDirectory run = open_run_folder(with_folder, spec.name, "icgd demo " + spec.name);
      guarded_run(folder, [&] { demo::run_demo(spec, *runner, with_folder, std::move(run)); });
    });
  }
  auto* all = demo_app->add_subcommand("all", "Run every demo (full size unless --quick) into one folder, one sub-folder each");
  auto all_options = std::make_shared<demo::CommonOptions>();
  demo::add_common_options(*all, *all_options);
  all->callback([all_options] { run_all(*all_options); });
}};

}  // namespace
