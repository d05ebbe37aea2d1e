// Training loop and checkpoints (reference train.py: optax chain(clip_by_global_norm,
// adamw); fresh tasks every step; evaluation on fixed tasks). See trainer.hpp.
#include "icgd/train/trainer.hpp"

#include "icgd/train/parallel.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include <unistd.h>

namespace icgd::train {

// ----------------------------------------------------------------------------- configs

nlohmann::json AdamConfig::to_json() const {
  return {{"learning_rate", learning_rate}, {"beta1", beta1},
          {"beta2", beta2},                 {"eps", eps},
          {"weight_decay", weight_decay},   {"clip_global_norm", clip_global_norm}};
}

AdamConfig AdamConfig::from_json(const nlohmann::json& j) {
  AdamConfig c;
  c.learning_rate = j.value("learning_rate", c.learning_rate);
  c.beta1 = j.value("beta1", c.beta1);
  c.beta2 = j.value("beta2", c.beta2);
  c.eps = j.value("eps", c.eps);
  c.weight_decay = j.value("weight_decay", c.weight_decay);
  c.clip_global_norm = j.value("clip_global_norm", c.clip_global_norm);
  return c;
}

TrainConfig TrainConfig::von_oswald(int num_layers, bool recurrent, TaskConfig task) {
  TrainConfig c;
  c.task = task;
  c.model = ModelConfig::for_von_oswald(task.x_dim, task.y_dim, task.num_context, num_layers, recurrent);
  // Theory A.8 / §0 item 9: lr 1e-3 (5e-4 from 3 layers); clip 1e-3 for ≤ 2 layers else 10
  // (the code's values; the paper's text says 10 throughout).
  c.optimizer.learning_rate = num_layers >= 3 ? 5e-4 : 1e-3;
  c.optimizer.clip_global_norm = num_layers <= 2 ? 1e-3 : 10.0;
  c.batch_size = 2048;
  c.steps = (recurrent || num_layers == 1) ? 5000 : 50000;
  c.eval_tasks = 10000;
  c.finalize();
  return c;
}

void TrainConfig::finalize() {
  task.validate();
  model.token_width = tokens.width(task);
  model.y_dim = task.y_dim;
  model.num_context = task.num_context;
  model.validate();
}

nlohmann::json TrainConfig::to_json() const {
  return {{"task", task.to_json()},
          {"tokens", tokens.to_json()},
          {"model", model.to_json()},
          {"optimizer", optimizer.to_json()},
          {"batch_size", batch_size},
          {"steps", steps},
          {"seed", seed},
          {"eval_tasks", eval_tasks},
          {"eval_every", eval_every},
          {"threads", threads},
          {"checkpoint_path", checkpoint_path},
          {"checkpoint_every", checkpoint_every}};
}

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
  TrainConfig c;
  if (j.contains("task")) c.task = TaskConfig::from_json(j.at("task"));
  if (j.contains("tokens")) c.tokens = TokenConfig::from_json(j.at("tokens"));
  if (j.contains("model")) c.model = ModelConfig::from_json(j.at("model"));
  if (j.contains("optimizer")) c.optimizer = AdamConfig::from_json(j.at("optimizer"));
  c.batch_size = j.value("batch_size", c.batch_size);
  c.steps = j.value("steps", c.steps);
  c.seed = j.value("seed", c.seed);
  c.eval_tasks = j.value("eval_tasks", c.eval_tasks);
  c.eval_every = j.value("eval_every", c.eval_every);
  c.threads = j.value("threads", c.threads);
  c.checkpoint_path = j.value("checkpoint_path", c.checkpoint_path);
  c.checkpoint_every = j.value("checkpoint_every", c.checkpoint_every);
  return c;
}

// ----------------------------------------------------------------------------- trainer

template <class T>
Trainer<T>::Trainer(TrainConfig config) : config_(std::move(config)), model_((config_.finalize(), config_.model)) {
  if (config_.batch_size < 1) throw std::invalid_argument("TrainConfig: batch_size must be >= 1");
  threads_ = resolve_threads(config_.threads);
  model_.init_params(config_.seed);
  adam_ = Adam<T>(config_.optimizer, model_.params().total_size());
  if (config_.eval_tasks > 0) {
    eval_tasks_ = generate_tasks(config_.task, config_.seed, Stream::eval_tasks, 0, config_.eval_tasks, 0,
                                 threads_);
    eval_batch_ = make_batch<T>(eval_tasks_, config_.tokens);
  }
}

template <class T>
TaskBatch Trainer<T>::step_tasks(std::int64_t step) const {
  return generate_tasks(config_.task, config_.seed, Stream::train_tasks, static_cast<std::uint64_t>(step),
                        config_.batch_size, 0, threads_);
}

