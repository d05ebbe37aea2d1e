// Task generation: reproducibility of the counter-based RNG and the task laws.
#include "icgd/train/tasks.hpp"
#include "icgd/train/tokens.hpp"

#include <doctest/doctest.h>

#include <cstring>

using namespace icgd::train;

TEST_CASE("same seed gives identical bits, for any thread count") {
  TaskConfig cfg = TaskConfig::code_linear(10, 10);
  cfg.label_noise = 0.1;
  cfg.num_distractors = 2;
  const TaskBatch a = generate_tasks(cfg, 42, Stream::train_tasks, 7, 300, 0, 1);
  const TaskBatch b = generate_tasks(cfg, 42, Stream::train_tasks, 7, 300, 0, 2);
  const TaskBatch c = generate_tasks(cfg, 42, Stream::train_tasks, 7, 300, 0, 5);
  REQUIRE(a.x.size() == b.x.size());
  CHECK(std::memcmp(a.x.data(), b.x.data(), sizeof(double) * a.x.size()) == 0);
  CHECK(std::memcmp(a.y.data(), c.y.data(), sizeof(double) * a.y.size()) == 0);
  CHECK(std::memcmp(a.weights.data(), c.weights.data(), sizeof(double) * a.weights.size()) == 0);
  const TaskBatch other_seed = generate_tasks(cfg, 43, Stream::train_tasks, 7, 300);
  const TaskBatch other_step = generate_tasks(cfg, 42, Stream::train_tasks, 8, 300);
  const TaskBatch other_stream = generate_tasks(cfg, 42, Stream::eval_tasks, 7, 300);
  CHECK((a.x - other_seed.x).norm() > 1);
  CHECK((a.x - other_step.x).norm() > 1);
  CHECK((a.x - other_stream.x).norm() > 1);
}

TEST_CASE("a task depends only on its own index: sub-batches agree") {
  const TaskConfig cfg = TaskConfig::code_linear(3, 5);
  const TaskBatch all = generate_tasks(cfg, 1, Stream::train_tasks, 0, 20);
  const TaskBatch tail = generate_tasks(cfg, 1, Stream::train_tasks, 0, 5, 15);
  for (int b = 0; b < 5; ++b) {
    CHECK(all.context_x(15 + b) == tail.context_x(b));
    CHECK(all.query_y(15 + b) == tail.query_y(b));
  }
}

TEST_CASE("linear tasks: ranges, labels and moments") {
  TaskConfig cfg = TaskConfig::paper_linear(4, 6);
  const TaskBatch t = generate_tasks(cfg, 3, Stream::train_tasks, 0, 4000, 0, 2);
  CHECK(t.x.maxCoeff() < 1.0);
  CHECK(t.x.minCoeff() >= -1.0);
  CHECK(t.x.maxCoeff() > 0.99);
  // Var U(−1, 1) = 1/3; Var N(0, 1) = 1.
  const double var_x = t.x.array().square().mean();
  CHECK(var_x == doctest::Approx(1.0 / 3.0).epsilon(0.02));
  const double var_w = t.weights.array().square().mean();
  CHECK(var_w == doctest::Approx(1.0).epsilon(0.03));
  for (int b = 0; b < 10; ++b) {
    const Eigen::MatrixXd W = t.task_weights(b);
    CHECK((W * t.context_x(b) - t.context_y(b)).norm() < 1e-12);
    CHECK((W * t.query_x(b) - t.query_y(b)).norm() < 1e-12);
  }
}

TEST_CASE("distractors replace exactly that many labels; noise leaves the target clean") {
  TaskConfig cfg = TaskConfig::code_linear(3, 8);
  cfg.num_distractors = 3;
  const TaskBatch t = generate_tasks(cfg, 9, Stream::train_tasks, 0, 50);
  for (int b = 0; b < 50; ++b) {
    const Eigen::MatrixXd W = t.task_weights(b);
    const Eigen::RowVectorXd diff = W * t.context_x(b) - t.context_y(b);
    int changed = 0;
    for (int i = 0; i < 8; ++i) changed += std::abs(diff(i)) > 1e-12;
    CHECK(changed == 3);
    CHECK((W * t.query_x(b) - t.query_y(b)).norm() < 1e-12);
  }
  cfg.num_distractors = 0;
  cfg.label_noise = 0.5;
  const TaskBatch n = generate_tasks(cfg, 9, Stream::train_tasks, 0, 2000);
  double s = 0;
  for (int b = 0; b < 2000; ++b)
    s += (n.task_weights(b) * n.context_x(b) - n.context_y(b)).squaredNorm();
  CHECK(s / (2000 * 8) == doctest::Approx(0.25).epsilon(0.05));
}

TEST_CASE("gaussian inputs follow the covariance") {
  TaskConfig cfg = TaskConfig::code_linear(2, 4);
  cfg.input_law = InputLaw::gaussian;
  cfg.input_covariance.resize(2, 2);
  cfg.input_covariance << 2.0, 0.6, 0.6, 1.0;
  const TaskBatch t = generate_tasks(cfg, 5, Stream::train_tasks, 0, 20000, 0, 2);
  const Eigen::MatrixXd cov = t.x * t.x.transpose() / static_cast<double>(t.x.cols());
  CHECK((cov - cfg.input_covariance).norm() < 0.05);
}

TEST_CASE("sine tasks: amplitude, phase and range") {
  const TaskConfig cfg = TaskConfig::sine_task(10);
  const TaskBatch t = generate_tasks(cfg, 2, Stream::train_tasks, 0, 500);
  CHECK(t.x.maxCoeff() < 5.0);
  CHECK(t.x.minCoeff() >= -5.0);
  for (int b = 0; b < 500; ++b) {
    const double amp = t.sine_params(0, b), phase = t.sine_params(1, b);
    CHECK(amp >= 0.1);
    CHECK(amp < 0.5);
    CHECK(phase >= 0.0);
    CHECK(phase < 3.1416);
    CHECK(t.query_y(b)(0) == doctest::Approx(amp * std::sin(t.query_x(b)(0) + phase)));
  }
}

TEST_CASE("token constructions") {
  const TaskConfig cfg = TaskConfig::code_linear(3, 4);
  const TaskBatch t = generate_tasks(cfg, 2, Stream::train_tasks, 0, 3);
  const auto tok = make_tokens<double>(t, TokenConfig{});
  CHECK(tok.width == 4);
  CHECK(tok.seq_len == 5);
  CHECK(tok.task(1).col(2).head(3) == t.context_x(1).col(2));
  CHECK(tok.task(1)(3, 2) == t.context_y(1)(0, 2));
  CHECK(tok.task(1)(3, 4) == 0.0);  // query label slot starts at 0
  TokenConfig classic;
  classic.kind = TokenKind::classic;
  classic.pos_enc_size = 6;
  const auto ct = make_tokens<float>(t, classic);
  CHECK(ct.width == 9);
  CHECK(ct.seq_len == 9);
  CHECK(ct.task(2)(0, 2) == static_cast<float>(t.context_x(2)(0, 1)));  // e_{2i} = x_i
  CHECK(ct.task(2)(0, 3) == 0.0f);                                       // e_{2i+1} = (0, y_i)
  CHECK(ct.task(2)(2, 3) == static_cast<float>(t.context_y(2)(0, 1)));
  CHECK(ct.task(2)(3, 0) == 0.0f);  // sin(0)
  CHECK(ct.task(2)(4, 0) == 1.0f);  // cos(0)
  CHECK(ct.task(2)(3, 1) == doctest::Approx(std::sin(1.0)));
}
