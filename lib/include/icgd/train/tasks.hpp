// icgd/train/tasks.hpp — in-context regression tasks (docs/papers/von_oswald.md, "Setting and notation", "Proposition 2", "Paper versus reference code").
//
// A task is a context {(x_i, y_i)}_{i=1..N} plus a query x_q with its target y_q. Tasks are
// generated in double; token constructions (tokens.hpp) round them to the model's scalar type.
// The random numbers of task t at step s derive from (seed, stream, step, t) only (rng.hpp).
#pragma once

#include "icgd/train/rng.hpp"

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace icgd::train {

enum class TaskKind {
  linear,  ///< y = W x (+ noise), W ~ weight_scale · N(0, I)   (docs/papers/von_oswald.md, "Setting and notation")
  sine,    ///< y = A sin(x + φ), x scalar                        (docs/papers/von_oswald.md, "Proposition 2")
};

enum class InputLaw {
  uniform,   ///< x ~ U(−a, a)^d with a = input_half_width
  gaussian,  ///< x ~ N(0, Λ), Λ = input_covariance (identity when empty)
};

/// Everything that defines the task distribution. Defaults are the reference code's
/// (von Oswald et al., reference `config.py`): d = N = 10, x ~ U(−0.5, 0.5), w ~ N(0, I), no noise.
struct TaskConfig {
  TaskKind kind = TaskKind::linear;
  int x_dim = 10;        ///< d (Nx); 1 for sine tasks
  int y_dim = 1;         ///< Ny
  int num_context = 10;  ///< N

  InputLaw input_law = InputLaw::uniform;
  /// a in U(−a, a): 0.5 is the reference code (`input_range = 1`), 1.0 the paper's text.
  double input_half_width = 0.5;
  /// Λ for InputLaw::gaussian (d × d, symmetric positive definite); empty means identity.
  Eigen::MatrixXd input_covariance;

  /// Out-of-distribution scalings (von_oswald.md, "Experiments and the numbers to hit"): x ← input_scale · x and W ← weight_scale · W.
  double input_scale = 1.0;
  double weight_scale = 1.0;

  /// Std of Gaussian noise added to the context labels (the query target stays clean).
  double label_noise = 0.0;
  /// Number of context labels replaced by N(0, 1) draws at distinct random positions
  /// (reference code `size_distract`).
  int num_distractors = 0;

  /// Sine tasks: A ~ U(amp_min, amp_max), φ ~ U(0, phase_max), x ~ U(−x_half, x_half).
  /// Code: A ~ U(0.1, 0.5); paper text: U(0.1, 5) (docs/papers/von_oswald.md, "Paper versus reference code").
  double sine_amp_min = 0.1;
  double sine_amp_max = 0.5;
  double sine_phase_max = 3.14159265358979323846;
  double sine_x_half_width = 5.0;

  /// The reference code's linear task (x ~ U(−0.5, 0.5)^d).
  static TaskConfig code_linear(int d = 10, int n = 10);
  /// The paper text's linear task (x ~ U(−1, 1)^d).
  static TaskConfig paper_linear(int d = 10, int n = 10);
  /// The sine task; `paper_amplitude` selects A ~ U(0.1, 5) instead of the code's U(0.1, 0.5).
  static TaskConfig sine_task(int n = 10, bool paper_amplitude = false);

  /// One line such as "linear d=10 N=10 x~U(-0.5,0.5) w~N(0,I)": say in output which ran.
  std::string describe() const;
  /// Throws std::invalid_argument on inconsistent settings.
  void validate() const;

  nlohmann::json to_json() const;
  static TaskConfig from_json(const nlohmann::json& j);
};

/// A batch of B tasks, stored task after task (column blocks of N + 1, the query last).
struct TaskBatch {
  int batch = 0, x_dim = 0, y_dim = 0, num_context = 0;
  /// x_dim × B(N+1): task b's context inputs in columns b(N+1) .. b(N+1)+N−1, query at b(N+1)+N.
  Eigen::MatrixXd x;
  /// y_dim × B(N+1): context labels as the model sees them (noise, distractors applied);
  /// the query column holds the clean target y_q.
  Eigen::MatrixXd y;
  /// (y_dim · x_dim) × B: each task's W (column-major y_dim × x_dim); empty for sine tasks.
  Eigen::MatrixXd weights;
  /// 2 × B for sine tasks: (amplitude, phase); empty otherwise.
  Eigen::MatrixXd sine_params;

  int tokens_per_task() const { return num_context + 1; }
  auto context_x(int b) const { return x.middleCols(b * tokens_per_task(), num_context); }
  auto context_y(int b) const { return y.middleCols(b * tokens_per_task(), num_context); }
  auto query_x(int b) const { return x.col(b * tokens_per_task() + num_context); }
  auto query_y(int b) const { return y.col(b * tokens_per_task() + num_context); }
  /// Query targets of all tasks, y_dim × B.
  Eigen::MatrixXd targets() const;
  /// W of task b as a y_dim × x_dim matrix (linear tasks).
  Eigen::MatrixXd task_weights(int b) const;
};

/// Generates one task into caller-owned buffers (column-major):
///   x: x_dim × (N+1), y: y_dim × (N+1), weights: y_dim·x_dim (linear) or 2 (sine: A, φ).
/// Draw order (documented so that other code can reproduce it bit for bit):
///   linear: W (column-major, normals), then x_1..x_N, x_q (each x_dim uniforms or normals,
///           Gaussian inputs multiplied by the Cholesky factor of Λ), then label noise
///           (y_dim·N normals, only when label_noise > 0), then distractors (position by
///           partial Fisher–Yates with `below`, then y_dim normals each).
///   sine:   A, φ (two uniforms), then x_1..x_N, x_q, then noise and distractors as above.
/// `cholesky` is the lower Cholesky factor of Λ (only read for Gaussian inputs; may be null
/// when Λ is the identity).
void generate_task(const TaskConfig& config, TaskRng& rng, const Eigen::MatrixXd* cholesky,
                   double* x, double* y, double* weights);

/// Generates tasks first_task .. first_task + batch − 1 of (seed, stream, step).
/// Deterministic and independent of `threads` (each task has its own counter).
TaskBatch generate_tasks(const TaskConfig& config, std::uint64_t seed, std::uint32_t stream,
                         std::uint64_t step, int batch, std::uint32_t first_task = 0,
                         int threads = 1);
inline TaskBatch generate_tasks(const TaskConfig& config, std::uint64_t seed, Stream stream,
                                std::uint64_t step, int batch, std::uint32_t first_task = 0,
                                int threads = 1) {
  return generate_tasks(config, seed, static_cast<std::uint32_t>(stream), step, batch, first_task,
                        threads);
}

}  // namespace icgd::train
