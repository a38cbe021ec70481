#pragma once
// Optimizer updates as ops: the one way an optimizer (src/optim/) reaches a
// device. Each call updates a group of parameters in place, all on one device
// and of one dtype, in one kernel call (one fused launch on a GPU). Not
// recorded for autograd: callers run them under NoGradGuard.
#include <vector>

#include "gf/kernels/params.hpp"

namespace gf {

/// Adam (with L2 weight decay folded into the gradient), for every entry:
///   g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
void adam_update_(const std::vector<AdamTensors>& tensors, const AdamStep& step);

/// SGD with optional momentum, dampening and Nesterov, for every entry:
///   g = grad + wd p;  b = first ? g : momentum b + (1 - dampening) g
///   p -= lr (nesterov ? g + momentum b : b)          (momentum 0: p -= lr g)
void sgd_update_(const std::vector<SgdTensors>& tensors, const SgdStep& step);

}  // namespace gf
