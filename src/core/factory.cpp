// The factories that only allocate or wrap memory. The ones that fill values
// (full, zeros, arange, from_vector, randn ...) run kernels, so they are ops:
// src/ops/factory.cpp.
#include "gf/core/factory.hpp"

namespace gf {

Tensor empty(const Shape& shape, TensorOptions options) { return Tensor::empty(shape, options); }

Tensor from_blob(void* data, const Shape& shape, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  const std::size_t nbytes = static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  impl->storage = std::make_shared<Storage>(data, nbytes, Device::cpu(), std::shared_ptr<void>());
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

}  // namespace gf
