// tests/train/linear_tasks.hpp — the linear-regression tasks several training-engine tests draw:
// x ~ U(−1, 1) (the paper's range), y_dim outputs, from the user stream of `seed`.
#pragma once

#include "icgd/train/tasks.hpp"

#include <cstdint>

namespace icgd::train::test {

inline TaskBatch linear_tasks(int d, int n, int batch, std::uint64_t seed, int ny = 1) {
  TaskConfig c = TaskConfig::paper_linear(d, n);
  c.y_dim = ny;
  return generate_tasks(c, seed, Stream::user, 0, batch);
}

}  // namespace icgd::train::test
