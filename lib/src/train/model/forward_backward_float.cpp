// Model<float>'s forward and backward pass (model/forward_backward.hpp).
#include "model/forward_backward.hpp"

namespace icgd::train {
ICGD_MODEL_FORWARD_BACKWARD(float)
}  // namespace icgd::train
