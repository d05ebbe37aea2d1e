// Run folders: refusal to overwrite, atomic writes (icgd/io/run_directory.hpp).
#include "icgd/io/run_directory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
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
  target_ = root_;
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

RunDirectory::RunDirectory(fs::path root, bool overwrite, int) : root_(std::move(root)), overwrite_(overwrite) { target_ = root_; }

namespace {
fs::path normalised(const fs::path& target) {
  fs::path t = target;
  if (!t.has_filename()) t = t.parent_path();  // "out/" → "out"
  return t;
}

// Is the INCOMPLETE marker of `staging` locked by a running icgd?
bool locked_by_another_run(const fs::path& staging) {
  const int fd = ::open((staging / "INCOMPLETE").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return busy;
}

// Can a folder be created at `path` (its nearest existing ancestor is a writable folder)?
std::string creatable(const fs::path& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  while (!p.empty() && !fs::exists(fs::symlink_status(p, ec))) {
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  if (!fs::is_directory(p, ec)) return fmt::format("'{}' is not a folder", p.string());
  if (::access(p.c_str(), W_OK | X_OK) != 0) return fmt::format("'{}' is not writable: {}", p.string(), std::strerror(errno));
  return {};
}
}  // namespace

fs::path RunDirectory::staging_path(const fs::path& target) {
  fs::path t = normalised(target);
  t += ".partial";
  return t;
}

void RunDirectory::check_stage(const fs::path& target_in, const StageOptions& o) {
  if (target_in.empty()) throw RunDirectoryError("the output folder is an empty path");
  const fs::path target = normalised(target_in);
  const fs::path staging = staging_path(target);
  std::error_code ec;
  const bool target_exists = fs::exists(fs::symlink_status(target, ec));
  if (target_exists && !fs::is_directory(target, ec))
    throw RunDirectoryError(fmt::format("output path '{}' exists and is not a folder", target.string()));
  const bool staging_exists = fs::exists(fs::symlink_status(staging, ec));
  if (staging_exists && !fs::is_directory(staging, ec))
    throw RunDirectoryError(fmt::format("'{}' (where the run would be built) exists and is not a folder", staging.string()));
  if (staging_exists && locked_by_another_run(staging))
    throw RunDirectoryError(fmt::format("another icgd run is writing '{}' right now", staging.string()));
  if (o.resume) {
    if (!staging_exists)
      throw RunDirectoryError(fmt::format("nothing to resume: no interrupted run at '{}'{}", staging.string(),
                                          target_exists ? fmt::format(" ('{}' holds a finished run)", target.string()) : ""));
    return;
  }
  if (staging_exists && !o.force)
    throw RunDirectoryError(fmt::format("an interrupted run is in '{}': pass --resume to continue it or --force to discard it",
                                        staging.string()));
  if (target_exists && !fs::is_empty(target, ec) && !o.force)
    throw RunDirectoryError(fmt::format(
        "output folder '{}' already holds a run ({}); choose another --out or pass --force to replace it", target.string(),
        some_entries(target)));
  if (const std::string why = creatable(staging); !why.empty())
    throw RunDirectoryError(fmt::format("cannot create output folder '{}': {}", target.string(), why));
}

namespace {
std::vector<fs::path>& created_staging() {
  static std::vector<fs::path> paths;
  return paths;
}
}  // namespace

bool RunDirectory::staged_by_this_process(const fs::path& target) {
  return std::ranges::find(created_staging(), staging_path(target)) != created_staging().end();
}

RunDirectory RunDirectory::deferred(const fs::path& target, const StageOptions& options) {
  check_stage(target, options);
  RunDirectory run(staging_path(target), true, 0);
  run.target_ = normalised(target);
  run.deferred_ = true;
  run.deferred_options_ = options;
  run.resuming_ = options.resume;
  return run;
}

void RunDirectory::start() {
  if (!deferred_) return;
  RunDirectory staged = stage(target_, deferred_options_);
  staged.files_ = std::move(files_);
  *this = std::move(staged);
}

RunDirectory RunDirectory::stage(const fs::path& target_in, const StageOptions& o) {
  check_stage(target_in, o);
  const fs::path target = normalised(target_in);
  const fs::path staging = staging_path(target);
  std::error_code ec;
  if (!o.resume && fs::exists(fs::symlink_status(staging, ec))) {
    fs::remove_all(staging, ec);  // --force discards the interrupted run
    if (ec) throw RunDirectoryError(fmt::format("cannot remove '{}': {}", staging.string(), ec.message()));
  }
  const bool existed = fs::exists(fs::symlink_status(staging, ec));
  fs::create_directories(staging, ec);
  if (ec) throw RunDirectoryError(fmt::format("cannot create output folder '{}': {}", staging.string(), ec.message()));
  if (!existed) created_staging().push_back(staging);
  RunDirectory run(staging, true, 0);
  run.target_ = target;
  run.staged_ = true;
  run.resuming_ = o.resume;
  run.checkpoints_ = staging / "checkpoints";
  const fs::path marker = staging / "INCOMPLETE";
  const int fd = ::open(marker.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    throw RunDirectoryError(fmt::format("cannot lock '{}' (another icgd run?)", marker.string()));
  }
  const std::string text = (o.marker_text.empty() ? std::string("this run did not finish") : o.marker_text) + "\n";
  bool ok = ::ftruncate(fd, 0) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && ::fsync(fd) == 0;
  run.lock_ = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  if (!ok) {
    run.lock_.reset();
    if (!o.resume) fs::remove_all(staging, ec);
    throw RunDirectoryError(fmt::format("cannot write '{}' (disk full?)", marker.string()));
  }
  return run;
}

fs::path RunDirectory::checkpoint_file(std::string_view key, std::string_view suffix) const {
  if (checkpoints_.empty()) return {};
  std::error_code ec;
  fs::create_directories(checkpoints_, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create '{}': {}", checkpoints_.string(), ec.message()));
  std::string name = checkpoint_prefix_ + std::string(key);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.' && ch != '_') ch = '-';
  return checkpoints_ / (name + std::string(suffix));
}

void RunDirectory::commit() {
  if (!staged_) return;
  std::error_code ec;
  fs::remove_all(checkpoints_, ec);
  fs::remove(root_ / "INCOMPLETE", ec);
  if (ec) throw std::runtime_error(fmt::format("cannot remove '{}': {}", (root_ / "INCOMPLETE").string(), ec.message()));
  lock_.reset();
  if (fs::exists(fs::symlink_status(target_, ec))) {
    // Swap the finished run in for the previous one in one step, then remove the previous one.
    if (::renameat2(AT_FDCWD, root_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) == 0) {
      fs::remove_all(root_, ec);  // now the previous run
    } else {
      fs::path old = target_;
      old += fmt::format(".old-{}", static_cast<long>(::getpid()));
      fs::rename(target_, old);
      fs::rename(root_, target_);
      fs::remove_all(old, ec);
    }
  } else {
    fs::rename(root_, target_);
  }
  root_ = target_;
  staged_ = false;
  checkpoints_.clear();
}

void RunDirectory::discard() {
  if (!staged_ || resuming_ || !staged_by_this_process(target_)) return;
  lock_.reset();
  std::error_code ec;
  fs::remove_all(root_, ec);
  staged_ = false;
}

RunDirectory RunDirectory::subdirectory(std::string_view name) const {
  RunDirectory checked(root_ / name, overwrite_);  // applies the refusal rule to the sub-folder
  RunDirectory sub(checked.root_, overwrite_, 0);
  sub.target_ = target_ / name;
  sub.resuming_ = resuming_;
  sub.checkpoints_ = checkpoints_;
  sub.checkpoint_prefix_ = checkpoint_prefix_ + std::string(name) + ".";
  return sub;
}

namespace {
std::atomic<int> g_writes{0};
void (*g_after_write)() = nullptr;
}  // namespace

void set_signal_gate(void (*after_write)()) { g_after_write = after_write; }
bool atomic_write_in_progress() { return g_writes.load() > 0; }

void write_file_atomically(const fs::path& target, std::string_view text) {
  fs::path temporary = target;
  temporary += fmt::format(".tmp-{}", static_cast<long>(::getpid()));
  ++g_writes;
  struct Leave {
    ~Leave() {
      if (--g_writes == 0 && g_after_write) g_after_write();
    }
  } leave;
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write '{}': {}", target.string(), std::strerror(errno)));
  std::size_t done = 0;
  bool ok = true;
  int error = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
    else error = errno;
  }
  if (ok && ::fsync(fd) != 0) ok = false, error = errno;
  if (::close(fd) != 0 && ok) ok = false, error = errno;
  std::error_code ec;
  if (!ok) {
    fs::remove(temporary, ec);
    throw std::runtime_error(fmt::format("write to '{}' failed: {}", target.string(), std::strerror(error ? error : EIO)));
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(temporary, ignore);
    throw std::runtime_error(fmt::format("cannot write '{}': {}", target.string(), ec.message()));
  }
}

void RunDirectory::note_file(std::string_view file_name) {
  if (std::ranges::find(files_, file_name) == files_.end()) files_.emplace_back(file_name);
}

void RunDirectory::write_text(std::string_view file_name, std::string_view text) {
  if (deferred_) start();
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
