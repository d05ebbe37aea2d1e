// `icgd demo <name>`: the von Oswald et al. (2023) reproductions (docs/demos.md), one subcommand per
// demo (demos/demo/*.cpp register themselves), plus `icgd demo all`, which runs every demo at
// full size (or --quick) into one folder. See docs/demos.md for what each demo shows.
#include "command.hpp"
#include "demo/framework.hpp"
#include "icgd/io/json.hpp"
#include "icgd/io/run_directory.hpp"
#include "icgd/io/table.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace {
using namespace icgd;

io::RunDirectory open_run_folder(const demo::CommonOptions& options, const std::string& name) {
  // Bad input must not leave a folder behind: check it before creating one.
  if (options.input_range) (void)demo::parse_input_range(*options.input_range);
  const std::filesystem::path folder =
      options.out.empty() ? io::timestamped_folder("out", "demo-" + name) : std::filesystem::path(options.out);
  try {
    return io::RunDirectory(folder, options.force);
  } catch (const io::RunDirectoryError& e) {
    throw cli::InputError(e.what());
  }
}

void run_all(const demo::CommonOptions& options) {
  if (options.steps)
    throw cli::InputError("--steps is per demo; `icgd demo all` runs each demo at its own size (use --quick for small runs)");
  io::RunDirectory root = open_run_folder(options, "all");
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
    nlohmann::json summary = demo::run_demo(spec, runner, options, std::move(sub));
    const bool held = summary.value("all_enforced_checks_passed", true);
    every_check_held &= held;
    table.add_row({spec.name, io::cell(summary.value("wall_seconds", 0.0), 3),
                   options.quick ? "not enforced" : summary.value("outcome", std::string("?")), (root.root() / spec.name).string()});
    overview["demos"][spec.name] = summary;
    root.note_file(spec.name);
    fmt::print("\n");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  overview["wall_seconds"] = seconds;
  overview["all_enforced_checks_passed"] = every_check_held;
  root.write_json("all.json", overview);
  table.print();
  fmt::print("icgd demo all: {} demos in {:.1f} s ({:.1f} min); overview in {}\n", registry.size(), seconds, seconds / 60,
             root.path("all.json").string());
}

const cli::RegisterCommand registration{"demo", 20, [](CLI::App& root) {
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
      demo::run_demo(spec, *runner, *options, open_run_folder(*options, spec.name));
    });
  }
  auto* all = demo_app->add_subcommand("all", "Run every demo (full size unless --quick) into one folder, one sub-folder each");
  auto all_options = std::make_shared<demo::CommonOptions>();
  demo::add_common_options(*all, *all_options);
  all->callback([all_options] { run_all(*all_options); });
}};

}  // namespace
