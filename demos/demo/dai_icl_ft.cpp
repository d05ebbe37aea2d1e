// `icgd demo dai-icl-vs-ft` — Dai et al. 2023's comparison of in-context learning with
// finetuning (docs/papers/dai.md, "The experiments: ICL against finetuning", "ICL against
// finetuning on small trained transformers"; claims DAI-5, DAI-8), on small softmax transformers
// (attention, MLP, LayerNorm, several layers and heads) trained here on in-context linear
// regression and on its classification variant (labels sign(w·x)), with the nulls the paper
// lacks: the same architecture untrained, a random update of the same norm, demonstrations of
// another prompt, and the order of the demonstrations.
//
// Prompt (one token per column, the query last; rows: x | positional encoding | three flags | y):
//   demonstration i: (x_i, pe(i), 1, 0, 0, y_i)      instruction: (0, 0, 0, 1, 0, 0)
//   query:           (x_q, 0, 0, 0, 1, 0)            ŷ = the y-row of the query's final state
// ICL = demonstrations + instruction + query; ZSL = instruction + query (the model is trained on
// 0 … N demonstrations, so the zero-shot prompt is one it knows); FT = the zero-shot prompt on the
// model after K/V-only SGD over the demonstrations, each demonstration presented as a zero-shot
// prompt (instruction, x_i as query) with target y_i (icgd/train/finetune.hpp).
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"
#include "icgd/train/finetune.hpp"
#include "icgd/train/icl_metrics.hpp"
#include "icgd/train/npy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace icgd::demo {
namespace {

struct DaiOptions {
  std::string tasks = "both";  // regression | classification | both
  int dim = 4;                 // d
  int context = 12;            // N demonstrations in the ICL prompt (training: 0 … N)
  int layers = 3;
  int heads = 2;
  int key_size = 6;
  int pos_enc = 4;
  int batch = 128;
  std::int64_t steps = 1500;
  double learning_rate = 3e-3;
  double clip = 1.0;
  std::optional<int> seeds;  // default 3 (--quick: 1)
  int prompts = 200;         // evaluation prompts of the metrics
  int select_prompts = 64;   // held-out prompts that pick the finetuning learning rate
  int order_prompts = 48;
  int permutations = 8;
};

// The finetuning learning-rate grid; the rate is picked per model by the mean query loss after
// finetuning on held-out prompts (never the evaluation prompts).
const std::vector<double> kFinetuneGrid{0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0};

enum class TaskKind { regression = 0, classification = 1 };
std::string task_name(TaskKind k) { return k == TaskKind::regression ? "regression" : "classification"; }

/// Token rows of the prompt format above.
struct Layout {
  int dim = 4, pos_enc = 4;
  int pe_row() const { return dim; }
  int demo_flag() const { return dim + pos_enc; }
  int instruction_flag() const { return demo_flag() + 1; }
  int query_flag() const { return demo_flag() + 2; }
  int y_row() const { return demo_flag() + 3; }
  int width() const { return y_row() + 1; }
};

train::ModelConfig model_config(const DaiOptions& opt, const Layout& layout) {
  train::ModelConfig m;
  m.token_width = layout.width();
  m.y_dim = 1;
  m.num_context = opt.context;
  m.num_layers = opt.layers;
  m.num_heads = opt.heads;
  m.key_size = opt.key_size;
  m.softmax = true;
  m.include_query_in_kv = true;  // the zero-shot prompt needs the query among the keys
  m.mlp_blocks = true;
  m.widening_factor = 4;
  m.layer_norm = true;
  m.readout_sign = 1.0;
  m.init = train::InitKind::variance_scaling;
  m.init_scale = 1.0;
  return m;
}

/// Tasks drawn once with N demonstrations; labels of the classification variant are sign(w·x).
struct PromptSet {
  TaskKind kind;
  train::TaskBatch tasks;
  double label(int b, int i) const {  // demonstration i of task b (i = N: the query)
    const int L = tasks.tokens_per_task();
    const double y = tasks.y(0, b * L + i);
    return kind == TaskKind::regression ? y : (y >= 0 ? 1.0 : -1.0);
  }
};

PromptSet draw_prompts(TaskKind kind, const train::TaskConfig& task, std::uint64_t seed, train::Stream stream,
                       std::uint64_t step, int count, int threads) {
  return {kind, train::generate_tasks(task, seed, stream, step, count, 0, threads)};
}

/// Tokens of task b with the demonstrations `order` (indices into its N, in prompt order).
Eigen::MatrixXd prompt_tokens(const PromptSet& set, const Layout& layout, int b, const std::vector<int>& order,
                              const Eigen::MatrixXd& pe) {
  const int n = static_cast<int>(order.size());
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(layout.width(), n + 2);
  const int L = set.tasks.tokens_per_task();
  for (int j = 0; j < n; ++j) {
    const int i = order[static_cast<std::size_t>(j)];
    t.block(0, j, layout.dim, 1) = set.tasks.x.col(b * L + i);
    t.block(layout.pe_row(), j, layout.pos_enc, 1) = pe.col(j);
    t(layout.demo_flag(), j) = 1;
    t(layout.y_row(), j) = set.label(b, i);
  }
  t(layout.instruction_flag(), n) = 1;
  t.block(0, n + 1, layout.dim, 1) = set.tasks.x.col(b * L + set.tasks.num_context);
  t(layout.query_flag(), n + 1) = 1;
  return t;
}

std::vector<int> identity_order(int n) {
  std::vector<int> o(static_cast<std::size_t>(n));
  std::iota(o.begin(), o.end(), 0);
  return o;
}

/// The demonstrations of task b as zero-shot finetuning examples, in `order`.
std::vector<train::FinetuneExample> finetune_examples(const PromptSet& set, const Layout& layout, int b,
                                                      const std::vector<int>& order) {
  std::vector<train::FinetuneExample> out;
  const int L = set.tasks.tokens_per_task();
  for (int i : order) {
    train::FinetuneExample e;
    e.tokens = Eigen::MatrixXd::Zero(layout.width(), 2);
    e.tokens(layout.instruction_flag(), 0) = 1;
    e.tokens.block(0, 1, layout.dim, 1) = set.tasks.x.col(b * L + i);
    e.tokens(layout.query_flag(), 1) = 1;
    e.target = Eigen::VectorXd::Constant(1, set.label(b, i));
    out.push_back(std::move(e));
  }
  return out;
}

double query_target(const PromptSet& set, int b) { return set.label(b, set.tasks.num_context); }
bool right(const PromptSet& set, int b, double prediction) {
  return (prediction >= 0 ? 1.0 : -1.0) == query_target(set, b);
}

// ---------------------------------------------------------------------------------------------
// Training: every step a batch of prompts with a random number of demonstrations in 0 … N.
// ---------------------------------------------------------------------------------------------
using Scalar = float;
constexpr std::uint32_t kDemoCountStream = static_cast<std::uint32_t>(train::Stream::user) + 1;
constexpr std::uint32_t kPermutationStream = static_cast<std::uint32_t>(train::Stream::user) + 2;

train::TokenBatch<Scalar> token_batch(const PromptSet& set, const Layout& layout, int demos, const Eigen::MatrixXd& pe,
                                      Eigen::MatrixXf& targets) {
  const int B = set.tasks.batch;
  train::TokenBatch<Scalar> tb;
  tb.batch = B;
  tb.seq_len = demos + 2;
  tb.width = layout.width();
  tb.data.resize(tb.width, static_cast<Eigen::Index>(B) * tb.seq_len);
  targets.resize(1, B);
  const auto order = identity_order(demos);
  for (int b = 0; b < B; ++b) {
    tb.task(b) = prompt_tokens(set, layout, b, order, pe).cast<Scalar>();
    targets(0, b) = static_cast<Scalar>(query_target(set, b));
  }
  return tb;
}

struct TrainedModel {
  train::Model<double> trained, untrained;
  std::vector<std::pair<std::int64_t, double>> curve;  // (step, ICL loss on the curve prompts)
  double seconds = 0;
};

TrainedModel train_model(DemoContext& ctx, const DaiOptions& opt, TaskKind kind, const train::TaskConfig& task,
                         const Layout& layout, const Eigen::MatrixXd& pe, std::uint64_t seed, std::int64_t steps,
                         io::CsvTable& curves, double curve_id) {
  const auto start = std::chrono::steady_clock::now();
  const int threads = ctx.threads();
  train::Model<Scalar> model(model_config(opt, layout));
  model.init_params(seed);
  TrainedModel out{model.cast<double>(), model.cast<double>(), {}, 0};
  train::AdamConfig adam_config;
  adam_config.learning_rate = opt.learning_rate;
  adam_config.clip_global_norm = opt.clip;
  train::Adam<Scalar> adam(adam_config, model.params().total_size());
  const int curve_count = static_cast<int>(std::min<std::int64_t>(ctx.eval_tasks, 2000));
  const PromptSet curve_set = draw_prompts(kind, task, seed, train::Stream::eval_tasks, 1, curve_count, threads);
  Eigen::MatrixXf curve_targets;
  const auto curve_tokens = token_batch(curve_set, layout, opt.context, pe, curve_targets);
  const std::int64_t every = std::max<std::int64_t>(1, steps / 20);
  auto evaluate = [&](std::int64_t step) {
    const double loss = static_cast<double>(model.loss(curve_tokens, curve_targets, threads));
    out.curve.emplace_back(step, loss);
    curves.add_row({curve_id, double(seed), double(step), loss});
  };
  const std::string label = fmt::format("dai-icl-vs-ft: {} seed {}", task_name(kind), seed);
  cli::interruption_point(fmt::format("before training {}", label));
  io::ProgressBar bar(label, steps, ctx.progress_enabled() ? io::ProgressBar::Mode::automatic : io::ProgressBar::Mode::off);
  evaluate(0);
  std::vector<Scalar> grad;
  Eigen::MatrixXf targets;
  for (std::int64_t s = 0; s < steps; ++s) {
    train::TaskRng rng(seed, kDemoCountStream, static_cast<std::uint64_t>(s), 0);
    const int demos = static_cast<int>(rng.below(static_cast<std::uint32_t>(opt.context + 1)));
    const PromptSet batch = draw_prompts(kind, task, seed, train::Stream::train_tasks, static_cast<std::uint64_t>(s), opt.batch, threads);
    const auto tokens = token_batch(batch, layout, demos, pe, targets);
    const double loss = static_cast<double>(model.loss_and_grad(tokens, targets, grad, threads));
    adam.step(model.params().values(), grad);
    if ((s + 1) % every == 0 || s + 1 == steps) evaluate(s + 1);
    bar.update(s + 1, fmt::format("train {:.4f} icl {:.4f}", loss, out.curve.back().second));
    if (const int sig = cli::pending_signal(); sig != 0)
      throw cli::Interrupted(sig, fmt::format("at step {} of {} ({})", s + 1, steps, label));
  }
  bar.finish(fmt::format("icl loss {:.5f}", out.curve.back().second));
  out.trained = model.cast<double>();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

// ---------------------------------------------------------------------------------------------
// The comparison on one model.
// ---------------------------------------------------------------------------------------------
/// Per-layer means over the evaluation prompts of each metric and null (metric × layer).
enum Metric : int {
  simaou = 0,
  simaou_random,      // a centred random update of the FT update's norm in place of FT's
  simaou_reference,   // the reference's baseline: uniform [0, 1) vector in place of FT's update
  simaou_wrong,       // FT on another prompt's demonstrations
  simam_after,        // cos(ICL, FT)
  simam_before,       // cos(ICL, ZSL)
  simam_random,       // cos(ICL, ZSL + random of ‖FT − ZSL‖)
  simam_wrong,
  kendall,
  kendall_random,     // τ against a uniform random map (the reference's baseline)
  kendall_wrong,
  kMetricCount
};
const std::array<const char*, kMetricCount> kMetricNames{
    "simaou", "simaou_random_update", "simaou_reference_uniform", "simaou_wrong_prompt", "simam_after_ft", "simam_before_ft",
    "simam_random_update", "simam_wrong_prompt", "kendall", "kendall_random", "kendall_wrong_prompt"};

struct OrderTest {
  double icl_spread = 0, sgd_spread = 0, full_batch_spread = 0;  // mean over prompts of the std over orders
  double icl_update = 0, sgd_update = 0, full_batch_update = 0;  // mean |ŷ − ŷ_ZSL|
};

struct Analysis {
  std::vector<std::vector<double>> layer_means;  // [metric][layer]
  double finetune_lr = 0;
  bool lr_at_grid_edge = false;
  std::vector<double> grid_losses;
  double zsl_loss = 0, icl_loss = 0, ft_loss = 0;
  double zsl_accuracy = 0, icl_accuracy = 0, ft_accuracy = 0;
  train::RecallToFinetuning rec2ftp, rec2ftp_wrong;
  double kendall_softmax_gap = 0;  // max |τ(raw inner products) − τ(their softmax)| (DAI-5)
  OrderTest order;
};

double mean_query_loss_after_finetuning(const train::Model<double>& model, const PromptSet& set, const Layout& layout,
                                        const Eigen::MatrixXd& pe, double lr) {
  double sum = 0;
  const auto order = identity_order(set.tasks.num_context);
  for (int b = 0; b < set.tasks.batch; ++b) {
    const auto tuned = train::finetune_key_value_sgd(model, finetune_examples(set, layout, b, order), lr);
    const double y = train::record_prompt(tuned, prompt_tokens(set, layout, b, {}, pe)).prediction(0);
    const double r = y - query_target(set, b);
    sum += std::isfinite(r) ? 0.5 * r * r : std::numeric_limits<double>::infinity();
  }
  return sum / set.tasks.batch;
}

/// FT's "attention" to the training tokens (the paper's definition): the inner products, summed
/// over heads, of the FT model's query vector of the test token with the query vectors of the
/// training tokens recorded during finetuning (the x_i token of each finetuning prompt).
Eigen::VectorXd finetune_attention(const train::FinetuneTrace& trace, const train::PromptRecord& ft, int layer) {
  const auto l = static_cast<std::size_t>(layer);
  const Eigen::MatrixXd& test_queries = ft.layers[l].queries;
  const Eigen::VectorXd q = test_queries.col(test_queries.cols() - 1);
  Eigen::VectorXd a(static_cast<Eigen::Index>(trace.queries.size()));
  for (std::size_t i = 0; i < trace.queries.size(); ++i) {
    const Eigen::MatrixXd& qi = trace.queries[i][l];
    a(static_cast<Eigen::Index>(i)) = qi.col(qi.cols() - 1).dot(q);
  }
  return a;
}

Analysis analyse(const train::Model<double>& model, const DaiOptions& opt, const PromptSet& select, const PromptSet& eval,
                 const Layout& layout, const Eigen::MatrixXd& pe, std::uint64_t seed) {
  Analysis a;
  const int layers = opt.layers;
  const int N = opt.context;
  const int M = eval.tasks.batch;
  // The learning rate: the grid point with the lowest mean query loss on the held-out prompts.
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t g = 0; g < kFinetuneGrid.size(); ++g) {
    const double loss = mean_query_loss_after_finetuning(model, select, layout, pe, kFinetuneGrid[g]);
    a.grid_losses.push_back(loss);
    if (loss < best) {
      best = loss;
      a.finetune_lr = kFinetuneGrid[g];
      a.lr_at_grid_edge = g == 0 || g + 1 == kFinetuneGrid.size();
    }
  }
  const auto order = identity_order(N);
  std::vector<train::PromptRecord> zsl, icl;
  for (int b = 0; b < M; ++b) {
    zsl.push_back(train::record_prompt(model, prompt_tokens(eval, layout, b, {}, pe)));
    icl.push_back(train::record_prompt(model, prompt_tokens(eval, layout, b, order, pe)));
  }
  a.layer_means.assign(kMetricCount, std::vector<double>(static_cast<std::size_t>(layers), 0.0));
  std::vector<std::vector<int>> counts(kMetricCount, std::vector<int>(static_cast<std::size_t>(layers), 0));
  auto add = [&](int metric, int layer, double value) {
    if (!std::isfinite(value)) return;  // a constant map has no Kendall τ
    a.layer_means[static_cast<std::size_t>(metric)][static_cast<std::size_t>(layer)] += value;
    ++counts[static_cast<std::size_t>(metric)][static_cast<std::size_t>(layer)];
  };
  std::vector<bool> zsl_right, icl_right, ft_right, wrong_right(static_cast<std::size_t>(M));
  for (int q = 0; q < M; ++q) {
    // FT on prompt q's demonstrations; evaluated at q's zero-shot prompt and, as the wrong-prompt
    // null, at the zero-shot prompt of p = q − 1 (a cyclic derangement: every prompt gets another's FT).
    train::FinetuneTrace trace;
    const auto tuned = train::finetune_key_value_sgd(model, finetune_examples(eval, layout, q, order), a.finetune_lr, &trace);
    const int p = (q + M - 1) % M;
    const train::PromptRecord ft = train::record_prompt(tuned, prompt_tokens(eval, layout, q, {}, pe));
    const train::PromptRecord wrong = train::record_prompt(tuned, prompt_tokens(eval, layout, p, {}, pe));
    const double y_zsl = zsl[static_cast<std::size_t>(q)].prediction(0), y_icl = icl[static_cast<std::size_t>(q)].prediction(0);
    const double y_ft = ft.prediction(0), target = query_target(eval, q);
    a.zsl_loss += 0.5 * (y_zsl - target) * (y_zsl - target) / M;
    a.icl_loss += 0.5 * (y_icl - target) * (y_icl - target) / M;
    a.ft_loss += 0.5 * (y_ft - target) * (y_ft - target) / M;
    zsl_right.push_back(right(eval, q, y_zsl));
    icl_right.push_back(right(eval, q, y_icl));
    ft_right.push_back(right(eval, q, y_ft));
    for (int l = 0; l < layers; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      auto score_metrics = [&](const train::PromptRecord& z, const train::PromptRecord& c, const train::PromptRecord& f,
                               const Eigen::VectorXd& f_attention, bool null_pairing, std::uint64_t index) {
        const auto& zl = z.layers[ul];
        const auto& cl = c.layers[ul];
        const auto& fl = f.layers[ul];
        const Eigen::VectorXd icl_update = train::reference_normalised(cl.output) - train::reference_normalised(zl.output);
        const Eigen::VectorXd ft_update = train::reference_normalised(fl.output) - train::reference_normalised(zl.output);
        const Eigen::MatrixXd icl_map = cl.scores.rightCols(2);  // over the zero-shot prompt's tokens
        const Eigen::VectorXd icl_weights = cl.weights.leftCols(N).colwise().mean().transpose();
        if (null_pairing) {
          add(simaou_wrong, l, train::reference_cosine(icl_update, ft_update));
          add(simam_wrong, l, train::attention_map_similarity(icl_map, fl.scores));
          add(kendall_wrong, l, train::kendall_tau_b(icl_weights, f_attention));
          return;
        }
        add(simaou, l, train::reference_cosine(icl_update, ft_update));
        add(simaou_random, l,
            train::reference_cosine(icl_update, train::random_direction(ft_update.size(), ft_update.norm(), false, seed, index)));
        add(simaou_reference, l, train::reference_cosine(icl_update, train::random_direction(ft_update.size(), 1, true, seed, index)));
        add(simam_after, l, train::attention_map_similarity(icl_map, fl.scores));
        add(simam_before, l, train::attention_map_similarity(icl_map, zl.scores));
        const Eigen::MatrixXd shift = fl.scores - zl.scores;
        const Eigen::VectorXd r = train::random_direction(shift.size(), shift.norm(), false, seed, index + 1'000'000);
        add(simam_random, l, train::attention_map_similarity(icl_map, zl.scores + r.reshaped(shift.rows(), shift.cols())));
        add(kendall, l, train::kendall_tau_b(icl_weights, f_attention));
        add(kendall_random, l, train::kendall_tau_b(icl_weights, train::random_direction(N, 1, true, seed, index + 2'000'000)));
        // The paper's FT side (raw inner products) and the reference code's (their softmax) rank alike.
        const Eigen::VectorXd soft = (f_attention.array() - f_attention.maxCoeff()).exp();
        const double tau_raw = train::kendall_tau_b(icl_weights, f_attention);
        const double tau_soft = train::kendall_tau_b(icl_weights, soft / soft.sum());
        if (std::isfinite(tau_raw) || std::isfinite(tau_soft)) a.kendall_softmax_gap = std::max(a.kendall_softmax_gap, std::abs(tau_raw - tau_soft));
      };
      const auto index = static_cast<std::uint64_t>(q) * 64 + static_cast<std::uint64_t>(l);
      score_metrics(zsl[static_cast<std::size_t>(q)], icl[static_cast<std::size_t>(q)], ft, finetune_attention(trace, ft, l), false, index);
      score_metrics(zsl[static_cast<std::size_t>(p)], icl[static_cast<std::size_t>(p)], wrong, finetune_attention(trace, wrong, l), true, index);
    }
    // Rec2FTP's wrong-prompt null: the prediction at p after FT on q's demonstrations.
    wrong_right[static_cast<std::size_t>(p)] = right(eval, p, wrong.prediction(0));
  }
  for (int m = 0; m < kMetricCount; ++m)
    for (int l = 0; l < layers; ++l) {
      const int c = counts[static_cast<std::size_t>(m)][static_cast<std::size_t>(l)];
      auto& v = a.layer_means[static_cast<std::size_t>(m)][static_cast<std::size_t>(l)];
      v = c > 0 ? v / c : std::numeric_limits<double>::quiet_NaN();
    }
  auto accuracy = [](const std::vector<bool>& r) { return double(std::count(r.begin(), r.end(), true)) / double(r.size()); };
  a.zsl_accuracy = accuracy(zsl_right);
  a.icl_accuracy = accuracy(icl_right);
  a.ft_accuracy = accuracy(ft_right);
  a.rec2ftp = train::recall_to_finetuning(zsl_right, ft_right, icl_right);
  a.rec2ftp_wrong = train::recall_to_finetuning(zsl_right, wrong_right, icl_right);

  // The order test: the demonstrations of a prompt in `permutations` random orders.
  const int O = std::min(opt.order_prompts, M);
  for (int b = 0; b < O; ++b) {
    const double y_zsl = zsl[static_cast<std::size_t>(b)].prediction(0);
    std::vector<double> y_icl, y_sgd, y_full;
    for (int k = 0; k < opt.permutations; ++k) {
      std::vector<int> perm = order;
      train::TaskRng rng(seed, kPermutationStream, static_cast<std::uint64_t>(b), static_cast<std::uint32_t>(k));
      if (k > 0)  // order 0 is the prompt's own
        for (int i = N - 1; i > 0; --i) std::swap(perm[static_cast<std::size_t>(i)], perm[rng.below(static_cast<std::uint32_t>(i + 1))]);
      const auto examples = finetune_examples(eval, layout, b, perm);
      const auto zsl_tokens = prompt_tokens(eval, layout, b, {}, pe);
      y_icl.push_back(train::record_prompt(model, prompt_tokens(eval, layout, b, perm, pe)).prediction(0));
      y_sgd.push_back(train::record_prompt(train::finetune_key_value_sgd(model, examples, a.finetune_lr), zsl_tokens).prediction(0));
      y_full.push_back(train::record_prompt(train::finetune_key_value_full_batch(model, examples, a.finetune_lr), zsl_tokens).prediction(0));
    }
    auto spread = [](const std::vector<double>& v) {
      const double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
      double s = 0;
      for (double x : v) s += (x - mean) * (x - mean);
      return std::sqrt(s / double(v.size() - 1));
    };
    a.order.icl_spread += spread(y_icl) / O;
    a.order.sgd_spread += spread(y_sgd) / O;
    a.order.full_batch_spread += spread(y_full) / O;
    a.order.icl_update += std::abs(y_icl[0] - y_zsl) / O;
    a.order.sgd_update += std::abs(y_sgd[0] - y_zsl) / O;
    a.order.full_batch_update += std::abs(y_full[0] - y_zsl) / O;
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Seeds → mean and spread.
// ---------------------------------------------------------------------------------------------
struct Spread {
  double mean = 0, sd = 0;  // sd over seeds (0 for one seed)
};
Spread over_seeds(const std::vector<double>& v) {
  Spread s;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  if (v.size() > 1) {
    double q = 0;
    for (double x : v) q += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(q / double(v.size() - 1));
  }
  return s;
}
double layer_average(const std::vector<double>& per_layer) {
  return std::accumulate(per_layer.begin(), per_layer.end(), 0.0) / double(per_layer.size());
}
std::string pm(const Spread& s, int digits = 3) { return fmt::format("{:.{}f} ± {:.{}f}", s.mean, digits, s.sd, digits); }

struct TaskOutcome {
  nlohmann::json results;
  std::vector<io::SummaryTable> tables;
  nlohmann::json summary;
};

TaskOutcome run_task(DemoContext& ctx, const DaiOptions& opt, TaskKind kind, int seeds, std::int64_t steps,
                     io::CsvTable& curves, io::CsvTable& per_seed) {
  const int threads = ctx.threads();
  const Layout layout{opt.dim, opt.pos_enc};
  const Eigen::MatrixXd pe = train::sinusoidal_positional_encoding(opt.context, opt.pos_enc);
  const train::TaskConfig task = linear_task(ctx, opt.dim, opt.context);
  const double kind_id = kind == TaskKind::regression ? 0 : 1;
  std::vector<Analysis> trained, untrained;
  std::vector<std::vector<std::pair<std::int64_t, double>>> curves_by_seed;
  double train_seconds = 0;
  for (int s = 0; s < seeds; ++s) {
    const std::uint64_t seed = ctx.options.seed + static_cast<std::uint64_t>(s);
    TrainedModel m = train_model(ctx, opt, kind, task, layout, pe, seed, steps, curves, kind_id);
    train_seconds += m.seconds;
    {
      // The trained model of every seed, in the engine's weight format, so that each metric can be
      // recomputed from the run folder.
      const std::string folder = fmt::format("weights-{}-seed{}", task_name(kind), seed);
      cli::interruption_point(fmt::format("before saving {}", folder));
      train::save_model(ctx.run.path(folder), m.trained,
                        {{"demo", ctx.name}, {"task", task_name(kind)}, {"seed", seed}, {"steps", steps}});
      ctx.run.note_file(folder);
    }
    curves_by_seed.push_back(m.curve);
    const PromptSet select = draw_prompts(kind, task, seed, train::Stream::baseline_tasks, 0, opt.select_prompts, threads);
    const PromptSet eval = draw_prompts(kind, task, seed, train::Stream::eval_tasks, 0, opt.prompts, threads);
    cli::interruption_point(fmt::format("before the comparison of {} seed {}", task_name(kind), seed));
    trained.push_back(analyse(m.trained, opt, select, eval, layout, pe, seed));
    untrained.push_back(analyse(m.untrained, opt, select, eval, layout, pe, seed));
    for (int which = 0; which < 2; ++which) {
      const Analysis& a = which == 0 ? trained.back() : untrained.back();
      for (int metric = 0; metric < kMetricCount; ++metric)
        for (int l = 0; l < opt.layers; ++l)
          per_seed.add_row({kind_id, double(seed), double(which), double(metric), double(l),
                            a.layer_means[static_cast<std::size_t>(metric)][static_cast<std::size_t>(l)]});
    }
  }
  const std::string name = task_name(kind);

  // Per metric: per-layer and layer-averaged spread over seeds, for both models.
  auto metric_spread = [&](const std::vector<Analysis>& runs, int metric, int layer) {
    std::vector<double> v;
    for (const auto& a : runs)
      v.push_back(layer < 0 ? layer_average(a.layer_means[static_cast<std::size_t>(metric)])
                            : a.layer_means[static_cast<std::size_t>(metric)][static_cast<std::size_t>(layer)]);
    return over_seeds(v);
  };
  auto scalar_spread = [](const std::vector<Analysis>& runs, auto get) {
    std::vector<double> v;
    for (const auto& a : runs) v.push_back(get(a));
    return over_seeds(v);
  };
  nlohmann::json metrics_json;
  io::CsvTable layer_csv({"task", "metric", "model", "layer", "mean", "sd"});
  for (int metric = 0; metric < kMetricCount; ++metric) {
    nlohmann::json mj;
    for (int which = 0; which < 2; ++which) {
      const auto& runs = which == 0 ? trained : untrained;
      std::vector<double> means, sds;
      for (int l = 0; l < opt.layers; ++l) {
        const Spread sp = metric_spread(runs, metric, l);
        means.push_back(sp.mean);
        sds.push_back(sp.sd);
        layer_csv.add_row({kind_id, double(metric), double(which), double(l), sp.mean, sp.sd});
      }
      const Spread avg = metric_spread(runs, metric, -1);
      mj[which == 0 ? "trained" : "untrained"] = {{"per_layer_mean", to_json_array(means)},
                                                  {"per_layer_sd", to_json_array(sds)},
                                                  {"mean", avg.mean},
                                                  {"sd", avg.sd}};
    }
    metrics_json[kMetricNames[static_cast<std::size_t>(metric)]] = mj;
  }
  layer_csv.write(ctx.run, fmt::format("{}_layers.csv", name));

  // --- Tables.
  io::SummaryTable table(fmt::format("{}: ICL vs K/V finetuning, {} seeds × {} prompts, N = {} demonstrations, {} layers × {} heads",
                                     name, seeds, opt.prompts, opt.context, opt.layers, opt.heads),
                         {"metric (layer)", "trained", "untrained", "random update", "other prompt's demos"});
  struct Row {
    const char* label;
    int metric, random, wrong;
  };
  const std::vector<Row> rows{{"SimAOU", simaou, simaou_random, simaou_wrong},
                              {"SimAM after FT = cos(ICL, FT)", simam_after, simam_random, simam_wrong},
                              {"SimAM before FT = cos(ICL, ZSL)", simam_before, -1, -1},
                              {"Kendall τ (ICL, FT)", kendall, kendall_random, kendall_wrong}};
  for (const Row& row : rows) {
    for (int l = -1; l < opt.layers; ++l) {
      const std::string label = l < 0 ? fmt::format("{} (mean of layers)", row.label) : fmt::format("  layer {}", l);
      table.add_row({label, pm(metric_spread(trained, row.metric, l)), pm(metric_spread(untrained, row.metric, l)),
                     row.random >= 0 ? pm(metric_spread(trained, row.random, l)) : "",
                     row.wrong >= 0 ? pm(metric_spread(trained, row.wrong, l)) : ""});
    }
    table.add_rule();
  }
  table.add_row({"SimAOU reference baseline (uniform [0,1) vector)", pm(metric_spread(trained, simaou_reference, -1)),
                 pm(metric_spread(untrained, simaou_reference, -1)), "", ""});

  io::SummaryTable outcome(fmt::format("{}: predictions (mean ± sd over seeds)", name), {"quantity", "trained", "untrained"});
  auto both = [&](const std::string& label, auto get, int digits = 4) {
    outcome.add_row({label, pm(scalar_spread(trained, get), digits), pm(scalar_spread(untrained, get), digits)});
  };
  both("ZSL loss (0.5 · squared error)", [](const Analysis& a) { return a.zsl_loss; });
  both("ICL loss", [](const Analysis& a) { return a.icl_loss; });
  both("FT loss", [](const Analysis& a) { return a.ft_loss; });
  if (kind == TaskKind::classification) {
    both("ZSL accuracy", [](const Analysis& a) { return a.zsl_accuracy; }, 3);
    both("ICL accuracy", [](const Analysis& a) { return a.icl_accuracy; }, 3);
    both("FT accuracy", [](const Analysis& a) { return a.ft_accuracy; }, 3);
    both("Rec2FTP %", [](const Analysis& a) { return a.rec2ftp.percent; }, 1);
    both("Rec2FTP %, FT on another prompt's demos", [](const Analysis& a) { return a.rec2ftp_wrong.percent; }, 1);
    auto counts = [](const std::vector<Analysis>& runs) {
      std::string s;
      for (const auto& a : runs)
        s += fmt::format("{}{}/{}", s.empty() ? "" : ", ", a.rec2ftp.zsl_wrong_ft_right_icl_right, a.rec2ftp.zsl_wrong_ft_right);
      return s;
    };
    outcome.add_row({"Rec2FTP counts per seed (both right / FT right, of ZSL wrong)", counts(trained), counts(untrained)});
  }
  std::string lrs_t, lrs_u;
  for (std::size_t s = 0; s < trained.size(); ++s) {
    lrs_t += fmt::format("{}{}{}", s ? ", " : "", trained[s].finetune_lr, trained[s].lr_at_grid_edge ? " (edge)" : "");
    lrs_u += fmt::format("{}{}{}", s ? ", " : "", untrained[s].finetune_lr, untrained[s].lr_at_grid_edge ? " (edge)" : "");
  }
  outcome.add_row({"FT learning rate per seed (picked on held-out prompts)", lrs_t, lrs_u});
  outcome.add_rule();
  both("order: ICL prediction spread over orders", [](const Analysis& a) { return a.order.icl_spread; });
  both("order: one-epoch SGD spread", [](const Analysis& a) { return a.order.sgd_spread; });
  both("order: full-batch GD spread", [](const Analysis& a) { return a.order.full_batch_spread; }, 6);
  both("order: ICL spread / |ŷ_ICL − ŷ_ZSL|", [](const Analysis& a) { return a.order.icl_spread / a.order.icl_update; }, 3);
  both("order: SGD spread / |ŷ_FT − ŷ_ZSL|", [](const Analysis& a) { return a.order.sgd_spread / a.order.sgd_update; }, 3);

  // --- Checks (DAI-8): the similarity of the trained model must exceed the untrained model's by
  // more than twice the standard error of the difference over seeds (fixed before any run).
  std::vector<Convergence> convergence;
  for (int s = 0; s < seeds; ++s) convergence.push_back(convergence_of(fmt::format("{} seed {}", name, ctx.options.seed + s), curves_by_seed[static_cast<std::size_t>(s)]));
  const Convergence worst = *std::max_element(convergence.begin(), convergence.end(),
                                              [](const Convergence& a, const Convergence& b) { return a.late_fall < b.late_fall; });
  const Spread zsl_loss = scalar_spread(trained, [](const Analysis& a) { return a.zsl_loss; });
  const Spread icl_loss = scalar_spread(trained, [](const Analysis& a) { return a.icl_loss; });
  ctx.check(fmt::format("DAI-8.{}.icl-learned", name), "ICL loss / ZSL loss of the trained model (it must learn in context for the comparison to mean anything)",
            icl_loss.mean / zsl_loss.mean, "<", 0.5)
      .inconclusive_unless_converged(worst);
  nlohmann::json verdicts;
  std::vector<std::string> sentences;
  struct Claim {
    const char* id;
    int metric;
    const char* label;
  };
  for (const Claim& c : {Claim{"simaou-exceeds-untrained", simaou, "SimAOU"}, Claim{"simam-exceeds-untrained", simam_after, "SimAM (after FT)"},
                         Claim{"kendall-exceeds-untrained", kendall, "Kendall τ"}}) {
    std::vector<double> diffs;
    for (int s = 0; s < seeds; ++s)
      diffs.push_back(layer_average(trained[static_cast<std::size_t>(s)].layer_means[static_cast<std::size_t>(c.metric)]) -
                      layer_average(untrained[static_cast<std::size_t>(s)].layer_means[static_cast<std::size_t>(c.metric)]));
    const Spread d = over_seeds(diffs);
    const double margin = 2 * d.sd / std::sqrt(double(seeds));
    ctx.check(fmt::format("DAI-8.{}.{}", name, c.id),
              fmt::format("{} (mean of layers) of the trained model minus the untrained model's, against twice its standard error over seeds", c.label),
              d.mean, ">", margin)
        .inconclusive_unless_converged(worst);
    const Spread t = metric_spread(trained, c.metric, -1), u = metric_spread(untrained, c.metric, -1);
    const bool above = d.mean > margin;
    verdicts[c.id] = {{"difference", d.mean}, {"margin", margin}, {"exceeds", above}};
    sentences.push_back(above ? fmt::format("{} {} exceeds the untrained model's {} (difference {:.3f} > {:.3f})", c.label, pm(t), pm(u), d.mean, margin)
                              : fmt::format("{} {} is no better than the untrained model's {} (difference {:.3f}, needed > {:.3f})", c.label,
                                            pm(t), pm(u), d.mean, margin));
  }
  const Spread after = metric_spread(trained, simam_after, -1), before = metric_spread(trained, simam_before, -1);
  sentences.push_back(fmt::format("SimAM after FT {} {} before FT {} (the paper: after > before)", pm(after),
                                  after.mean > before.mean ? "exceeds" : "does not exceed", pm(before)));
  const Spread sgd_rel = scalar_spread(trained, [](const Analysis& a) { return a.order.sgd_spread / a.order.sgd_update; });
  const Spread icl_rel = scalar_spread(trained, [](const Analysis& a) { return a.order.icl_spread / a.order.icl_update; });
  sentences.push_back(fmt::format("reordering the demonstrations moves ICL's prediction by {} of its update and one-epoch SGD's by {}; full-batch GD does not move",
                                  pm(icl_rel), pm(sgd_rel)));
  std::string verdict = fmt::format("{}: ", name);
  for (std::size_t i = 0; i < sentences.size(); ++i) verdict += (i ? "; " : "") + sentences[i];
  verdict += ".";
  ctx.check(fmt::format("DAI-5.{}.kendall-softmax-invariant", name),
            "max |τ(ICL, raw FT inner products) − τ(ICL, their softmax)|: the paper's and the code's FT side rank alike",
            std::max_element(trained.begin(), trained.end(), [](const Analysis& a, const Analysis& b) { return a.kendall_softmax_gap < b.kendall_softmax_gap; })
                ->kendall_softmax_gap,
            "<=", 1e-12);

  // --- Figures: each metric per layer, trained vs untrained vs nulls.
  io::CsvTable fig_csv({"layer", "simaou", "simaou_untrained", "simaou_random", "simaou_wrong", "simam_after", "simam_after_untrained",
                        "simam_before", "simam_random", "simam_wrong", "kendall", "kendall_untrained", "kendall_random", "kendall_wrong"});
  for (int l = 0; l < opt.layers; ++l)
    fig_csv.add_row({double(l), metric_spread(trained, simaou, l).mean, metric_spread(untrained, simaou, l).mean,
                     metric_spread(trained, simaou_random, l).mean, metric_spread(trained, simaou_wrong, l).mean,
                     metric_spread(trained, simam_after, l).mean, metric_spread(untrained, simam_after, l).mean,
                     metric_spread(trained, simam_before, l).mean, metric_spread(trained, simam_random, l).mean,
                     metric_spread(trained, simam_wrong, l).mean, metric_spread(trained, kendall, l).mean,
                     metric_spread(untrained, kendall, l).mean, metric_spread(trained, kendall_random, l).mean,
                     metric_spread(trained, kendall_wrong, l).mean});
  const std::string fig_file = fmt::format("{}_figure.csv", name);
  fig_csv.write(ctx.run, fig_file);
  using io::PlotSeries;
  auto figure = [&](const std::string& stem, const std::string& title, std::vector<PlotSeries> series) {
    ctx.figures.push_back({.name = fmt::format("{}_{}", name, stem), .title = fmt::format("{}: {}", name, title), .x_label = "layer",
                           .y_label = "mean over prompts and seeds", .series = std::move(series)});
  };
  figure("simaou", "SimAOU per layer with its nulls",
         {PlotSeries{fig_file, "layer", "simaou", "trained"}.drawn_with("linespoints"),
          PlotSeries{fig_file, "layer", "simaou_untrained", "untrained"}.drawn_with("linespoints").dashed(),
          PlotSeries{fig_file, "layer", "simaou_random", "random update"}.drawn_with("linespoints").dashed(3),
          PlotSeries{fig_file, "layer", "simaou_wrong", "other prompt's demos"}.drawn_with("linespoints").dashed(4)});
  figure("simam", "SimAM per layer (pre-softmax scores)",
         {PlotSeries{fig_file, "layer", "simam_after", "after FT, trained"}.drawn_with("linespoints"),
          PlotSeries{fig_file, "layer", "simam_after_untrained", "after FT, untrained"}.drawn_with("linespoints").dashed(),
          PlotSeries{fig_file, "layer", "simam_before", "before FT (ICL vs ZSL)"}.drawn_with("linespoints").dashed(3),
          PlotSeries{fig_file, "layer", "simam_random", "random update"}.drawn_with("linespoints").dashed(4),
          PlotSeries{fig_file, "layer", "simam_wrong", "other prompt's demos"}.drawn_with("linespoints").dashed(5)});
  figure("kendall", "Kendall τ of attention to the demonstrations",
         {PlotSeries{fig_file, "layer", "kendall", "trained"}.drawn_with("linespoints"),
          PlotSeries{fig_file, "layer", "kendall_untrained", "untrained"}.drawn_with("linespoints").dashed(),
          PlotSeries{fig_file, "layer", "kendall_random", "random map"}.drawn_with("linespoints").dashed(3),
          PlotSeries{fig_file, "layer", "kendall_wrong", "other prompt's demos"}.drawn_with("linespoints").dashed(4)});

  // --- Results.
  auto seeds_json = [&](const std::vector<Analysis>& runs) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& a : runs) {
      nlohmann::json r = {{"finetune_lr", a.finetune_lr},
                          {"finetune_lr_at_grid_edge", a.lr_at_grid_edge},
                          {"finetune_grid_losses", to_json_array(a.grid_losses)},
                          {"zsl_loss", a.zsl_loss},
                          {"icl_loss", a.icl_loss},
                          {"ft_loss", a.ft_loss},
                          {"order", {{"icl_spread", a.order.icl_spread}, {"sgd_spread", a.order.sgd_spread},
                                     {"full_batch_spread", a.order.full_batch_spread}, {"icl_update", a.order.icl_update},
                                     {"sgd_update", a.order.sgd_update}, {"full_batch_update", a.order.full_batch_update}}}};
      if (kind == TaskKind::classification) {
        auto rec = [](const train::RecallToFinetuning& x) {
          return nlohmann::json{{"percent", std::isfinite(x.percent) ? nlohmann::json(x.percent) : nlohmann::json(nullptr)},
                                {"zsl_wrong_ft_right", x.zsl_wrong_ft_right},
                                {"zsl_wrong_ft_right_icl_right", x.zsl_wrong_ft_right_icl_right},
                                {"zsl_wrong_icl_right", x.zsl_wrong_icl_right},
                                {"examples", x.examples}};
        };
        r["accuracy"] = {{"zsl", a.zsl_accuracy}, {"icl", a.icl_accuracy}, {"ft", a.ft_accuracy}};
        r["rec2ftp"] = rec(a.rec2ftp);
        r["rec2ftp_wrong_prompt"] = rec(a.rec2ftp_wrong);
      }
      j.push_back(std::move(r));
    }
    return j;
  };
  TaskOutcome out;
  out.results = {{"metrics", metrics_json},
                 {"verdicts", verdicts},
                 {"verdict", verdict},
                 {"seeds", {{"trained", seeds_json(trained)}, {"untrained", seeds_json(untrained)}}},
                 {"train_seconds", train_seconds},
                 {"late_fall_worst_seed", worst.late_fall}};
  out.summary = {{"simaou_trained", metric_spread(trained, simaou, -1).mean},
                 {"simaou_untrained", metric_spread(untrained, simaou, -1).mean},
                 {"icl_over_zsl_loss", icl_loss.mean / zsl_loss.mean}};
  table.add_rule();
  out.tables = {table, outcome};
  fmt::print("{}\n", verdict);
  return out;
}

DemoResult run(DemoContext& ctx, const DaiOptions& opt) {
  const bool quick = ctx.options.quick;
  const int seeds = opt.seeds.value_or(quick ? 1 : 3);
  const std::int64_t steps = ctx.steps_or(opt.steps, 30);
  DaiOptions o = opt;
  if (quick) {
    o.prompts = std::min(o.prompts, 12);
    o.select_prompts = std::min(o.select_prompts, 6);
    o.order_prompts = std::min(o.order_prompts, 4);
    o.permutations = std::min(o.permutations, 3);
    o.batch = std::min(o.batch, 32);
  }
  std::vector<TaskKind> kinds;
  if (o.tasks == "regression" || o.tasks == "both") kinds.push_back(TaskKind::regression);
  if (o.tasks == "classification" || o.tasks == "both") kinds.push_back(TaskKind::classification);
  const Layout layout{o.dim, o.pos_enc};
  require_task_memory(double(o.batch) + std::min<double>(double(ctx.eval_tasks), 2000) + o.prompts, layout.width(), o.context + 2.0,
                      fmt::format("--dim {} --context {} --batch {} --prompts {}", o.dim, o.context, o.batch, o.prompts));
  cli::require_memory(8.0 * double(o.prompts) * o.layers * (o.context + 2.0) * o.heads * o.key_size * 4,
                      fmt::format("--prompts {} --layers {} --context {}", o.prompts, o.layers, o.context));
  ctx.write_config({{"tasks", o.tasks},
                    {"task", linear_task(ctx, o.dim, o.context).to_json()},
                    {"classification_labels", "sign(w·x) in {−1, +1}, squared loss"},
                    {"demonstrations", o.context},
                    {"training_demonstrations", fmt::format("uniform in 0 … {} per step", o.context)},
                    {"model", model_config(o, layout).to_json()},
                    {"prompt_layout", "rows: x | positional encoding of the demonstration | demo, instruction, query flags | y"},
                    {"steps", steps},
                    {"batch_size", o.batch},
                    {"learning_rate", o.learning_rate},
                    {"clip_global_norm", o.clip},
                    {"seeds", seeds},
                    {"prompts", o.prompts},
                    {"select_prompts", o.select_prompts},
                    {"order_prompts", o.order_prompts},
                    {"permutations", o.permutations},
                    {"finetune", "SGD, one epoch, batch 1, demonstrations in prompt order, W_K and W_V of every layer only"},
                    {"finetune_lr_grid", kFinetuneGrid},
                    {"finetune_lr_selection", "lowest mean query loss after finetuning on held-out prompts (baseline stream)"},
                    {"kendall_ft_side", "raw inner products of query vectors summed over heads (the paper's); τ is the same for their softmax (the code's)"},
                    {"precision", "training float32, comparison float64"}});
  io::CsvTable curves({"task", "seed", "step", "icl_loss"});
  io::CsvTable per_seed({"task", "seed", "model", "metric", "layer", "value"});
  DemoResult result;
  nlohmann::json summary;
  for (TaskKind kind : kinds) {
    TaskOutcome t = run_task(ctx, o, kind, seeds, steps, curves, per_seed);
    result.results[task_name(kind)] = t.results;
    summary[task_name(kind)] = t.summary;
    for (auto& table : t.tables) result.tables.push_back(std::move(table));
  }
  curves.write(ctx.run, "training.csv");
  per_seed.write(ctx.run, "per_seed_metrics.csv");
  result.results["metric_ids"] = kMetricNames;
  ctx.figures.push_back({.name = "training",
                         .title = "ICL loss (N demonstrations) during training, every seed",
                         .x_label = "training step",
                         .y_label = "0.5 · squared error",
                         .log_y = true,
                         .series = {io::PlotSeries{"training.csv", "step", "icl_loss", "regression"}.where("task", 0).drawn_with("points"),
                                    io::PlotSeries{"training.csv", "step", "icl_loss", "classification"}.where("task", 1).drawn_with("points")}});
  result.summary = summary;
  return result;
}

const RegisterDemo dai_icl_ft_registration{
    {"dai-icl-vs-ft", "Dai et al.: ICL vs K/V finetuning on small trained softmax transformers, with untrained, random and wrong-prompt nulls", 60,
     [](CLI::App* app) -> DemoRunner {
       auto opt = std::make_shared<DaiOptions>();
       if (app) {
         app->add_option("--tasks", opt->tasks, "regression, classification or both (default)")
             ->check(CLI::IsMember({"regression", "classification", "both"}));
         app->add_option("--dim", opt->dim, "Input dimension d (default 4)")->check(cli::Integer(1, 64));
         app->add_option("--context", opt->context, "Demonstrations N (default 12)")->check(cli::Integer(2, 128));
         app->add_option("--layers", opt->layers, "Transformer layers (default 3)")->check(cli::Integer(1, 8));
         app->add_option("--heads", opt->heads, "Attention heads (default 2)")->check(cli::Integer(1, 16));
         app->add_option("--key-size", opt->key_size, "Key size per head (default 6)")->check(cli::Integer(1, 256));
         app->add_option("--batch", opt->batch, "Prompts per training step (default 128)")->check(cli::Integer(1, 8192));
         app->add_option("--lr", opt->learning_rate, "Adam learning rate (default 3e-3)")->check(cli::Real({0, 10, true}));
         app->add_option("--clip", opt->clip, "Global-norm clip (default 1; 0: none)")->check(cli::Real({0, 1e6}));
         app->add_option("--seeds", opt->seeds, "Seeds (default 3, --quick 1)")->check(cli::Integer(1, cli::limits::seeds));
         app->add_option("--prompts", opt->prompts, "Evaluation prompts of the metrics (default 200)")->check(cli::Integer(2, 20000));
         app->add_option("--select-prompts", opt->select_prompts, "Held-out prompts that pick the FT learning rate (default 64)")
             ->check(cli::Integer(1, 20000));
         app->add_option("--permutations", opt->permutations, "Orders per prompt in the order test (default 8)")->check(cli::Integer(2, 1000));
       }
       return [opt](DemoContext& ctx) { return run(ctx, *opt); };
     }}};

}  // namespace
}  // namespace icgd::demo