template <class T>
double Trainer<T>::train_step() {
  double loss;
  grad_.assign(model_.params().total_size(), T(0));
  if (objective_) {
    loss = objective_(step_, model_.params(), grad_);
  } else {
    const Batch<T> batch = make_batch<T>(step_tasks(step_), config_.tokens);
    loss = static_cast<double>(model_.loss_and_grad(batch.tokens, batch.targets, grad_, threads_));
  }
  // A step whose loss or gradient is not finite (in float, an extreme task can overflow a deep
  // stack; measured: the 5-layer per-layer stack at step ~11 000 of 20 000) changes nothing and
  // is counted. Adam itself refuses a non-finite gradient; a non-finite loss is checked here.
  if (!std::isfinite(loss)) {
    last_grad_norm_ = global_norm(grad_);
    ++skipped_steps_;
  } else {
    last_grad_norm_ = adam_.step(model_.params().values(), grad_);
    if (std::isfinite(last_grad_norm_))
      model_.refresh();
    else
      ++skipped_steps_;
  }
  ++step_;
  return loss;
}

template <class T>
double Trainer<T>::evaluate() const {
  if (config_.eval_tasks <= 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(model_.loss(eval_batch_.tokens, eval_batch_.targets, threads_));
}

template <class T>
void Trainer<T>::run(const ProgressFn& progress) {
  const auto start = std::chrono::steady_clock::now();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (step_ == 0 && history_.empty() && config_.eval_every > 0) history_.push_back({0, nan, evaluate()});
  while (step_ < config_.steps) {
    TrainProgress p;
    p.train_loss = train_step();
    p.step = step_;
    p.total_steps = config_.steps;
    p.grad_norm = last_grad_norm_;
    const bool eval_now =
        config_.eval_every > 0 && (step_ % config_.eval_every == 0 || step_ == config_.steps);
    if (eval_now) p.eval_loss = evaluate();
    history_.push_back({step_, p.train_loss, eval_now ? *p.eval_loss : nan});
    if (!config_.checkpoint_path.empty() && config_.checkpoint_every > 0 &&
        step_ % config_.checkpoint_every == 0)
      save_checkpoint(config_.checkpoint_path);
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress) progress(p);
  }
  if (!config_.checkpoint_path.empty()) save_checkpoint(config_.checkpoint_path);
}

// ----------------------------------------------------------------------------- checkpoints
//
// File layout (native byte order; readable by the same build on the same platform):
//   8 bytes  "ICGDCKPT"
//   u32      format version (1)
//   u32      sizeof(T)
//   u64      n = length of the JSON header in bytes
//   n bytes  JSON: {"config", "scalar", "step", "adam_steps", "arrays": [{name, rows, cols}],
//                   "history": [[step, train_loss, eval_loss], ...]} (NaN written as null)
//   3 × P × sizeof(T) bytes: parameters, Adam first moment, Adam second moment

namespace {

constexpr char kMagic[8] = {'I', 'C', 'G', 'D', 'C', 'K', 'P', 'T'};
constexpr std::uint32_t kVersion = 1;

template <class T>
const char* scalar_name() {
  if constexpr (std::is_same_v<T, float>) return "float";
  else if constexpr (std::is_same_v<T, double>) return "double";
  else return "long double";
}

struct CheckpointHeader {
  std::uint32_t scalar_size = 0;
  nlohmann::json meta;
  std::streamoff data_offset = 0;
};

CheckpointHeader read_header(std::ifstream& in, const std::string& path) {
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, kMagic, 8) != 0) throw std::runtime_error("not an icgd checkpoint: " + path);
  std::uint32_t version = 0;
  CheckpointHeader h;
  std::uint64_t len = 0;
  in.read(reinterpret_cast<char*>(&version), sizeof version);
  in.read(reinterpret_cast<char*>(&h.scalar_size), sizeof h.scalar_size);
  in.read(reinterpret_cast<char*>(&len), sizeof len);
  if (!in || version != kVersion) throw std::runtime_error("unsupported checkpoint version: " + path);
  std::string json(len, '\0');
  in.read(json.data(), static_cast<std::streamsize>(len));
  if (!in) throw std::runtime_error("truncated checkpoint: " + path);
  h.meta = nlohmann::json::parse(json);
  h.data_offset = in.tellg();
  return h;
}

// Fields that must agree between a checkpoint and the trainer resuming it.
nlohmann::json resume_identity(const TrainConfig& c) {
  nlohmann::json j = c.to_json();
  for (const char* k : {"steps", "threads", "eval_every", "checkpoint_path", "checkpoint_every"}) j.erase(k);
  return j;
}

}  // namespace

