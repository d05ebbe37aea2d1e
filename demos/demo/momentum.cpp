// `icgd demo momentum` — momentum attention (Dai et al. 2023, the momentum-based attention section
// and App. C; docs/papers/dai.md, "Momentum-based attention", claim DAI-7) against plain
// attention at the same budget and seeds, over a sweep of the decay η (the paper does not state
// the η it used):
//
//  1. in-context linear regression: a one-layer linear self-attention model (von Oswald et al.'s
//     regression model, query excluded from keys and values), trained at each number of
//     demonstrations N; its evaluation loss against N;
//  2. a small character-level language model on a licence text Debian ships
//     (/usr/share/common-licenses/GPL-3 by default): each example is a window of `window`
//     characters whose last one is the query; the model (one-hot character + position, an input
//     embedding, one softmax attention layer over the whole window with an MLP block) predicts
//     the next character; held-out perplexity on the last 10 % of the text.
//
// Momentum attention adds m_t = Σ_{i<t} η^{t−i} v_i to every token's attention output
// (train/momentum_attention.hpp); η = 0 is plain attention. Each configuration is trained from
// the same seeds, so differences are paired per seed; the checks say whether the best decay of
// the sweep beats plain attention by more than twice the seed spread.
#include "demo/framework.hpp"
#include "demo/support.hpp"
#include "options.hpp"
#include "icgd/io/csv.hpp"
#include "icgd/io/table.hpp"
#include "icgd/icl/instances.hpp"
#include "icgd/train/npy.hpp"
#include "icgd/train/optim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace icgd::demo {
namespace {

using Scalar = float;
using train::MatrixX;

struct MomentumOptions {
  std::vector<double> decays{0.0, 0.1, 0.3, 0.5, 0.9};
  int seeds = 3;
  // 1. in-context regression
  int x_dim = 4;
  std::vector<int> contexts{2, 5, 10, 20};
  std::int64_t regression_steps = 600;
  int regression_batch = 256;
  // 2. character-level language model
  std::string text = "/usr/share/common-licenses/GPL-3";
  int window = 8;
  int embed = 48;
  int heads = 2;
  std::int64_t lm_steps = 400;
  int lm_batch = 64;
  double lm_learning_rate = 3e-3;
};

// --- statistics over seeds -----------------------------------------------------------------------

double mean_of(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }
/// Sample standard deviation (n − 1); 0 for a single value.
double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / double(v.size() - 1));
}

/// One decay's values over the seeds, and its paired differences plain − this (positive: better).
struct SeedStats {
  double decay;
  std::vector<double> values, gains;
  double mean() const { return mean_of(values); }
  double sd() const { return sd_of(values); }
};

// --- 1. in-context linear regression --------------------------------------------------------------

train::TrainConfig regression_config(const MomentumOptions& opt, int context, double decay, std::uint64_t seed,
                                     std::int64_t steps, int batch, int eval_tasks, int threads) {
  train::TrainConfig cfg = train::TrainConfig::von_oswald(1, false, train::TaskConfig::code_linear(opt.x_dim, context));
  cfg.model.momentum_decay = decay;
  cfg.batch_size = batch;
  cfg.steps = steps;
  cfg.seed = seed;
  cfg.eval_tasks = eval_tasks;
  cfg.eval_every = static_cast<int>(std::max<std::int64_t>(1, steps / 4));
  cfg.threads = threads;
  cfg.finalize();
  return cfg;
}

// --- 2. the character-level language model --------------------------------------------------------

