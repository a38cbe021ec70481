#pragma once
// CPU kernels for optimizer updates. Each call updates a whole list of
// parameters that share a dtype and a step count (the optimizer groups them),
// so the CUDA twin can do all of them in one fused launch; per parameter it is
// one pass over contiguous data, reading the gradient once and updating the
// parameter and its buffers in place.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// One Adam step's constants (t is the 1-based step of these parameters).
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  std::int64_t t;
};

/// One parameter's tensors for Adam: same shape, contiguous, same dtype.
struct AdamTensors {
  Tensor param, grad, exp_avg, exp_avg_sq;
};

/// For every entry, elementwise:
///   g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
/// All entries on one device, of one dtype.
void adam_update(const std::vector<AdamTensors>& tensors, const AdamStep& s);

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

/// For every entry, elementwise (the buffer is written on the first step, not read):
///   g = grad + wd p;  b = first ? g : momentum b + (1 - dampening) g
///   p -= lr (nesterov ? g + momentum b : b)          (momentum 0: p -= lr g)
/// All entries on one device, of one dtype.
void sgd_update(const std::vector<SgdTensors>& tensors, const SgdStep& s);

}  // namespace gf::cpu
