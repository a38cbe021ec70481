// Matrix products and their backward passes.
//
// For C = A B the chain rule gives dA = dC B^T and dB = A^T dC; a matrix that
// was broadcast over a batch collects the sum of its per-item gradients.
#include "gf/ops/linalg.hpp"

#include <functional>

#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/profile/profiler.hpp"
#include "kernels/kernels.hpp"
#include "ops/checks.hpp"

namespace gf {
namespace {

using Grads = std::vector<Tensor>;

void check_operands(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_same_kind(op, a, b);
  GF_CHECK(is_floating(a.dtype()), op, ": expected float32 or float64 inputs, got ", a.dtype());
}

/// Output shape of a @ b, or an error naming both shapes.
Shape matmul_shape(const Tensor& a, const Tensor& b) {
  GF_CHECK((a.dim() == 2 || a.dim() == 3) && (b.dim() == 2 || b.dim() == 3), "matmul: ", a.shape(), " @ ", b.shape(),
           ": expected 2-D (M, K) or batched 3-D (B, M, K) operands");
  const std::int64_t k = a.size(-1);
  GF_CHECK(k == b.size(-2), "matmul: ", a.shape(), " @ ", b.shape(), ": inner dimensions ", k, " and ", b.size(-2),
           " differ");
  if (a.dim() == 3 && b.dim() == 3)
    GF_CHECK(a.size(0) == b.size(0), "matmul: ", a.shape(), " @ ", b.shape(), ": batch sizes ", a.size(0), " and ",
             b.size(0), " differ");
  const std::int64_t m = a.size(-2), n = b.size(-1);
  if (a.dim() == 2 && b.dim() == 2) return {m, n};
  return {a.dim() == 3 ? a.size(0) : b.size(0), m, n};
}

/// a @ b without autograd: the batched GEMM kernel, a 2-D operand broadcast
/// over the batch with a batch stride of 0.
Tensor matmul_forward(const Tensor& a, const Tensor& b) {
  const Shape shape = matmul_shape(a, b);
  Tensor out = Tensor::empty(shape, {a.dtype(), a.device()});
  const std::int64_t batch = shape.dim() == 3 ? shape[0] : 1;
  auto as_batch = [batch](const Tensor& t) {
    return t.dim() == 3 ? t : t.detach().expand({batch, t.size(0), t.size(1)});
  };
  kernels_on(out.device()).matmul(out.view({batch, shape[shape.size() - 2], shape.back()}), as_batch(a), as_batch(b));
  // 2 M N K flops per matrix (a multiply and an add per term); the backward
  // products come through here too, so the profiler sees them as well.
  Profiler::add_work(2.0 * static_cast<double>(out.numel()) * static_cast<double>(a.size(-1)), 0);
  return out;
}

/// matmul's backward: dA = dC B^T, dB = A^T dC; sum_to folds a broadcast batch back.
Grads matmul_backward(const Tensor& a, const Tensor& b, const Tensor& g) {
  Tensor ga = autograd::input_gradient_wanted(0) ? sum_to(matmul(g, b.transpose(-1, -2)), a.shape()) : Tensor();
  Tensor gb = autograd::input_gradient_wanted(1) ? sum_to(matmul(a.transpose(-1, -2), g), b.shape()) : Tensor();
  return Grads{ga, gb};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands("matmul", a, b);
  Tensor out = matmul_forward(a, b);
  if (autograd::needs_grad({a, b})) {
    autograd::record("matmul", out, {a, b},
                     std::bind_front(matmul_backward, a, b),
                     autograd::Differentiable::kYes);
  }
  return out;
}

namespace {
/// linear's backward: g (N, out) to the gradients of x (N, in), w (out, in) and the bias.
Grads linear_backward(const Tensor& x, const Tensor& w, const Tensor& g) {
  Tensor gx = autograd::input_gradient_wanted(0) ? matmul(g, w) : Tensor();      // (N, out) @ (out, in)
  Tensor gw = autograd::input_gradient_wanted(1) ? matmul(g.t(), x) : Tensor();  // (out, N) @ (N, in)
  Tensor gb = autograd::input_gradient_wanted(2) ? sum(g, {0}) : Tensor();       // every row added the bias
  return Grads{gx, gw, gb};
}
}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_operands("linear", x, weight);
  GF_CHECK(x.dim() == 2 && weight.dim() == 2, "linear: expected x (N, in) and weight (out, in), got x ", x.shape(),
           " and weight ", weight.shape());
  GF_CHECK(x.size(1) == weight.size(1), "linear: x ", x.shape(), " has ", x.size(1), " features, weight ",
           weight.shape(), " expects ", weight.size(1));
  if (bias.defined()) {
    check_operands("linear", x, bias);
    GF_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias ", bias.shape(), " should be (",
             weight.size(0), ",) for weight ", weight.shape());
  }
  // (N, in) @ (in, out): the transposed view costs nothing, the GEMM reads W^T in place.
  Tensor out = matmul_forward(x, weight.detach().t());  // (N, out)
  if (bias.defined()) kernels_on(out.device()).binary(BinaryOp::kAdd, out, out, bias);

  if (autograd::needs_grad({x, weight, bias})) {
    autograd::record("linear", out, {x, weight, bias},
                     std::bind_front(linear_backward, x, weight),
                     autograd::Differentiable::kYes);
  }
  return out;
}

}  // namespace gf
