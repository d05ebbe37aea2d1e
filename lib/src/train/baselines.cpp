// Baselines (docs/papers/von_oswald.md, "Setting and notation", "Several layers and the damped recurrence", "GD++: curvature correction", "Experiments and the numbers to hit"; reference train.py `scan_lrs`,
// `pre_train_gd_hps`).
#include "icgd/train/baselines.hpp"

#include "icgd/train/model.hpp"
#include "icgd/train/optim.hpp"
#include "icgd/train/parallel.hpp"
#include "icgd/train/tokens.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace icgd::train {

namespace {

constexpr int kBlock = 64;

int blocks_of(int batch) { return (batch + kBlock - 1) / kBlock; }

// Per-task sufficient statistics of GD from W_0: Ŝ = X Xᵀ/N and Ĉ = Y Xᵀ/N, since
// ∇L(W) = W Ŝ − Ĉ (von_oswald.md, "Setting and notation").
struct GdStats {
  Eigen::MatrixXd S, C;
};

GdStats gd_stats(const TaskBatch& t, int b) {
  const double inv_n = 1.0 / t.num_context;
  const auto X = t.context_x(b);
  return {X * X.transpose() * inv_n, t.context_y(b) * X.transpose() * inv_n};
}

}  // namespace

double half_mse(const TaskBatch& tasks, const Eigen::MatrixXd& predictions) {
  if (predictions.cols() != tasks.batch || predictions.rows() != tasks.y_dim)
    throw std::invalid_argument("half_mse: predictions must be y_dim x batch");
  long double s = 0;
  for (int b = 0; b < tasks.batch; ++b)
    s += static_cast<long double>((predictions.col(b) - tasks.query_y(b)).squaredNorm());
  return static_cast<double>(0.5L * s / tasks.batch);
}

double zero_predictor_loss(const TaskBatch& tasks) {
  return half_mse(tasks, Eigen::MatrixXd::Zero(tasks.y_dim, tasks.batch));
}

Eigen::MatrixXd gd_predictions(const TaskBatch& tasks, const std::vector<double>& etas,
                               const Eigen::MatrixXd& W0, int threads) {
  Eigen::MatrixXd out(tasks.y_dim, tasks.batch);
  parallel_blocks(blocks_of(tasks.batch), threads, [&](int blk, int) {
    const int end = std::min(tasks.batch, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) {
      const GdStats st = gd_stats(tasks, b);
      Eigen::MatrixXd W = W0.size() != 0 ? W0 : Eigen::MatrixXd::Zero(tasks.y_dim, tasks.x_dim);
      for (double eta : etas) W -= eta * (W * st.S - st.C);
      out.col(b) = W * tasks.query_x(b);
    }
  });
  return out;
}

Eigen::MatrixXd gd_predictions(const TaskBatch& tasks, double eta, int steps, int threads) {
  return gd_predictions(tasks, std::vector<double>(static_cast<std::size_t>(steps), eta), {}, threads);
}

double gd_loss(const TaskBatch& tasks, double eta, int steps, int threads) {
  return half_mse(tasks, gd_predictions(tasks, eta, steps, threads));
}

