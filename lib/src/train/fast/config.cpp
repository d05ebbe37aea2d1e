// The fast path's configuration (fast_lsa.hpp): validation, description, what it supports, its
// parameter layout and the build report; the layout and task checks the passes run (engine.hpp).
#include "icgd/train/fast_lsa.hpp"

#include "fast/engine.hpp"
#include "fast/kernel.hpp"
#include "icgd/train/trainer.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace icgd::train {

void FastLsaConfig::validate() const {
  if (x_dim < 1 || x_dim + 1 > fast::kMaxWidth)
    throw std::invalid_argument(
        fmt::format("fast LSA: x_dim must be in [1, {}]", fast::kMaxWidth - 1));
  if (num_context < 1) throw std::invalid_argument("fast LSA: num_context must be >= 1");
  if (num_layers < 1) throw std::invalid_argument("fast LSA: num_layers must be >= 1");
  if (key_size < 0) throw std::invalid_argument("fast LSA: key_size must be >= 0");
  if (batch_size < 1) throw std::invalid_argument("fast LSA: batch_size must be >= 1");
  if (!(input_half_width > 0)) throw std::invalid_argument("fast LSA: input_half_width must be > 0");
  if (!(weight_scale >= 0)) throw std::invalid_argument("fast LSA: weight_scale must be >= 0");
  // The stream numbers a task's input words below 2^20 (fast/stream.hpp): 3 per 4 inputs.
  if (3L * (((static_cast<long>(num_context) + 1) * x_dim + 3) / 4) > fast::kWordsPerDomain)
    throw std::invalid_argument("fast LSA: (num_context + 1) * x_dim must be at most 1398100");
}

std::string FastLsaConfig::describe() const {
  return fmt::format("fast LSA K={}{} d={} N={} key={} damping={:g} x~U({:g},{:g})^{} w~{}N(0,I) batch={}",
                     num_layers, recurrent ? " recurrent" : (num_layers > 1 ? " separate" : ""),
                     x_dim, num_context, keys(), damping, -input_half_width, input_half_width, x_dim,
                     weight_scale == 1.0 ? std::string() : fmt::format("{:g}*", weight_scale),
                     batch_size);
}

bool fast_lsa_supports(const TrainConfig& c, std::string* why) {
  auto no = [&](const char* reason) {
    if (why != nullptr) *why = reason;
    return false;
  };
  const TaskConfig& t = c.task;
  const ModelConfig& m = c.model;
  if (t.kind != TaskKind::linear) return no("fast path: only linear tasks");
  if (t.y_dim != 1) return no("fast path: only y_dim = 1");
  if (t.input_law != InputLaw::uniform) return no("fast path: only uniform inputs");
  if (t.label_noise != 0 || t.num_distractors != 0) return no("fast path: no label noise or distractors");
  if (c.tokens.kind != TokenKind::concatenated) return no("fast path: only concatenated tokens");
  if (m.attention != AttentionParam::full) return no("fast path: only fully trained attention");
  if (m.softmax || m.first_layer_softmax) return no("fast path: only linear attention");
  if (m.momentum_decay != 0) return no("fast path: no momentum attention");
  if (m.include_query_in_kv) return no("fast path: the query must be masked out of keys/values");
  if (m.mlp_blocks || m.layer_norm || m.input_embedding || m.input_mlp)
    return no("fast path: no MLP, LayerNorm or embedding");
  if (m.num_heads != 1) return no("fast path: one head");
  if (m.y_dim != 1 || m.readout_sign != -1.0) return no("fast path: read-out -(query y-slot)");
  if (m.token_width != t.x_dim + 1) return no("fast path: token width must be x_dim + 1");
  if (t.x_dim + 1 > fast::kMaxWidth) return no("fast path: x_dim too large");
  return true;
}

FastLsaConfig FastLsaConfig::from_train_config(const TrainConfig& c) {
  std::string why;
  if (!fast_lsa_supports(c, &why)) throw std::invalid_argument(why);
  FastLsaConfig f;
  f.x_dim = c.task.x_dim;
  f.num_context = c.task.num_context;
  f.num_layers = c.model.num_layers;
  f.recurrent = c.model.recurrent;
  f.key_size = c.model.head_key_size();
  f.damping = c.model.damping;
  f.input_half_width = c.task.input_half_width * c.task.input_scale;
  f.weight_scale = c.task.weight_scale;
  f.batch_size = c.batch_size;
  f.seed = c.seed;
  f.threads = c.threads;
  f.validate();
  return f;
}

