// The training engine (icgd::train) in double: the Proposition 1 construction as a model, next
// to gradient descent on the same tasks, and the analytic optimum of one-step GD.
//
// Claims: VO-1/VO-2/VO-3 numerically on the paper's task distribution (a constructed K-layer
// model predicts exactly what K GD steps predict), and the oracle behind VO-6/VO-7 (docs/papers/von_oswald.md,
// "Experiments and the numbers to hit"): the best one-step GD learning rate α* and its risk, checked by Monte Carlo. The demo
// `icgd demo one-layer` trains a model and compares it with exactly these baselines.
#include "icgd/train/train.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

using namespace icgd::train;

int main() {
  const int d = 10, n = 10;
  const TaskConfig task = TaskConfig::code_linear(d, n);  // the reference code's x ~ U(−0.5, 0.5)
  std::printf("tasks: %s\n", task.describe().c_str());

  // The oracle: ŷ = α x_qᵀ Ŝ w is one GD step from W0 = 0 with η = α; α* minimises its risk.
  const OneStepGdOracle oracle = one_step_gd_oracle_uniform(task.input_half_width, d, n);
  std::printf("one-step GD optimum (analytic): alpha* = %.6f, 0.5*risk = %.6f (0.5*risk of yhat = 0: %.6f)\n",
              oracle.alpha_star, oracle.half_risk, oracle.half_risk_zero);
  // The same oracle for x ~ N(0, I) gives ZFB's preconditioner for Λ = I (claim ZFB-7):
  // Γ⁻¹ = N/(N+d+1) I, so the best one-step GD rate must be N/(N+d+1).
  const double gaussian_alpha = one_step_gd_oracle_gaussian(1.0, d, n).alpha_star;
  std::printf("x ~ N(0, I) instead: alpha* = %.6f; equals N/(N+d+1) = %.6f: %s\n\n", gaussian_alpha,
              double(n) / (n + d + 1), std::abs(gaussian_alpha - double(n) / (n + d + 1)) < 1e-12 ? "yes" : "no");

  // Tasks 0..B−1 of (seed 7, the user stream, step 0): the same numbers on every machine.
  const int tasks_count = 100000;
  const TaskBatch tasks = generate_tasks(task, /*seed=*/7, Stream::user, /*step=*/0, tasks_count);
  const Batch<double> batch = make_batch<double>(tasks, TokenConfig{});  // e_i = (x_i, y_i), query (x_q, 0)

  for (const int K : {1, 3}) {
    const std::vector<double> etas(K, oracle.alpha_star);
    // K stacked Prop. 1 layers: W_K = W_Q = [[I,0],[0,0]], W_V = [[0,0],[W0,−I]], P = (η/N) I,
    // query masked from keys/values, ŷ = −(query y-slot).
    const Model<double> constructed = make_gd_model<double>(d, 1, n, etas);
    const Eigen::MatrixXd transformer = constructed.predict(batch.tokens);
    const Eigen::MatrixXd gd = gd_predictions(tasks, etas);  // K steps of GD, W0 = 0
    const double relative = (transformer - gd).cwiseAbs().maxCoeff() / gd.cwiseAbs().maxCoeff();
    std::printf("K = %d constructed layers vs K = %d GD steps, eta = alpha* (the one-step optimum) each:\n", K, K);
    std::printf("  max |transformer - GD| / max |GD| < 1e-12: %s\n", relative < 1e-12 ? "yes" : "no");
    std::printf("  loss: transformer %.5f, GD %.5f\n", double(constructed.loss(batch.tokens, batch.targets)),
                half_mse(tasks, gd));
    if (K == 1) {
      // Monte-Carlo estimate of the one-step risk at α*, with its standard error.
      const Eigen::ArrayXd half_sq = 0.5 * (gd - tasks.targets()).colwise().squaredNorm().array();
      const double mean = half_sq.mean();
      const double se = std::sqrt((half_sq - mean).square().sum() / (tasks_count - 1) / tasks_count);
      std::printf("  Monte Carlo 0.5*risk = %.5f +- %.5f; analytic %.5f is within 3 s.e.: %s\n", mean, se,
                  oracle.half_risk, std::abs(mean - oracle.half_risk) <= 3 * se ? "yes" : "no");
    }
  }
  return 0;
}
