// The `icgd` command line: verify the papers' claims, run the demos, benchmark.
#include "command.hpp"
#include "interrupt.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>

int main(int argc, char** argv) {
  using namespace icgd::cli;
  install_signal_handlers();
  CLI::App app{
      "icgd " ICGD_VERSION
      " — check the claims that transformers learn in context by gradient descent\n"
      "(von Oswald et al. 2023; Zhang, Frei & Bartlett 2024; Dai et al. 2023)."};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", "icgd " ICGD_VERSION);
  auto& registry = command_registry();
  std::ranges::sort(registry, {}, &Command::order);
  for (auto& command : registry) command.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, exit status 2, whatever CLI11's own code for the error would be.
    fmt::print(stderr, "icgd: error: {} (see icgd --help)\n", e.what());
    return 2;
  } catch (const InputError& e) {
    fmt::print(stderr, "icgd: error: {}\n", e.what());
    return 2;
  } catch (const StopRequested& e) {
    fmt::print(stderr, "icgd: {}\n", e.what());
    return e.status;
  } catch (const Interrupted& e) {
    fmt::print(stderr, "icgd: interrupted by {} {}; no result was written\n", signal_name(e.signal), e.what());
    return 128 + e.signal;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "icgd: failed: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "icgd: failed: {}\n", e.what());
    return 1;
  }
  return exit_status();
}
