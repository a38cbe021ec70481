#pragma once
// General matrix multiply on raw row-major memory, the engine under matmul,
// linear and convolution:
//
//   C (M, N) = alpha * op(A) (M, K) @ op(B) (K, N) + beta * C
//
// op(A) = A, read as a[i * lda + p], or A^T, read as a[p * lda + i] (trans_a);
// the same for B with ldb. C is written at c[i * ldc + j]. With beta == 0, C is
// never read (it may hold garbage or NaN). Blocked, packed and SIMD-vectorised,
// using every core (see gemm.cpp for how). A naive twin for tests lives in
// cpu/reference/gemm_reference.hpp.
#include <cstdint>

namespace gf::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

/// `batch` independent GEMMs; product i reads a + i * stride_a, b + i * stride_b
/// and writes c + i * stride_c. A stride of 0 reuses one operand for the whole
/// batch (a 2-D matrix broadcast over a batch).
template <typename T>
void gemm_batched(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
                  const T* a, std::int64_t lda, std::int64_t stride_a, const T* b, std::int64_t ldb,
                  std::int64_t stride_b, T beta, T* c, std::int64_t ldc, std::int64_t stride_c,
                  std::int64_t batch);

extern template void gemm<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*,
                                 std::int64_t, const float*, std::int64_t, float, float*, std::int64_t);
extern template void gemm<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*,
                                  std::int64_t, const double*, std::int64_t, double, double*, std::int64_t);
extern template void gemm_batched<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float,
                                         const float*, std::int64_t, std::int64_t, const float*, std::int64_t,
                                         std::int64_t, float, float*, std::int64_t, std::int64_t, std::int64_t);
extern template void gemm_batched<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double,
                                          const double*, std::int64_t, std::int64_t, const double*, std::int64_t,
                                          std::int64_t, double, double*, std::int64_t, std::int64_t, std::int64_t);

}  // namespace gf::cpu
