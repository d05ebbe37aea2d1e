// demos/command.hpp — how a subcommand plugs into the `icgd` command line.
//
// A subcommand file defines `static icgd::cli::RegisterCommand reg{"name", order, setup}`; the
// setup function adds a CLI11 subcommand to the root app and sets its callback. Callbacks report
// their exit status through icgd::cli::set_exit_status, and signal bad input by throwing
// icgd::cli::InputError (one-line message, exit status 2).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace icgd::cli {

/// Bad input from the user: printed as one line `icgd: error: <what>`, exit status 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A run stopped on request (SIGINT, SIGTERM): printed as one line `icgd: <what>`, exit `status`.
struct StopRequested : std::runtime_error {
  StopRequested(int status, const std::string& what) : std::runtime_error(what), status(status) {}
  int status;
};

struct Command {
  std::string name;
  int order;  // position in `icgd --help`
  std::function<void(CLI::App& root)> setup;
};

std::vector<Command>& command_registry();

struct RegisterCommand {
  RegisterCommand(std::string name, int order, std::function<void(CLI::App& root)> setup) {
    command_registry().push_back({std::move(name), order, std::move(setup)});
  }
};

/// The status `icgd` exits with after the subcommand's callback returns (default 0).
void set_exit_status(int status);
int exit_status();

}  // namespace icgd::cli
