// Helpers of the ZFB demos (demos/demo/zfb_support.hpp).
#include "demo/zfb_support.hpp"

#include "interrupt.hpp"
#include "icgd/io/progress.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

namespace icgd::demo::zfb_demo {

NamedCovariance kms(int d, double r) {
  Eigen::MatrixXd m(d, d);
  for (int j = 0; j < d; ++j)
    for (int i = 0; i < d; ++i) m(i, j) = std::pow(r, std::abs(i - j));
  return {fmt::format("KMS_{}({:g})", d, r), m};
}

NamedCovariance identity(int d) { return {fmt::format("I_{}", d), Eigen::MatrixXd::Identity(d, d)}; }

NamedCovariance diagonal(const std::vector<double>& entries) {
  Eigen::VectorXd v = Eigen::Map<const Eigen::VectorXd>(entries.data(), static_cast<Eigen::Index>(entries.size()));
  return {fmt::format("diag({:g})", fmt::join(entries, ",")), v.asDiagonal()};
}

NamedCovariance scaled(const NamedCovariance& base, double c) { return {fmt::format("{:g}·{}", c, base.name), c * base.matrix}; }

nlohmann::json matrix_json(const Eigen::MatrixXd& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(row);
  }
  return rows;
}

double theorem42_error(const Eigen::MatrixXd& Lambda, int N, double M) {
  zfb::require_spd(Lambda, "Λ");
  const Eigen::VectorXd lambda = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(Lambda).eigenvalues();
  const double T = lambda.sum(), n = N;
  const double inv_m = std::isinf(M) ? 0.0 : 1.0 / M;
  double sum = 0;
  for (const double l : lambda) {
    const double g = (1 + 1 / n) * l + T / n;
    sum += ((l * l * l + T * l * l) * inv_m + l * (l + T) * (l + T) / (n * n)) / (g * g);
  }
  return sum;
}

double covariate_shift_floor(const Eigen::MatrixXd& Gamma_inverse, const Eigen::MatrixXd& Omega) {
  const Eigen::MatrixXd D = Gamma_inverse * Omega - Eigen::MatrixXd::Identity(Omega.rows(), Omega.cols());
  return (D.transpose() * Omega * D).trace();
}

zfb::Prompts prompts_from_tasks(const train::TaskBatch& tasks) {
  zfb::Prompts p;
  p.dim = tasks.x_dim;
  p.length = tasks.num_context;
  p.count = tasks.batch;
  const int L = tasks.tokens_per_task();
  p.tokens.resize(tasks.x_dim + 1, static_cast<Eigen::Index>(tasks.batch) * L);
  p.tokens.topRows(tasks.x_dim) = tasks.x;
  p.tokens.bottomRows(1) = tasks.y;
  for (int b = 0; b < tasks.batch; ++b) p.tokens(tasks.x_dim, static_cast<Eigen::Index>(b) * L + L - 1) = 0.0;  // query label slot
  p.targets = tasks.targets().row(0).transpose();
  return p;
}

double z_score(const zfb::McEstimate& estimate, double exact) {
  if (!(estimate.standard_error > 0)) return estimate.mean == exact ? 0.0 : std::numeric_limits<double>::infinity();
  return std::abs(estimate.mean - exact) / estimate.standard_error;
}

std::vector<zfb::LsaTrainRecord> train_lsa_with_progress(DemoContext& ctx, zfb::LsaWeights& weights,
                                                         const zfb::LsaTrainConfig& config, std::int64_t record_every,
                                                         const std::string& label) {
  cli::interruption_point(fmt::format("before training {}", label));
  io::ProgressBar bar(label, config.steps, ctx.progress_enabled() ? io::ProgressBar::Mode::automatic : io::ProgressBar::Mode::off);
  auto records = zfb::train_lsa(weights, config, record_every, [&](std::int64_t step) {
    bar.update(step);
    if (const int sig = cli::pending_signal(); sig != 0)
      throw cli::Interrupted(sig, fmt::format("at step {} of {} ({}; rerun with --resume: it is repeated whole)", step,
                                              config.steps, label));
  });
  bar.finish(fmt::format("batch loss {:.5f}", records.back().batch_loss));
  return records;
}

double relative_frobenius(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).norm() / b.norm(); }

}  // namespace icgd::demo::zfb_demo
