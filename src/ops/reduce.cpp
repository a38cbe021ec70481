// Reductions and their backward passes.
#include "gf/ops/reduce.hpp"

#include <algorithm>
#include <functional>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf {
namespace {

using Grads = std::vector<Tensor>;

// Sorted, de-duplicated, wrapped dims; empty input means all dims.
std::vector<std::int64_t> normalize_dims(const std::vector<std::int64_t>& dims, std::int64_t ndim, const char* op) {
  std::vector<std::int64_t> out;
  if (dims.empty())
    for (std::int64_t d = 0; d < ndim; ++d) out.push_back(d);
  for (auto d : dims) out.push_back(wrap_dim(d, ndim, op));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Shape keepdim_shape(const Shape& s, const std::vector<std::int64_t>& dims) {
  Shape k = s;
  for (auto d : dims) k[static_cast<std::size_t>(d)] = 1;
  return k;
}

Shape dropped_shape(const Shape& s, const std::vector<std::int64_t>& dims) {
  Shape k;
  for (std::int64_t d = 0; d < s.dim(); ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) k.push_back(s[static_cast<std::size_t>(d)]);
  return k;
}

std::int64_t reduced_count(const Shape& s, const std::vector<std::int64_t>& dims) {
  std::int64_t n = 1;
  for (auto d : dims) n *= s[static_cast<std::size_t>(d)];
  return n;
}

// Values and int64 indices of the first maximum along `dim`, both with the
// reduced dim kept as size 1.
struct MaxResult {
  Tensor values, indices;
};

MaxResult max_along(const Tensor& x, std::int64_t dim, const char* op) {
  GF_CHECK(x.size(dim) > 0, op, ": cannot take the maximum over dim ", dim, " of size 0 (shape ", x.shape(), ")");
  const Shape kshape = keepdim_shape(x.shape(), {dim});
  MaxResult r{Tensor::empty(kshape, {x.dtype(), x.device()}), Tensor::empty(kshape, {DType::kInt64, x.device()})};
  kernels_on(x.device()).max_dim(r.values, r.indices, x, dim);
  return r;
}

// sum's backward: every input element contributed once, so the gradient is g
// broadcast back (kshape: the output with the reduced dims kept as 1).
Grads sum_backward(const Shape& in_shape, const Shape& kshape, const Tensor& g) {
  return Grads{g.reshape(kshape).expand(in_shape).contiguous()};
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims_in, bool keepdim) {
  const std::vector<std::int64_t> dims = normalize_dims(dims_in, x.dim(), "sum");
  const Shape kshape = keepdim_shape(x.shape(), dims);
  Tensor out = Tensor::empty(kshape, {x.dtype(), x.device()});
  kernels_on(x.device()).sum_dims(out, x, dims);
  if (!keepdim) out = out.view(dropped_shape(x.shape(), dims));
  if (autograd::needs_grad({x}))
    autograd::record("sum", out, {x}, std::bind_front(sum_backward, x.shape(), kshape), autograd::Differentiable::kYes);
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims_in, bool keepdim) {
  const std::vector<std::int64_t> dims = normalize_dims(dims_in, x.dim(), "mean");
  const std::int64_t n = reduced_count(x.shape(), dims);
  GF_CHECK(n > 0, "mean: reducing ", x.shape(), " over an empty set of elements");
  return div(sum(x, dims, keepdim), static_cast<double>(n));
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims_in, bool unbiased, bool keepdim) {
  const std::vector<std::int64_t> dims = normalize_dims(dims_in, x.dim(), "var");
  const std::int64_t n = reduced_count(x.shape(), dims);
  const std::int64_t divisor = unbiased ? n - 1 : n;
  GF_CHECK(divisor > 0, "var: ", unbiased ? "unbiased" : "biased", " variance of ", n, " element(s) of shape ",
           x.shape(), " is undefined (divides by ", divisor, ")");
  // Two passes -- the mean, then squared deviations from it -- avoid the
  // cancellation of E[x^2] - E[x]^2. Autograd differentiates the composition:
  // d var / dx = 2 (x - mean) / divisor (the mean's own path sums to zero).
  const Tensor deviation = sub(x, mean(x, dims, /*keepdim=*/true));
  return div(sum(square(deviation), dims, keepdim), static_cast<double>(divisor));
}

Tensor var(const Tensor& x, bool unbiased) { return var(x, {}, unbiased, false); }

namespace {
// max's backward: only the first arg-max of each fibre moved the output, so it
// alone receives the gradient; every other element gets zero.
Grads max_backward(const Shape& in_shape, const Shape& kshape, const Tensor& indices, std::int64_t dim,
                   const Tensor& g) {
  Tensor gx = zeros(in_shape, {g.dtype(), g.device()});
  kernels_on(gx.device()).scatter_add_dim(gx, g.reshape(kshape).contiguous(), indices, dim);
  return Grads{gx};
}
}  // namespace

Tensor max(const Tensor& x, std::int64_t dim, bool keepdim) {
  dim = wrap_dim(dim, x.dim(), "max");
  const Shape kshape = keepdim_shape(x.shape(), {dim});
  const MaxResult r = max_along(x, dim, "max");
  Tensor values = r.values;
  if (!keepdim) values = values.view(dropped_shape(x.shape(), {dim}));
  if (autograd::needs_grad({x}))
    autograd::record("max", values, {x}, std::bind_front(max_backward, x.shape(), kshape, r.indices, dim));
  return values;
}

Tensor max(const Tensor& x) { return max(x.reshape({-1}), 0, false); }

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  dim = wrap_dim(dim, x.dim(), "argmax");
  const Tensor indices = max_along(x, dim, "argmax").indices;
  return keepdim ? indices : indices.view(dropped_shape(x.shape(), {dim}));
}

// An index is not differentiable: detach so the flattening records nothing.
Tensor argmax(const Tensor& x) { return argmax(x.detach().reshape({-1}), 0, false); }

}  // namespace gf
