// Progress bar on stderr (icgd/io/progress.hpp).
#include "icgd/io/progress.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace icgd::io {

ProgressBar::ProgressBar(std::string label, std::int64_t total, Mode mode)
    : label_(std::move(label)),
      total_(std::max<std::int64_t>(total, 1)),
      enabled_(mode != Mode::off),
      terminal_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (!finished_) finish();
}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(std::int64_t done, std::string_view status) {
  if (!enabled_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    draw(done, status, false);
  } else {
    const int decile = static_cast<int>(10 * std::clamp<std::int64_t>(done, 0, total_) / total_);
    if (decile == last_decile_ || elapsed_seconds() < 2.0) return;
    last_decile_ = decile;
    draw(done, status, false);
  }
}

void ProgressBar::finish(std::string_view status) {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  // Off a terminal a short task stays silent; a long one gets its closing line.
  if (terminal_ || drew_) draw(total_, status, true);
}

void ProgressBar::draw(std::int64_t done, std::string_view status, bool final_draw) {
  drew_ = true;
  done = std::clamp<std::int64_t>(done, 0, total_);
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const double elapsed = elapsed_seconds();
  const double remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
  if (terminal_) {
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    fmt::print(stderr, "\r\033[K{} [{}] {:3.0f}% {:.1f}s{} {}", label_, bar, 100 * fraction, elapsed,
               final_draw ? std::string() : fmt::format(" (~{:.0f}s left)", remaining), status);
    if (final_draw) fmt::print(stderr, "\n");
  } else {
    fmt::print(stderr, "{}: {:3.0f}% after {:.1f}s {}\n", label_, 100 * fraction, elapsed, status);
  }
  std::fflush(stderr);
}

}  // namespace icgd::io
