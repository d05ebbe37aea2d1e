// icgd_demo_check — verifies what an `icgd demo ... --quick` run left in its folder, for ctest.
//
//   icgd_demo_check run DIR [KEY ...]
//     config.json and results.json exist and parse; config.json names the version, seed and
//     input range; results.json holds the checks and the list of files, and every listed file
//     exists; each KEY (a JSON pointer into results.json, e.g. /final/trained_loss) exists;
//     every number in both files is finite (NaN is written as null and counts as a failure);
//     every CSV parses, has at least two rows and only finite numbers; every figure listed in
//     results.json is a real PNG or SVG; at least one weights file (.npy or .json) is present.
//   icgd_demo_check absent PATH
//     PATH does not exist (a rejected command wrote nothing).
//   icgd_demo_check exit CODE REGEX -- PROGRAM ARGS...
//     runs the program and requires exit status CODE and output (stdout+stderr) matching REGEX.
// Prints one line per failure and exits 1 if any.
#include "icgd/io/csv.hpp"
#include "icgd/io/json.hpp"

#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace fs = std::filesystem;

namespace {
int failures = 0;
void fail(const std::string& message) {
  fmt::print(stderr, "check failed: {}\n", message);
  ++failures;
}

std::string first_bytes(const fs::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes(n, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

nlohmann::json load(const fs::path& file) {
  try {
    auto value = icgd::io::read_json_file(file.string());
    for (const auto& path : icgd::io::non_finite_paths(value)) fail(fmt::format("{}: {} is not a finite number", file.string(), path));
    return value;
  } catch (const std::exception& e) {
    fail(e.what());
    return nullptr;
  }
}

int check_run(const fs::path& dir, const std::vector<std::string>& keys) {
  const auto config = load(dir / "config.json");
  const auto results = load(dir / "results.json");
  if (config.is_object()) {
    for (const char* pointer : {"/metadata/icgd_version", "/seed", "/input_range/half_width_a", "/input_range/label", "/settings"})
      if (!config.contains(nlohmann::json::json_pointer(pointer))) fail(fmt::format("config.json lacks {}", pointer));
  } else {
    fail("config.json is not an object");
  }
  if (!results.is_object()) {
    fail("results.json is not an object");
    return 1;
  }
  for (const char* pointer : {"/demo", "/input_range", "/checks", "/files", "/wall_seconds"})
    if (!results.contains(nlohmann::json::json_pointer(pointer))) fail(fmt::format("results.json lacks {}", pointer));
  for (const auto& key : keys) {
    try {
      const auto& value = results.at(nlohmann::json::json_pointer(key));
      if (value.is_array() && value.empty()) fail(fmt::format("results.json {} is empty", key));
    } catch (const std::exception&) {
      fail(fmt::format("results.json lacks {}", key));
    }
  }
  if (results.contains("checks")) {
    if (results["checks"].empty()) fail("results.json records no checks");
    for (const auto& c : results["checks"])
      for (const char* field : {"id", "measured", "threshold", "relation", "passed", "enforced"})
        if (!c.contains(field)) fail(fmt::format("a check lacks '{}'", field));
  }
  if (results.contains("files"))
    for (const auto& name : results["files"])
      if (!fs::exists(dir / name.get<std::string>())) fail(fmt::format("listed file {} is missing", name.get<std::string>()));

  int csv_files = 0, weight_files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const auto ext = entry.path().extension().string();
    const auto name = entry.path().filename().string();
    if (name.ends_with(".tmp")) fail(fmt::format("{}: a temporary file was left behind", name));
    if (ext == ".csv") {
      ++csv_files;
      try {
        const auto table = icgd::io::read_csv(entry.path());
        if (table.rows() < 2) fail(fmt::format("{} has {} rows", name, table.rows()));
        for (std::size_t i = 0; i < table.rows(); ++i)
          for (double v : table.row(i))
            if (!std::isfinite(v)) {
              fail(fmt::format("{} row {} holds a non-finite value", name, i + 1));
              i = table.rows();
              break;
            }
      } catch (const std::exception& e) {
        fail(e.what());
      }
    }
    if (ext == ".npy" || name.starts_with("weights")) ++weight_files;
  }
  if (csv_files == 0) fail("no CSV curves");
  if (weight_files == 0) fail("no weights file (.npy or weights*.json)");
  if (results.contains("figures")) {
    if (results["figures"].empty()) fail("no figure was drawn");
    for (const auto& figure : results["figures"]) {
      const fs::path file = dir / figure.get<std::string>();
      const std::string head = first_bytes(file, 8);
      const bool png = head.size() == 8 && head.substr(1, 3) == "PNG";
      const bool svg = head.starts_with("<?xml") || head.starts_with("<svg");
      if (!png && !svg) fail(fmt::format("{} is not a PNG or SVG image", file.string()));
    }
  } else {
    fail("results.json lists no figures");
  }
  if (failures == 0) fmt::print("{}: all output checks passed\n", dir.string());
  return failures == 0 ? 0 : 1;
}

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int check_exit(int expected, const std::string& pattern, const std::vector<std::string>& command) {
  std::string line;
  for (const auto& word : command) line += shell_quote(word) + " ";
  line += "2>&1";
  std::FILE* pipe = ::popen(line.c_str(), "r");
  if (!pipe) {
    fail("cannot run " + line);
    return 1;
  }
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code != expected) fail(fmt::format("exit status {} (expected {}); output:\n{}", code, expected, output));
  if (!std::regex_search(output, std::regex(pattern))) fail(fmt::format("output does not match /{}/:\n{}", pattern, output));
  return failures == 0 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "run") return check_run(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
  if (args.size() == 2 && args[0] == "absent") {
    if (fs::exists(args[1])) fail(fmt::format("{} exists", args[1]));
    return failures == 0 ? 0 : 1;
  }
  if (args.size() >= 5 && args[0] == "exit" && args[3] == "--")
    return check_exit(std::stoi(args[1]), args[2], std::vector<std::string>(args.begin() + 4, args.end()));
  fmt::print(stderr, "usage: icgd_demo_check run DIR [KEY...] | absent PATH | exit CODE REGEX -- PROGRAM ARGS...\n");
  return 2;
}
