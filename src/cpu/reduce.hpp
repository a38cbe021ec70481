#pragma once
// CPU reduction kernels.
#include <cstdint>
#include <vector>

#include "cpu/loops.hpp"
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// x's dims split into the kept (outer) and the reduced (inner) groups, each
/// merged where contiguous: output element o reads x at kept offset o plus
/// reduced offsets 0 .. inner - 1 (the CUDA twins use the same split).
struct ReduceLayout {
  StridedLayout<1> kept, reduced;
  std::int64_t outer = 1, inner = 1;
};
ReduceLayout split_dims(const Tensor& x, const std::vector<std::int64_t>& dims);

/// out (x's shape with `dims` set to 1, contiguous) = sum of x over `dims`.
/// Accumulates in double so float32 sums of many elements stay accurate.
void sum_dims(const Tensor& out, const Tensor& x, const std::vector<std::int64_t>& dims);

/// Along `dim`: values (x's shape with dim set to 1) and int64 indices of the
/// first maximum.
void max_dim(const Tensor& values, const Tensor& indices, const Tensor& x, std::int64_t dim);

}  // namespace gf::cpu
