// The registry of `icgd` subcommands and the exit status they report (demos/command.hpp). Part
// of the command-line support library, so that the tests link the same store as `icgd`.
#include "command.hpp"

namespace icgd::cli {

std::vector<Command>& command_registry() {
  static std::vector<Command> registry;  // function-local: safe whatever the start-up order
  return registry;
}

namespace {
int g_exit_status = 0;
}
void set_exit_status(int status) { g_exit_status = status; }
int exit_status() { return g_exit_status; }

}  // namespace icgd::cli
