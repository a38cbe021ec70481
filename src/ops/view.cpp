// View ops: new shape/strides over the same storage, no data copied.
// Each backward maps the gradient back to the input's shape.
#include <algorithm>
#include <functional>
#include <numeric>

#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf {
namespace {

// Resolves one -1 in `shape` so that it has `numel` elements.
Shape infer_shape(Shape shape, std::int64_t numel, const char* op, const Shape& from) {
  std::int64_t known = 1, infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      GF_CHECK(infer_at < 0, op, ": only one dimension can be -1, got ", shape);
      infer_at = static_cast<std::int64_t>(i);
    } else {
      GF_CHECK(shape[i] >= 0, op, ": invalid size ", shape[i], " in ", shape);
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    GF_CHECK(known != 0 && numel % known == 0, op, ": cannot view ", from, " as ", shape);
    shape[static_cast<std::size_t>(infer_at)] = numel / known;
  }
  GF_CHECK(shape.numel() == numel, op, ": shape ", shape, " has ", shape.numel(), " elements, tensor of shape ", from,
           " has ", numel);
  return shape;
}

// The backward of view, squeeze and unsqueeze: the gradient reshaped to the input's shape.
std::vector<Tensor> reshape_backward(const Shape& in_shape, const Tensor& g) { return {g.reshape(in_shape)}; }

// Records a view whose backward is reshape_backward.
Tensor record_reshape_like(Tensor out, const Tensor& x, const char* name) {
  if (autograd::needs_grad({x}))
    autograd::record(name, out, {x}, std::bind_front(reshape_backward, x.shape()), autograd::Differentiable::kYes);
  return out;
}

// permute's backward: the gradient permuted back by the inverse permutation.
std::vector<Tensor> permute_backward(const std::vector<std::int64_t>& inverse, const Tensor& g) {
  return {g.permute(inverse)};
}

// slice's backward: the gradient scattered into a zero tensor of the input's shape.
std::vector<Tensor> slice_backward(const Shape& in_shape, DType dt, std::int64_t d, std::int64_t start,
                                   std::int64_t end, std::int64_t step, const Tensor& g) {
  Tensor gx = zeros(in_shape, {dt, g.device()});
  gx.slice(d, start, end, step).copy_(g);
  return {gx};
}

// expand's backward: the gradient summed over the broadcast dims.
std::vector<Tensor> expand_backward(const Shape& in_shape, const Tensor& g) { return {sum_to(g, in_shape)}; }

}  // namespace

Tensor Tensor::view(const Shape& new_shape) const {
  GF_CHECK(is_contiguous(), "view: tensor of shape ", shape(), " with strides ", strides(),
           " is not contiguous; use reshape() or contiguous()");
  const Shape s = infer_shape(new_shape, numel(), "view", shape());
  return record_reshape_like(make_view(*this, s, contiguous_strides(s), offset()), *this, "view");
}

Tensor Tensor::reshape(const Shape& new_shape) const {
  if (is_contiguous()) return view(new_shape);
  return contiguous().view(new_shape);
}

Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const {
  GF_CHECK(static_cast<std::int64_t>(dims.size()) == dim(), "permute: got ", dims.size(), " dims for a ", dim(),
           "-D tensor of shape ", shape());
  Shape s(dims.size()), st(dims.size());
  std::vector<std::int64_t> inverse(dims.size(), -1);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::int64_t d = wrap_dim(dims[i], dim(), "permute");
    GF_CHECK(inverse[static_cast<std::size_t>(d)] < 0, "permute: dim ", d, " repeated");
    inverse[static_cast<std::size_t>(d)] = static_cast<std::int64_t>(i);
    s[i] = shape()[static_cast<std::size_t>(d)];
    st[i] = strides()[static_cast<std::size_t>(d)];
  }
  Tensor out = make_view(*this, s, st, offset());
  if (autograd::needs_grad({*this}))
    autograd::record("permute", out, {*this}, std::bind_front(permute_backward, inverse),
                     autograd::Differentiable::kYes);
  return out;
}

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  std::vector<std::int64_t> dims(static_cast<std::size_t>(dim()));
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[static_cast<std::size_t>(wrap_dim(d0, dim(), "transpose"))],
            dims[static_cast<std::size_t>(wrap_dim(d1, dim(), "transpose"))]);
  return permute(dims);
}

