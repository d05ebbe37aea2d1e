// The closed forms of ZFB (Zhang, Frei & Bartlett 2024) in double; see icgd/zfb/closed_form.hpp
// and docs/papers/zhang_frei_bartlett.md for the mathematics.
#include "icgd/zfb/closed_form.hpp"

#include "icgd/train/parallel.hpp"
#include "icgd/train/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace icgd::zfb {
namespace {

void require_square_finite_symmetric(const Eigen::MatrixXd& m, const std::string& name) {
  if (m.rows() == 0 || m.cols() == 0) throw std::invalid_argument(name + " is empty");
  if (m.rows() != m.cols())
    throw std::invalid_argument(name + " is " + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) +
                                ", not square");
  if (!m.allFinite()) throw std::invalid_argument(name + " has a non-finite entry");
  const double scale = std::max(1.0, m.cwiseAbs().maxCoeff());
  if ((m - m.transpose()).cwiseAbs().maxCoeff() > 1e-12 * scale)
    throw std::invalid_argument(name + " is not symmetric");
}

void require_prompt_length(double M, const char* name) {
  if (std::isnan(M) || M < 1) throw std::invalid_argument(std::string(name) + " must be >= 1");
}

// Symmetric square root of a positive semi-definite matrix (negative rounding clamped to 0).
Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& m) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m);
  const Eigen::VectorXd root = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return eig.eigenvectors() * root.asDiagonal() * eig.eigenvectors().transpose();
}


// The Monte-Carlo driver of every estimate here: `draw(rng)` returns one squared error, sample s
// draws from its own counter (seed, stream, s); fixed blocks of samples, each reduced to (mean, sum
// of squared deviations) and merged in block order (Chan et al.), so the estimate does not
// depend on the number of threads.
template <class Draw>
McEstimate block_monte_carlo(long samples, std::uint64_t seed, std::uint32_t stream, Draw&& draw) {
  if (samples < 2) throw std::invalid_argument("samples must be >= 2");
  constexpr long block_size = 4096;
  const long num_blocks = (samples + block_size - 1) / block_size;
  if (num_blocks > std::numeric_limits<int>::max()) throw std::invalid_argument("too many samples");
  struct Partial {
    double mean = 0, m2 = 0;
    long count = 0;
  };
  std::vector<Partial> partial(static_cast<std::size_t>(num_blocks));
  train::parallel_blocks(static_cast<int>(num_blocks), 0, [&](int block, int) {
    Partial p;
    const long begin = block * block_size;
    const long end = std::min(samples, begin + block_size);
    for (long s = begin; s < end; ++s) {
      const auto index = static_cast<std::uint64_t>(s);
      train::TaskRng rng(seed, stream, index >> 32, static_cast<std::uint32_t>(index));
      const double error = draw(rng);
      ++p.count;
      const double delta = error - p.mean;
      p.mean += delta / static_cast<double>(p.count);
      p.m2 += delta * (error - p.mean);
    }
    partial[static_cast<std::size_t>(block)] = p;
  });
  Partial total;
  for (const Partial& p : partial) {
    if (p.count == 0) continue;
    const double n_a = static_cast<double>(total.count), n_b = static_cast<double>(p.count);
    const double delta = p.mean - total.mean;
    const double n = n_a + n_b;
    total.mean += delta * n_b / n;
    total.m2 += p.m2 + delta * delta * n_a * n_b / n;
    total.count += p.count;
  }
  const double variance = total.m2 / static_cast<double>(total.count - 1);
  return McEstimate{total.mean, std::sqrt(variance / static_cast<double>(total.count)), total.count};
}

}  // namespace

void require_spd(const Eigen::MatrixXd& m, const std::string& name) {
  require_square_finite_symmetric(m, name);
  const Eigen::LLT<Eigen::MatrixXd> llt(m);
  if (llt.info() != Eigen::Success) throw std::invalid_argument(name + " is not positive definite");
  // LLT succeeds on some numerically singular matrices; demand a positive smallest eigenvalue too.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(m, Eigen::EigenvaluesOnly);
  if (!(eig.eigenvalues().minCoeff() > 0)) throw std::invalid_argument(name + " is not positive definite");
}

Eigen::MatrixXd gamma(const Eigen::MatrixXd& Lambda, int N) {
  require_spd(Lambda, "Lambda");
  if (N < 1) throw std::invalid_argument("N must be >= 1");
  const double n = N;
  const auto d = Lambda.rows();
  return (1.0 + 1.0 / n) * Lambda + (Lambda.trace() / n) * Eigen::MatrixXd::Identity(d, d);
}

