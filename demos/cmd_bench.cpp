// `icgd bench`: speed of a training step of the paper's linear self-attention models on the fast
// path (lib/include/icgd/train/fast_lsa.hpp; docs/performance.md).
//
// A step = fresh tasks generated in cache (d = N = 10, batch 2048 by default), forward,
// hand-derived backward, deterministic reduction, global-norm clipping and Adam: everything the
// training loop does. Per configuration: warm-up steps, then R repetitions of S timed steps;
// the figure is the median over repetitions of (wall time / S). The machine is shared, so the
// process CPU time of each repetition is recorded too: cpu/wall well below the thread count
// means the run did not have the cores to itself.
#include "command.hpp"
#include "options.hpp"
#include "icgd/io/run_directory.hpp"

#include "icgd/train/fast_lsa.hpp"
#include "icgd/train/parallel.hpp"
#include "icgd/train/model.hpp"
#include "icgd/train/trainer.hpp"

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace icgd::cli {
namespace {

struct BenchArgs {
  std::vector<std::string> only;
  int steps = 0;    // 0: per-configuration default
  int repeats = 9;
  int warmup = -1;  // −1: per-configuration default
  int threads = 0;  // 0: hardware concurrency
  int batch = 2048;
  double input_range = 0.5;
  std::uint64_t seed = 0;
  bool quick = false;
  bool check = false;
  std::string json_path;
};

struct BenchConfig {
  std::string name;  // e.g. "1-layer-float"
  int layers;
  bool recurrent;
  bool is_float;
  double target_ms;  // ≤ 0: no target
  int default_steps;
};

const std::vector<BenchConfig>& bench_configs() {
  // Speed targets on an idle 2-core x86-64-v3 machine (docs/performance.md): 1 layer 0.06 ms
  // (float), 0.10 ms (double); 3 recurrent layers 0.60 ms (float). 3 recurrent layers in double
  // has no target; it is reported for reference.
  static const std::vector<BenchConfig> configs{
      {"1-layer-float", 1, false, true, 0.06, 1000},
      {"1-layer-double", 1, false, false, 0.10, 1000},
      {"3-recurrent-float", 3, true, true, 0.60, 100},
      {"3-recurrent-double", 3, true, false, 0.0, 50},
  };
  return configs;
}

struct Measurement {
  BenchConfig config;
  int steps = 0, repeats = 0, warmup = 0, threads = 0;
  std::vector<double> ms_per_step;   // per repetition (wall)
  std::vector<double> cpu_per_wall;  // per repetition (process CPU time / wall time)
  double median = 0, min = 0, max = 0;
  // The same steps' task generation alone (FastLsaObjective::generate_only: same threads,
  // chunks and code), per repetition; its median over the step's median is the share of a
  // step spent generating data, the rest is forward/backward, reduction and Adam.
  std::vector<double> generation_ms;
  double generation_median = 0;
  // Of generation, the generator's words alone (FastLsaObjective::stream_words_only: ARS-7,
  // no conversion to numbers), per repetition; the rest of generation is the conversions,
  // Box–Muller and the labels.
  std::vector<double> words_ms;
  double words_median = 0;
  double generation_share() const { return median > 0 ? generation_median / median : 0; }
  double final_loss = 0;
  bool met() const { return config.target_ms <= 0 || median <= config.target_ms; }
};

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// The CPU's model name (first "model name" of /proc/cpuinfo).
std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  if (!(f >> a >> b >> c)) return "unavailable";
  return a + " " + b + " " + c;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <class T>
Measurement measure(const BenchConfig& bc, const BenchArgs& a) {
  train::TaskConfig task = train::TaskConfig::code_linear(10, 10);
  task.input_half_width = a.input_range;
  train::TrainConfig tc = train::TrainConfig::von_oswald(bc.layers, bc.recurrent, task);
  tc.batch_size = a.batch;
  tc.seed = a.seed;
  tc.threads = resolve_thread_count(a.threads);
  tc.finalize();
  const train::FastLsaConfig fast = train::FastLsaConfig::from_train_config(tc);
  // The general engine's initialisation (Haiku VarianceScaling, init_scale 0.002 / K).
  train::Model<T> model(tc.model);
  model.init_params(a.seed);
  train::FastLsaTrainer<T> trainer(fast, model.params(), tc.optimizer);

  Measurement m;
  m.config = bc;
  m.steps = a.quick ? std::max(1, bc.default_steps / 50) : (a.steps > 0 ? a.steps : bc.default_steps);
  m.repeats = a.quick ? 3 : a.repeats;
  m.warmup = a.warmup >= 0 ? a.warmup : (a.quick ? 2 : std::max(5, m.steps / 5));
  m.threads = trainer.threads();
  for (int i = 0; i < m.warmup; ++i) trainer.train_step();
  double loss = 0;
  for (int r = 0; r < m.repeats; ++r) {
    const double cpu0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < m.steps; ++i) loss = trainer.train_step();
    const auto t1 = std::chrono::steady_clock::now();
    const double cpu1 = process_cpu_seconds();
    const double wall = std::chrono::duration<double>(t1 - t0).count();
    m.ms_per_step.push_back(1e3 * wall / m.steps);
    m.cpu_per_wall.push_back((cpu1 - cpu0) / wall);
  }
  m.final_loss = loss;
  double sink = 0;
  for (int r = 0; r < m.repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < m.steps; ++i) sink += trainer.objective().generate_only(i);
    const auto t1 = std::chrono::steady_clock::now();
    m.generation_ms.push_back(1e3 * std::chrono::duration<double>(t1 - t0).count() / m.steps);
  }
  for (int r = 0; r < m.repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < m.steps; ++i) sink += trainer.objective().stream_words_only(i);
    const auto t1 = std::chrono::steady_clock::now();
    m.words_ms.push_back(1e3 * std::chrono::duration<double>(t1 - t0).count() / m.steps);
  }
  if (!(sink == sink)) throw std::runtime_error("bench: generated tasks are not finite");
  m.generation_median = median_of(m.generation_ms);
  m.words_median = median_of(m.words_ms);
  m.median = median_of(m.ms_per_step);
  m.min = *std::min_element(m.ms_per_step.begin(), m.ms_per_step.end());
  m.max = *std::max_element(m.ms_per_step.begin(), m.ms_per_step.end());
  return m;
}

