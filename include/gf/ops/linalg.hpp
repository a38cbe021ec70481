#pragma once
// Matrix products, backed by the blocked GEMM in src/cpu/gemm.cpp.
//
//   gf::Tensor y = gf::matmul(a, b);           // (M, K) @ (K, N) -> (M, N)
//   gf::Tensor h = gf::linear(x, w, bias);     // x (N, in), w (out, in) -> (N, out)
//
// Operands may be views of any strides (a transposed view is read in place);
// gradients: for C = A B, dA = dC B^T and dB = A^T dC.
#include "gf/core/tensor.hpp"

namespace gf {

/// (M, K) @ (K, N) -> (M, N); batched: (B, M, K) @ (B, K, N) -> (B, M, N),
/// with a 2-D operand broadcast over the batch (its gradient sums over it).
/// Mismatched shapes throw, e.g. "matmul: (2, 3) @ (4, 5): inner dimensions 3 and 4 differ".
Tensor matmul(const Tensor& a, const Tensor& b);

/// x (N, in) W^T (out, in) + b (out,) -> (N, out); `bias` may be undefined.
/// The bias gradient is the output gradient summed over the rows.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace gf
