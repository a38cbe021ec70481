#pragma once
// The kernel interface's parameter types: plain structs and enums, backend
// neutral, shared by the ops (include/gf/ops/), the CPU kernels (src/cpu/) and
// their CUDA twins (cuda/). No CUDA type and no autograd here.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf {

// ---- optimizer updates (gf::adam_update_, gf::sgd_update_) ---------------------

/// One Adam step's constants (t is the 1-based step of these parameters).
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  std::int64_t t;
};

/// One parameter's tensors for Adam: same shape, contiguous, same dtype.
struct AdamTensors {
  Tensor param, grad, exp_avg, exp_avg_sq;
};

/// One SGD step's constants; `first` marks the parameters' first step, where
/// the momentum buffer starts as g itself.
struct SgdStep {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first;
};

/// One parameter's tensors for SGD: same shape, contiguous, same dtype;
/// momentum_buffer is undefined when momentum == 0.
struct SgdTensors {
  Tensor param, grad, momentum_buffer;
};

}  // namespace gf