void run_bench(const BenchArgs& a) {
  if (a.repeats < 1 || a.steps < 0 || a.batch < 1 || a.threads < 0)
    throw InputError("bench: --repeats, --batch must be >= 1 and --steps, --threads >= 0");
  if (a.input_range != 0.5 && a.input_range != 1.0)
    throw InputError("bench: --input-range must be 0.5 (reference code) or 1 (paper text)");
  std::vector<BenchConfig> selected;
  for (const auto& c : bench_configs())
    if (a.only.empty() || std::find(a.only.begin(), a.only.end(), c.name) != a.only.end())
      selected.push_back(c);
  for (const auto& name : a.only)
    if (std::none_of(bench_configs().begin(), bench_configs().end(),
                     [&](const BenchConfig& c) { return c.name == name; }))
      throw InputError("bench: unknown configuration '" + name +
                       "' (1-layer-float, 1-layer-double, 3-recurrent-float, 3-recurrent-double)");

  const std::string load_before = load_average();
  fmt::print("icgd bench — fast LSA training step (von Oswald et al.), d = N = 10, batch {}, "
             "x~U({:g},{:g})^10, tasks generated each step\n",
             a.batch, -a.input_range, a.input_range);
  fmt::print("cpu: {}\n", cpu_model());
  fmt::print("library: {}\n", train::fast_lsa_build_info());
  fmt::print("hardware threads: {}; load average before: {}\n",
             train::resolve_threads(0), load_before);

  std::vector<Measurement> results;
  for (const auto& c : selected) {
    results.push_back(c.is_float ? measure<float>(c, a) : measure<double>(c, a));
    const Measurement& m = results.back();
    fmt::print("  {:<20} {} steps x {} repetitions (+{} warm-up), {} threads: median {:.4f} ms/step\n",
               c.name, m.steps, m.repeats, m.warmup, m.threads, m.median);
  }
  const std::string load_after = load_average();

  fmt::print("\n{:<20} {:>8} {:>10} {:>10} {:>10} {:>9} {:>8} {:>7} {:>8} {:>9} {:>9}  {}\n",
             "configuration", "threads", "median ms", "min ms", "max ms", "cpu/wall", "gen ms",
             "gen %", "words ms", "fwd/bwd %", "target", "status");
  bool all_met = true;
  for (const auto& m : results) {
    const std::string target = m.config.target_ms > 0 ? fmt::format("{:.2f}", m.config.target_ms) : "-";
    const char* status = m.config.target_ms <= 0 ? "(no target)" : (m.met() ? "met" : "MISSED");
    all_met = all_met && m.met();
    fmt::print("{:<20} {:>8} {:>10.4f} {:>10.4f} {:>10.4f} {:>9.2f} {:>8.4f} {:>7.1f} {:>8.4f} {:>9.1f} {:>9}  {}\n",
               m.config.name, m.threads, m.median, m.min, m.max, median_of(m.cpu_per_wall),
               m.generation_median, 100 * m.generation_share(), m.words_median,
               100 * (1 - m.generation_share()), target, status);
  }
  fmt::print("gen ms: the same steps' task generation alone (same threads and chunks); gen %: its "
             "share of the step; words ms: of generation, the generator's words alone (ARS-7, not "
             "converted to numbers); fwd/bwd %: the rest of the step (forward, backward, "
             "reduction, Adam)\n");
  fmt::print("load average after: {}  (the machine is shared: a cpu/wall well below the thread "
             "count means the cores were not ours alone)\n",
             load_after);

  if (!a.json_path.empty()) {
    nlohmann::json j;
    j["tool"] = "icgd bench";
    j["version"] = ICGD_VERSION;
    j["cpu"] = cpu_model();
    j["library"] = train::fast_lsa_build_info();
    j["hardware_threads"] = train::resolve_threads(0);
    j["load_average_before"] = load_before;
    j["load_average_after"] = load_after;
    j["batch"] = a.batch;
    j["seed"] = a.seed;
    j["input_range"] = a.input_range;
    j["quick"] = a.quick;
    for (const auto& m : results) {
      nlohmann::json r;
      r["name"] = m.config.name;
      r["scalar"] = m.config.is_float ? "float" : "double";
      r["layers"] = m.config.layers;
      r["recurrent"] = m.config.recurrent;
      r["threads"] = m.threads;
      r["steps_per_repetition"] = m.steps;
      r["repetitions"] = m.repeats;
      r["warmup_steps"] = m.warmup;
      r["ms_per_step"] = m.ms_per_step;
      r["cpu_per_wall"] = m.cpu_per_wall;
      r["median_ms"] = m.median;
      r["min_ms"] = m.min;
      r["max_ms"] = m.max;
      r["generation_ms_per_step"] = m.generation_ms;
      r["generation_median_ms"] = m.generation_median;
      r["generation_share"] = m.generation_share();
      r["stream_words_ms_per_step"] = m.words_ms;
      r["stream_words_median_ms"] = m.words_median;
      r["final_train_loss"] = m.final_loss;
      if (m.config.target_ms > 0) {
        r["target_ms"] = m.config.target_ms;
        r["target_met"] = m.met();
      }
      j["results"].push_back(r);
    }
    try {
      io::write_file_atomically(a.json_path, j.dump(2) + "\n");
    } catch (const std::exception& e) {
      throw InputError(fmt::format("bench: cannot write --json file: {}", e.what()));
    }
    fmt::print("wrote {}\n", a.json_path);
  }
  if (a.check && !all_met) set_exit_status(1);
}