LineSearchResult line_search_gd(const TaskBatch& tasks, int steps, const LineSearchConfig& config,
                                int threads) {
  if (config.step <= 0 || config.hi <= config.lo) throw std::invalid_argument("line_search_gd: bad grid");
  std::vector<double> grid;
  for (int k = 0;; ++k) {
    const double eta = config.lo + k * config.step;
    if (eta >= config.hi) break;
    grid.push_back(eta);
  }
  // Statistics once per task; each grid point then costs K small matrix products per task.
  const int B = tasks.batch;
  std::vector<GdStats> stats(static_cast<std::size_t>(B));
  parallel_blocks(blocks_of(B), threads, [&](int blk, int) {
    const int end = std::min(B, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) stats[static_cast<std::size_t>(b)] = gd_stats(tasks, b);
  });
  auto loss_at = [&](double eta) {
    std::vector<long double> partial(static_cast<std::size_t>(blocks_of(B)), 0.0L);
    parallel_blocks(blocks_of(B), threads, [&](int blk, int) {
      const int end = std::min(B, (blk + 1) * kBlock);
      long double s = 0;
      for (int b = blk * kBlock; b < end; ++b) {
        const GdStats& st = stats[static_cast<std::size_t>(b)];
        Eigen::MatrixXd W = Eigen::MatrixXd::Zero(tasks.y_dim, tasks.x_dim);
        for (int k = 0; k < steps; ++k) W -= eta * (W * st.S - st.C);
        s += static_cast<long double>((W * tasks.query_x(b) - tasks.query_y(b)).squaredNorm());
      }
      partial[static_cast<std::size_t>(blk)] = s;
    });
    long double total = 0;
    for (long double p : partial) total += p;  // block order: thread-count independent
    return static_cast<double>(0.5L * total / B);
  };
  LineSearchResult r;
  r.grid_loss = std::numeric_limits<double>::infinity();
  for (double eta : grid) {
    const double l = loss_at(eta);
    if (l < r.grid_loss) {
      r.grid_loss = l;
      r.grid_eta = eta;
    }
  }
  r.eta = r.grid_eta;
  r.loss = r.grid_loss;
  if (config.refine) {
    // Golden-section search on the two grid cells around the best point.
    double a = std::max(config.lo, r.grid_eta - config.step);
    double b = r.grid_eta + config.step;
    const double g = (std::sqrt(5.0) - 1.0) / 2.0;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = loss_at(c), fd = loss_at(d);
    while (b - a > config.refine_tolerance) {
      if (fc < fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - g * (b - a);
        fc = loss_at(c);
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + g * (b - a);
        fd = loss_at(d);
      }
    }
    const double eta = 0.5 * (a + b);
    const double l = loss_at(eta);
    if (l < r.loss) {
      r.eta = eta;
      r.loss = l;
    }
  }
  return r;
}

Eigen::MatrixXd gd_plus_plus_predictions(const TaskBatch& tasks, const std::vector<double>& gammas,
                                         const std::vector<double>& etas, int threads) {
  if (gammas.size() != etas.size()) throw std::invalid_argument("gd_plus_plus: gammas/etas differ");
  Eigen::MatrixXd out(tasks.y_dim, tasks.batch);
  const int n = tasks.num_context;
  parallel_blocks(blocks_of(tasks.batch), threads, [&](int blk, int) {
    const int end = std::min(tasks.batch, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) {
      // All tokens (context and query) are updated from the same layer input (von_oswald.md, "GD++: curvature correction").
      Eigen::MatrixXd X = tasks.x.middleCols(b * (n + 1), n + 1);
      Eigen::MatrixXd Y = tasks.y.middleCols(b * (n + 1), n + 1);
      Y.col(n).setZero();  // query label slot starts at −W_0 x_q = 0
      for (std::size_t l = 0; l < etas.size(); ++l) {
        const auto Xc = X.leftCols(n);
        const Eigen::MatrixXd G = Xc.transpose() * X;  // x_iᵀ x_j
        const Eigen::MatrixXd dY = -(etas[l] / n) * Y.leftCols(n) * G;
        const Eigen::MatrixXd dX = -gammas[l] * Xc * G;
        X += dX;
        Y += dY;
      }
      out.col(b) = -Y.col(n);
    }
  });
  return out;
}

