// The merged one-layer LSA of ZFB (Eq. 3–7): layer, prediction, loss and gradient, prompts,
// training (icgd/zfb/train.hpp).
#include "icgd/zfb/train.hpp"

#include "icgd/train/optim.hpp"
#include "icgd/train/parallel.hpp"
#include "icgd/train/rng.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace icgd::zfb {
namespace {

constexpr int kBlock = 64;  // prompts per reduction block (fixed: results independent of threads)

int blocks_of(int count) { return (count + kBlock - 1) / kBlock; }

bool is_finite(const Eigen::MatrixXd& m) { return m.allFinite(); }

/// S with S Sᵀ = Σ for a symmetric positive semi-definite Σ (the symmetric square root, so that
/// a singular Σ_w is allowed).
Eigen::MatrixXd square_root(const Eigen::MatrixXd& sigma) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(sigma);
  const Eigen::VectorXd roots = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return eig.eigenvectors() * roots.asDiagonal() * eig.eigenvectors().transpose();
}

bool is_diagonal(const Eigen::MatrixXd& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      if (i != j && m(i, j) != 0.0) return false;
  return true;
}

}  // namespace

void require_valid(const LsaWeights& weights) {
  const auto n = weights.W_KQ.rows();
  if (n < 2 || weights.W_KQ.cols() != n || weights.W_PV.rows() != n || weights.W_PV.cols() != n)
    throw std::invalid_argument("ZFB LSA weights: W_KQ and W_PV must both be (d+1)×(d+1) with d ≥ 1");
  if (!is_finite(weights.W_KQ) || !is_finite(weights.W_PV))
    throw std::invalid_argument("ZFB LSA weights: W_KQ and W_PV must be finite");
}

LsaWeights assumption3_init(const Eigen::MatrixXd& theta_theta, double sigma) {
  const auto d = theta_theta.rows();
  if (d < 1 || theta_theta.cols() != d || !is_finite(theta_theta))
    throw std::invalid_argument("Assumption 3: ΘΘᵀ must be a finite square matrix");
  if (!(theta_theta - theta_theta.transpose()).isZero(1e-12) || std::abs(theta_theta.norm() - 1.0) > 1e-12)
    throw std::invalid_argument("Assumption 3: ΘΘᵀ must be symmetric with Frobenius norm 1");
  if (!(sigma > 0) || !std::isfinite(sigma)) throw std::invalid_argument("Assumption 3: σ must be positive and finite");
  LsaWeights w{Eigen::MatrixXd::Zero(d + 1, d + 1), Eigen::MatrixXd::Zero(d + 1, d + 1)};
  w.W_KQ.topLeftCorner(d, d) = sigma * theta_theta;
  w.W_PV(d, d) = sigma;
  return w;
}

Eigen::MatrixXd random_theta_theta(int d, std::uint64_t seed) {
  if (d < 1) throw std::invalid_argument("random_theta_theta: d must be ≥ 1");
  train::TaskRng rng(seed, train::Stream::init, 0, 0);
  Eigen::MatrixXd g(d, d);
  for (Eigen::Index j = 0; j < d; ++j)
    for (Eigen::Index i = 0; i < d; ++i) g(i, j) = rng.normal();
  const Eigen::MatrixXd ggt = g * g.transpose();
  Eigen::MatrixXd out = ggt / ggt.norm();
  return 0.5 * (out + out.transpose());  // exactly symmetric
}

Eigen::MatrixXd lsa_layer(const LsaWeights& weights, const Eigen::MatrixXd& E) {
  require_valid(weights);
  if (E.rows() != weights.W_KQ.rows() || E.cols() < 2)
    throw std::invalid_argument("lsa_layer: E must be (d+1) × (M+1) with M ≥ 1");
  const double rho = static_cast<double>(E.cols() - 1);
  return E + weights.W_PV * E * (E.transpose() * weights.W_KQ * E) / rho;
}

namespace {
// ŷ = e_{d+1}ᵀ W^PV (E Eᵀ/ρ) W^KQ e_q, evaluated right to left in O(d·M); also returns the two
// vectors the gradient needs: k = W^KQ e_q and G k with G = E Eᵀ/ρ.
double predict_into(const LsaWeights& w, const Eigen::Ref<const Eigen::MatrixXd>& E, Eigen::VectorXd& k,
                    Eigen::VectorXd& Gk) {
  const Eigen::Index M = E.cols() - 1, d = E.rows() - 1;
  const double rho = static_cast<double>(M);
  k.noalias() = w.W_KQ * E.col(M);
  Gk.noalias() = E * (E.transpose() * k);
  Gk /= rho;
  return w.W_PV.row(d).dot(Gk);
}
}  // namespace

