// Task generators (docs/papers/von_oswald.md, "Setting and notation", "Proposition 2"; reference data.py `create_reg_data`,
// `create_reg_data_sin`). See tasks.hpp for the documented draw order.
#include "icgd/train/tasks.hpp"

#include "icgd/train/parallel.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace icgd::train {

namespace {

const char* kind_name(TaskKind k) { return k == TaskKind::linear ? "linear" : "sine"; }
const char* law_name(InputLaw l) { return l == InputLaw::uniform ? "uniform" : "gaussian"; }

TaskKind kind_from(const std::string& s) {
  if (s == "linear") return TaskKind::linear;
  if (s == "sine") return TaskKind::sine;
  throw std::invalid_argument("TaskConfig: unknown kind " + s);
}
InputLaw law_from(const std::string& s) {
  if (s == "uniform") return InputLaw::uniform;
  if (s == "gaussian") return InputLaw::gaussian;
  throw std::invalid_argument("TaskConfig: unknown input law " + s);
}

}  // namespace

TaskConfig TaskConfig::code_linear(int d, int n) {
  TaskConfig c;
  c.x_dim = d;
  c.num_context = n;
  c.input_half_width = 0.5;
  return c;
}

TaskConfig TaskConfig::paper_linear(int d, int n) {
  TaskConfig c = code_linear(d, n);
  c.input_half_width = 1.0;
  return c;
}

TaskConfig TaskConfig::sine_task(int n, bool paper_amplitude) {
  TaskConfig c;
  c.kind = TaskKind::sine;
  c.x_dim = 1;
  c.y_dim = 1;
  c.num_context = n;
  c.sine_amp_max = paper_amplitude ? 5.0 : 0.5;
  return c;
}

std::string TaskConfig::describe() const {
  std::string inputs;
  if (kind == TaskKind::sine) {
    inputs = fmt::format("x~U({:g},{:g})", -sine_x_half_width * input_scale,
                         sine_x_half_width * input_scale);
  } else if (input_law == InputLaw::uniform) {
    const double a = input_half_width * input_scale;
    inputs = fmt::format("x~U({:g},{:g})^{}", -a, a, x_dim);
  } else {
    inputs = input_covariance.size() == 0 ? fmt::format("x~N(0,I_{})", x_dim)
                                          : fmt::format("x~N(0,Lambda) d={}", x_dim);
    if (input_scale != 1.0) inputs += fmt::format(" scaled by {:g}", input_scale);
  }
  std::string s;
  if (kind == TaskKind::linear) {
    s = fmt::format("linear d={} Ny={} N={} {} W~{}N(0,I)", x_dim, y_dim, num_context, inputs,
                    weight_scale == 1.0 ? std::string() : fmt::format("{:g}*", weight_scale));
  } else {
    s = fmt::format("sine N={} {} A~U({:g},{:g}) phase~U(0,{:g})", num_context, inputs,
                    sine_amp_min * weight_scale, sine_amp_max * weight_scale, sine_phase_max);
  }
  if (label_noise > 0) s += fmt::format(" noise={:g}", label_noise);
  if (num_distractors > 0) s += fmt::format(" distractors={}", num_distractors);
  return s;
}

void TaskConfig::validate() const {
  if (x_dim < 1 || y_dim < 1 || num_context < 1)
    throw std::invalid_argument("TaskConfig: x_dim, y_dim and num_context must be >= 1");
  if (kind == TaskKind::sine && (x_dim != 1 || y_dim != 1))
    throw std::invalid_argument("TaskConfig: sine tasks have x_dim = y_dim = 1");
  if (num_distractors < 0 || num_distractors > num_context)
    throw std::invalid_argument("TaskConfig: num_distractors must be in [0, num_context]");
  if (label_noise < 0) throw std::invalid_argument("TaskConfig: label_noise must be >= 0");
  if (input_covariance.size() != 0 &&
      (input_covariance.rows() != x_dim || input_covariance.cols() != x_dim))
    throw std::invalid_argument("TaskConfig: input_covariance must be x_dim x x_dim");
}

