#pragma once
// CPU kernel turning uniform random numbers into a dropout mask.
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// mask = uniform >= p ? 1 / (1 - p) : 0, elementwise; with uniform in [0, 1)
/// each element is kept with probability 1 - p and E[mask] = 1.
void dropout_mask(const Tensor& mask, const Tensor& uniform, double p);

}  // namespace gf::cpu