Eigen::MatrixXd gamma_inverse(const Eigen::MatrixXd& Lambda, int N) {
  const Eigen::MatrixXd g = gamma(Lambda, N);
  Eigen::MatrixXd inv = g.llt().solve(Eigen::MatrixXd::Identity(g.rows(), g.cols()));
  return 0.5 * (inv + inv.transpose());
}

LsaMinimiser theorem41_minimiser(const Eigen::MatrixXd& Lambda, int N) {
  const Eigen::MatrixXd g_inv = gamma_inverse(Lambda, N);
  const auto d = g_inv.rows();
  const double tr_g_inv2 = (g_inv * g_inv).trace();
  LsaMinimiser out{Eigen::MatrixXd::Zero(d + 1, d + 1), Eigen::MatrixXd::Zero(d + 1, d + 1),
                   std::pow(tr_g_inv2, -0.25), std::pow(tr_g_inv2, 0.25)};
  out.W_KQ.topLeftCorner(d, d) = out.kq_scale * g_inv;
  out.W_PV(d, d) = out.pv_scale;
  return out;
}

double population_risk(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Lambda, int N) {
  const Eigen::MatrixXd g = gamma(Lambda, N);
  if (A.rows() != Lambda.rows() || A.cols() != Lambda.cols())
    throw std::invalid_argument("A and Lambda differ in size");
  return Lambda.trace() - 2.0 * (A * Lambda * Lambda).trace() + (A.transpose() * Lambda * A * Lambda * g).trace();
}

Eigen::MatrixXd population_risk_gradient(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Lambda, int N) {
  const Eigen::MatrixXd g = gamma(Lambda, N);
  if (A.rows() != Lambda.rows() || A.cols() != Lambda.cols())
    throw std::invalid_argument("A and Lambda differ in size");
  return -2.0 * Lambda * Lambda + 2.0 * Lambda * A * Lambda * g;
}

void require_valid(const TestLaw& law) {
  require_spd(law.prompt_cov, "prompt covariance");
  require_spd(law.query_cov, "query covariance");
  require_square_finite_symmetric(law.task_second_moment, "task second moment");
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(law.task_second_moment, Eigen::EigenvaluesOnly);
  if (eig.eigenvalues().minCoeff() < -1e-12 * std::max(1.0, eig.eigenvalues().cwiseAbs().maxCoeff()))
    throw std::invalid_argument("task second moment is not positive semi-definite");
  const auto d = law.prompt_cov.rows();
  if (law.query_cov.rows() != d || law.task_second_moment.rows() != d)
    throw std::invalid_argument("prompt covariance, query covariance and task second moment differ in size");
  if (!std::isfinite(law.noise_variance) || law.noise_variance < 0)
    throw std::invalid_argument("noise variance must be finite and >= 0");
}

TestLaw training_law(const Eigen::MatrixXd& Lambda) {
  require_spd(Lambda, "Lambda");
  return TestLaw{Lambda, Lambda, Eigen::MatrixXd::Identity(Lambda.rows(), Lambda.cols()), 0.0};
}

double predictor_error(const Eigen::MatrixXd& A, const TestLaw& law, double M) {
  require_valid(law);
  require_prompt_length(M, "M");
  const auto d = law.prompt_cov.rows();
  if (A.rows() != d || A.cols() != d) throw std::invalid_argument("A and the test law differ in size");
  const Eigen::MatrixXd& omega = law.prompt_cov;
  const Eigen::MatrixXd& sigma_w = law.task_second_moment;
  const double inv_m = std::isinf(M) ? 0.0 : 1.0 / M;
  // E[h hᵀ] for h = (1/M) Σ y_i x_i: E[Ŝ Σ_w Ŝ] + σ²/M · Ω.
  const Eigen::MatrixXd h_second =
      (1.0 + inv_m) * omega * sigma_w * omega + ((sigma_w * omega).trace() + law.noise_variance) * inv_m * omega;
  const Eigen::MatrixXd a_omega_sw = A * omega * sigma_w;
  const Eigen::MatrixXd inner = A * h_second * A.transpose() - a_omega_sw - a_omega_sw.transpose() + sigma_w;
  return (law.query_cov * inner).trace() + law.noise_variance;
}

Eigen::MatrixXd noisy_minimiser(const Eigen::MatrixXd& Lambda, const Eigen::MatrixXd& Sigma_w,
                                double noise_variance, int N) {
  require_valid(TestLaw{Lambda, Lambda, Sigma_w, noise_variance});
  if (N < 1) throw std::invalid_argument("N must be >= 1");
  const double n = N;
  const Eigen::MatrixXd h_second =
      (1.0 + 1.0 / n) * Lambda * Sigma_w * Lambda + (((Sigma_w * Lambda).trace() + noise_variance) / n) * Lambda;
  // A* = Σ_w Λ H⁻¹, i.e. the solution of A H = Σ_w Λ (H symmetric positive definite).
  return h_second.llt().solve((Sigma_w * Lambda).transpose()).transpose();
}

