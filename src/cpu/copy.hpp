#pragma once
// Strided copy with broadcasting and dtype conversion: the kernel behind
// contiguous(), clone(), to(dtype) and copy_().
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// dst[...] = convert(src broadcast to dst's shape).
void copy(const Tensor& dst, const Tensor& src);
/// Every element of dst = value.
void fill(const Tensor& dst, double value);

}  // namespace gf::cpu
