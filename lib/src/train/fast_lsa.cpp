// The fast path for von Oswald et al.'s linear self-attention models (fast_lsa.hpp; design and
// measurements in docs/performance.md).
#include "icgd/train/fast_lsa.hpp"

#include "icgd/train/fast_lsa_kernel.hpp"
#include "icgd/train/trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <stdexcept>
#include <thread>

namespace icgd::train {

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

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
#if defined(__AVX2__)
  const char* philox = "Philox4x32-10 in AVX2 64-bit slots";
#else
  const char* philox = "Philox4x32-10 scalar fallback";
#endif
#if defined(__VERSION__)
  const char* compiler = "g++ " __VERSION__;
#else
  const char* compiler = "unknown compiler";
#endif
#if defined(ICGD_CXX_FLAGS)
  // The literal flags, when the build defines them for icgd_train (see docs/performance.md).
  const std::string flags = std::string(", flags \"") + ICGD_CXX_FLAGS + "\"";
#else
  const std::string flags;
#endif
  return fmt::format("{}{}, {}, {}, ISA {}, {}, 256-bit lanes (8 float / 4 double tasks)", compiler,
                     flags, opt, asserts, isa, philox);
}

template <class T>
ParamStore<T> fast_lsa_param_layout(const FastLsaConfig& c) {
  c.validate();
  // Same names, shapes and order as Model<T>::build_layout for for_von_oswald (model.cpp).
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

// ---------------------------------------------------------------------------------------------
// Engine: worker threads, per-thread scratch, per-chunk partial sums.
// ---------------------------------------------------------------------------------------------

namespace fast {

namespace {

/// 32-byte aligned buffer of lane vectors (raw bytes: the lane type depends on T).
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(std::size_t bytes) { resize(bytes); }
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;
  AlignedBytes(AlignedBytes&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr; o.size_ = 0; }
  ~AlignedBytes() { ::operator delete(data_, std::align_val_t{64}); }
  void resize(std::size_t bytes) {
    if (bytes <= size_) return;
    ::operator delete(data_, std::align_val_t{64});
    data_ = ::operator new(bytes, std::align_val_t{64});
    size_ = bytes;
  }
  template <class V>
  V* as() const { return static_cast<V*>(data_); }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

/// How a batch is cut into chunks. The boundaries depend on the batch size only (never on the
/// thread count) and chunk partial sums are added in chunk order, so every result is the same
/// for any number of threads. "Guided" sizes: a quarter of what is left, a multiple of 8 in
/// [16, 256] — big chunks first (little per-chunk overhead), small ones last (threads finish
/// together: with equal 64-task chunks a thread idled ~20 µs per 1-layer step).
inline std::vector<long> chunk_starts(long count) {
  std::vector<long> starts;
  long pos = 0;
  while (pos < count) {
    const long remaining = count - pos;
    const long size = std::min(remaining, std::clamp(remaining / 4 / 8 * 8, 16L, 256L));
    starts.push_back(pos);
    pos += size;
  }
  starts.push_back(count);
  return starts;
}
/// Lane groups whose last-layer rank-one terms are buffered before being added to dM.
inline constexpr int kFlushGroups = 16;

/// Persistent workers; thread 0 is the caller. A job is a number of chunks; every thread,
/// the caller included, claims the next unclaimed chunk until none is left (so a worker that
/// the OS has descheduled — the machine is shared — just does fewer chunks, and the caller never
/// waits for a worker that has not started). Which thread runs a chunk does not matter: each
/// chunk writes its own partial sums, added later in chunk order.
///
/// The job state is one 64-bit word, epoch (24 bits) | chunk count (20) | next chunk (20), so a
/// claim (compare-and-swap) can only succeed for the job it was read from. After a successful
/// claim the job's function and context are still valid: the caller does not return before all
/// chunks are done. Idle workers spin for ~0.2 ms (a training step is ~0.1 ms: waking a sleeping
/// thread would cost a sizeable part of it), then sleep on a futex.
class Pool {
 public:
  using ChunkFn = void (*)(void* ctx, int thread, long chunk);

  explicit Pool(int threads) : threads_(std::max(1, threads)) {
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { loop(t); });
  }
  ~Pool() {
    stop_.store(true, std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int threads() const { return threads_; }

  /// Runs fn(ctx, thread, chunk) for chunk = 0..chunks−1 and returns when all are done.
  void run(ChunkFn fn, void* ctx, long chunks) {
    if (chunks <= 0) return;
    if (chunks >= (1L << 20)) throw std::invalid_argument("fast LSA: too many chunks in one job");
    if (threads_ == 1) {
      for (long c = 0; c < chunks; ++c) fn(ctx, 0, c);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    epoch_ = (epoch_ + 1) & 0xffffffu;
    state_.store(pack(epoch_, static_cast<std::uint64_t>(chunks), 0), std::memory_order_release);
    wake_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();
    work(0);
    for (long spins = 0; done_.load(std::memory_order_acquire) < chunks; ++spins) {
      if (spins < 4096)
        cpu_relax();
      else
        std::this_thread::yield();
    }
  }

 private:
  static std::uint64_t pack(std::uint64_t epoch, std::uint64_t count, std::uint64_t next) {
    return (epoch << 40) | (count << 20) | next;
  }
  static std::uint64_t count_of(std::uint64_t s) { return (s >> 20) & 0xfffffu; }
  static std::uint64_t next_of(std::uint64_t s) { return s & 0xfffffu; }

  /// Claims and runs chunks of the current job until none is left; false if none was claimable.
  bool work(int t) {
    bool any = false;
    std::uint64_t s = state_.load(std::memory_order_acquire);
    while (next_of(s) < count_of(s)) {
      if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire))
        continue;  // s was reloaded
      fn_(ctx_, t, static_cast<long>(next_of(s)));
      done_.fetch_add(1, std::memory_order_release);
      any = true;
      s = state_.load(std::memory_order_acquire);
    }
    return any;
  }

  void loop(int t) {
    auto idle_since = std::chrono::steady_clock::now();
    for (long spins = 0;; ++spins) {
      const std::uint32_t w = wake_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_acquire)) return;
      if (work(t)) {
        idle_since = std::chrono::steady_clock::now();
        spins = 0;
        continue;
      }
      if (spins % 64 != 63 || std::chrono::steady_clock::now() - idle_since < kSpinFor) {
        cpu_relax();
        continue;
      }
      wake_.wait(w, std::memory_order_acquire);  // returns when a job (or stop) is published
      idle_since = std::chrono::steady_clock::now();
      spins = 0;
    }
  }

  static constexpr std::chrono::microseconds kSpinFor{200};
  int threads_;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> state_{0};
  std::atomic<long> done_{0};
  std::atomic<std::uint32_t> wake_{0};
  std::atomic<bool> stop_{false};
  std::uint64_t epoch_ = 0;  // caller only
  ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
};

class Engine {
 public:
  Engine(const FastLsaConfig& c, int threads) : pool(threads), scratch(static_cast<std::size_t>(pool.threads())) {
    (void)c;
  }
  Pool pool;
  std::vector<AlignedBytes> scratch;  // per thread
  AlignedBytes weights;               // broadcast M, U
  std::vector<double> partials;       // per chunk: loss, dM, dU
  std::vector<long> chunk_starts;     // chunk layout of the last batch size
  long chunk_count = -1;
};

}  // namespace fast

