#pragma once
// CPU kernels for optimizer updates. Each call updates a whole list of
// parameters that share a dtype and a step count (the optimizer groups them),
// so the CUDA twin can do all of them in one fused launch; per parameter it is
// one pass over contiguous data, reading the gradient once and updating the
// parameter and its buffers in place.
#include <vector>

#include "gf/kernels/params.hpp"

namespace gf::cpu {

/// For every entry, elementwise:
///   g = grad + wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
/// All entries on one device, of one dtype.
void adam_update(const std::vector<AdamTensors>& tensors, const AdamStep& s);

/// For every entry, elementwise (the buffer is written on the first step, not read):
///   g = grad + wd p;  b = first ? g : momentum b + (1 - dampening) g
///   p -= lr (nesterov ? g + momentum b : b)          (momentum 0: p -= lr g)
/// All entries on one device, of one dtype.
void sgd_update(const std::vector<SgdTensors>& tensors, const SgdStep& s);

}  // namespace gf::cpu
