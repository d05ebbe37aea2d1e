// Shared by the layer tests: random long-double matrices and central finite differences, the
// independent reference every backward pass is checked against.
#pragma once

#include "icgd/train/matrix.hpp"

#include <algorithm>
#include <functional>
#include <random>

namespace icgd::train::finite_differences {

using LD = long double;
using MatL = MatrixX<LD>;

inline MatL random_matrix(std::mt19937_64& gen, int rows, int cols, LD scale = 1) {
  std::normal_distribution<double> n(0.0, 1.0);
  MatL m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = scale * static_cast<LD>(n(gen));
  return m;
}

/// Central difference of f w.r.t. every entry of x (x is perturbed in place and restored).
inline MatL numeric_gradient(MatL& x, const std::function<LD()>& f, LD h = 1e-6L) {
  MatL g(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const LD saved = x.data()[i];
    x.data()[i] = saved + h;
    const LD fp = f();
    x.data()[i] = saved - h;
    const LD fm = f();
    x.data()[i] = saved;
    g.data()[i] = (fp - fm) / (2 * h);
  }
  return g;
}

inline LD relative_error(const MatL& a, const MatL& b) {
  const LD scale = std::max<LD>(1e-12L, std::max(a.norm(), b.norm()));
  return (a - b).norm() / scale;
}

/// Long-double central differences with h = 1e-6 agree with an exact gradient to ~1e-10.
inline constexpr LD kTolerance = 1e-8L;

}  // namespace icgd::train::finite_differences
