// icgd/train/fast_lsa.hpp — the fast path for von Oswald et al.'s linear self-attention models
// (docs/papers/von_oswald.md, "The linear self-attention layer", "Proposition 1", "Several layers and the damped recurrence", "Experiments and the numbers to hit"; design and measured speed in docs/performance.md).
//
// The model is exactly the general engine's (model.hpp) for this configuration:
//   tokens e_i = (x_i, y_i) ∈ R^{d+1}, query (x_q, 0), one head, no bias/LN/MLP,
//   e_j ← e_j + λ · P W_V (Σ_{i∈context} e_i e_iᵀ) W_Kᵀ W_Q e_j   for every token j, K times
//   (one weight set per layer, or one shared set when recurrent), the query is not a key/value,
//   ŷ = −(y-slot of the query), loss 0.5 · mean_b (ŷ_b − y_b)².
// Parameters use the same names, shapes and flat layout as Model<T> built from
// ModelConfig::for_von_oswald(d, 1, N, K, recurrent): "layer<l>.attn.W_Q" (k × (d+1)),
// W_K, W_V (k × (d+1)), P ((d+1) × k), or "shared.attn.*"; so a ParamStore moves freely
// between the two paths (and a test checks they give the same loss and gradient).
//
// What makes it fast (none of it changes the model):
//   * W_Kᵀ W_Q and λ P W_V are multiplied once per step (not per task);
//   * 8 float / 4 double tasks sit side by side in the lanes of an AVX2 register;
//   * each task's data is generated in cache right where it is used (Random123's ARS-7 on the
//     CPU's AES instructions, 8 tasks at once; the same words without them);
//   * the backward pass is written out by hand (derivation in docs/performance.md);
//   * a batch is cut into chunks whose boundaries depend on its size only ("guided": each
//     chunk is a quarter of the tasks left, rounded down to a multiple of 8 and clamped to
//     [16, 256], the last one whatever remains, so the last chunks are small); threads claim
//     chunks as they go, each chunk writes its own partial sums and the caller adds them in
//     chunk order, so results are bit-for-bit the same for a seed whatever the thread count.
// The internals live in lib/src/train/fast/ (engine.hpp lists the files); they are not part of
// the public interface.
#pragma once

#include "icgd/train/optim.hpp"
#include "icgd/train/params.hpp"
#include "icgd/train/tasks.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace icgd::train {

struct TrainConfig;  // trainer.hpp

struct FastLsaConfig {
  int x_dim = 10;        ///< d (labels are scalar: token width d + 1)
  int num_context = 10;  ///< N
  int num_layers = 1;    ///< K
  bool recurrent = false;  ///< one weight set applied K times (reference `deq`)
  int key_size = 0;        ///< 0: d + 1 (the paper's key size)
  double damping = 1.0;    ///< λ in e ← e + λ·LSA(e) (docs/papers/von_oswald.md, "Several layers and the damped recurrence")

  /// Training tasks: x ~ U(−a, a)^d with a = input_half_width, w ~ weight_scale · N(0, I),
  /// y = wᵀx, no noise. 0.5 is the reference code, 1.0 the paper's text (docs/papers/von_oswald.md, "Paper versus reference code").
  double input_half_width = 0.5;
  double weight_scale = 1.0;

  int batch_size = 2048;
  std::uint64_t seed = 0;
  int threads = 0;  ///< 0: all hardware threads (resolve_threads, parallel.hpp)

  int width() const { return x_dim + 1; }
  int keys() const { return key_size > 0 ? key_size : x_dim + 1; }
  int weight_sets() const { return recurrent ? 1 : num_layers; }
  /// Throws std::invalid_argument (d + 1 ≤ 64, N ≥ 1, K ≥ 1, batch ≥ 1, a > 0).
  void validate() const;
  /// e.g. "fast LSA K=3 recurrent d=10 N=10 x~U(-0.5,0.5)^10 w~N(0,I) batch=2048".
  std::string describe() const;

  /// The fast path's version of a general training configuration. Throws
  /// std::invalid_argument naming the first setting the fast path does not implement
  /// (use fast_lsa_supports to ask first).
  static FastLsaConfig from_train_config(const TrainConfig& config);
};

/// Whether the fast path implements `config` exactly (linear tasks with uniform inputs and no
/// noise/distractors, concatenated tokens, y_dim = 1, full 1-head linear attention without
/// bias/LN/MLP/embedding, query masked, read-out −1). On false, `why` says what differs.
bool fast_lsa_supports(const TrainConfig& config, std::string* why = nullptr);

/// Zero parameters in the canonical layout (same as Model<T>'s for this configuration).
template <class T>
ParamStore<T> fast_lsa_param_layout(const FastLsaConfig& config);

