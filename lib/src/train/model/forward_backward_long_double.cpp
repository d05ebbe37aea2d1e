// Model<long double>'s forward and backward pass (model/forward_backward.hpp).
#include "model/forward_backward.hpp"

namespace icgd::train {
ICGD_MODEL_FORWARD_BACKWARD(long double)
}  // namespace icgd::train
