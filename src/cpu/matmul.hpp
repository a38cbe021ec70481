#pragma once
// Batched matrix product on tensors: works out how the GEMM can read each
// operand in place (row-major or transposed, any leading dimension, a batch
// stride of 0 for a broadcast matrix) and copies only what it cannot.
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// out (B, M, N), contiguous, = a (B, M, K) @ b (B, K, N) with a and b of any strides.
void matmul(const Tensor& out, const Tensor& a, const Tensor& b);

}  // namespace gf::cpu