RegisterCommand bench_command{"bench", 90, [](CLI::App& root) {
  auto args = std::make_shared<BenchArgs>();
  auto* sub = root.add_subcommand(
      "bench", "Time training steps of the paper's linear-attention models on the fast path");
  sub->add_option("--only", args->only,
                  "Configurations to run: 1-layer-float, 1-layer-double, 3-recurrent-float, "
                  "3-recurrent-double (default: all)");
  sub->add_option("--steps", args->steps, "Timed steps per repetition (default: 1000 for one "
                                          "layer, 100/50 for three)")
      ->check(Integer(0, 1000000));
  sub->add_option("--repeats", args->repeats, "Repetitions; the median is reported")->capture_default_str()->check(Integer(1, 1000));
  sub->add_option("--warmup", args->warmup, "Untimed steps first (default: steps / 5)")->check(Integer(0, 1000000));
  sub->add_option("--threads", args->threads, "Threads (0, the default: all hardware threads; more are capped)")->check(Integer(0, limits::threads));
  sub->add_option("--batch", args->batch, "Tasks per step")->capture_default_str()->check(Integer(1, limits::batch));
  sub->add_option("--input-range", args->input_range,
                  "a in x ~ U(-a, a): 0.5 (reference code) or 1 (paper text); a in (0, 1e6]")
      ->capture_default_str()->check(Real({0, 1e6, true}));
  sub->add_option("--seed", args->seed, "Seed")->capture_default_str()->check(Unsigned());
  sub->add_flag("--quick", args->quick, "A few steps only (smoke test, not a measurement)");
  sub->add_flag("--check", args->check, "Exit with status 1 when a target is missed");
  sub->add_option("--json", args->json_path, "Also write the results to this JSON file (atomically)")->check(NonEmpty);
  sub->callback([args] { run_bench(*args); });
}};

}  // namespace
}  // namespace icgd::cli
