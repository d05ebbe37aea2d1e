// icgd/io/run_directory.hpp — the output folder of one run (a demo, an evaluation).
//
// Run folders (docs/demos.md): every run writes its configuration, seed, version and results into its
// own folder, and nothing is written over a previous run's files unless the user asks (--force).
// Every file is written atomically (to `<name>.tmp`, then renamed), so an interrupted run never
// leaves a half-written JSON or CSV behind that a later tool would misread.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
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
  bool overwrite_ = false;
  std::vector<std::string> files_;
};

/// Writes `text` to `target` through a temporary file in the same folder and a rename.
void write_file_atomically(const std::filesystem::path& target, std::string_view text);

/// A default output folder that cannot collide with an earlier run: `<base>/<name>-YYYYmmdd-HHMMSS`.
[[nodiscard]] std::filesystem::path timestamped_folder(const std::filesystem::path& base, std::string_view name);

}  // namespace icgd::io