/// The tasks the fast trainer trains on at `step` (tasks first_task .. first_task + count − 1),
/// as a TaskBatch. Values are those of the scalar type T the trainer computes in (they are
/// stored exactly in the double matrices), so training on them reproduces the step bit for bit.
/// Stream layout: docs/performance.md, "Task stream"; it is not rng.hpp's TaskRng stream.
template <class T>
TaskBatch fast_generate_tasks(const FastLsaConfig& config, std::uint64_t step, int count,
                              std::uint32_t first_task = 0);

/// Loss 0.5·mean(ŷ − y)² on explicit tasks (any TaskBatch with x_dim = d, y_dim = 1,
/// num_context = N: e.g. the general engine's evaluation set) and, when grad is not null, its
/// gradient with respect to `params` (resized to the layout, overwritten).
template <class T>
double fast_lsa_loss_and_grad(const FastLsaConfig& config, const ParamStore<T>& params,
                              const TaskBatch& tasks, std::vector<T>* grad, int threads = 1);

/// Predictions ŷ_b of the model on explicit tasks.
template <class T>
std::vector<T> fast_lsa_predict(const FastLsaConfig& config, const ParamStore<T>& params,
                                const TaskBatch& tasks, int threads = 1);

/// How the fast path was compiled, for benchmark reports: compiler version, optimisation, the
/// instruction sets the code was allowed to use, and which implementation of the task stream's
/// generator (ARS-7: VAES, AES-NI or portable, chosen at run time) is active.
std::string fast_lsa_build_info();

namespace fast {
class Engine;  // worker threads, per-thread scratch (lib/src/train/fast/engine.hpp)
}

/// Loss and gradient of one training step with the tasks generated in cache: the object to
/// plug into Trainer<T>::set_objective, or to drive with FastLsaTrainer. Owns its worker
/// threads (they spin briefly between calls, then sleep). Not copyable; not thread-safe.
template <class T>
class FastLsaObjective {
 public:
  explicit FastLsaObjective(FastLsaConfig config);
  ~FastLsaObjective();
  FastLsaObjective(const FastLsaObjective&) = delete;
  FastLsaObjective& operator=(const FastLsaObjective&) = delete;

  const FastLsaConfig& config() const { return config_; }
  int threads() const;

  /// Loss of the batch of training step `step` (tasks 0..batch−1 of the fast stream at
  /// (seed, step)) and its gradient (grad resized and overwritten).
  double operator()(std::int64_t step, const ParamStore<T>& params, std::vector<T>& grad);

  /// Generates the tasks of step `step` exactly as operator() does (same threads, chunks and
  /// code) without training on them; returns a sum over them. `icgd bench` times it to report
  /// the share of a step spent generating data.
  double generate_only(std::int64_t step);

  /// Draws only the generator's words of those tasks (ARS-7, the same calls and counts as
  /// generate_only), none converted to numbers: `icgd bench` reports it as the generator's
  /// own share of generation. Returns a value that depends on every word.
  double stream_words_only(std::int64_t step);

  /// The same on explicit tasks, using this object's threads.
  double loss_and_grad(const TaskBatch& tasks, const ParamStore<T>& params, std::vector<T>* grad);

 private:
  FastLsaConfig config_;
  std::unique_ptr<fast::Engine> engine_;
};

/// Fast objective + Adam(W) with global-norm clipping (optim.hpp): the whole training loop
/// for the linear models, e.g. for `icgd bench`. Demos that need evaluation, checkpoints and
/// progress can instead pass a FastLsaObjective to the general Trainer (set_objective).
template <class T>
class FastLsaTrainer {
 public:
  /// `initial` must have the canonical layout (fast_lsa_param_layout); e.g. the params() of a
  /// Model<T> built from the same configuration after init_params(seed).
  FastLsaTrainer(FastLsaConfig config, ParamStore<T> initial, AdamConfig optimizer);

  /// One Adam step on the fresh tasks of the next step; returns the batch loss before the
  /// update.
  double train_step();
  std::int64_t step() const { return step_; }
  double last_grad_norm() const { return grad_norm_; }

  const ParamStore<T>& params() const { return params_; }
  ParamStore<T>& params() { return params_; }
  Adam<T>& optimizer() { return adam_; }
  FastLsaObjective<T>& objective() { return objective_; }
  int threads() const { return objective_.threads(); }

 private:
  FastLsaObjective<T> objective_;
  ParamStore<T> params_;
  Adam<T> adam_;
  std::vector<T> grad_;
  std::int64_t step_ = 0;
  double grad_norm_ = 0;
};

extern template class FastLsaObjective<float>;
extern template class FastLsaObjective<double>;
extern template class FastLsaTrainer<float>;
extern template class FastLsaTrainer<double>;

}  // namespace icgd::train