double lsa_prediction(const LsaWeights& weights, const Eigen::MatrixXd& E) {
  require_valid(weights);
  if (E.rows() != weights.W_KQ.rows() || E.cols() < 2)
    throw std::invalid_argument("lsa_prediction: E must be (d+1) × (M+1) with M ≥ 1");
  if (E(E.rows() - 1, E.cols() - 1) != 0.0)
    throw std::invalid_argument("lsa_prediction: the query's label slot must be 0 (ZFB Eq. 4)");
  Eigen::VectorXd k, Gk;
  return predict_into(weights, E, k, Gk);
}

Eigen::MatrixXd effective_preconditioner(const LsaWeights& weights) {
  require_valid(weights);
  const int d = weights.dim();
  return weights.W_PV(d, d) * weights.W_KQ.topLeftCorner(d, d).transpose();
}

double OffBlocks::max() const { return std::max({pv_11, pv_12, pv_21, kq_12, kq_21, kq_22}); }

OffBlocks off_blocks(const LsaWeights& weights) {
  require_valid(weights);
  const int d = weights.dim();
  auto amax = [](const auto& block) { return block.size() == 0 ? 0.0 : block.cwiseAbs().maxCoeff(); };
  OffBlocks o;
  o.pv_11 = amax(weights.W_PV.topLeftCorner(d, d));
  o.pv_12 = amax(weights.W_PV.topRightCorner(d, 1));
  o.pv_21 = amax(weights.W_PV.bottomLeftCorner(1, d));
  o.kq_12 = amax(weights.W_KQ.topRightCorner(d, 1));
  o.kq_21 = amax(weights.W_KQ.bottomLeftCorner(1, d));
  o.kq_22 = std::abs(weights.W_KQ(d, d));
  return o;
}

// ---------------------------------------------------------------------------------------------

PromptLaw training_prompt_law(const Eigen::MatrixXd& Lambda) { return {training_law(Lambda), TaskLaw::gaussian, CovarianceLaw::fixed}; }

void require_valid(const PromptLaw& law) {
  if (law.covariance == CovarianceLaw::fixed) {
    require_valid(law.law);
  } else {
    // Only E wwᵀ and the noise are read; the covariances are drawn per prompt.
    TestLaw stand_in = law.law;
    const auto d = law.law.task_second_moment.rows();
    stand_in.prompt_cov = stand_in.query_cov = Eigen::MatrixXd::Identity(d, d);
    require_valid(stand_in);
  }
  if (law.task == TaskLaw::rademacher && !is_diagonal(law.law.task_second_moment))
    throw std::invalid_argument("a Rademacher task law needs a diagonal E wwᵀ");
}

