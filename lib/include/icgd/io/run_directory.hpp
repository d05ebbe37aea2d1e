// icgd/io/run_directory.hpp — the output folder of one run (a demo, an evaluation).
//
// Run folders (docs/demos.md): every run writes its configuration, seed, version and results into its
// own folder, and nothing is written over a previous run's files unless the user asks (--force).
// Every file is written atomically (to a temporary file in the same folder, fsynced, then
// renamed), so an interrupted run never leaves a half-written JSON or CSV behind that a later
// tool would misread.
//
// A staged run (RunDirectory::stage) is built in a sibling folder `<out>.partial` that holds an
// `INCOMPLETE` marker (and a lock) while the run lasts, and replaces `<out>` as a whole by a
// rename when it is committed: a forced run never leaves the previous run's files beside its
// own, and a run that fails or is interrupted leaves `<out>` as it was and `<out>.partial`
// marked incomplete, with its checkpoints, for --resume.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace icgd::io {

/// The folder cannot be used as asked (it holds a previous run, it is a file, ...). The message
/// is one line meant for the user; the command line turns it into an input error (exit 2).
struct RunDirectoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class RunDirectory {
 public:
  /// Opens (creating if needed) `root`. A folder that already holds files is refused unless
  /// `overwrite` is set; with `overwrite`, files are replaced by name and others are left alone.
  RunDirectory(std::filesystem::path root, bool overwrite);

  /// How a staged run treats what is already there (StageOptions).
  struct StageOptions {
    bool force = false;   ///< replace a previous run at the target (and discard an interrupted one)
    bool resume = false;  ///< continue the interrupted run in `<target>.partial`
    std::string marker_text;  ///< the INCOMPLETE marker's text (how to resume, in words)
  };
  /// Throws RunDirectoryError when a staged run at `target` cannot start as asked (the target is
  /// a file, holds a run and neither --force nor --resume is given, there is nothing to resume,
  /// an interrupted run is in the way, ...). Creates nothing.
  static void check_stage(const std::filesystem::path& target, const StageOptions& options);
  /// Starts (or, with resume, reopens) the staged run of `target`: `<target>.partial` with its
  /// INCOMPLETE marker, locked against a second run.
  static RunDirectory stage(const std::filesystem::path& target, const StageOptions& options);
  /// The folder a staged run is built in.
  static std::filesystem::path staging_path(const std::filesystem::path& target);
  /// Finishes a staged run: removes its checkpoints and the INCOMPLETE marker and swaps the
  /// staging folder in for the target (the previous run, if any, is removed afterwards).
  void commit();
  /// Removes the staging folder of a run that never got going (bad input found after staging).
  void discard();
  /// A staged run that starts later: check_stage now, stage() at start() (the first write of
  /// the run calls it), so that a run refused for bad input found meanwhile creates nothing.
  static RunDirectory deferred(const std::filesystem::path& target, const StageOptions& options);
  /// Stages a deferred run (no effect on a started or an unstaged folder).
  void start();
  [[nodiscard]] bool started() const { return !deferred_; }
  /// True when this process created `staging_path(target)` (to remove it after bad input).
  [[nodiscard]] static bool staged_by_this_process(const std::filesystem::path& target);
  /// True for a staged run reopened with resume.
  [[nodiscard]] bool resuming() const { return resuming_; }
  /// Where the run will be once committed (the root itself for an unstaged folder).
  [[nodiscard]] const std::filesystem::path& target() const { return target_; }
  /// The file a resumable step of the run keeps its checkpoint in (`<staging>/checkpoints/<key><suffix>`;
  /// the key of a sub-run is prefixed with its name). The folder is created on demand.
  [[nodiscard]] std::filesystem::path checkpoint_file(std::string_view key, std::string_view suffix) const;

  /// A sub-run (e.g. `icgd demo all` → one folder per demo). It inherits the overwrite flag and
  /// the same refusal rule applies to the sub-folder.
  [[nodiscard]] RunDirectory subdirectory(std::string_view name) const;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::filesystem::path path(std::string_view file_name) const { return root_ / file_name; }
  [[nodiscard]] bool overwrite() const { return overwrite_; }

  /// Writes `text` to `file_name` atomically and records the name in files().
  void write_text(std::string_view file_name, std::string_view text);
  /// Pretty-printed JSON (indent 2). NaN and infinities become `null` (JSON has no such
  /// numbers); the result checker treats null where a number is expected as a failure.
  void write_json(std::string_view file_name, const nlohmann::json& value);

  /// Records a file written by someone else (e.g. the engine's weight saver, gnuplot).
  void note_file(std::string_view file_name);
  /// The files this run wrote, in order (without duplicates).
  [[nodiscard]] const std::vector<std::string>& files() const { return files_; }

 private:
  RunDirectory(std::filesystem::path root, bool overwrite, int);  // no checks (subdirectory)
  std::filesystem::path root_;
  std::filesystem::path target_;
  std::filesystem::path checkpoints_;  ///< empty: not resumable
  std::string checkpoint_prefix_;
  bool overwrite_ = false;
  bool resuming_ = false;
  bool staged_ = false;
  bool deferred_ = false;
  StageOptions deferred_options_;
  std::shared_ptr<int> lock_;  ///< the locked INCOMPLETE marker of a staged run
  std::vector<std::string> files_;
};

/// Writes `text` to `target` through a temporary file in the same folder (fsynced) and a rename;
/// on failure the temporary file is removed and the target is left as it was. SIGINT and
/// SIGTERM are held off while it runs (see set_signal_gate).
void write_file_atomically(const std::filesystem::path& target, std::string_view text);

/// Called after each atomic write with signals held off during it: the command line uses it to
/// act on a signal that arrived meanwhile (null: nothing).
void set_signal_gate(void (*after_write)());
/// True while an atomic write is in progress in this process.
[[nodiscard]] bool atomic_write_in_progress();

/// A default output folder that cannot collide with an earlier run: `<base>/<name>-YYYYmmdd-HHMMSS`.
[[nodiscard]] std::filesystem::path timestamped_folder(const std::filesystem::path& base, std::string_view name);

}  // namespace icgd::io