nlohmann::json TaskConfig::to_json() const {
  nlohmann::json j;
  j["kind"] = kind_name(kind);
  j["x_dim"] = x_dim;
  j["y_dim"] = y_dim;
  j["num_context"] = num_context;
  j["input_law"] = law_name(input_law);
  j["input_half_width"] = input_half_width;
  if (input_covariance.size() != 0) {
    std::vector<std::vector<double>> rows(static_cast<std::size_t>(input_covariance.rows()));
    for (Eigen::Index r = 0; r < input_covariance.rows(); ++r)
      for (Eigen::Index c = 0; c < input_covariance.cols(); ++c)
        rows[static_cast<std::size_t>(r)].push_back(input_covariance(r, c));
    j["input_covariance"] = rows;
  }
  j["input_scale"] = input_scale;
  j["weight_scale"] = weight_scale;
  j["label_noise"] = label_noise;
  j["num_distractors"] = num_distractors;
  j["sine_amp_min"] = sine_amp_min;
  j["sine_amp_max"] = sine_amp_max;
  j["sine_phase_max"] = sine_phase_max;
  j["sine_x_half_width"] = sine_x_half_width;
  j["description"] = describe();
  return j;
}

TaskConfig TaskConfig::from_json(const nlohmann::json& j) {
  TaskConfig c;
  c.kind = kind_from(j.value("kind", "linear"));
  c.x_dim = j.value("x_dim", c.x_dim);
  c.y_dim = j.value("y_dim", c.y_dim);
  c.num_context = j.value("num_context", c.num_context);
  c.input_law = law_from(j.value("input_law", "uniform"));
  c.input_half_width = j.value("input_half_width", c.input_half_width);
  if (j.contains("input_covariance")) {
    const auto rows = j.at("input_covariance").get<std::vector<std::vector<double>>>();
    c.input_covariance.resize(static_cast<Eigen::Index>(rows.size()),
                              rows.empty() ? 0 : static_cast<Eigen::Index>(rows[0].size()));
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (std::size_t k = 0; k < rows[r].size(); ++k)
        c.input_covariance(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) = rows[r][k];
  }
  c.input_scale = j.value("input_scale", c.input_scale);
  c.weight_scale = j.value("weight_scale", c.weight_scale);
  c.label_noise = j.value("label_noise", c.label_noise);
  c.num_distractors = j.value("num_distractors", c.num_distractors);
  c.sine_amp_min = j.value("sine_amp_min", c.sine_amp_min);
  c.sine_amp_max = j.value("sine_amp_max", c.sine_amp_max);
  c.sine_phase_max = j.value("sine_phase_max", c.sine_phase_max);
  c.sine_x_half_width = j.value("sine_x_half_width", c.sine_x_half_width);
  c.validate();
  return c;
}

Eigen::MatrixXd TaskBatch::targets() const {
  Eigen::MatrixXd t(y_dim, batch);
  for (int b = 0; b < batch; ++b) t.col(b) = query_y(b);
  return t;
}

Eigen::MatrixXd TaskBatch::task_weights(int b) const {
  return weights.col(b).reshaped(y_dim, x_dim);
}

