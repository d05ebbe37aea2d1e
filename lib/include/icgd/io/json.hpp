// icgd/io/json.hpp — what every run records about itself, and checks on result files.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace icgd::io {

/// Version, compiler, vector extensions and start time (UTC) of this build and run. Deliberately
/// git-free: results must not depend on the checkout being a repository.
[[nodiscard]] nlohmann::json run_metadata(std::string_view command);

/// JSON paths (e.g. "/final/loss") of numbers that are NaN/inf, or null, anywhere in `value`.
/// Result files must have none: JSON cannot hold NaN, so nlohmann writes it as null.
[[nodiscard]] std::vector<std::string> non_finite_paths(const nlohmann::json& value);

/// Reads and parses a JSON file; throws std::runtime_error with the file name on failure.
[[nodiscard]] nlohmann::json read_json_file(const std::string& file);

}  // namespace icgd::io