Prompts sample_prompts(const PromptLaw& law, int M, int count, std::uint64_t seed, std::uint32_t stream,
                       std::uint64_t step, int threads, std::uint32_t first) {
  require_valid(law);
  if (M < 1 || count < 1) throw std::invalid_argument("sample_prompts: M and count must be ≥ 1");
  const int d = static_cast<int>(law.law.task_second_moment.rows());
  const bool fixed = law.covariance == CovarianceLaw::fixed;
  const Eigen::MatrixXd prompt_root = fixed ? square_root(law.law.prompt_cov) : Eigen::MatrixXd();
  const Eigen::MatrixXd query_root = fixed ? square_root(law.law.query_cov) : Eigen::MatrixXd();
  const Eigen::MatrixXd task_root = square_root(law.law.task_second_moment);
  const Eigen::VectorXd task_scale = law.law.task_second_moment.diagonal().cwiseMax(0.0).cwiseSqrt();
  const double noise = std::sqrt(law.law.noise_variance);
  Prompts p;
  p.dim = d;
  p.length = M;
  p.count = count;
  p.tokens.setZero(d + 1, static_cast<Eigen::Index>(count) * (M + 1));
  p.targets.resize(count);
  train::parallel_blocks(blocks_of(count), threads, [&](int block, int) {
    Eigen::VectorXd z(d), w(d), lambda_root(d);
    for (int b = block * kBlock; b < std::min(count, (block + 1) * kBlock); ++b) {
      train::TaskRng rng(seed, stream, step, first + static_cast<std::uint32_t>(b));
      if (!fixed)
        for (int k = 0; k < d; ++k) lambda_root(k) = std::sqrt(-std::log(1.0 - rng.uniform01()));  // √λ, λ ~ Exp(1)
      if (law.task == TaskLaw::gaussian) {
        for (int k = 0; k < d; ++k) z(k) = rng.normal();
        w.noalias() = task_root * z;
      } else {
        for (int k = 0; k < d; ++k) w(k) = (rng.uniform01() < 0.5 ? -1.0 : 1.0) * task_scale(k);
      }
      auto E = p.tokens.middleCols(static_cast<Eigen::Index>(b) * (M + 1), M + 1);
      for (int i = 0; i <= M; ++i) {
        for (int k = 0; k < d; ++k) z(k) = rng.normal();
        if (fixed)
          E.col(i).head(d).noalias() = (i < M ? prompt_root : query_root) * z;
        else
          E.col(i).head(d) = lambda_root.cwiseProduct(z);
      }
      for (int i = 0; i < M; ++i) E(d, i) = w.dot(E.col(i).head(d)) + (noise > 0 ? noise * rng.normal() : 0.0);
      p.targets(b) = w.dot(E.col(M).head(d)) + (noise > 0 ? noise * rng.normal() : 0.0);
      E(d, M) = 0.0;  // the query's label slot (ZFB Eq. 4)
    }
  });
  return p;
}

Eigen::VectorXd lsa_predictions(const LsaWeights& weights, const Prompts& prompts, int threads) {
  require_valid(weights);
  if (prompts.dim != weights.dim()) throw std::invalid_argument("lsa_predictions: prompt and weight dimensions differ");
  Eigen::VectorXd out(prompts.count);
  train::parallel_blocks(blocks_of(prompts.count), threads, [&](int block, int) {
    Eigen::VectorXd k, Gk;
    for (int b = block * kBlock; b < std::min(prompts.count, (block + 1) * kBlock); ++b)
      out(b) = predict_into(weights, prompts.prompt(b), k, Gk);
  });
  return out;
}

McEstimate lsa_squared_error(const LsaWeights& weights, const Prompts& prompts, int threads) {
  const Eigen::ArrayXd sq = (lsa_predictions(weights, prompts, threads) - prompts.targets).array().square();
  const double n = static_cast<double>(sq.size());
  const double mean = sq.mean();
  const double variance = n > 1 ? (sq - mean).square().sum() / (n - 1) : 0.0;
  return {mean, std::sqrt(variance / n), static_cast<long>(sq.size())};
}

LossAndGradient lsa_loss_and_gradient(const LsaWeights& weights, const Prompts& prompts, int threads) {
  require_valid(weights);
  if (prompts.dim != weights.dim()) throw std::invalid_argument("lsa_loss_and_gradient: prompt and weight dimensions differ");
  const int d = weights.dim(), blocks = blocks_of(prompts.count);
  struct Partial {
    double loss = 0;
    Eigen::MatrixXd g_kq, g_pv;
  };
  std::vector<Partial> partial(static_cast<std::size_t>(blocks));
  const Eigen::VectorXd p_row = weights.W_PV.row(d).transpose();
  train::parallel_blocks(blocks, threads, [&](int block, int) {
    Partial& out = partial[static_cast<std::size_t>(block)];
    out.g_kq.setZero(d + 1, d + 1);
    out.g_pv.setZero(d + 1, d + 1);
    Eigen::VectorXd k, Gk, Gp;
    for (int b = block * kBlock; b < std::min(prompts.count, (block + 1) * kBlock); ++b) {
      const auto E = prompts.prompt(b);
      const double r = predict_into(weights, E, k, Gk) - prompts.targets(b);
      out.loss += r * r;
      out.g_pv.row(d) += r * Gk.transpose();                       // ∂ŷ/∂W^PV = e_{d+1} (G k)ᵀ
      Gp.noalias() = E * (E.transpose() * p_row);                  // G p (times ρ)
      out.g_kq.noalias() += (r / static_cast<double>(prompts.length)) * Gp * E.col(prompts.length).transpose();  // G p e_qᵀ
    }
  });
  LossAndGradient result{0, {Eigen::MatrixXd::Zero(d + 1, d + 1), Eigen::MatrixXd::Zero(d + 1, d + 1)}};
  for (const auto& part : partial) {
    result.loss += part.loss;
    result.gradient.W_KQ += part.g_kq;
    result.gradient.W_PV += part.g_pv;
  }
  const double inv_b = 1.0 / prompts.count;
  result.loss *= 0.5 * inv_b;
  result.gradient.W_KQ *= inv_b;
  result.gradient.W_PV *= inv_b;
  return result;
}