double random_covariance_coefficient(int d, int N, double m1, double m2, double m3) {
  if (d < 1) throw std::invalid_argument("d must be >= 1");
  if (N < 1) throw std::invalid_argument("N must be >= 1");
  if (!(std::isfinite(m1) && std::isfinite(m2) && std::isfinite(m3)) || m1 <= 0 || m2 <= 0 || m3 <= 0)
    throw std::invalid_argument("the moments must be finite and positive");
  const double n = N;
  // E[λ_k² tr(Λ)] = E λ³ + (d−1) E λ E λ² for independent entries.
  return m2 / ((1.0 + 1.0 / n) * m3 + (m3 + (d - 1) * m1 * m2) / n);
}

McEstimate monte_carlo_error(const Eigen::MatrixXd& A, const TestLaw& law, int M, long samples, std::uint64_t seed,
                             TaskLaw task) {
  require_valid(law);
  if (M < 1) throw std::invalid_argument("M must be >= 1");
  if (samples < 2) throw std::invalid_argument("samples must be >= 2");
  const auto d = law.prompt_cov.rows();
  if (A.rows() != d || A.cols() != d) throw std::invalid_argument("A and the test law differ in size");
  const Eigen::MatrixXd& sigma_w = law.task_second_moment;
  if (task == TaskLaw::rademacher) {
    const Eigen::MatrixXd off = sigma_w - Eigen::MatrixXd(sigma_w.diagonal().asDiagonal());
    if (off.cwiseAbs().maxCoeff() != 0)
      throw std::invalid_argument("the sign task law needs a diagonal task second moment");
  }
  const Eigen::MatrixXd prompt_root = law.prompt_cov.llt().matrixL();
  const Eigen::MatrixXd query_root = law.query_cov.llt().matrixL();
  const Eigen::MatrixXd task_root = psd_sqrt(sigma_w);
  const Eigen::VectorXd task_scale = sigma_w.diagonal().cwiseMax(0.0).cwiseSqrt();
  const double noise_sd = std::sqrt(law.noise_variance);
  const double inv_m = 1.0 / M;

  return block_monte_carlo(samples, seed, static_cast<std::uint32_t>(train::Stream::user) + 1, [&](train::TaskRng& rng) {
    Eigen::VectorXd z(d), x(d), w(d), h = Eigen::VectorXd::Zero(d), xq(d);
    for (Eigen::Index k = 0; k < d; ++k) z(k) = rng.normal();
    if (task == TaskLaw::gaussian) {
      w.noalias() = task_root * z;
    } else {
      for (Eigen::Index k = 0; k < d; ++k) w(k) = (rng.next_u32() & 1u) ? task_scale(k) : -task_scale(k);
    }
    for (int i = 0; i < M; ++i) {
      for (Eigen::Index k = 0; k < d; ++k) z(k) = rng.normal();
      x.noalias() = prompt_root * z;
      const double y = w.dot(x) + noise_sd * rng.normal();
      h += y * x;
    }
    h *= inv_m;
    for (Eigen::Index k = 0; k < d; ++k) z(k) = rng.normal();
    xq.noalias() = query_root * z;
    const double y_query = w.dot(xq) + noise_sd * rng.normal();
    const double prediction = xq.dot(A * h);
    return (prediction - y_query) * (prediction - y_query);
  });
}

namespace {

// Gauss–Hermite nodes and weights for E g(Z), Z ~ N(0, 1) (probabilists' weight), by
// Golub–Welsch: the eigenvalues of the Jacobi matrix of the Hermite polynomials He_n.
void gauss_hermite(int n, Eigen::VectorXd& nodes, Eigen::VectorXd& weights) {
  Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(n, n);
  for (int k = 1; k < n; ++k) jacobi(k, k - 1) = jacobi(k - 1, k) = std::sqrt(double(k));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(jacobi);
  nodes = eig.eigenvalues();
  weights = eig.eigenvectors().row(0).transpose().array().square();
}


}  // namespace

double theorem42_error(const Eigen::MatrixXd& Lambda, int N, double M, const JointMoments& moments) {
  require_prompt_length(M, "M");
  const Eigen::MatrixXd g_inv = gamma_inverse(Lambda, N);
  const auto d = Lambda.rows();
  if (moments.a.size() != d || moments.Sigma.rows() != d || moments.Sigma.cols() != d)
    throw std::invalid_argument("the joint moments and Lambda differ in size");
  const double inv_m = std::isinf(M) ? 0.0 : 1.0 / M;
  const Eigen::MatrixXd shift = Lambda + Lambda.trace() * Eigen::MatrixXd::Identity(d, d);
  const double n = N;
  const double finite_n = moments.a.dot(Lambda * g_inv * g_inv * shift * shift * moments.a) / (n * n);
  return moments.best_linear_error + inv_m * (moments.Sigma * g_inv * g_inv * Lambda).trace() + finite_n;
}