/// The text as symbols 0..26: letters a–z (case folded), and 26 for every run of other characters
/// (spaces, punctuation, digits, line breaks), so that the model predicts words and word breaks.
constexpr int kVocabulary = 27;
std::vector<int> read_symbols(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cli::InputError(fmt::format("--text: cannot read '{}'", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string raw = buffer.str();
  std::vector<int> symbols;
  symbols.reserve(raw.size());
  for (const char ch : raw) {
    const unsigned char c = static_cast<unsigned char>(ch);
    int s = kVocabulary - 1;
    if (c >= 'a' && c <= 'z') s = c - 'a';
    if (c >= 'A' && c <= 'Z') s = c - 'A';
    if (s == kVocabulary - 1 && !symbols.empty() && symbols.back() == s) continue;
    symbols.push_back(s);
  }
  return symbols;
}

train::ModelConfig lm_model(const MomentumOptions& opt, double decay) {
  train::ModelConfig m;
  m.token_width = kVocabulary + opt.window;  // one-hot character, one-hot position
  m.y_dim = kVocabulary;                     // logits: the last 27 coordinates of the query's state
  m.input_embedding = true;
  m.embed_dim = opt.embed;
  m.num_layers = 1;
  m.num_heads = opt.heads;
  m.key_size = opt.embed / opt.heads;
  m.softmax = true;
  m.include_query_in_kv = true;  // the query is the last character read: it is a key too
  m.mlp_blocks = true;
  m.widening_factor = 2;
  m.use_bias = true;
  m.readout_sign = 1.0;
  m.init = train::InitKind::variance_scaling;
  m.init_scale = 1.0;
  m.momentum_decay = decay;
  return m;
}

/// Windows starting at `starts` as tokens (width × (count·window)) and the next symbols.
void make_windows(const std::vector<int>& symbols, const std::vector<std::size_t>& starts, int window,
                  MatrixX<Scalar>& tokens, std::vector<int>& targets) {
  const int width = kVocabulary + window;
  tokens.setZero(width, static_cast<Eigen::Index>(starts.size()) * window);
  targets.resize(starts.size());
  for (std::size_t b = 0; b < starts.size(); ++b) {
    for (int j = 0; j < window; ++j) {
      const auto col = static_cast<Eigen::Index>(b) * window + j;
      tokens(symbols[starts[b] + static_cast<std::size_t>(j)], col) = 1;
      tokens(kVocabulary + j, col) = 1;
    }
    targets[b] = symbols[starts[b] + static_cast<std::size_t>(window)];
  }
}

/// Mean cross-entropy (nats) of the logits' softmax against the targets; fills d_logits with its
/// gradient (softmax − one-hot) / count when non-null.
double cross_entropy(const MatrixX<Scalar>& logits, const std::vector<int>& targets, MatrixX<Scalar>* d_logits, double scale) {
  double total = 0;
  if (d_logits != nullptr) d_logits->resize(logits.rows(), logits.cols());
  for (Eigen::Index b = 0; b < logits.cols(); ++b) {
    const auto col = logits.col(b).cast<double>();
    const double m = col.maxCoeff();
    const Eigen::VectorXd e = (col.array() - m).exp().matrix();
    const double z = e.sum();
    total += std::log(z) + m - col(targets[static_cast<std::size_t>(b)]);
    if (d_logits != nullptr) {
      Eigen::VectorXd p = e / z;
      p(targets[static_cast<std::size_t>(b)]) -= 1.0;
      d_logits->col(b) = (p * scale).cast<Scalar>();
    }
  }
  return total / double(logits.cols());
}

struct LmRun {
  double perplexity = 0, final_train_loss = 0;
  std::optional<train::Model<Scalar>> model;  // the trained character model
};

/// Adam on the cross-entropy of random training windows; the batch is split over `threads`
/// workers whose gradients are summed in worker order (the result does not depend on timing).
LmRun train_lm(const MomentumOptions& opt, const std::vector<int>& train_text, const std::vector<int>& held_out, double decay,
               std::uint64_t seed, std::int64_t steps, int batch, int eval_windows, int threads) {
  train::Model<Scalar> model(lm_model(opt, decay));
  model.init_params(seed);
  train::AdamConfig adam_config;
  adam_config.learning_rate = opt.lm_learning_rate;
  adam_config.clip_global_norm = 1.0;
  train::Adam<Scalar> adam(adam_config, model.params().total_size());
  const int workers = std::max(1, std::min(threads, batch));
  std::vector<train::ModelWorkspace<Scalar>> ws(static_cast<std::size_t>(workers));
  std::vector<std::vector<Scalar>> grads(static_cast<std::size_t>(workers));
  std::vector<double> losses(static_cast<std::size_t>(workers));
  icl::SplitMix64 rng{seed * 0x9E3779B97F4A7C15ULL + 7};
  const std::size_t positions = train_text.size() - static_cast<std::size_t>(opt.window);
  std::vector<Scalar> grad(model.params().total_size());
  LmRun run;
  for (std::int64_t step = 0; step < steps; ++step) {
    std::vector<std::size_t> starts(static_cast<std::size_t>(batch));
    for (auto& s : starts) s = static_cast<std::size_t>(rng.next() % positions);
    auto work = [&](int w) {
      const std::size_t lo = starts.size() * static_cast<std::size_t>(w) / static_cast<std::size_t>(workers);
      const std::size_t hi = starts.size() * static_cast<std::size_t>(w + 1) / static_cast<std::size_t>(workers);
      std::vector<std::size_t> mine(starts.begin() + static_cast<std::ptrdiff_t>(lo), starts.begin() + static_cast<std::ptrdiff_t>(hi));
      MatrixX<Scalar> tokens, d_logits;
      std::vector<int> targets;
      make_windows(train_text, mine, opt.window, tokens, targets);
      auto& g = grads[static_cast<std::size_t>(w)];
      g.assign(model.params().total_size(), Scalar(0));
      const MatrixX<Scalar> logits = model.forward_block(tokens, opt.window, ws[static_cast<std::size_t>(w)]);
      losses[static_cast<std::size_t>(w)] = cross_entropy(logits, targets, &d_logits, 1.0 / batch) * double(mine.size());
      model.backward_block(ws[static_cast<std::size_t>(w)], d_logits, &g, nullptr);
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& t : pool) t.join();
    std::fill(grad.begin(), grad.end(), Scalar(0));
    double loss = 0;
    for (int w = 0; w < workers; ++w) {
      const auto& g = grads[static_cast<std::size_t>(w)];
      for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += g[i];
      loss += losses[static_cast<std::size_t>(w)];
    }
    run.final_train_loss = loss / batch;
    adam.step(model.params().values(), grad);
    cli::interruption_point("training the character model");
  }
  // Held-out: `eval_windows` windows spread evenly over the held-out text.
  const std::size_t held_positions = held_out.size() - static_cast<std::size_t>(opt.window);
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(eval_windows), held_positions);
  std::vector<std::size_t> starts(count);
  for (std::size_t i = 0; i < count; ++i) starts[i] = i * held_positions / count;
  MatrixX<Scalar> tokens;
  std::vector<int> targets;
  make_windows(held_out, starts, opt.window, tokens, targets);
  train::ModelWorkspace<Scalar> eval_ws;
  const double ce = cross_entropy(model.forward_block(tokens, opt.window, eval_ws), targets, nullptr, 1.0);
  run.perplexity = std::exp(ce);
  run.model.emplace(std::move(model));
  return run;
}

// --- the demo ------------------------------------------------------------------------------------

/// "a ± b" with the given precision.
std::string pm(double mean, double sd, int digits) { return fmt::format("{:.{}f} ± {:.{}f}", mean, digits, sd, digits); }

/// The check of DAI-7 on one task: the best decay > 0 of the sweep (lowest mean) against plain
/// attention; measured = (mean plain − mean best) / max(sd plain, sd best): held above 2.
struct Verdict {
  const SeedStats* best = nullptr;
  double improvement = 0, spread = 0, ratio = 0;
};
Verdict compare_with_plain(const std::vector<SeedStats>& stats) {
  Verdict v;
  const SeedStats& plain = stats.front();
  for (std::size_t k = 1; k < stats.size(); ++k)
    if (v.best == nullptr || stats[k].mean() < v.best->mean()) v.best = &stats[k];
  if (v.best == nullptr) return v;
  v.improvement = plain.mean() - v.best->mean();
  v.spread = std::max({plain.sd(), v.best->sd(), 1e-12});
  v.ratio = v.improvement / v.spread;
  return v;
}

DemoResult run(DemoContext& ctx, MomentumOptions opt) {
  const bool quick = ctx.options.quick;
  const int threads = ctx.threads();
  if (std::ranges::find(opt.decays, 0.0) == opt.decays.end())
    throw cli::InputError("--decays must include 0 (plain attention, the comparison's baseline)");
  if (opt.decays.size() < 2) throw cli::InputError("--decays needs plain attention (0) and at least one decay above 0");
  std::ranges::sort(opt.decays);
  opt.decays.erase(std::unique(opt.decays.begin(), opt.decays.end()), opt.decays.end());
  std::ranges::sort(opt.contexts);
  opt.contexts.erase(std::unique(opt.contexts.begin(), opt.contexts.end()), opt.contexts.end());
  if (opt.embed % opt.heads != 0) throw cli::InputError(fmt::format("--embed {} must be a multiple of --heads {}", opt.embed, opt.heads));
  if (opt.embed < kVocabulary)
    throw cli::InputError(fmt::format("--embed {} must be at least {} (the logits are the last {} coordinates)", opt.embed,
                                      kVocabulary, kVocabulary));
  if (quick) {
    opt.decays = {0.0, 0.5};
    opt.seeds = 2;
    opt.contexts = {2, 5};
  }
  const std::int64_t regression_steps = ctx.steps_or(opt.regression_steps, 30);
  const std::int64_t lm_steps = quick ? 20 : (ctx.options.steps ? *ctx.options.steps : opt.lm_steps);
  const int regression_batch = quick ? 64 : opt.regression_batch;
  const int lm_batch = quick ? 16 : opt.lm_batch;
  const int eval_tasks = static_cast<int>(quick ? std::min<std::int64_t>(ctx.eval_tasks, 500) : std::min<std::int64_t>(ctx.eval_tasks, 4000));
  const int eval_windows = quick ? 200 : 3000;

  // The text first: a missing or too short file is refused before anything is written.
  const std::vector<int> symbols = read_symbols(opt.text);
  const std::size_t min_symbols = static_cast<std::size_t>(opt.window + 1) * 40;
  if (symbols.size() < min_symbols)
    throw cli::InputError(fmt::format("--text '{}': {} symbols after folding; at least {} are needed", opt.text, symbols.size(), min_symbols));
  const std::size_t split = symbols.size() * 9 / 10;
  const std::vector<int> train_text(symbols.begin(), symbols.begin() + static_cast<std::ptrdiff_t>(split));
  const std::vector<int> held_out(symbols.begin() + static_cast<std::ptrdiff_t>(split), symbols.end());
  require_task_memory(double(eval_tasks) + regression_batch, opt.x_dim, opt.contexts.back(),
                      fmt::format("--x-dim {} --contexts up to {}", opt.x_dim, opt.contexts.back()));

  ctx.write_config({{"decays", opt.decays},
                    {"seeds", opt.seeds},
                    {"first_seed", ctx.options.seed},
                    {"regression",
                     {{"x_dim", opt.x_dim},
                      {"contexts", opt.contexts},
                      {"steps", regression_steps},
                      {"batch_size", regression_batch},
                      {"eval_tasks", eval_tasks},
                      {"model", regression_config(opt, opt.contexts.front(), 0.5, 0, 1, 1, 1, 1).model.to_json()}}},
                    {"language_model",
                     {{"text", opt.text},
                      {"symbols", symbols.size()},
                      {"train_symbols", train_text.size()},
                      {"held_out_symbols", held_out.size()},
                      {"vocabulary", "a-z (case folded) and one symbol for every run of other characters"},
                      {"window", opt.window},
                      {"steps", lm_steps},
                      {"batch_size", lm_batch},
                      {"learning_rate", opt.lm_learning_rate},
                      {"clip_global_norm", 1.0},
                      {"eval_windows", eval_windows},
                      {"model", lm_model(opt, 0.5).to_json()}}},
                    {"precision", "float32"}});

  // 1. regression: every (decay, N, seed).
  io::CsvTable regression_csv({"decay", "context", "seed", "loss"});
  std::vector<SeedStats> regression(opt.decays.size());
  std::vector<std::vector<std::vector<double>>> loss_at(opt.decays.size(), std::vector<std::vector<double>>(opt.contexts.size()));
  for (std::size_t k = 0; k < opt.decays.size(); ++k) {
    regression[k].decay = opt.decays[k];
    for (int s = 0; s < opt.seeds; ++s) {
      const std::uint64_t seed = ctx.options.seed + static_cast<std::uint64_t>(s);
      double sum = 0;
      for (std::size_t c = 0; c < opt.contexts.size(); ++c) {
        train::Trainer<Scalar> trainer(regression_config(opt, opt.contexts[c], opt.decays[k], seed, regression_steps,
                                                          regression_batch, eval_tasks, threads));
        train_with_progress<Scalar>(ctx, trainer, fmt::format("regression eta={} N={} seed={}", opt.decays[k], opt.contexts[c], seed));
        const double loss = trainer.evaluate();
        regression_csv.add_row({opt.decays[k], double(opt.contexts[c]), double(seed), loss});
        loss_at[k][c].push_back(loss);
        sum += loss;
      }
      regression[k].values.push_back(sum / double(opt.contexts.size()));  // mean over N for this seed
    }
  }
  regression_csv.write(ctx.run, "regression.csv");

  // 2. language model: every (decay, seed).
  io::CsvTable lm_csv({"decay", "seed", "perplexity", "final_train_loss"});
  std::vector<SeedStats> lm(opt.decays.size());
  for (std::size_t k = 0; k < opt.decays.size(); ++k) {
    lm[k].decay = opt.decays[k];
    io::ProgressBar bar(fmt::format("character model eta={}", opt.decays[k]), opt.seeds,
                        ctx.progress_enabled() ? io::ProgressBar::Mode::automatic : io::ProgressBar::Mode::off);
    for (int s = 0; s < opt.seeds; ++s) {
      const std::uint64_t seed = ctx.options.seed + static_cast<std::uint64_t>(s);
      const LmRun r = train_lm(opt, train_text, held_out, opt.decays[k], seed, lm_steps, lm_batch, eval_windows, threads);
      lm_csv.add_row({opt.decays[k], double(seed), r.perplexity, r.final_train_loss});
      if (s == 0) {
        // The first seed's character model per decay, in the engine's weight format.
        const std::string folder = fmt::format("weights-lm-eta{}", opt.decays[k]);
        cli::interruption_point(fmt::format("before saving {}", folder));
        train::save_model(ctx.run.path(folder), *r.model,
                          {{"demo", ctx.name}, {"momentum_decay", opt.decays[k]}, {"seed", seed}, {"steps", lm_steps}});
        ctx.run.note_file(folder);
      }
      lm[k].values.push_back(r.perplexity);
      bar.update(s + 1, fmt::format("perplexity {:.3f}", r.perplexity));
    }
    bar.finish(fmt::format("mean perplexity {:.3f}", lm[k].mean()));
  }
  lm_csv.write(ctx.run, "language_model.csv");

  for (auto* stats : {&regression, &lm})
    for (auto& st : *stats)
      for (std::size_t s = 0; s < st.values.size(); ++s) st.gains.push_back(stats->front().values[s] - st.values[s]);

  // Means per (decay, N) and per decay, for the figures.
  io::CsvTable regression_mean({"decay", "context", "mean_loss", "sd_loss"});
  for (std::size_t k = 0; k < opt.decays.size(); ++k)
    for (std::size_t c = 0; c < opt.contexts.size(); ++c)
      regression_mean.add_row({opt.decays[k], double(opt.contexts[c]), mean_of(loss_at[k][c]), sd_of(loss_at[k][c])});
  regression_mean.write(ctx.run, "regression_mean.csv");
  io::CsvTable lm_mean({"decay", "mean_perplexity", "sd_perplexity"});
  for (const auto& st : lm) lm_mean.add_row({st.decay, st.mean(), st.sd()});
  lm_mean.write(ctx.run, "language_model_mean.csv");

  const Verdict regression_verdict = compare_with_plain(regression);
  const Verdict lm_verdict = compare_with_plain(lm);
  ctx.check("DAI-7.regression-beats-plain",
            fmt::format("in-context regression, loss averaged over N: (mean plain − mean of the best decay, η = {}) / "
                        "max seed sd (above 2: momentum better beyond the seed spread)",
                        regression_verdict.best ? regression_verdict.best->decay : 0.0),
            regression_verdict.ratio, ">", 2.0);
  ctx.check("DAI-7.lm-beats-plain",
            fmt::format("character model, held-out perplexity: (mean plain − mean of the best decay, η = {}) / max seed "
                        "sd (above 2: momentum better beyond the seed spread)",
                        lm_verdict.best ? lm_verdict.best->decay : 0.0),
            lm_verdict.ratio, ">", 2.0);

  using io::PlotSeries;
  io::Figure loss_figure{.name = "regression_loss",
                         .title = fmt::format("in-context regression (d = {}): mean loss over {} seeds", opt.x_dim, opt.seeds),
                         .x_label = "number of demonstrations N",
                         .y_label = "evaluation loss (0.5 · MSE)",
                         .log_y = true};
  for (std::size_t k = 0; k < opt.decays.size(); ++k) {
    PlotSeries series{"regression_mean.csv", "context", "mean_loss",
                      opt.decays[k] == 0 ? std::string("plain attention") : fmt::format("momentum η = {}", opt.decays[k])};
    series.where("decay", opt.decays[k]).drawn_with("linespoints");
    if (opt.decays[k] == 0) series.dashed();
    loss_figure.series.push_back(series);
  }
  ctx.figures.push_back(loss_figure);
  ctx.figures.push_back({.name = "perplexity",
                         .title = fmt::format("character model on {}: held-out perplexity, mean over {} seeds", opt.text, opt.seeds),
                         .x_label = "momentum decay η (0: plain attention)",
                         .y_label = "held-out perplexity",
                         .series = {PlotSeries{"language_model_mean.csv", "decay", "mean_perplexity", "mean"}.drawn_with("linespoints"),
                                    PlotSeries{"language_model.csv", "decay", "perplexity", "each seed"}.drawn_with("points pt 7")}});

  io::SummaryTable table(fmt::format("momentum against plain attention, {} seeds (mean ± sd; gain = plain − momentum, paired by seed)", opt.seeds),
                         {"decay η", "regression loss (mean over N)", "gain", "held-out perplexity", "gain"});
  for (std::size_t k = 0; k < opt.decays.size(); ++k) {
    const bool plain = k == 0;
    table.add_row({plain ? "0 (plain)" : fmt::format("{}", opt.decays[k]), pm(regression[k].mean(), regression[k].sd(), 5),
                   plain ? "" : pm(mean_of(regression[k].gains), sd_of(regression[k].gains), 5), pm(lm[k].mean(), lm[k].sd(), 3),
                   plain ? "" : pm(mean_of(lm[k].gains), sd_of(lm[k].gains), 3)});
  }
  table.add_rule();
  auto verdict_text = [](const Verdict& v) {
    if (v.best == nullptr) return std::string("-");
    return fmt::format("best η = {}: improvement {:.4g}, {:.2f} seed sd{}", v.best->decay, v.improvement, v.ratio,
                       v.ratio > 2 ? "" : (v.ratio > -2 ? " (within noise)" : " (momentum worse)"));
  };
  table.add_row({"regression", verdict_text(regression_verdict), "", "", ""});
  table.add_row({"character model", verdict_text(lm_verdict), "", "", ""});

  auto stats_json = [](const std::vector<SeedStats>& stats) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& st : stats)
      out.push_back({{"decay", st.decay}, {"values", st.values}, {"mean", st.mean()}, {"sd", st.sd()},
                     {"gain_mean", mean_of(st.gains)}, {"gain_sd", sd_of(st.gains)}});
    return out;
  };
  nlohmann::json per_context = nlohmann::json::array();
  for (std::size_t k = 0; k < opt.decays.size(); ++k)
    for (std::size_t c = 0; c < opt.contexts.size(); ++c)
      per_context.push_back({{"decay", opt.decays[k]}, {"context", opt.contexts[c]}, {"losses", loss_at[k][c]},
                             {"mean", mean_of(loss_at[k][c])}, {"sd", sd_of(loss_at[k][c])}});
  DemoResult result;
  result.results = {{"regression", stats_json(regression)},
                    {"regression_per_context", per_context},
                    {"language_model", stats_json(lm)},
                    {"final",
                     {{"regression_best_decay", regression_verdict.best ? regression_verdict.best->decay : 0.0},
                      {"regression_improvement_over_spread", regression_verdict.ratio},
                      {"lm_best_decay", lm_verdict.best ? lm_verdict.best->decay : 0.0},
                      {"lm_improvement_over_spread", lm_verdict.ratio},
                      {"plain_regression_loss", regression.front().mean()},
                      {"plain_perplexity", lm.front().mean()}}}};
  result.summary = result.results["final"];
  result.tables = {table};
  return result;
}

