// Helpers shared by the demos (demos/demo/support.hpp).
#include "demo/support.hpp"

#include "icgd/io/json.hpp"
#include "icgd/io/run_directory.hpp"

#include <cmath>
#include <limits>

namespace icgd::demo {

train::TaskConfig linear_task(const DemoContext& ctx, int d, int n) {
  train::TaskConfig task = train::TaskConfig::code_linear(d, n);
  task.input_half_width = ctx.input_range.half_width;
  task.validate();
  return task;
}

MeanWithError half_squared_errors(const train::TaskBatch& tasks, const Eigen::MatrixXd& predictions) {
  const Eigen::MatrixXd targets = tasks.targets();
  const Eigen::ArrayXd losses = 0.5 * (predictions - targets).colwise().squaredNorm().transpose().array();
  const double n = static_cast<double>(losses.size());
  const double mean = losses.mean();
  const double variance = n > 1 ? (losses - mean).square().sum() / (n - 1) : 0.0;
  return {mean, std::sqrt(variance / n)};
}

namespace detail {
namespace {
// JSON has no NaN or infinities: they are written as strings, every other double exactly.
nlohmann::json encode(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}
double decode(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  const std::string s = j.get<std::string>();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  return std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

void save_journal(const std::filesystem::path& file, std::int64_t step, std::int64_t skipped,
                  const std::vector<EvalRecord>& records) {
  nlohmann::json j = {{"step", step}, {"skipped_steps", skipped}, {"records", nlohmann::json::array()}};
  for (const auto& r : records) {
    nlohmann::json values = nlohmann::json::array();
    for (double v : r.values) values.push_back(encode(v));
    j["records"].push_back({r.step, encode(r.eval_loss), values});
  }
  io::write_file_atomically(file, j.dump());
}

std::vector<EvalRecord> load_journal(const std::filesystem::path& file, std::int64_t up_to_step, std::int64_t& skipped) {
  const nlohmann::json j = io::read_json_file(file.string());
  skipped = j.at("skipped_steps").get<std::int64_t>();
  std::vector<EvalRecord> records;
  for (const auto& r : j.at("records")) {
    EvalRecord record{r.at(0).get<std::int64_t>(), decode(r.at(1)), {}, false};
    if (record.step > up_to_step) break;
    for (const auto& v : r.at(2)) record.values.push_back(decode(v));
    records.push_back(std::move(record));
  }
  return records;
}
}  // namespace detail

nlohmann::json to_json_array(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (double v : values) out.push_back(v);
  return out;
}

}  // namespace icgd::demo