JointMoments single_index_moments(const Eigen::MatrixXd& Lambda, const Eigen::VectorXd& w, double (*f)(double),
                                  double noise_variance, int nodes) {
  require_spd(Lambda, "Lambda");
  if (w.size() != Lambda.rows() || !w.allFinite() || w.norm() == 0)
    throw std::invalid_argument("w must be finite, nonzero and of Lambda's size");
  if (!std::isfinite(noise_variance) || noise_variance < 0) throw std::invalid_argument("noise variance must be >= 0");
  Eigen::VectorXd z, weight;
  gauss_hermite(nodes, z, weight);
  const Eigen::VectorXd lw = Lambda * w;
  const double s2 = w.dot(lw), s = std::sqrt(s2);
  double e_uf = 0, e_f2 = 0, e_u2f2 = 0;
  for (int k = 0; k < nodes; ++k) {
    const double u = s * z(k), fu = f(u);
    e_uf += weight(k) * u * fu;
    e_f2 += weight(k) * fu * fu;
    e_u2f2 += weight(k) * u * u * fu * fu;
  }
  JointMoments m;
  const Eigen::VectorXd exy = lw * (e_uf / s2);
  // E[x xᵀ y²] with y = f(u) + ε: the noise adds σ² Λ.
  const Eigen::MatrixXd exxyy = Lambda * (e_f2 + noise_variance) + lw * lw.transpose() * ((e_u2f2 - s2 * e_f2) / (s2 * s2));
  m.a = Lambda.llt().solve(exy);
  m.Sigma = exxyy - exy * exy.transpose();
  m.best_linear_error = e_f2 + noise_variance - m.a.dot(Lambda * m.a);
  return m;
}

McEstimate monte_carlo_single_index_error(const Eigen::MatrixXd& A, const Eigen::MatrixXd& Lambda,
                                          const Eigen::VectorXd& w, double (*f)(double), double noise_variance,
                                          int M, long samples, std::uint64_t seed) {
  require_spd(Lambda, "Lambda");
  const auto d = Lambda.rows();
  if (A.rows() != d || A.cols() != d || w.size() != d) throw std::invalid_argument("A, w and Lambda differ in size");
  if (M < 1) throw std::invalid_argument("M must be >= 1");
  const Eigen::MatrixXd root = Lambda.llt().matrixL();
  const double noise_sd = std::sqrt(noise_variance);
  return block_monte_carlo(samples, seed, static_cast<std::uint32_t>(train::Stream::user) + 2, [&](train::TaskRng& rng) {
    Eigen::VectorXd z(d), x(d), h = Eigen::VectorXd::Zero(d);
    for (int i = 0; i < M; ++i) {
      for (Eigen::Index k = 0; k < d; ++k) z(k) = rng.normal();
      x.noalias() = root * z;
      h += (f(w.dot(x)) + noise_sd * rng.normal()) * x;
    }
    h /= double(M);
    for (Eigen::Index k = 0; k < d; ++k) z(k) = rng.normal();
    x.noalias() = root * z;
    const double yq = f(w.dot(x)) + noise_sd * rng.normal();
    const double e = x.dot(A * h) - yq;
    return e * e;
  });
}

McEstimate monte_carlo_exponential_covariance_error(const Eigen::MatrixXd& A, int N, long samples, std::uint64_t seed) {
  const auto d = A.rows();
  if (d < 1 || A.cols() != d || !A.allFinite()) throw std::invalid_argument("A must be square and finite");
  if (N < 1) throw std::invalid_argument("N must be >= 1");
  return block_monte_carlo(samples, seed, static_cast<std::uint32_t>(train::Stream::user) + 3, [&](train::TaskRng& rng) {
    Eigen::VectorXd root(d), w(d), x(d), h = Eigen::VectorXd::Zero(d);
    for (Eigen::Index k = 0; k < d; ++k) root(k) = std::sqrt(-std::log(1.0 - rng.uniform01()));  // Exponential(1)
    for (Eigen::Index k = 0; k < d; ++k) w(k) = rng.normal();
    for (int i = 0; i < N; ++i) {
      for (Eigen::Index k = 0; k < d; ++k) x(k) = root(k) * rng.normal();
      h += w.dot(x) * x;
    }
    h /= double(N);
    for (Eigen::Index k = 0; k < d; ++k) x(k) = root(k) * rng.normal();
    const double e = x.dot(A * h) - w.dot(x);
    return e * e;
  });
}

}  // namespace icgd::zfb
