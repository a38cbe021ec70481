// Ops that rearrange data -- cat, stack, pad2d -- and their backward passes.
#include "gf/ops/shape.hpp"

#include <functional>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"

namespace gf {
namespace {

using Grads = std::vector<Tensor>;

// Every tensor must match tensors[0] in dtype, device and rank.
void check_joinable(const char* op, const std::vector<Tensor>& tensors) {
  GF_CHECK(!tensors.empty(), op, ": needs at least one tensor");
  const Tensor& first = tensors[0];
  for (std::size_t i = 1; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    GF_CHECK(t.dtype() == first.dtype() && t.device() == first.device(), op, ": tensor ", i, " is ", t.dtype(), " on ",
             t.device(), ", tensor 0 is ", first.dtype(), " on ", first.device());
    GF_CHECK(t.dim() == first.dim(), op, ": tensor ", i, " has shape ", t.shape(), ", tensor 0 has shape ",
             first.shape(), "; all need the same number of dims");
  }
}

// cat's backward: each input gets back the band of the gradient it filled
// (`sizes`: the inputs' extents along dim).
Grads cat_backward(std::int64_t dim, const std::vector<std::int64_t>& sizes, const Tensor& g) {
  Grads grads;
  std::int64_t start = 0;
  for (const std::int64_t n : sizes) {
    grads.push_back(g.narrow(dim, start, n));
    start += n;
  }
  return grads;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  check_joinable("cat", tensors);
  const Tensor& first = tensors[0];
  dim = wrap_dim(dim, first.dim(), "cat");
  Shape out_shape = first.shape();
  out_shape[static_cast<std::size_t>(dim)] = 0;
  std::vector<std::int64_t> sizes;  // each input's extent along `dim`
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    for (std::int64_t d = 0; d < t.dim(); ++d)
      GF_CHECK(d == dim || t.size(d) == first.size(d), "cat: tensor ", i, " has shape ", t.shape(),
               ", tensor 0 has shape ", first.shape(), "; sizes must match except in dim ", dim);
    sizes.push_back(t.size(dim));
    out_shape[static_cast<std::size_t>(dim)] += t.size(dim);
  }

  // Each input fills its own band of the output along `dim`.
  Tensor out = Tensor::empty(out_shape, {first.dtype(), first.device()});
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    out.narrow(dim, offset, sizes[i]).copy_(tensors[i]);
    offset += sizes[i];
  }
  if (autograd::needs_grad(tensors))
    autograd::record("cat", out, tensors, std::bind_front(cat_backward, dim, sizes), autograd::Differentiable::kYes);
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  check_joinable("stack", tensors);
  dim = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  // stack = cat of the inputs each given a new size-1 dim; autograd follows
  // cat's slices back through unsqueeze.
  std::vector<Tensor> unsqueezed;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    GF_CHECK(tensors[i].shape() == tensors[0].shape(), "stack: tensor ", i, " has shape ", tensors[i].shape(),
             ", tensor 0 has shape ", tensors[0].shape(), "; all must be equal");
    unsqueezed.push_back(tensors[i].unsqueeze(dim));
  }
  return cat(unsqueezed, dim);
}

namespace {
// pad2d's backward: each output element passes its gradient to the input element
// it copied; a reflected element feeds several outputs and sums their gradients.
Grads pad2d_backward(const Shape& in_shape, std::int64_t left, std::int64_t top, PadMode mode, const Tensor& g) {
  Tensor gx = zeros(in_shape, {g.dtype(), g.device()});
  kernels_on(gx.device()).pad2d_backward(gx, g.contiguous(), left, top, mode);
  return Grads{gx};
}
}  // namespace

Tensor pad2d(const Tensor& x, std::int64_t left, std::int64_t right, std::int64_t top, std::int64_t bottom,
             PadMode mode) {
  GF_CHECK(x.dim() == 3 || x.dim() == 4, "pad2d: expected (N, C, H, W) or (C, H, W), got shape ", x.shape());
  GF_CHECK(left >= 0 && right >= 0 && top >= 0 && bottom >= 0, "pad2d: pads (left, right, top, bottom) = (", left, ", ",
           right, ", ", top, ", ", bottom, ") must be >= 0");
  const std::int64_t h = x.size(-2), w = x.size(-1);
  GF_CHECK(mode == PadMode::kZero || (left < w && right < w && top < h && bottom < h),
           "pad2d: reflect pads (left, right, top, bottom) = (", left, ", ", right, ", ", top, ", ", bottom,
           ") must each be smaller than the padded dim (H = ", h, ", W = ", w, ") of input ", x.shape());
  Shape out_shape = x.shape();
  out_shape[static_cast<std::size_t>(x.dim() - 2)] += top + bottom;
  out_shape[static_cast<std::size_t>(x.dim() - 1)] += left + right;
  Tensor out = Tensor::empty(out_shape, {x.dtype(), x.device()});  // (N, C, Ho, Wo) or (C, Ho, Wo)
  kernels_on(x.device()).pad2d(out, x.contiguous(), left, top, mode);
  if (autograd::needs_grad({x}))
    autograd::record("pad2d", out, {x}, std::bind_front(pad2d_backward, x.shape(), left, top, mode));
  return out;
}

}  // namespace gf
