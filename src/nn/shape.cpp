#include "gf/nn/shape.hpp"

#include "gf/ops/shape.hpp"

namespace gf::nn {

Tensor Flatten::forward(const Tensor& x) { return x.flatten(start_dim, end_dim); }
std::string Flatten::extra_repr() const { return detail::concat("start_dim=", start_dim, ", end_dim=", end_dim); }

Tensor Unflatten::forward(const Tensor& x) {
  const std::int64_t d = wrap_dim(dim, x.dim(), "Unflatten");
  GF_CHECK(sizes.numel() == x.size(d), "Unflatten: cannot split dim ", d, " of ", x.shape(), " into ", sizes);
  Shape shape(x.shape().begin(), x.shape().begin() + d);
  shape.insert(shape.end(), sizes.begin(), sizes.end());
  shape.insert(shape.end(), x.shape().begin() + d + 1, x.shape().end());
  return x.reshape(shape);
}
std::string Unflatten::extra_repr() const { return detail::concat("dim=", dim, ", unflattened_size=", sizes); }

Tensor Upsample::forward(const Tensor& x) { return upsample2d(x, scale_factor, mode); }
std::string Upsample::extra_repr() const {
  return detail::concat("scale_factor=", scale_factor, ", mode=", mode == UpsampleMode::kNearest ? "nearest" : "bilinear");
}

Tensor ReflectionPad2d::forward(const Tensor& x) { return pad2d(x, left, right, top, bottom, PadMode::kReflect); }
std::string ReflectionPad2d::extra_repr() const {
  return detail::concat("(", left, ", ", right, ", ", top, ", ", bottom, ")");
}

}  // namespace gf::nn
