// lib/src/train/fast/engine.hpp — what the fast path's translation units share (private to
// icgd_train):
//   ars.cpp      the ARS generator's three implementations and the run-time choice (ars.hpp);
//                stream.hpp says which of its words make a task;
//   config.cpp   FastLsaConfig, what the fast path supports, the parameter layout and its check;
//   pool.cpp     the thread pool (pool.hpp);
//   passes.cpp   the chunk layout and the passes over a batch that drive the lane-group kernel
//                (kernel.hpp): loss and gradient, predictions, generated tasks;
//   trainer.cpp  FastLsaObjective and FastLsaTrainer, the training loop.
#pragma once

#include "icgd/train/fast_lsa.hpp"

#include "fast/stream.hpp"
#include "fast/pool.hpp"

#include <vector>

namespace icgd::train::fast {

/// Worker threads and everything a pass reuses from one call to the next.
class Engine {
 public:
  explicit Engine(int threads) : pool(threads), scratch(static_cast<std::size_t>(pool.threads())) {}
  Pool pool;
  std::vector<AlignedBytes> scratch;  // per thread
  AlignedBytes weights;               // broadcast M, U
  std::vector<double> partials;       // per chunk: loss, dM, dU
  std::vector<long> chunk_starts;     // chunk layout of the last batch size
  long chunk_count = -1;              // the batch size chunk_starts was made for
};

/// How a batch of `count` tasks is cut into chunks (passes.cpp): chunk c is tasks
/// [starts[c], starts[c+1]); starts.back() = count.
std::vector<long> chunk_starts(long count);

/// Throws std::invalid_argument unless `params` has the canonical layout of `c`
/// (fast_lsa_param_layout), checked without building it: this runs every step (config.cpp).
template <class T>
void check_layout(const FastLsaConfig& c, const ParamStore<T>& params);

/// Throws std::invalid_argument unless `tasks` has the shapes `c` expects and is not empty.
void check_tasks(const FastLsaConfig& c, const TaskBatch& tasks);

/// One full pass over `count` tasks (passes.cpp): generated from `stream` when it is not null,
/// else read from `tasks`. Returns the loss; with `grad` not null also its gradient (resized
/// to the layout, overwritten).
template <class T>
double loss_pass(Engine& engine, const FastLsaConfig& c, const ParamStore<T>& params, long count,
                 const TaskStream* stream, const TaskBatch* tasks, std::vector<T>* grad);

/// Generates the `count` tasks of `stream` exactly as loss_pass does (same chunks, threads and
/// code) and discards them; returns a sum over them. For timing a step's generation share.
/// With `words_only`, only the generator's words of those tasks are drawn (draw_group_words),
/// none converted: the generator's own share.
template <class T>
double generate_pass(Engine& engine, const FastLsaConfig& c, long count, const TaskStream& stream,
                     bool words_only = false);

extern template double generate_pass<float>(Engine&, const FastLsaConfig&, long, const TaskStream&, bool);
extern template double generate_pass<double>(Engine&, const FastLsaConfig&, long, const TaskStream&, bool);
extern template void check_layout<float>(const FastLsaConfig&, const ParamStore<float>&);
extern template void check_layout<double>(const FastLsaConfig&, const ParamStore<double>&);
extern template double loss_pass<float>(Engine&, const FastLsaConfig&, const ParamStore<float>&,
                                        long, const TaskStream*, const TaskBatch*,
                                        std::vector<float>*);
extern template double loss_pass<double>(Engine&, const FastLsaConfig&, const ParamStore<double>&,
                                         long, const TaskStream*, const TaskBatch*,
                                         std::vector<double>*);

}  // namespace icgd::train::fast
