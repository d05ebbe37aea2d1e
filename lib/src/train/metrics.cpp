// Alignment metrics, interpolation, OOD sweeps, copy diagnostic (docs/papers/von_oswald.md, "Proposition 3", "Experiments and the numbers to hit";
// reference train.py `analyse`, `interpolate`, `ood`, `analyse_copy`).
#include "icgd/train/metrics.hpp"

#include "icgd/train/baselines.hpp"
#include "icgd/train/construct.hpp"
#include "icgd/train/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace icgd::train {

template <class T>
AlignmentMetrics compare_models(const Model<T>& a, const Model<T>& b, const Batch<T>& batch,
                                int x_rows, int threads) {
  const int B = batch.tokens.batch;
  const MatrixX<T> pa = a.predict(batch.tokens, threads);
  const MatrixX<T> pb = b.predict(batch.tokens, threads);
  const MatrixX<T> sa = a.query_sensitivity(batch.tokens, x_rows, threads);
  const MatrixX<T> sb = b.query_sensitivity(batch.tokens, x_rows, threads);
  AlignmentMetrics m;
  long double la = 0, lb = 0, pd = 0, cs = 0, l2 = 0;
  for (int t = 0; t < B; ++t) {
    la += static_cast<long double>((pa.col(t) - batch.targets.col(t)).squaredNorm());
    lb += static_cast<long double>((pb.col(t) - batch.targets.col(t)).squaredNorm());
    pd += std::abs(static_cast<long double>(pa(0, t)) - static_cast<long double>(pb(0, t)));
    const Eigen::VectorXd ga = sa.col(t).template cast<double>();
    const Eigen::VectorXd gb = sb.col(t).template cast<double>();
    // The reference adds 1e-8 to each norm (reference `analyse`).
    cs += ga.dot(gb) / ((ga.norm() + 1e-8) * (gb.norm() + 1e-8));
    l2 += (ga - gb).norm();
  }
  m.loss_a = static_cast<double>(0.5L * la / B);
  m.loss_b = static_cast<double>(0.5L * lb / B);
  m.pred_diff = static_cast<double>(pd / B);
  m.sens_cos = static_cast<double>(cs / B);
  m.sens_l2 = static_cast<double>(l2 / B);
  return m;
}

template <class T>
Model<T> interpolate_with_construction(const Model<T>& trained, const Model<T>& constructed, double t) {
  const ModelConfig& c = trained.config();
  if (c.attention != AttentionParam::full || c.mlp_blocks || c.layer_norm || c.input_embedding ||
      c.input_mlp)
    throw std::invalid_argument("interpolate_with_construction: attention-only models only");
  if (constructed.config().num_layers != c.num_layers ||
      constructed.config().hidden_width() != c.hidden_width())
    throw std::invalid_argument("interpolate_with_construction: models differ in shape");
  ModelConfig oc = c;
  oc.num_heads = 1;
  oc.key_size = 0;
  Model<T> out(oc);
  const int D = c.hidden_width();
  const int nx = D - c.y_dim;
  const int sets = c.recurrent ? 1 : c.num_layers;
  for (int l = 0; l < sets; ++l) {
    Eigen::MatrixXd kq_t, pv_t, kq_c, pv_c;
    attention_products(trained, l, kq_t, pv_t);
    attention_products(constructed, l, kq_c, pv_c);
    // W_KQ → W_KQ/s and W_PV → s·W_PV leave every layer output unchanged (the layer is
    // bilinear in the two products); s makes the trained x-block diagonal mean 1 like Prop. 1's.
    const double s = kq_t.topLeftCorner(nx, nx).diagonal().mean();
    if (s == 0.0) throw std::invalid_argument("interpolate_with_construction: zero W_KQ diagonal");
    const Eigen::MatrixXd kq = (1.0 - t) * kq_t / s + t * kq_c;
    const Eigen::MatrixXd pv = (1.0 - t) * s * pv_t + t * pv_c;
    const std::string prefix = c.recurrent ? std::string("shared") : fmt::format("layer{}", l);
    auto& p = out.params();
    p.mat(prefix + ".attn.W_K").setIdentity();
    p.mat(prefix + ".attn.W_Q") = kq.cast<T>();
    p.mat(prefix + ".attn.W_V") = pv.cast<T>();
    p.mat(prefix + ".attn.P").setIdentity();
  }
  out.refresh();
  return out;
}

std::vector<double> default_ood_alphas(OodAxis axis) {
  std::vector<double> a;
  if (axis == OodAxis::input_scale) {
    for (int k = 0; 0.5 + 0.03 * k <= 2.0 + 1e-9; ++k) a.push_back(0.5 + 0.03 * k);
  } else {
    for (int k = 0; 0.5 + 0.1 * k <= 5.0 + 1e-9; ++k) a.push_back(0.5 + 0.1 * k);
  }
  return a;
}

TaskConfig scaled_task(const TaskConfig& base, OodAxis axis, double alpha) {
  TaskConfig t = base;
  if (axis == OodAxis::input_scale)
    t.input_scale = base.input_scale * alpha;
  else
    t.weight_scale = base.weight_scale * alpha;
  return t;
}