void generate_task(const TaskConfig& cfg, TaskRng& rng, const Eigen::MatrixXd* cholesky, double* x,
                   double* y, double* weights) {
  const int d = cfg.x_dim, ny = cfg.y_dim, n = cfg.num_context;
  const int cols = n + 1;
  Eigen::Map<Eigen::MatrixXd> X(x, d, cols), Y(y, ny, cols);
  if (cfg.kind == TaskKind::linear) {
    Eigen::Map<Eigen::MatrixXd> W(weights, ny, d);
    for (int k = 0; k < ny * d; ++k) weights[k] = cfg.weight_scale * rng.normal();
    if (cfg.input_law == InputLaw::uniform) {
      const double a = cfg.input_half_width * cfg.input_scale;
      for (int k = 0; k < d * cols; ++k) x[k] = rng.uniform(-a, a);
    } else {
      for (int k = 0; k < d * cols; ++k) x[k] = rng.normal();
      if (cholesky != nullptr) X = (*cholesky * X).eval();
      X *= cfg.input_scale;
    }
    Y.noalias() = W * X;
  } else {
    // Reference: amp ~ U(0.1, 0.5)·w_scale, phase ~ U(0, 1)·π (the code reuses one key for
    // both; here they are independent draws), x ~ U(−input_range/2, input_range/2).
    const double amp = cfg.weight_scale * rng.uniform(cfg.sine_amp_min, cfg.sine_amp_max);
    const double phase = rng.uniform(0.0, cfg.sine_phase_max);
    weights[0] = amp;
    weights[1] = phase;
    const double a = cfg.sine_x_half_width * cfg.input_scale;
    for (int k = 0; k < cols; ++k) x[k] = rng.uniform(-a, a);
    for (int k = 0; k < cols; ++k) y[k] = amp * std::sin(x[k] + phase);
  }
  if (cfg.label_noise > 0) {
    for (int i = 0; i < n; ++i)
      for (int r = 0; r < ny; ++r) Y(r, i) += cfg.label_noise * rng.normal();
  }
  if (cfg.num_distractors > 0) {
    // Distinct positions by a partial Fisher–Yates shuffle (reference: choice without replacement).
    std::vector<int> positions(static_cast<std::size_t>(n));
    std::iota(positions.begin(), positions.end(), 0);
    for (int k = 0; k < cfg.num_distractors; ++k) {
      const int j = k + static_cast<int>(rng.below(static_cast<std::uint32_t>(n - k)));
      std::swap(positions[static_cast<std::size_t>(k)], positions[static_cast<std::size_t>(j)]);
      const int i = positions[static_cast<std::size_t>(k)];
      for (int r = 0; r < ny; ++r) Y(r, i) = rng.normal();
    }
  }
}

TaskBatch generate_tasks(const TaskConfig& cfg, std::uint64_t seed, std::uint32_t stream,
                         std::uint64_t step, int batch, std::uint32_t first_task, int threads) {
  cfg.validate();
  TaskBatch tb;
  tb.batch = batch;
  tb.x_dim = cfg.x_dim;
  tb.y_dim = cfg.y_dim;
  tb.num_context = cfg.num_context;
  const int cols = cfg.num_context + 1;
  tb.x.resize(cfg.x_dim, static_cast<Eigen::Index>(batch) * cols);
  tb.y.resize(cfg.y_dim, static_cast<Eigen::Index>(batch) * cols);
  const int wsize = cfg.kind == TaskKind::linear ? cfg.y_dim * cfg.x_dim : 2;
  Eigen::MatrixXd params(wsize, batch);
  Eigen::MatrixXd chol;
  const Eigen::MatrixXd* chol_ptr = nullptr;
  if (cfg.input_law == InputLaw::gaussian && cfg.input_covariance.size() != 0) {
    Eigen::LLT<Eigen::MatrixXd> llt(cfg.input_covariance);
    if (llt.info() != Eigen::Success)
      throw std::invalid_argument("TaskConfig: input_covariance is not positive definite");
    chol = llt.matrixL();
    chol_ptr = &chol;
  }
  constexpr int kBlock = 64;
  const int blocks = (batch + kBlock - 1) / kBlock;
  parallel_blocks(blocks, threads, [&](int blk, int) {
    const int end = std::min(batch, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) {
      TaskRng rng(seed, stream, step, first_task + static_cast<std::uint32_t>(b));
      generate_task(cfg, rng, chol_ptr, tb.x.data() + static_cast<std::size_t>(b) * cols * cfg.x_dim,
                    tb.y.data() + static_cast<std::size_t>(b) * cols * cfg.y_dim,
                    params.data() + static_cast<std::size_t>(b) * wsize);
    }
  });
  if (cfg.kind == TaskKind::linear)
    tb.weights = std::move(params);
  else
    tb.sine_params = std::move(params);
  return tb;
}

}  // namespace icgd::train
