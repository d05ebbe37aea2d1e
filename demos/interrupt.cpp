// SIGINT / SIGTERM handling of the command line (demos/interrupt.hpp).
#include "interrupt.hpp"

#include "icgd/io/run_directory.hpp"

#include <fmt/core.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <unistd.h>

namespace icgd::cli {
namespace {
std::atomic<int> g_signal{0};
std::atomic<bool> g_cooperative{false};
char g_forced_line[1024] = "icgd: interrupted; stopped at once\n";

void write_line(const char* text) {
  const std::size_t n = std::strlen(text);
  [[maybe_unused]] ssize_t ignored = ::write(2, text, n);
}

const char* plain_line(int sig) {
  return sig == SIGTERM ? "icgd: interrupted by SIGTERM; stopped before finishing (no partial file is left)\n"
                        : "icgd: interrupted by SIGINT; stopped before finishing (no partial file is left)\n";
}

void on_signal(int sig) {
  const int previous = g_signal.exchange(sig);
  if (g_cooperative.load() && previous == 0) return;  // the run stops at its next interruption point
  if (!g_cooperative.load() && io::atomic_write_in_progress()) return;  // acted on after the write
  write_line(g_cooperative.load() ? g_forced_line : plain_line(sig));
  ::_exit(128 + sig);
}

void after_write() {
  const int sig = g_signal.load();
  if (sig != 0 && !g_cooperative.load()) {
    write_line(plain_line(sig));
    ::_exit(128 + sig);
  }
}
}  // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  io::set_signal_gate(after_write);
}

void set_cooperative(bool cooperative, const std::string& if_forced) {
  if (!if_forced.empty()) {
    const std::string line = if_forced.substr(0, sizeof g_forced_line - 2) + "\n";
    std::memcpy(g_forced_line, line.c_str(), line.size() + 1);
  }
  g_cooperative.store(cooperative);
  if (!cooperative) after_write();
}

int pending_signal() { return g_signal.load(); }
void acknowledge_signal() { g_signal.store(0); }

std::string signal_name(int signal) { return signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : fmt::format("signal {}", signal); }

void interruption_point(const std::string& where) {
  if (const int sig = g_signal.load(); sig != 0) throw Interrupted(sig, where);
}

}  // namespace icgd::cli