GdFitResult fit_gd(const TaskBatch& tasks, int layers, bool plus_plus, bool recurrent,
                   const GdFitConfig& config) {
  if (layers < 1) throw std::invalid_argument("fit_gd: layers must be >= 1");
  double eta0 = config.initial_eta;
  if (eta0 <= 0) eta0 = line_search_gd(tasks, layers, {}, config.threads).eta;
  ModelConfig mc = ModelConfig::for_von_oswald(tasks.x_dim, tasks.y_dim, tasks.num_context, layers,
                                               recurrent);
  mc.attention = plus_plus ? AttentionParam::gd_plus_plus : AttentionParam::gd;
  mc.gd_eta_init = eta0;
  mc.gd_gamma_init = config.initial_gamma;
  Model<double> model(mc);
  model.init_params(0);
  if (!recurrent && layers > 1) {
    // The K-step GD loss is symmetric in (η_1, …, η_K), so the equal-η start is a stationary
    // point (a saddle: per-layer rates do better). Spread the initial rates by ±10% so that
    // the descent leaves it; the spread is deterministic.
    for (int l = 0; l < layers; ++l) {
      const double spread = 0.2 * (static_cast<double>(l) / (layers - 1) - 0.5);
      model.params().mat("layer" + std::to_string(l) + ".gd.eta")(0, 0) = eta0 * (1.0 + spread);
    }
  }
  const Batch<double> batch = make_batch<double>(tasks, TokenConfig{});
  auto& x = model.params().values();
  const std::size_t n = x.size();
  auto evaluate = [&](std::vector<double>& g) {
    model.refresh();
    return static_cast<double>(model.loss_and_grad(batch.tokens, batch.targets, g, config.threads));
  };
  std::vector<double> g, g_new;
  double f = evaluate(g);
  Eigen::MatrixXd H = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  int it = 0;
  for (; it < config.iterations; ++it) {
    const Eigen::Map<const Eigen::VectorXd> gv(g.data(), static_cast<Eigen::Index>(n));
    if (gv.norm() < config.gradient_tolerance) break;
    Eigen::VectorXd p = -H * gv;
    if (p.dot(gv) >= 0) {  // not a descent direction: restart from steepest descent
      H.setIdentity();
      p = -gv;
    }
    const std::vector<double> x_old = x;
    double step = 1.0, f_new = f;
    bool accepted = false;
    for (int k = 0; k < 60 && !accepted; ++k, step *= 0.5) {
      for (std::size_t i = 0; i < n; ++i) x[i] = x_old[i] + step * p(static_cast<Eigen::Index>(i));
      f_new = evaluate(g_new);
      accepted = std::isfinite(f_new) && f_new <= f + 1e-4 * step * p.dot(gv);
    }
    if (!accepted) {
      x = x_old;
      model.refresh();
      break;
    }
    Eigen::VectorXd s(static_cast<Eigen::Index>(n)), y(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) {
      s(static_cast<Eigen::Index>(i)) = x[i] - x_old[i];
      y(static_cast<Eigen::Index>(i)) = g_new[i] - g[i];
    }
    const double sy = s.dot(y);
    if (sy > 1e-300) {
      if (it == 0) H *= sy / y.squaredNorm();  // usual scaling of the initial inverse Hessian
      const double rho = 1.0 / sy;
      const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(H.rows(), H.cols());
      H = (I - rho * s * y.transpose()) * H * (I - rho * y * s.transpose()) + rho * s * s.transpose();
    }
    const double f_old = f;
    f = f_new;
    g.swap(g_new);
    if (std::abs(f_old - f) <= 1e-15 * std::abs(f)) {
      ++it;
      break;
    }
  }
  GdFitResult r;
  r.iterations = it;
  r.loss = model.loss(batch.tokens, batch.targets, config.threads);
  for (int l = 0; l < layers; ++l) {
    const std::string prefix = recurrent ? std::string("shared") : "layer" + std::to_string(l);
    r.etas.push_back(model.params().mat(prefix + ".gd.eta")(0, 0));
    r.gammas.push_back(plus_plus ? model.params().mat(prefix + ".gd.gamma")(0, 0) : 0.0);
  }
  return r;
}

Eigen::MatrixXd least_squares_predictions(const TaskBatch& tasks, int threads) {
  Eigen::MatrixXd out(tasks.y_dim, tasks.batch);
  parallel_blocks(blocks_of(tasks.batch), threads, [&](int blk, int) {
    const int end = std::min(tasks.batch, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) {
      // Minimum-norm solution of Xᵀ Wᵀ = Yᵀ.
      const Eigen::MatrixXd Xt = tasks.context_x(b).transpose();
      Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(Xt);
      const Eigen::MatrixXd Wt = cod.solve(Eigen::MatrixXd(tasks.context_y(b).transpose()));
      out.col(b) = Wt.transpose() * tasks.query_x(b);
    }
  });
  return out;
}

Eigen::MatrixXd ridge_predictions(const TaskBatch& tasks, double lambda, int threads) {
  Eigen::MatrixXd out(tasks.y_dim, tasks.batch);
  parallel_blocks(blocks_of(tasks.batch), threads, [&](int blk, int) {
    const int end = std::min(tasks.batch, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) {
      const auto X = tasks.context_x(b);
      const Eigen::MatrixXd A =
          X * X.transpose() + lambda * Eigen::MatrixXd::Identity(tasks.x_dim, tasks.x_dim);
      // W = Y Xᵀ A⁻¹, so ŷ = Y Xᵀ A⁻¹ x_q (A symmetric).
      const Eigen::VectorXd z = A.ldlt().solve(Eigen::VectorXd(tasks.query_x(b)));
      out.col(b) = tasks.context_y(b) * (X.transpose() * z);
    }
  });
  return out;
}

}  // namespace icgd::train
