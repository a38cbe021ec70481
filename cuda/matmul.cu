// Batched matrix product through cuBLAS. Twin of src/cpu/matmul.cpp.
//
// cuBLAS is column-major; our tensors are row-major. A row-major (R, C)
// matrix with leading dimension ld is, byte for byte, the column-major (C, R)
// matrix of its transpose. So instead of out = a @ b we ask cuBLAS for
//
//   out^T (N, M) = b^T (N, K) @ a^T (K, M)        (column-major)
//
// which writes out in row-major order: b goes in cuBLAS's first slot, a in
// its second, and m, n swap. An operand stored transposed (unit stride along
// its rows, as after .t()) is the same column-major matrix with the other
// transpose flag, so it is read in place too, and a broadcast matrix gets a
// batch stride of 0. Only an operand with no unit stride at all is copied.
//
// TF32: the handle's math mode follows gf::allow_tf32() (cuda/context.cuh);
// with it off, float32 products are exact float32 FMA, like the CPU.
#include <climits>

#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

/// How cuBLAS reads a row-major (rows, cols) matrix stored with strides
/// (rs, cs): in its column-major terms, either the matrix's transpose
/// (trans = false: unit stride along cols) or the matrix itself (trans = true:
/// unit stride along rows), with leading dimension ld.
struct BlasOperand {
  bool readable = false;
  bool trans = false;
  std::int64_t ld = 0;
};

BlasOperand blas_operand(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
  // A stride along a dim of size 1 never matters, so such a dim takes the
  // smallest leading dimension cuBLAS accepts (it checks ld >= the stored
  // column length even when one column is read).
  if (cs == 1 || cols == 1) {
    const std::int64_t ld = rows == 1 ? std::max<std::int64_t>(cols, 1) : rs;
    if (ld >= std::max<std::int64_t>(cols, 1)) return {true, false, ld};
  }
  if (rs == 1 || rows == 1) {
    const std::int64_t ld = cols == 1 ? std::max<std::int64_t>(rows, 1) : cs;
    if (ld >= std::max<std::int64_t>(rows, 1)) return {true, true, ld};
  }
  return {};  // no unit stride (a strided slice) or overlapping rows (an expanded row): copy it
}

BlasOperand blas_operand(const Tensor& t) { return blas_operand(t.size(1), t.size(2), t.stride(1), t.stride(2)); }

/// `t` (B, R, C) itself when cuBLAS can read it, else a contiguous copy.
Tensor blas_readable(const Tensor& t) {
  if (blas_operand(t).readable) return t;
  Tensor copy = Tensor::empty(t.shape(), {t.dtype(), t.device()});
  cuda::copy(copy, t);
  return copy;
}

int blas_int(std::int64_t v, const char* what) {
  GF_CHECK(v <= INT_MAX, "matmul (cuda): ", what, " = ", v, " is too large for cuBLAS (at most ", INT_MAX, ")");
  return static_cast<int>(v);
}

// C (column-major m x n, batch stride sc) = op(A) @ op(B), one call for the batch.
cublasStatus_t gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                                    int k, const float* A, int lda, long long sa, const float* B, int ldb,
                                    long long sb, float* C, int ldc, long long sc, int batch) {
  const float one = 1.0f, zero = 0.0f;
  return cublasSgemmStridedBatched(h, ta, tb, m, n, k, &one, A, lda, sa, B, ldb, sb, &zero, C, ldc, sc, batch);
}

cublasStatus_t gemm_strided_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                                    int k, const double* A, int lda, long long sa, const double* B, int ldb,
                                    long long sb, double* C, int ldc, long long sc, int batch) {
  const double one = 1.0, zero = 0.0;
  return cublasDgemmStridedBatched(h, ta, tb, m, n, k, &one, A, lda, sa, B, ldb, sb, &zero, C, ldc, sc, batch);
}

}  // namespace

void matmul(const Tensor& out, const Tensor& a_in, const Tensor& b_in) {
  const std::int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a_in.size(2);
  if (out.numel() == 0) return;
  if (k == 0) {  // an empty sum: cuBLAS would not be asked to write zeros
    cuda::fill(out, 0.0);
    return;
  }
  DeviceGuard guard(out);
  const Tensor a = blas_readable(a_in), b = blas_readable(b_in);
  const BlasOperand ga = blas_operand(a), gb = blas_operand(b);
  // A batch of one has no meaningful batch stride; size-1 batch dims may carry any.
  const std::int64_t sa = a.size(0) == 1 ? 0 : a.stride(0), sb = b.size(0) == 1 ? 0 : b.stride(0);
  // cuBLAS's flags: trans = false reads our (R, C) operand as its (C, R)
  // transpose, which is exactly the b^T and a^T the column-major product needs.
  const cublasOperation_t op_b = gb.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = ga.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasHandle_t handle = cublas(out.device().index);
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "matmul", [&] {
    // One matrix on the right for the whole batch, and a's rows evenly spaced
    // across batch items (e.g. contiguous): the batch is just more rows of a
    // single GEMM (more columns of out^T), as on the CPU.
    if (batch > 1 && sb == 0 && !ga.trans && sa == m * ga.ld) {
      GF_CUBLAS_CHECK(gemm_strided_batched(handle, op_b, op_a, blas_int(n, "N"), blas_int(batch * m, "B * M"),
                                           blas_int(k, "K"), b.data<scalar_t>(), blas_int(gb.ld, "ld of b"), 0,
                                           a.data<scalar_t>(), blas_int(ga.ld, "ld of a"), 0, out.data<scalar_t>(),
                                           blas_int(n, "N"), 0, 1));
      return;
    }
    GF_CUBLAS_CHECK(gemm_strided_batched(handle, op_b, op_a, blas_int(n, "N"), blas_int(m, "M"), blas_int(k, "K"),
                                         b.data<scalar_t>(), blas_int(gb.ld, "ld of b"), sb, a.data<scalar_t>(),
                                         blas_int(ga.ld, "ld of a"), sa, out.data<scalar_t>(), blas_int(n, "N"),
                                         m * n, blas_int(batch, "batch")));
  });
}

}  // namespace gf::cuda