namespace {

using fast::Engine;
using fast::kFlushGroups;
using fast::Lanes;

/// Merged weights of every set in double: M = W_Kᵀ W_Q and U = λ P W_V (D × D, row-major).
struct Merged {
  int D = 0, k = 0, sets = 0;
  std::vector<double> M, U;
};

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

template <class T>
Merged merge_weights(const FastLsaConfig& c, const ParamStore<T>& params) {
  Merged m;
  m.D = c.width();
  m.k = c.keys();
  m.sets = c.weight_sets();
  const int D = m.D, k = m.k;
  m.M.assign(static_cast<std::size_t>(m.sets * D * D), 0.0);
  m.U.assign(static_cast<std::size_t>(m.sets * D * D), 0.0);
  for (int s = 0; s < m.sets; ++s) {
    const auto WQ = params.mat(4 * s), WK = params.mat(4 * s + 1), WV = params.mat(4 * s + 2),
               P = params.mat(4 * s + 3);
    double* M = m.M.data() + s * D * D;
    double* U = m.U.data() + s * D * D;
    for (int r = 0; r < D; ++r)
      for (int col = 0; col < D; ++col) {
        double sm = 0, su = 0;
        for (int a = 0; a < k; ++a) {
          sm += static_cast<double>(WK(a, r)) * static_cast<double>(WQ(a, col));
          su += static_cast<double>(P(r, a)) * static_cast<double>(WV(a, col));
        }
        M[r * D + col] = sm;
        U[r * D + col] = c.damping * su;
      }
  }
  return m;
}

/// Gradient w.r.t. W_Q, W_K, W_V, P from the gradients w.r.t. M and U (chain rule of the merge).
template <class T>
void chain_rule(const FastLsaConfig& c, const ParamStore<T>& params, const std::vector<double>& dM,
                const std::vector<double>& dU, std::vector<T>& grad) {
  const int D = c.width(), k = c.keys();
  grad.assign(params.total_size(), T(0));
  for (int s = 0; s < c.weight_sets(); ++s) {
    const auto WQ = params.mat(4 * s), WK = params.mat(4 * s + 1), WV = params.mat(4 * s + 2),
               P = params.mat(4 * s + 3);
    auto gWQ = params.view_in(grad, 4 * s), gWK = params.view_in(grad, 4 * s + 1),
         gWV = params.view_in(grad, 4 * s + 2), gP = params.view_in(grad, 4 * s + 3);
    const double* dm = dM.data() + s * D * D;
    const double* du = dU.data() + s * D * D;
    for (int a = 0; a < k; ++a) {
      for (int col = 0; col < D; ++col) {
        // dW_Q(a, col) = Σ_r W_K(a, r) dM(r, col);  dW_V(a, col) = λ Σ_r P(r, a) dU(r, col)
        double q = 0, v = 0;
        for (int r = 0; r < D; ++r) {
          q += static_cast<double>(WK(a, r)) * dm[r * D + col];
          v += static_cast<double>(P(r, a)) * du[r * D + col];
        }
        gWQ(a, col) = static_cast<T>(q);
        gWV(a, col) = static_cast<T>(c.damping * v);
      }
      for (int r = 0; r < D; ++r) {
        // dW_K(a, r) = Σ_col W_Q(a, col) dM(r, col);  dP(r, a) = λ Σ_col dU(r, col) W_V(a, col)
        double kk = 0, p = 0;
        for (int col = 0; col < D; ++col) {
          kk += static_cast<double>(WQ(a, col)) * dm[r * D + col];
          p += du[r * D + col] * static_cast<double>(WV(a, col));
        }
        gWK(a, r) = static_cast<T>(kk);
        gP(r, a) = static_cast<T>(c.damping * p);
      }
    }
  }
}

/// What one parallel pass computes.
enum class Mode { train, predict };

template <class T>
struct Job {
  using V = typename Lanes<T>::V;
  const FastLsaConfig* config = nullptr;
  Engine* engine = nullptr;
  Mode mode = Mode::train;
  bool want_grad = true;
  long count = 0;  // tasks
  // Source: generated (philox != null) or a TaskBatch's arrays.
  const fast::PhiloxLanes* philox = nullptr;
  const double* x = nullptr;
  const double* y = nullptr;
  // Broadcast weights.
  const V* M = nullptr;
  const V* U = nullptr;
  // Outputs.
  std::span<const long> chunk_starts;  // chunk c = tasks [starts[c], starts[c+1])
  double* partials = nullptr;  // chunks × stride
  long partial_stride = 0;
  T* predictions = nullptr;
};

template <class T, int kD>
void run_chunk(void* ctx, int t, long chunk) {
  using V = typename Lanes<T>::V;
  constexpr int kHalves = sizeof(T) == 4 ? 1 : 2;
  const Job<T>& job = *static_cast<const Job<T>*>(ctx);
  const FastLsaConfig& c = *job.config;
  const int D = c.width(), N = c.num_context, K = c.num_layers, sets = c.weight_sets();
  const long tokens = static_cast<long>(N + 1) * D, DD = static_cast<long>(D) * D;

  fast::GroupKernel<T, kD> kernel;
  kernel.width = fast::Width<kD>{D};
  kernel.N = N;
  kernel.K = K;
  kernel.recurrent = c.recurrent;
  kernel.M = job.M;
  kernel.U = job.U;
  // Scratch layout: kernel scratch | staged E0 per half | accumulators dM, dU.
  const long kernel_size = fast::GroupKernel<T, kD>::scratch_size(D, N, K);
  const long total = kernel_size + kHalves * tokens + 2 * sets * DD +
                     fast::generate_scratch_size(D, N) + 2L * kFlushGroups * D;
  auto& buffer = job.engine->scratch[static_cast<std::size_t>(t)];
  buffer.resize(static_cast<std::size_t>(total) * sizeof(V));
  V* base = buffer.template as<V>();
  kernel.bind(base);
  V* stage[2] = {base + kernel_size, base + kernel_size + (kHalves - 1) * tokens};
  kernel.dM = base + kernel_size + kHalves * tokens;
  kernel.dU = kernel.dM + sets * DD;
  V* gen_scratch = kernel.dU + sets * DD;
  V* su_all = gen_scratch + fast::generate_scratch_size(D, N);
  V* eq_all = su_all + kFlushGroups * D;
  int groups = 0;

  const T half_width = static_cast<T>(c.input_half_width);
  const T weight_scale = static_cast<T>(c.weight_scale);
  V targets[2];

  // With one layer only the last row of dU is ever touched (the read-out row): the other rows
  // are neither cleared nor reduced (their partials are written as zeros).
  const long dU_first = K == 1 ? static_cast<long>(D - 1) * D : 0;
  {
    if (job.mode == Mode::train) {
      for (long i = 0; i < sets * DD; ++i) kernel.dM[i] = V{};
      for (long i = dU_first; i < sets * DD; ++i) kernel.dU[i] = V{};
    }
    V loss{};
    const long chunk_begin = job.chunk_starts[chunk], chunk_end = job.chunk_starts[chunk + 1];
    for (long first = chunk_begin; first < chunk_end; first += 8) {
      if (job.philox != nullptr) {
        fast::generate_group<T>(*job.philox, static_cast<std::uint32_t>(first), D, N, half_width,
                                weight_scale, stage, targets, nullptr, gen_scratch);
      } else {
        for (int h = 0; h < kHalves; ++h)
          fast::load_group<T, kD>(job.x, job.y, first + h * Lanes<T>::width, job.count,
                                  kernel.width, N, stage[h], targets[h]);
      }
      for (int h = 0; h < kHalves; ++h) {
        const long lane0 = first + h * Lanes<T>::width;
        if (lane0 >= job.count) break;
        kernel.E0 = stage[h];
        if (job.mode == Mode::predict) {
          const V pred = kernel.predict();
          for (int lane = 0; lane < Lanes<T>::width && lane0 + lane < job.count; ++lane)
            job.predictions[lane0 + lane] = pred[lane];
          continue;
        }
        V mask;
        for (int lane = 0; lane < Lanes<T>::width; ++lane) mask[lane] = lane0 + lane < job.count ? T(1) : T(0);
        if (groups == kFlushGroups) {
          kernel.flush_last_layer(su_all, eq_all, groups);
          groups = 0;
        }
        kernel.su_store = su_all + groups * D;
        kernel.eq_store = eq_all + groups * D;
        ++groups;
        const V r = kernel.train(targets[h], mask);
        loss += r * r;
      }
    }
    if (job.mode == Mode::train) {
      kernel.flush_last_layer(su_all, eq_all, groups);
      double* out = job.partials + chunk * job.partial_stride;
      out[0] = fast::lane_sum(loss);
      if (job.want_grad) {
        // Compact row: loss | dM | dU from row dU_first on (the rows before it are zero).
        fast::lane_sums(kernel.dM, sets * DD, out + 1);
        fast::lane_sums(kernel.dU + dU_first, sets * DD - dU_first, out + 1 + sets * DD);
      }
    }
  }
}

template <class T>
void dispatch(Job<T>& job) {
  const int D = job.config->width();
  fast::Pool::ChunkFn fn = D == 11 ? &run_chunk<T, 11> : &run_chunk<T, 0>;
  job.engine->pool.run(fn, &job, static_cast<long>(job.chunk_starts.size()) - 1);
}

/// Broadcasts the merged weights into the engine's weight buffer (lane vectors).
template <class T>
void broadcast_weights(Engine& engine, const Merged& m, Job<T>& job) {
  using V = typename Lanes<T>::V;
  const std::size_t n = m.M.size();
  engine.weights.resize(2 * n * sizeof(V));
  V* w = engine.weights.template as<V>();
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = fast::splat<V>(static_cast<T>(m.M[i]));
    w[n + i] = fast::splat<V>(static_cast<T>(m.U[i]));
  }
  job.M = w;
  job.U = w + n;
}

