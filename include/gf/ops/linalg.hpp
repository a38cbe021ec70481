#pragma once
// Matrix products, backed by the blocked GEMM in src/cpu/gemm.cpp.
#include "gf/core/tensor.hpp"

namespace gf {

/// (M, K) @ (K, N) -> (M, N); batched: (B, M, K) @ (B, K, N) -> (B, M, N),
/// with a 2-D operand broadcast over the batch.
Tensor matmul(const Tensor& a, const Tensor& b);

/// x (N, in) W^T (out, in) + b (out,) -> (N, out); `bias` may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace gf
