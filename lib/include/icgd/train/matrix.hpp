// icgd/train/matrix.hpp — the training engine's one spelling of dynamic Eigen matrices and
// vectors (column-major, scalar type T: float, double or long double).
#pragma once

#include <Eigen/Dense>

namespace icgd::train {

template <class T>
using MatrixX = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using VectorX = Eigen::Matrix<T, Eigen::Dynamic, 1>;

}  // namespace icgd::train