/// One full pass (loss and, optionally, gradient) over `count` tasks.
template <class T>
double loss_pass(Engine& engine, const FastLsaConfig& c, const ParamStore<T>& params, long count,
                 const fast::PhiloxLanes* philox, const TaskBatch* tasks, std::vector<T>* grad) {
  check_layout(c, params);
  const Merged merged = merge_weights(c, params);
  Job<T> job;
  job.config = &c;
  job.engine = &engine;
  job.mode = Mode::train;
  job.want_grad = grad != nullptr;
  job.count = count;
  job.philox = philox;
  if (tasks != nullptr) {
    job.x = tasks->x.data();
    job.y = tasks->y.data();
  }
  broadcast_weights(engine, merged, job);
  const long DD = static_cast<long>(merged.D) * merged.D;
  // Per chunk: loss, dM, and dU without its rows that one layer never touches (only the last
  // row is a read-out): the caller reads every chunk's row, half of them from the other core.
  const long dU_first = c.num_layers == 1 ? static_cast<long>(merged.D - 1) * merged.D : 0;
  const long stride = 1 + 2 * merged.sets * DD - dU_first;
  if (engine.chunk_count != count) {
    engine.chunk_starts = fast::chunk_starts(count);
    engine.chunk_count = count;
  }
  job.chunk_starts = engine.chunk_starts;
  const long chunks = static_cast<long>(engine.chunk_starts.size()) - 1;
  engine.partials.resize(static_cast<std::size_t>(chunks * stride));  // every chunk writes its row
  job.partials = engine.partials.data();
  job.partial_stride = stride;
  dispatch(job);
  // Chunk partials in chunk order: the thread count never changes the sums.
  std::vector<double> sum(static_cast<std::size_t>(stride), 0.0);
  const long used = grad != nullptr ? stride : 1;
  for (long ch = 0; ch < chunks; ++ch)
    for (long i = 0; i < used; ++i) sum[static_cast<std::size_t>(i)] += engine.partials[ch * stride + i];
  const double inv = 1.0 / static_cast<double>(count);
  if (grad != nullptr) {
    std::vector<double> dM(sum.begin() + 1, sum.begin() + 1 + merged.sets * DD);
    std::vector<double> dU(static_cast<std::size_t>(dU_first), 0.0);
    dU.insert(dU.end(), sum.begin() + 1 + merged.sets * DD, sum.end());
    for (double& v : dM) v *= inv;
    for (double& v : dU) v *= inv;
    chain_rule(c, params, dM, dU, *grad);
  }
  return 0.5 * sum[0] * inv;
}

