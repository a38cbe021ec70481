#include "gf/core/tensor.hpp"

// The Tensor methods that only look at or rearrange the handle. The ones that
// run a kernel or record a node (clone, to, fill_, copy_, item, str ...) are ops:
// src/ops/tensor.cpp; backward() is the engine's (src/autograd/engine.cpp).
#include "gf/core/checked_size.hpp"

namespace gf {

Tensor Tensor::empty(const Shape& shape, TensorOptions options) {
  for (auto d : shape) GF_CHECK(d >= 0, "empty: negative dimension in shape ", shape);
  // Shapes can come from files; a product that wraps would size a tiny buffer.
  const std::string what = detail::concat("empty: shape ", shape);
  const std::size_t bytes = checked_bytes(checked_product(shape, what), dtype_size(options.dtype), what);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(bytes, options.device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype;
  Tensor t(std::move(impl));
  if (options.requires_grad) t.requires_grad_();
  return t;
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim(d, dim(), "Tensor::size")]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[wrap_dim(d, dim(), "Tensor::stride")]; }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (std::int64_t d = dim() - 1; d >= 0; --d) {
    if (shape()[d] == 1) continue;
    if (strides()[d] != expected) return false;
    expected *= shape()[d];
  }
  return true;
}

Tensor& Tensor::requires_grad_(bool on) {
  GF_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating tensors can require grad, this one is ",
           dtype());
  GF_CHECK(is_leaf() || on, "requires_grad_: cannot turn off requires_grad on a non-leaf (use detach())");
  checked().requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(checked().grad); }

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined())
    GF_CHECK(g.shape() == shape(), "set_grad: gradient shape ", g.shape(), " does not match tensor shape ", shape());
  checked().grad = g.impl_ptr();
}

void Tensor::zero_grad() const { checked().grad.reset(); }

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), offset()); }

}  // namespace gf
