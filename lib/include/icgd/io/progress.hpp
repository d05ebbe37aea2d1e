// icgd/io/progress.hpp — a progress bar on stderr for anything longer than a couple of seconds
// (docs/demos.md: run folders).
//
// On a terminal the bar is redrawn in place at most ~10 times a second. When stderr is not a
// terminal (logs, ctest) it prints a plain line at every 10% instead, and only once the task has
// run for more than two seconds, so short runs stay silent. The caller passes a short status
// text (e.g. the current loss) that is shown next to the bar.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace icgd::io {

class ProgressBar {
 public:
  enum class Mode { automatic, off };
  ProgressBar(std::string label, std::int64_t total, Mode mode = Mode::automatic);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// `done` work units finished out of total; `status` is printed after the bar.
  void update(std::int64_t done, std::string_view status = {});
  /// Draws the final state and ends the line (called by the destructor if not called before).
  void finish(std::string_view status = {});

  /// Seconds since construction.
  [[nodiscard]] double elapsed_seconds() const;

 private:
  void draw(std::int64_t done, std::string_view status, bool final_draw);
  std::string label_;
  std::int64_t total_;
  bool enabled_;
  bool terminal_;
  bool finished_ = false;
  bool drew_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace icgd::io