void check_tasks(const FastLsaConfig& c, const TaskBatch& tasks) {
  if (tasks.x_dim != c.x_dim || tasks.y_dim != 1 || tasks.num_context != c.num_context)
    throw std::invalid_argument(fmt::format(
        "fast LSA: tasks have d={} Ny={} N={}, the model expects d={} Ny=1 N={}", tasks.x_dim,
        tasks.y_dim, tasks.num_context, c.x_dim, c.num_context));
  if (tasks.batch < 1) throw std::invalid_argument("fast LSA: empty task batch");
}

int resolve(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

template <class T>
TaskBatch fast_generate_tasks(const FastLsaConfig& c, std::uint64_t step, int count,
                              std::uint32_t first_task) {
  using V = typename Lanes<T>::V;
  constexpr int kHalves = sizeof(T) == 4 ? 1 : 2;
  c.validate();
  const int D = c.width(), d = c.x_dim, N = c.num_context;
  TaskBatch tb;
  tb.batch = count;
  tb.x_dim = d;
  tb.y_dim = 1;
  tb.num_context = N;
  tb.x.resize(d, static_cast<Eigen::Index>(count) * (N + 1));
  tb.y.resize(1, static_cast<Eigen::Index>(count) * (N + 1));
  tb.weights.resize(d, count);
  const fast::PhiloxLanes philox(c.seed, step);
  std::vector<V> stage(static_cast<std::size_t>(kHalves * (N + 1) * D));
  std::vector<V> w(static_cast<std::size_t>(kHalves * d));
  std::vector<V> gen_scratch(static_cast<std::size_t>(fast::generate_scratch_size(D, N)));
  V* E0[2] = {stage.data(), stage.data() + (kHalves - 1) * (N + 1) * D};
  V* w_out[2] = {w.data(), w.data() + (kHalves - 1) * d};
  V targets[2];
  for (long first = 0; first < count; first += 8) {
    fast::generate_group<T>(philox, first_task + static_cast<std::uint32_t>(first), D, N,
                            static_cast<T>(c.input_half_width), static_cast<T>(c.weight_scale), E0,
                            targets, w_out, gen_scratch.data());
    for (int lane8 = 0; lane8 < 8 && first + lane8 < count; ++lane8) {
      const long b = first + lane8;
      const int h = lane8 / Lanes<T>::width, lane = lane8 % Lanes<T>::width;
      for (int j = 0; j <= N; ++j) {
        for (int comp = 0; comp < d; ++comp) tb.x(comp, b * (N + 1) + j) = E0[h][j * D + comp][lane];
        tb.y(0, b * (N + 1) + j) = j < N ? static_cast<double>(E0[h][j * D + d][lane])
                                         : static_cast<double>(targets[h][lane]);
      }
      for (int comp = 0; comp < d; ++comp) tb.weights(comp, b) = w_out[h][comp][lane];
    }
  }
  return tb;
}
template TaskBatch fast_generate_tasks<float>(const FastLsaConfig&, std::uint64_t, int, std::uint32_t);
template TaskBatch fast_generate_tasks<double>(const FastLsaConfig&, std::uint64_t, int, std::uint32_t);

template <class T>
double fast_lsa_loss_and_grad(const FastLsaConfig& c, const ParamStore<T>& params,
                              const TaskBatch& tasks, std::vector<T>* grad, int threads) {
  c.validate();
  check_tasks(c, tasks);
  Engine engine(c, resolve(threads));
  return loss_pass<T>(engine, c, params, tasks.batch, nullptr, &tasks, grad);
}
template double fast_lsa_loss_and_grad<float>(const FastLsaConfig&, const ParamStore<float>&,
                                              const TaskBatch&, std::vector<float>*, int);
template double fast_lsa_loss_and_grad<double>(const FastLsaConfig&, const ParamStore<double>&,
                                               const TaskBatch&, std::vector<double>*, int);

template <class T>
std::vector<T> fast_lsa_predict(const FastLsaConfig& c, const ParamStore<T>& params,
                                const TaskBatch& tasks, int threads) {
  c.validate();
  check_tasks(c, tasks);
  check_layout(c, params);
  Engine engine(c, resolve(threads));
  std::vector<T> out(static_cast<std::size_t>(tasks.batch));
  Job<T> job;
  job.config = &c;
  job.engine = &engine;
  job.mode = Mode::predict;
  job.want_grad = false;
  job.count = tasks.batch;
  job.x = tasks.x.data();
  job.y = tasks.y.data();
  job.predictions = out.data();
  const std::vector<long> starts = fast::chunk_starts(tasks.batch);
  job.chunk_starts = starts;
  const Merged merged = merge_weights(c, params);
  broadcast_weights(engine, merged, job);
  dispatch(job);
  return out;
}
template std::vector<float> fast_lsa_predict<float>(const FastLsaConfig&, const ParamStore<float>&,
                                                    const TaskBatch&, int);
template std::vector<double> fast_lsa_predict<double>(const FastLsaConfig&,
                                                      const ParamStore<double>&, const TaskBatch&, int);

// ---------------------------------------------------------------------------------------------
// FastLsaObjective / FastLsaTrainer
// ---------------------------------------------------------------------------------------------

template <class T>
FastLsaObjective<T>::FastLsaObjective(FastLsaConfig config) : config_(config) {
  config_.validate();
  engine_ = std::make_unique<fast::Engine>(config_, resolve(config_.threads));
}

template <class T>
FastLsaObjective<T>::~FastLsaObjective() = default;

template <class T>
int FastLsaObjective<T>::threads() const {
  return engine_->pool.threads();
}

template <class T>
double FastLsaObjective<T>::operator()(std::int64_t step, const ParamStore<T>& params,
                                       std::vector<T>& grad) {
  const fast::PhiloxLanes philox(config_.seed, static_cast<std::uint64_t>(step));
  return loss_pass<T>(*engine_, config_, params, config_.batch_size, &philox, nullptr, &grad);
}

template <class T>
double FastLsaObjective<T>::loss_and_grad(const TaskBatch& tasks, const ParamStore<T>& params,
                                          std::vector<T>* grad) {
  check_tasks(config_, tasks);
  return loss_pass<T>(*engine_, config_, params, tasks.batch, nullptr, &tasks, grad);
}

template <class T>
FastLsaTrainer<T>::FastLsaTrainer(FastLsaConfig config, ParamStore<T> initial, AdamConfig optimizer)
    : objective_(config), params_(std::move(initial)), adam_(optimizer, params_.total_size()) {
  check_layout(objective_.config(), params_);
}

template <class T>
double FastLsaTrainer<T>::train_step() {
  const double loss = objective_(step_, params_, grad_);
  grad_norm_ = adam_.step(params_.values(), grad_);
  ++step_;
  return loss;
}

template class FastLsaObjective<float>;
template class FastLsaObjective<double>;
template class FastLsaTrainer<float>;
template class FastLsaTrainer<double>;

}  // namespace icgd::train