template <class T>
void Trainer<T>::save_checkpoint(const std::string& path) const {
  nlohmann::json meta;
  meta["config"] = config_.to_json();
  meta["scalar"] = scalar_name<T>();
  meta["step"] = step_;
  meta["adam_steps"] = adam_.steps();
  meta["version"] = ICGD_VERSION;
  nlohmann::json arrays = nlohmann::json::array();
  for (const auto& p : model_.params().infos())
    arrays.push_back({{"name", p.name}, {"rows", p.rows}, {"cols", p.cols}});
  meta["arrays"] = arrays;
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& r : history_)
    hist.push_back({r.step, std::isnan(r.train_loss) ? nlohmann::json() : nlohmann::json(r.train_loss),
                    std::isnan(r.eval_loss) ? nlohmann::json() : nlohmann::json(r.eval_loss)});
  meta["history"] = hist;
  const std::string json = meta.dump();

  namespace fs = std::filesystem;
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const fs::path tmp = target.string() + fmt::format(".tmp.{}", static_cast<long>(::getpid()));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot write checkpoint " + tmp.string());
  const std::uint32_t version = kVersion, scalar_size = sizeof(T);
  const std::uint64_t len = json.size();
  bool ok = std::fwrite(kMagic, 1, 8, f) == 8;
  ok = ok && std::fwrite(&version, sizeof version, 1, f) == 1;
  ok = ok && std::fwrite(&scalar_size, sizeof scalar_size, 1, f) == 1;
  ok = ok && std::fwrite(&len, sizeof len, 1, f) == 1;
  ok = ok && std::fwrite(json.data(), 1, json.size(), f) == json.size();
  const std::size_t n = model_.params().total_size();
  const std::vector<T> m = adam_.first_moment().size() == n ? adam_.first_moment() : std::vector<T>(n, T(0));
  const std::vector<T> v = adam_.second_moment().size() == n ? adam_.second_moment() : std::vector<T>(n, T(0));
  ok = ok && std::fwrite(model_.params().values().data(), sizeof(T), n, f) == n;
  ok = ok && std::fwrite(m.data(), sizeof(T), n, f) == n;
  ok = ok && std::fwrite(v.data(), sizeof(T), n, f) == n;
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw std::runtime_error("failed writing checkpoint " + tmp.string());
  }
  // rename() within one folder is atomic: readers see the old or the new file, never a mix.
  fs::rename(tmp, target);
}

template <class T>
TrainConfig Trainer<T>::read_checkpoint_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open checkpoint " + path);
  return TrainConfig::from_json(read_header(in, path).meta.at("config"));
}

template <class T>
void Trainer<T>::load_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open checkpoint " + path);
  const CheckpointHeader h = read_header(in, path);
  if (h.scalar_size != sizeof(T) || h.meta.at("scalar") != scalar_name<T>())
    throw std::runtime_error(fmt::format("checkpoint {} holds {} parameters, trainer uses {}", path,
                                         h.meta.at("scalar").get<std::string>(), scalar_name<T>()));
  const TrainConfig stored = TrainConfig::from_json(h.meta.at("config"));
  if (resume_identity(stored) != resume_identity(config_))
    throw std::runtime_error("checkpoint " + path + " was written with a different configuration");
  const auto& arrays = h.meta.at("arrays");
  const auto& infos = model_.params().infos();
  if (arrays.size() != infos.size()) throw std::runtime_error("checkpoint parameter layout differs");
  for (std::size_t i = 0; i < infos.size(); ++i)
    if (arrays[i].at("name") != infos[i].name || arrays[i].at("rows") != infos[i].rows ||
        arrays[i].at("cols") != infos[i].cols)
      throw std::runtime_error("checkpoint parameter layout differs at " + infos[i].name);
  const std::size_t n = model_.params().total_size();
  std::vector<T> params(n), m(n), v(n);
  in.read(reinterpret_cast<char*>(params.data()), static_cast<std::streamsize>(n * sizeof(T)));
  in.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(n * sizeof(T)));
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
  if (!in) throw std::runtime_error("truncated checkpoint: " + path);
  model_.params().values() = std::move(params);
  model_.refresh();
  adam_.first_moment() = std::move(m);
  adam_.second_moment() = std::move(v);
  adam_.set_steps(h.meta.at("adam_steps").get<std::int64_t>());
  step_ = h.meta.at("step").get<std::int64_t>();
  history_.clear();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : h.meta.at("history"))
    history_.push_back({r.at(0).get<std::int64_t>(), r.at(1).is_null() ? nan : r.at(1).get<double>(),
                        r.at(2).is_null() ? nan : r.at(2).get<double>()});
}

template class Trainer<float>;
template class Trainer<double>;
template class Trainer<long double>;

}  // namespace icgd::train