// ---------------------------------------------------------------------------------------------

void LsaTrainConfig::validate() const {
  require_valid(law);
  if (prompt_length < 1 || batch < 1 || steps < 0)
    throw std::invalid_argument("LSA training: prompt length and batch must be ≥ 1, steps ≥ 0");
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    throw std::invalid_argument("LSA training: the learning rate must be positive and finite");
  if (!(final_lr_fraction > 0) || final_lr_fraction > 1)
    throw std::invalid_argument("LSA training: final_lr_fraction must be in (0, 1]");
}

std::vector<LsaTrainRecord> train_lsa(LsaWeights& weights, const LsaTrainConfig& config, std::int64_t record_every,
                                      const std::function<void(std::int64_t)>& on_step) {
  config.validate();
  require_valid(weights);
  if (config.law.law.task_second_moment.rows() != weights.dim())
    throw std::invalid_argument("LSA training: the law's dimension differs from the weights'");
  const int d = weights.dim(), n = (d + 1) * (d + 1);
  train::AdamConfig adam_config;
  adam_config.learning_rate = config.learning_rate;
  adam_config.beta2 = 0.999;
  train::Adam<double> adam(adam_config, static_cast<std::size_t>(2 * n));
  std::vector<double> flat(static_cast<std::size_t>(2 * n)), grad(flat.size());
  std::vector<LsaTrainRecord> records;
  for (std::int64_t step = 0; step < config.steps; ++step) {
    const Prompts batch = sample_prompts(config.law, config.prompt_length, config.batch, config.seed,
                                         static_cast<std::uint32_t>(train::Stream::train_tasks),
                                         static_cast<std::uint64_t>(step), config.threads);
    const LossAndGradient lg = lsa_loss_and_gradient(weights, batch, config.threads);
    if (step == 0) records.push_back({0, lg.loss, weights});
    const double progress = config.steps > 1 ? static_cast<double>(step) / static_cast<double>(config.steps - 1) : 1.0;
    const double lr = config.learning_rate * (1.0 - (1.0 - config.final_lr_fraction) * progress);
    if (config.optimiser == Optimiser::sgd) {
      weights.W_KQ -= lr * lg.gradient.W_KQ;
      weights.W_PV -= lr * lg.gradient.W_PV;
    } else {
      Eigen::Map<Eigen::MatrixXd>(flat.data(), d + 1, d + 1) = weights.W_KQ;
      Eigen::Map<Eigen::MatrixXd>(flat.data() + n, d + 1, d + 1) = weights.W_PV;
      Eigen::Map<Eigen::MatrixXd>(grad.data(), d + 1, d + 1) = lg.gradient.W_KQ;
      Eigen::Map<Eigen::MatrixXd>(grad.data() + n, d + 1, d + 1) = lg.gradient.W_PV;
      adam.config().learning_rate = lr;
      adam.step(flat, grad);
      weights.W_KQ = Eigen::Map<const Eigen::MatrixXd>(flat.data(), d + 1, d + 1);
      weights.W_PV = Eigen::Map<const Eigen::MatrixXd>(flat.data() + n, d + 1, d + 1);
    }
    if (!weights.W_KQ.allFinite() || !weights.W_PV.allFinite())
      throw std::runtime_error("LSA training diverged (non-finite weights at step " + std::to_string(step + 1) +
                               "); lower the learning rate");
    const std::int64_t done = step + 1;
    if ((record_every > 0 && done % record_every == 0) || done == config.steps) records.push_back({done, lg.loss, weights});
    if (on_step) on_step(done);
  }
  return records;
}

}  // namespace icgd::zfb