const RegisterDemo momentum_registration{
    {"momentum", "Momentum attention (Dai et al.) vs plain attention: in-context regression and a character model", 80,
     [](CLI::App* app) -> DemoRunner {
       auto opt = std::make_shared<MomentumOptions>();
       if (app) {
         app->add_option("--decays", opt->decays, "Momentum decays η to sweep, 0 (plain) included (default 0 0.1 0.3 0.5 0.9)")
             ->check(cli::Real({0, 0.999}));
         app->add_option("--seeds", opt->seeds, "Seeds per configuration (default 3)")->check(cli::Integer(1, cli::limits::seeds));
         app->add_option("--x-dim", opt->x_dim, "Regression: input dimension d (default 4)")->check(cli::Integer(1, cli::limits::dim));
         app->add_option("--contexts", opt->contexts, "Regression: numbers of demonstrations N (default 2 5 10 20)")
             ->check(cli::Integer(1, cli::limits::context));
         app->add_option("--batch", opt->regression_batch, "Regression: tasks per step (default 256)")->check(cli::Integer(1, cli::limits::batch));
         app->add_option("--text", opt->text, "Character model: the text (default /usr/share/common-licenses/GPL-3)")->check(cli::NonEmpty);
         app->add_option("--window", opt->window, "Character model: characters per example (default 8)")->check(cli::Integer(2, 256));
         app->add_option("--embed", opt->embed, "Character model: embedding size (default 48)")->check(cli::Integer(1, cli::limits::width));
         app->add_option("--heads", opt->heads, "Character model: attention heads (default 2)")->check(cli::Integer(1, 64));
         app->add_option("--lm-steps", opt->lm_steps, "Character model: training steps (default 400)")->check(cli::Integer(1, cli::limits::steps));
         app->add_option("--lm-batch", opt->lm_batch, "Character model: windows per step (default 64)")->check(cli::Integer(1, cli::limits::batch));
         app->add_option("--lm-lr", opt->lm_learning_rate, "Character model: Adam learning rate (default 3e-3)")->check(cli::Real({0, 10, true}));
       }
       return [opt](DemoContext& ctx) { return run(ctx, *opt); };
     }}};

}  // namespace
}  // namespace icgd::demo
