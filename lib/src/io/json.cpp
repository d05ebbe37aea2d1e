// Run metadata and result-file checks (icgd/io/json.hpp).
#include "icgd/io/json.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <stdexcept>

#ifndef ICGD_VERSION
#define ICGD_VERSION "unknown"
#endif

namespace icgd::io {

nlohmann::json run_metadata(std::string_view command) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  nlohmann::json simd = nlohmann::json::array();
#ifdef __AVX2__
  simd.push_back("avx2");
#endif
#ifdef __FMA__
  simd.push_back("fma");
#endif
#ifdef __AVX512F__
  simd.push_back("avx512f");
#endif
  return {{"icgd_version", ICGD_VERSION},
          {"command", std::string(command)},
          {"compiler", fmt::format("g++ {}", __VERSION__)},
          {"simd", simd},
#ifdef NDEBUG
          {"optimised", true},
#else
          {"optimised", false},
#endif
          {"started_utc", stamp}};
}

namespace {
void collect(const nlohmann::json& value, const std::string& path, std::vector<std::string>& bad) {
  if (value.is_null()) {
    bad.push_back(path.empty() ? "/" : path);
  } else if (value.is_number_float()) {
    if (!std::isfinite(value.get<double>())) bad.push_back(path.empty() ? "/" : path);
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) collect(item, path + "/" + key, bad);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) collect(value[i], path + "/" + std::to_string(i), bad);
  }
}
}  // namespace

std::vector<std::string> non_finite_paths(const nlohmann::json& value) {
  std::vector<std::string> bad;
  collect(value, "", bad);
  return bad;
}

nlohmann::json read_json_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(fmt::format("cannot read '{}'", file));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(fmt::format("'{}' is not valid JSON: {}", file, e.what()));
  }
}

}  // namespace icgd::io