Tensor Tensor::slice(std::int64_t d, std::int64_t start, std::int64_t end, std::int64_t step) const {
  d = wrap_dim(d, dim(), "slice");
  const std::int64_t n = shape()[static_cast<std::size_t>(d)];
  GF_CHECK(step > 0, "slice: step must be positive, got ", step);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  end = std::clamp<std::int64_t>(end, start, n);
  Shape s = shape(), st = strides();
  s[static_cast<std::size_t>(d)] = (end - start + step - 1) / step;
  st[static_cast<std::size_t>(d)] *= step;
  Tensor out = make_view(*this, s, st, offset() + start * strides()[static_cast<std::size_t>(d)]);
  if (autograd::needs_grad({*this}))
    autograd::record("slice", out, {*this}, std::bind_front(slice_backward, shape(), dtype(), d, start, end, step));
  return out;
}

Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  const std::int64_t n = size(d);
  GF_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: range [", start, ", ", start + length,
           ") out of bounds for dim ", d, " of size ", n, " (shape ", shape(), ")");
  return slice(d, start, start + length);
}

Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  d = wrap_dim(d, dim(), "select");
  const std::int64_t n = shape()[static_cast<std::size_t>(d)];
  GF_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dim ", d, " of size ", n);
  if (index < 0) index += n;
  return narrow(d, index, 1).squeeze(d);
}

Tensor Tensor::expand(const Shape& target) const {
  GF_CHECK(target.dim() >= dim(), "expand: cannot expand shape ", shape(), " to ", target);
  Shape s(target.size()), st(target.size(), 0);
  const std::int64_t lead = target.dim() - dim();
  for (std::int64_t i = 0; i < target.dim(); ++i) {
    const auto ui = static_cast<std::size_t>(i);
    if (i < lead) {
      GF_CHECK(target[ui] >= 0, "expand: new leading dim must be >= 0, got ", target);
      s[ui] = target[ui];
      continue;
    }
    const std::int64_t cur = shape()[static_cast<std::size_t>(i - lead)];
    const std::int64_t want = target[ui] == -1 ? cur : target[ui];
    GF_CHECK(cur == want || cur == 1, "expand: shape ", shape(), " cannot expand to ", target, " (dim ", i, ")");
    s[ui] = want;
    st[ui] = cur == want ? strides()[static_cast<std::size_t>(i - lead)] : 0;
  }
  Tensor out = make_view(*this, s, st, offset());
  if (autograd::needs_grad({*this}))
    autograd::record("expand", out, {*this}, std::bind_front(expand_backward, shape()),
                     autograd::Differentiable::kYes);
  return out;
}

Tensor Tensor::squeeze(std::int64_t d) const {
  d = wrap_dim(d, dim(), "squeeze");
  if (shape()[static_cast<std::size_t>(d)] != 1) return *this;
  Shape s = shape(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return record_reshape_like(make_view(*this, s, st, offset()), *this, "squeeze");
}

Tensor Tensor::unsqueeze(std::int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape(), st = strides();
  const std::int64_t new_stride =
      d < dim() ? strides()[static_cast<std::size_t>(d)] * shape()[static_cast<std::size_t>(d)] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  return record_reshape_like(make_view(*this, s, st, offset()), *this, "unsqueeze");
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  GF_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " > end_dim ", end_dim);
  Shape s;
  for (std::int64_t i = 0; i < start_dim; ++i) s.push_back(size(i));
  std::int64_t merged = 1;
  for (std::int64_t i = start_dim; i <= end_dim; ++i) merged *= size(i);
  s.push_back(merged);
  for (std::int64_t i = end_dim + 1; i < dim(); ++i) s.push_back(size(i));
  return reshape(s);
}

}  // namespace gf
