// Helpers shared by the demos (demos/demo/support.hpp).
#include "demo/support.hpp"

#include <cmath>

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

nlohmann::json to_json_array(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (double v : values) out.push_back(v);
  return out;
}

}  // namespace icgd::demo
