// tests/temp_folder.hpp — a fresh, empty folder per test case, removed at the end (the
// run-output tests write real run folders).
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace icgd::test {

struct TempFolder {
  std::filesystem::path path;
  TempFolder() {
    std::random_device device;
    path = std::filesystem::temp_directory_path() / ("icgd-test-" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::remove_all(path);
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
};

}  // namespace icgd::test
