// Run folders: refusal to overwrite, atomic writes (icgd/io/run_directory.hpp).
#include "icgd/io/run_directory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <system_error>

namespace icgd::io {
namespace fs = std::filesystem;

namespace {
// Names of up to three entries of a non-empty folder, for the refusal message.
std::string some_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::ranges::sort(names);
  std::string listed;
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 3) listed += ", ...";
  return listed;
}
}  // namespace

RunDirectory::RunDirectory(fs::path root, bool overwrite) : root_(std::move(root)), overwrite_(overwrite) {
  std::error_code ec;
  if (fs::exists(root_, ec)) {
    if (!fs::is_directory(root_, ec))
      throw RunDirectoryError(fmt::format("output path '{}' exists and is not a folder", root_.string()));
    if (!fs::is_empty(root_, ec) && !overwrite_)
      throw RunDirectoryError(fmt::format(
          "output folder '{}' already holds a run ({}); choose another --out or pass --force to overwrite",
          root_.string(), some_entries(root_)));
  } else {
    fs::create_directories(root_, ec);
    if (ec) throw RunDirectoryError(fmt::format("cannot create output folder '{}': {}", root_.string(), ec.message()));
  }
}

RunDirectory::RunDirectory(fs::path root, bool overwrite, int) : root_(std::move(root)), overwrite_(overwrite) {}

RunDirectory RunDirectory::subdirectory(std::string_view name) const {
  RunDirectory checked(root_ / name, overwrite_);  // applies the refusal rule to the sub-folder
  return RunDirectory(checked.root_, overwrite_, 0);
}

void write_file_atomically(const fs::path& target, std::string_view text) {
  fs::path temporary = target;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", temporary.string()));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("write to '{}' failed (disk full?)", temporary.string()));
  }
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot rename '{}' to '{}': {}", temporary.string(), target.string(), ec.message()));
}

void RunDirectory::note_file(std::string_view file_name) {
  if (std::ranges::find(files_, file_name) == files_.end()) files_.emplace_back(file_name);
}

void RunDirectory::write_text(std::string_view file_name, std::string_view text) {
  write_file_atomically(path(file_name), text);
  note_file(file_name);
}

void RunDirectory::write_json(std::string_view file_name, const nlohmann::json& value) {
  // dump() writes NaN/inf as null; error_handler "replace" keeps invalid UTF-8 from throwing.
  write_text(file_name, value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

fs::path timestamped_folder(const fs::path& base, std::string_view name) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return base / fmt::format("{}-{}", name, stamp);
}

}  // namespace icgd::io
