#include "kernels/kernels.hpp"

#include "cpu/gemm.hpp"

namespace gf::cpu {
namespace {

/// How the GEMM reads a (rows, cols) matrix stored with strides (rs, cs):
/// row-major with leading dimension ld, or the transpose of such a matrix.
struct GemmOperand {
  bool readable = false;
  bool trans = false;
  std::int64_t ld = 0;
};

GemmOperand gemm_operand(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
  // A stride along a dim of size 1 never matters, so either layout fits there.
  if (cs == 1 || cols == 1) return {true, false, rs};
  if (rs == 1 || rows == 1) return {true, true, cs};
  return {};  // neither dim has unit stride (e.g. a strided slice): copy it
}

/// `t` (B, R, C) itself when the GEMM can read it, else a contiguous copy.
Tensor gemm_readable(const Tensor& t) {
  if (gemm_operand(t.size(1), t.size(2), t.stride(1), t.stride(2)).readable) return t;
  Tensor copy = Tensor::empty(t.shape(), {t.dtype(), t.device()});
  cpu::copy(copy, t);
  return copy;
}

}  // namespace

void matmul(const Tensor& out, const Tensor& a_in, const Tensor& b_in) {
  const Tensor a = gemm_readable(a_in), b = gemm_readable(b_in);
  const std::int64_t batch = out.size(0), m = out.size(1), n = out.size(2), k = a.size(2);
  const GemmOperand ga = gemm_operand(m, k, a.stride(1), a.stride(2));
  const GemmOperand gb = gemm_operand(k, n, b.stride(1), b.stride(2));
  // A batch of one has no meaningful batch stride; size-1 batch dims may carry any.
  const std::int64_t sa = a.size(0) == 1 ? 0 : a.stride(0), sb = b.size(0) == 1 ? 0 : b.stride(0);
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "matmul", [&] {
    // One matrix on the right for the whole batch, and a's rows evenly spaced
    // across batch items (e.g. contiguous): the batch is just more rows of a
    // single GEMM, and b is packed once instead of once per item.
    if (batch > 1 && sb == 0 && !ga.trans && sa == m * ga.ld) {
      gemm<scalar_t>(false, gb.trans, batch * m, n, k, scalar_t(1), a.data<scalar_t>(), ga.ld, b.data<scalar_t>(),
                     gb.ld, scalar_t(0), out.data<scalar_t>(), n);
      return;
    }
    gemm_batched<scalar_t>(ga.trans, gb.trans, m, n, k, scalar_t(1), a.data<scalar_t>(), ga.ld, sa,
                           b.data<scalar_t>(), gb.ld, sb, scalar_t(0), out.data<scalar_t>(), n, m * n, batch);
  });
}

}  // namespace gf::cpu