template <class T>
std::vector<double> ood_losses(const Model<T>& model, const TaskConfig& base, const TokenConfig& tokens,
                               OodAxis axis, const std::vector<double>& alphas, int num_tasks,
                               std::uint64_t seed, int threads) {
  std::vector<double> out;
  out.reserve(alphas.size());
  for (double alpha : alphas) {
    // Common random numbers: the same draws (step 0) for every α and every model, as the
    // reference does (one rng for the whole sweep), so the curves are smooth in α.
    const TaskBatch tb =
        generate_tasks(scaled_task(base, axis, alpha), seed, Stream::ood_tasks, 0, num_tasks, 0, threads);
    const Batch<T> batch = make_batch<T>(tb, tokens);
    out.push_back(static_cast<double>(model.loss(batch.tokens, batch.targets, threads)));
  }
  return out;
}

std::vector<double> ood_gd_losses(const TaskConfig& base, OodAxis axis, const std::vector<double>& alphas,
                                  double eta, int steps, int num_tasks, std::uint64_t seed, int threads) {
  std::vector<double> out;
  out.reserve(alphas.size());
  for (double alpha : alphas) {
    const TaskBatch tb =
        generate_tasks(scaled_task(base, axis, alpha), seed, Stream::ood_tasks, 0, num_tasks, 0, threads);
    out.push_back(gd_loss(tb, eta, steps, threads));
  }
  return out;
}

template <class T>
CopyDiagnostic copy_diagnostic(const Model<T>& model, const TokenBatch<T>& tokens, int threads) {
  const int L = tokens.seq_len;
  const int probes = L - 2;  // reference: len_ana = 2N − 1 = L − 2
  if (probes < 1) throw std::invalid_argument("copy_diagnostic: sequence too short");
  const int D = model.config().hidden_width();
  constexpr int kBlock = 32;
  const int blocks = (tokens.batch + kBlock - 1) / kBlock;
  const int nt = effective_threads(blocks, threads);
  // Per block and probe k: Σ over tasks of ∂(Σ_c h1[c, k]) / ∂(input tokens).
  std::vector<std::vector<Eigen::MatrixXd>> sums(static_cast<std::size_t>(blocks));
  std::vector<ModelWorkspace<T>> ws(static_cast<std::size_t>(nt));
  parallel_blocks(blocks, nt, [&](int blk, int th) {
    auto& w = ws[static_cast<std::size_t>(th)];
    auto& s = sums[static_cast<std::size_t>(blk)];
    s.assign(static_cast<std::size_t>(probes), Eigen::MatrixXd::Zero(tokens.width, L));
    MatrixX<T> cot, d_tokens;
    const int end = std::min(tokens.batch, (blk + 1) * kBlock);
    for (int b = blk * kBlock; b < end; ++b) {
      model.forward_task(tokens.task(b), w);
      for (int k = 0; k < probes; ++k) {
        cot.setZero(D, L);
        cot.col(k).setOnes();
        model.vjp_from_layer(w, 0, cot, d_tokens);
        s[static_cast<std::size_t>(k)] += d_tokens.template cast<double>();
      }
    }
  });
  CopyDiagnostic r;
  for (int k = 0; k < probes; ++k) {
    Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(tokens.width, L);
    for (int blk = 0; blk < blocks; ++blk) mean += sums[static_cast<std::size_t>(blk)][static_cast<std::size_t>(k)];
    mean /= tokens.batch;
    const Eigen::RowVectorXd norms = mean.colwise().norm();
    r.own += norms(k);
    r.next += norms(k + 1);
    double other = 0;
    for (int j = 0; j < L; ++j)
      if (j != k && j != k + 1) other += norms(j);
    r.other += other / (L - 2);
  }
  r.own /= probes;
  r.next /= probes;
  r.other /= probes;
  return r;
}

#define ICGD_INSTANTIATE(T)                                                                        \
  template AlignmentMetrics compare_models<T>(const Model<T>&, const Model<T>&, const Batch<T>&,   \
                                              int, int);                                           \
  template Model<T> interpolate_with_construction<T>(const Model<T>&, const Model<T>&, double);   \
  template std::vector<double> ood_losses<T>(const Model<T>&, const TaskConfig&,                   \
                                             const TokenConfig&, OodAxis,                          \
                                             const std::vector<double>&, int, std::uint64_t, int); \
  template CopyDiagnostic copy_diagnostic<T>(const Model<T>&, const TokenBatch<T>&, int);
ICGD_INSTANTIATE(float)
ICGD_INSTANTIATE(double)
ICGD_INSTANTIATE(long double)
#undef ICGD_INSTANTIATE

double late_relative_fall(const std::vector<std::pair<std::int64_t, double>>& curve) {
  if (curve.size() < 2) throw std::invalid_argument("late_relative_fall: needs at least two checkpoints");
  // Window means, not single checkpoints: evaluation curves are noisy, and one unlucky final
  // checkpoint can make a falling curve read as rising (sine at batch 512: −3.5% from two
  // checkpoints, +3.9% from the window means).
  const std::int64_t last_step = curve.back().first;
  double third_sum = 0, last_sum = 0;
  int third_count = 0, last_count = 0;
  const std::pair<std::int64_t, double>* before_last_quarter = nullptr;
  for (const auto& c : curve) {
    if (4 * c.first >= 3 * last_step) {
      last_sum += c.second;
      ++last_count;
    } else {
      before_last_quarter = &c;
      if (2 * c.first >= last_step) {
        third_sum += c.second;
        ++third_count;
      }
    }
  }
  if (third_count == 0) {  // too few checkpoints: the last one before the last quarter
    if (before_last_quarter == nullptr) throw std::invalid_argument("late_relative_fall: no checkpoint before the last quarter");
    third_sum = before_last_quarter->second;
    third_count = 1;
  }
  const double third = third_sum / third_count, last = last_sum / last_count;
  return (third - last) / std::abs(last);
}

}  // namespace icgd::train