std::string fast_lsa_build_info() {
  std::string isa;
  auto add = [&](bool on, const char* name) {
    if (on) isa += isa.empty() ? name : std::string("+") + name;
  };
#if defined(__SSE4_2__)
  add(true, "SSE4.2");
#endif
#if defined(__AVX__)
  add(true, "AVX");
#endif
#if defined(__AVX2__)
  add(true, "AVX2");
#endif
#if defined(__FMA__)
  add(true, "FMA");
#endif
#if defined(__AVX512F__)
  add(true, "AVX-512F");
#endif
  if (isa.empty()) isa = "baseline x86-64";
#if defined(__OPTIMIZE__)
  const char* opt = "optimised";
#else
  const char* opt = "not optimised";
#endif
#if defined(NDEBUG)
  const char* asserts = "NDEBUG";
#else
  const char* asserts = "asserts on";
#endif
  // The generator's implementation is chosen at run time (fast/ars.cpp); every choice gives
  // the same words.
  const std::string generator =
      std::string("task stream ARS-7 (Random123), ") + fast::ars_backend_name(fast::ars_best_backend()) +
      " implementation";
#if defined(__VERSION__)
  const char* compiler = "g++ " __VERSION__;
#else
  const char* compiler = "unknown compiler";
#endif
#if defined(ICGD_CXX_FLAGS)
  // The literal flags, when the build defines them for icgd_train (see docs/performance.md).
  // fmt rather than std::string operator+: GCC 12 at -O1 with ThreadSanitizer reports a false
  // -Warray-bounds inside libstdc++ for the concatenation of a literal macro.
  const std::string flags = fmt::format(", flags \"{}\"", ICGD_CXX_FLAGS);
#else
  const std::string flags;
#endif
  return fmt::format("{}{}, {}, {}, ISA {}, {}, 256-bit lanes (8 float / 4 double tasks)", compiler,
                     flags, opt, asserts, isa, generator);
}

template <class T>
ParamStore<T> fast_lsa_param_layout(const FastLsaConfig& c) {
  c.validate();
  // Same names, shapes and order as Model<T>::build_layout for for_von_oswald (model/layout.cpp).
  ParamStore<T> p;
  const int D = c.width(), k = c.keys();
  for (int s = 0; s < c.weight_sets(); ++s) {
    const std::string prefix = c.recurrent ? std::string("shared") : fmt::format("layer{}", s);
    p.add(prefix + ".attn.W_Q", k, D);
    p.add(prefix + ".attn.W_K", k, D);
    p.add(prefix + ".attn.W_V", k, D);
    p.add(prefix + ".attn.P", D, k);
  }
  return p;
}
template ParamStore<float> fast_lsa_param_layout<float>(const FastLsaConfig&);
template ParamStore<double> fast_lsa_param_layout<double>(const FastLsaConfig&);

namespace fast {

/// The canonical layout (fast_lsa_param_layout), checked without building it (this runs every
/// step): four arrays per weight set with the right shapes, named "shared.*" or "layer<l>.*".
template <class T>
void check_layout(const FastLsaConfig& c, const ParamStore<T>& params) {
  const int D = c.width(), k = c.keys();
  bool ok = params.count() == static_cast<std::size_t>(4 * c.weight_sets());
  for (int i = 0; ok && i < static_cast<int>(params.count()); ++i) {
    const ParamInfo& info = params.info(i);
    const bool is_p = i % 4 == 3;
    ok = info.rows == (is_p ? D : k) && info.cols == (is_p ? k : D) &&
         info.name.starts_with(c.recurrent ? "shared." : "layer");
  }
  if (!ok) throw std::invalid_argument("fast LSA: parameters do not have the layout of " + c.describe());
}
template void check_layout<float>(const FastLsaConfig&, const ParamStore<float>&);
template void check_layout<double>(const FastLsaConfig&, const ParamStore<double>&);

void check_tasks(const FastLsaConfig& c, const TaskBatch& tasks) {
  if (tasks.x_dim != c.x_dim || tasks.y_dim != 1 || tasks.num_context != c.num_context)
    throw std::invalid_argument(fmt::format(
        "fast LSA: tasks have d={} Ny={} N={}, the model expects d={} Ny=1 N={}", tasks.x_dim,
        tasks.y_dim, tasks.num_context, c.x_dim, c.num_context));
  if (tasks.batch < 1) throw std::invalid_argument("fast LSA: empty task batch");
}

}  // namespace fast

}  // namespace icgd::train
