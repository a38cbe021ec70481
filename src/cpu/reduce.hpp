#pragma once
// CPU reduction kernels.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// out (x's shape with `dims` set to 1, contiguous) = sum of x over `dims`.
/// Accumulates in double so float32 sums of many elements stay accurate.
void sum_dims(const Tensor& out, const Tensor& x, const std::vector<std::int64_t>& dims);

/// Along `dim`: values (x's shape with dim set to 1) and int64 indices of the
/// first maximum.
void max_dim(const Tensor& values, const Tensor& indices, const Tensor& x, std::int64_t dim);

}  // namespace gf::cpu
