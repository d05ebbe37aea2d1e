// demos/interrupt.hpp — SIGINT and SIGTERM on the command line (docs/demos.md, "Interruption").
//
// Outside a run (verify, eval, bench) a signal stops `icgd` at once with one line on stderr and
// exit status 128 + signal (130 for SIGINT, 143 for SIGTERM); an atomic file write in progress
// finishes first, so no temporary file is left behind. During a demo run the first signal is
// only recorded: the run stops at its next interruption point (every training step), keeps a
// checkpoint, and the command prints what it kept. A second signal stops it at once.
#pragma once

#include <stdexcept>
#include <string>

namespace icgd::cli {

/// Installs the handlers (main() calls it once).
void install_signal_handlers();
/// While a run is cooperative, the first signal is recorded instead of ending the process.
/// `if_forced` is the line printed when a second signal ends it at once.
void set_cooperative(bool cooperative, const std::string& if_forced = {});
/// The signal received and not acted on yet (0: none).
int pending_signal();
/// Marks the pending signal as acted on (the caller reports it and exits).
void acknowledge_signal();

/// Thrown at an interruption point once a signal has been received; `what()` is the one-line
/// message (what was kept and how to continue).
struct Interrupted : std::runtime_error {
  Interrupted(int signal, const std::string& message) : std::runtime_error(message), signal(signal) {}
  int signal;
};
/// Throws Interrupted (with `where` in its message) when a signal is pending.
void interruption_point(const std::string& where);
/// "SIGINT" or "SIGTERM".
std::string signal_name(int signal);

}  // namespace icgd::cli
