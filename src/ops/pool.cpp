// Pooling and upsampling over (N, C, H, W), forward and backward side by side.
#include "gf/ops/pool.hpp"

#include <functional>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"

namespace gf {
namespace {

using Grads = std::vector<Tensor>;

// A checked pooling call: its window parameters and output shape (N, C, Ho, Wo).
struct PoolPlan {
  Pool2dParams params;
  Shape out_shape;
};

PoolPlan plan_pool(const char* op, const Tensor& x, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
  GF_CHECK(x.dim() == 4, op, ": expected a 4-D input (N, C, H, W), got shape ", x.shape());
  GF_CHECK(kernel > 0 && stride >= 0, op, ": kernel ", kernel, " must be positive and stride ", stride,
           " non-negative (0 means stride = kernel)");
  // More padding than half a window would let a window see only padding.
  GF_CHECK(padding >= 0 && 2 * padding <= kernel, op, ": padding ", padding, " must be in [0, kernel / 2] for kernel ",
           kernel);
  const std::int64_t h = x.size(2) + 2 * padding, w = x.size(3) + 2 * padding;
  GF_CHECK(h >= kernel && w >= kernel, op, ": kernel ", kernel, " does not fit the padded input ", h, "x", w,
           " (input ", x.shape(), ", padding ", padding, ")");
  const Pool2dParams p{kernel, stride == 0 ? kernel : stride, padding};
  return {p, Shape{x.size(0), x.size(1), (h - kernel) / p.stride + 1, (w - kernel) / p.stride + 1}};
}

// max_pool2d's backward: only each window's (first) maximum moved the output,
// so the gradient is routed there.
Grads max_pool2d_backward(const Shape& in_shape, const Tensor& indices, const Tensor& g) {
  Tensor gx = zeros(in_shape, {g.dtype(), g.device()});
  kernels_on(gx.device()).max_pool2d_backward(gx, g.contiguous(), indices);
  return Grads{gx};
}

}  // namespace

Tensor max_pool2d(const Tensor& x, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
  const PoolPlan plan = plan_pool("max_pool2d", x, kernel, stride, padding);
  Tensor out = Tensor::empty(plan.out_shape, {x.dtype(), x.device()});          // (N, C, Ho, Wo)
  Tensor indices = Tensor::empty(plan.out_shape, {DType::kInt64, x.device()});  // (N, C, Ho, Wo)
  kernels_on(x.device()).max_pool2d(out, indices, x.contiguous(), plan.params);
  if (autograd::needs_grad({x}))
    autograd::record("max_pool2d", out, {x}, std::bind_front(max_pool2d_backward, x.shape(), indices));
  return out;
}

namespace {
// avg_pool2d's backward: out = (sum of the window) / kernel^2, so each pixel of a
// window gets g / kernel^2.
Grads avg_pool2d_backward(const Shape& in_shape, Pool2dParams p, const Tensor& g) {
  Tensor gx = zeros(in_shape, {g.dtype(), g.device()});
  kernels_on(gx.device()).avg_pool2d_backward(gx, g.contiguous(), p);
  return Grads{gx};
}
}  // namespace

Tensor avg_pool2d(const Tensor& x, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
  const PoolPlan plan = plan_pool("avg_pool2d", x, kernel, stride, padding);
  Tensor out = Tensor::empty(plan.out_shape, {x.dtype(), x.device()});  // (N, C, Ho, Wo)
  kernels_on(x.device()).avg_pool2d(out, x.contiguous(), plan.params);
  if (autograd::needs_grad({x}))
    autograd::record("avg_pool2d", out, {x}, std::bind_front(avg_pool2d_backward, x.shape(), plan.params));
  return out;
}

namespace {
// upsample2d's backward: both modes are linear maps; backward applies their
// transpose, adding each output gradient to the input pixels (and weights) it
// was read from.
Grads upsample2d_backward(const Shape& in_shape, std::int64_t scale, bool nearest, const Tensor& g) {
  Tensor gx = zeros(in_shape, {g.dtype(), g.device()});
  if (nearest)
    kernels_on(gx.device()).upsample_nearest2d_backward(gx, g.contiguous(), scale);
  else
    kernels_on(gx.device()).upsample_bilinear2d_backward(gx, g.contiguous(), scale);
  return Grads{gx};
}
}  // namespace

Tensor upsample2d(const Tensor& x, std::int64_t scale, UpsampleMode mode) {
  GF_CHECK(x.dim() == 4, "upsample2d: expected a 4-D input (N, C, H, W), got shape ", x.shape());
  GF_CHECK(scale >= 1, "upsample2d: scale_factor must be an integer >= 1, got ", scale);
  Tensor out = Tensor::empty({x.size(0), x.size(1), x.size(2) * scale, x.size(3) * scale},
                             {x.dtype(), x.device()});  // (N, C, s H, s W)
  const bool nearest = mode == UpsampleMode::kNearest;
  if (nearest)
    kernels_on(x.device()).upsample_nearest2d(out, x.contiguous(), scale);
  else
    kernels_on(x.device()).upsample_bilinear2d(out, x.contiguous(), scale);
  if (autograd::needs_grad({x}))
    autograd::record(nearest ? "upsample_nearest2d" : "upsample_bilinear2d", out, {x},
                     std::bind_front(upsample2d_backward, x.shape(), scale, nearest));
  return out;
}

}  // namespace gf
