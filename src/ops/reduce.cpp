// Reductions and their backward passes.
#include "gf/ops/reduce.hpp"

#include <algorithm>

#include "cpu/reduce.hpp"
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

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims_in, bool keepdim) {
  const std::vector<std::int64_t> dims = normalize_dims(dims_in, x.dim(), "sum");
  const Shape kshape = keepdim_shape(x.shape(), dims);
  Tensor out = Tensor::empty(kshape, {x.dtype(), x.device()});
  GF_DISPATCH(x.device(), sum_dims, out, x, dims);
  if (!keepdim) out = out.view(dropped_shape(x.shape(), dims));
  if (autograd::needs_grad({x})) {
    // Every input element contributed once: the gradient is g broadcast back.
    autograd::record("sum", out, {x}, [in_shape = x.shape(), kshape](const Tensor& g) {
      return Grads{g.reshape(kshape).expand(in_shape).contiguous()};
    });
  }
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

}  // namespace gf
