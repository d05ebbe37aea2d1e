// The fast path's passes over a batch (fast_lsa.hpp, engine.hpp): the chunk layout, the weights
// merged once per pass, the per-chunk driver of the lane-group kernel (kernel.hpp), the
// reduction of the chunk partials in chunk order, and the public functions built on them.
#include "icgd/train/fast_lsa.hpp"

#include "fast/engine.hpp"
#include "fast/kernel.hpp"
#include "icgd/train/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <stdexcept>

namespace icgd::train {

namespace fast {

/// How a batch is cut into chunks. The boundaries depend on the batch size only (never on the
/// thread count) and chunk partial sums are added in chunk order, so every result is the same
/// for any number of threads. "Guided" sizes: a quarter of what is left, rounded down to a
/// multiple of 8 and clamped to [16, 256], the last chunk whatever remains — big chunks first
/// (little per-chunk overhead), small ones last (threads finish together: with equal 64-task
/// chunks, an earlier layout, a thread idled ~20 µs per 1-layer step).
std::vector<long> chunk_starts(long count) {
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

namespace {

/// Lane groups whose last-layer rank-one terms are buffered before being added to dM.
inline constexpr int kFlushGroups = 16;

/// Merged weights of every set in double: M = W_Kᵀ W_Q and U = λ P W_V (D × D, row-major).
struct Merged {
  int D = 0, k = 0, sets = 0;
  std::vector<double> M, U;
};

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

/// What one parallel pass computes (generate: the tasks only; stream_words: the generator's
/// words of those tasks only, unconverted; both for timing).
enum class Mode { train, predict, generate, stream_words };

template <class T>
struct Job {
  using V = typename Lanes<T>::V;
  const FastLsaConfig* config = nullptr;
  Engine* engine = nullptr;
  Mode mode = Mode::train;
  bool want_grad = true;
  long count = 0;  // tasks
  // Source: generated (stream != null) or a TaskBatch's arrays.
  const TaskStream* stream = nullptr;
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

  GroupKernel<T, kD> kernel;
  kernel.width = Width<kD>{D};
  kernel.N = N;
  kernel.K = K;
  kernel.recurrent = c.recurrent;
  kernel.M = job.M;
  kernel.U = job.U;
  // Scratch layout: kernel scratch | staged E0 per half | accumulators dM, dU.
  const long kernel_size = GroupKernel<T, kD>::scratch_size(D, N, K);
  const long total = kernel_size + kHalves * tokens + 2 * sets * DD +
                     generate_scratch_size(D, N) + 2L * kFlushGroups * D;
  auto& buffer = job.engine->scratch[static_cast<std::size_t>(t)];
  buffer.resize(static_cast<std::size_t>(total) * sizeof(V));
  V* base = buffer.template as<V>();
  kernel.bind(base);
  V* stage[2] = {base + kernel_size, base + kernel_size + (kHalves - 1) * tokens};
  kernel.dM = base + kernel_size + kHalves * tokens;
  kernel.dU = kernel.dM + sets * DD;
  V* gen_scratch = kernel.dU + sets * DD;
  V* su_all = gen_scratch + generate_scratch_size(D, N);
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
    if (job.mode == Mode::stream_words) {
      U32x8 all{};
      for (long first = chunk_begin; first < chunk_end; first += 8)
        all ^= draw_group_words(*job.stream, static_cast<std::uint32_t>(first), D, N);
      std::uint32_t folded = 0;
      for (int lane = 0; lane < 8; ++lane) folded ^= all[lane];
      job.partials[chunk * job.partial_stride] = static_cast<double>(folded);
      return;
    }
    for (long first = chunk_begin; first < chunk_end; first += 8) {
      if (job.stream != nullptr) {
        generate_group<T>(*job.stream, static_cast<std::uint32_t>(first), D, N, half_width,
                          weight_scale, stage, targets, nullptr, gen_scratch);
      } else {
        for (int h = 0; h < kHalves; ++h)
          load_group<T, kD>(job.x, job.y, first + h * Lanes<T>::width, job.count,
                                  kernel.width, N, stage[h], targets[h]);
      }
      if (job.mode == Mode::generate) {
        // A value that depends on every generated number, so none of the work can be dropped.
        for (int h = 0; h < kHalves; ++h) loss += targets[h] + stage[h][0];
        continue;
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
    if (job.mode == Mode::generate) {
      job.partials[chunk * job.partial_stride] = lane_sum(loss);
    } else if (job.mode == Mode::train) {
      kernel.flush_last_layer(su_all, eq_all, groups);
      double* out = job.partials + chunk * job.partial_stride;
      out[0] = lane_sum(loss);
      if (job.want_grad) {
        // Compact row: loss | dM | dU from row dU_first on (the rows before it are zero).
        lane_sums(kernel.dM, sets * DD, out + 1);
        lane_sums(kernel.dU + dU_first, sets * DD - dU_first, out + 1 + sets * DD);
      }
    }
  }
}

template <class T>
void dispatch(Job<T>& job) {
  const int D = job.config->width();
  Pool::ChunkFn fn = D == 11 ? &run_chunk<T, 11> : &run_chunk<T, 0>;
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
    w[i] = splat<V>(static_cast<T>(m.M[i]));
    w[n + i] = splat<V>(static_cast<T>(m.U[i]));
  }
  job.M = w;
  job.U = w + n;
}

}  // namespace

/// One full pass (loss and, optionally, gradient) over `count` tasks.
template <class T>
double loss_pass(Engine& engine, const FastLsaConfig& c, const ParamStore<T>& params, long count,
                 const TaskStream* stream, const TaskBatch* tasks, std::vector<T>* grad) {
  check_layout(c, params);
  const Merged merged = merge_weights(c, params);
  Job<T> job;
  job.config = &c;
  job.engine = &engine;
  job.mode = Mode::train;
  job.want_grad = grad != nullptr;
  job.count = count;
  job.stream = stream;
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
    engine.chunk_starts = chunk_starts(count);
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
template double loss_pass<float>(Engine&, const FastLsaConfig&, const ParamStore<float>&, long,
                                 const TaskStream*, const TaskBatch*, std::vector<float>*);
template double loss_pass<double>(Engine&, const FastLsaConfig&, const ParamStore<double>&, long,
                                  const TaskStream*, const TaskBatch*, std::vector<double>*);

namespace {

/// Predictions ŷ_b of the model on explicit tasks (checked by the caller).
template <class T>
std::vector<T> predict_pass(Engine& engine, const FastLsaConfig& c, const ParamStore<T>& params,
                            const TaskBatch& tasks) {
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
  const std::vector<long> starts = chunk_starts(tasks.batch);
  job.chunk_starts = starts;
  const Merged merged = merge_weights(c, params);
  broadcast_weights(engine, merged, job);
  dispatch(job);
  return out;
}

}  // namespace

template <class T>
double generate_pass(Engine& engine, const FastLsaConfig& c, long count, const TaskStream& stream,
                     bool words_only) {
  Job<T> job;
  job.config = &c;
  job.engine = &engine;
  job.mode = words_only ? Mode::stream_words : Mode::generate;
  job.want_grad = false;
  job.count = count;
  job.stream = &stream;
  if (engine.chunk_count != count) {
    engine.chunk_starts = chunk_starts(count);
    engine.chunk_count = count;
  }
  job.chunk_starts = engine.chunk_starts;
  const long chunks = static_cast<long>(engine.chunk_starts.size()) - 1;
  engine.partials.resize(static_cast<std::size_t>(chunks));
  job.partials = engine.partials.data();
  job.partial_stride = 1;
  dispatch(job);
  double sum = 0;
  for (long ch = 0; ch < chunks; ++ch) sum += engine.partials[static_cast<std::size_t>(ch)];
  return sum;
}
template double generate_pass<float>(Engine&, const FastLsaConfig&, long, const TaskStream&, bool);
template double generate_pass<double>(Engine&, const FastLsaConfig&, long, const TaskStream&, bool);

}  // namespace fast

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

using fast::Engine;
using fast::Lanes;

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
  const fast::TaskStream stream(c.seed, step);
  std::vector<V> stage(static_cast<std::size_t>(kHalves * (N + 1) * D));
  std::vector<V> w(static_cast<std::size_t>(kHalves * d));
  V* E0[2] = {stage.data(), stage.data() + (kHalves - 1) * (N + 1) * D};
  V* w_out[2] = {w.data(), w.data() + (kHalves - 1) * d};
  V targets[2];
  std::vector<V> gen_scratch(static_cast<std::size_t>(fast::generate_scratch_size(D, N)));
  // Groups start at multiples of 4 (stream.hpp): generate from first_task rounded down and
  // skip the `skip` tasks before it.
  const long skip = static_cast<long>(first_task & 3u);
  const std::uint32_t aligned = first_task - static_cast<std::uint32_t>(skip);
  for (long first = 0; first < count + skip; first += 8) {
    fast::generate_group<T>(stream, aligned + static_cast<std::uint32_t>(first), D, N,
                            static_cast<T>(c.input_half_width), static_cast<T>(c.weight_scale), E0,
                            targets, w_out, gen_scratch.data());
    for (int lane8 = 0; lane8 < 8; ++lane8) {
      const long b = first + lane8 - skip;
      if (b < 0 || b >= count) continue;
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
  fast::check_tasks(c, tasks);
  Engine engine(resolve_threads(threads));
  return fast::loss_pass<T>(engine, c, params, tasks.batch, nullptr, &tasks, grad);
}
template double fast_lsa_loss_and_grad<float>(const FastLsaConfig&, const ParamStore<float>&,
                                              const TaskBatch&, std::vector<float>*, int);
template double fast_lsa_loss_and_grad<double>(const FastLsaConfig&, const ParamStore<double>&,
                                               const TaskBatch&, std::vector<double>*, int);

template <class T>
std::vector<T> fast_lsa_predict(const FastLsaConfig& c, const ParamStore<T>& params,
                                const TaskBatch& tasks, int threads) {
  c.validate();
  fast::check_tasks(c, tasks);
  fast::check_layout(c, params);
  Engine engine(resolve_threads(threads));
  return fast::predict_pass<T>(engine, c, params, tasks);
}
template std::vector<float> fast_lsa_predict<float>(const FastLsaConfig&, const ParamStore<float>&,
                                                    const TaskBatch&, int);
template std::vector<double> fast_lsa_predict<double>(const FastLsaConfig&,
                                                      const ParamStore<double>&, const TaskBatch&, int);

}  // namespace icgd::train
