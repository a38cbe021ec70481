#pragma once
// CPU kernels for optimizer updates: one fused pass over one parameter's
// contiguous data, reading the gradient once and updating the parameter and
// its buffers in place (the CUDA twin takes the same arguments).
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// One Adam step's constants (t is the 1-based step of this parameter).
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  std::int64_t t;
};

/// param, grad, exp_avg, exp_avg_sq: same shape, contiguous, same dtype.
///   g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
void adam_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamStep& s);

/// One SGD step's constants; `first` marks the parameter's first step, where
/// the momentum buffer starts as g itself.
struct SgdStep {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first;
};

/// param, grad and (when momentum != 0) momentum_buffer: same shape,
/// contiguous, same dtype; the buffer is written on the first step, not read.
///   g = grad + wd p;  b = first ? g : momentum b + (1 - dampening) g
///   p -= lr (nesterov ? g + momentum b : b)          (momentum 0: p -= lr g)
void sgd_update(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, const SgdStep& s);

}  // namespace gf::cpu
