// sort, forward and backward.
#include "gf/ops/sort.hpp"

#include <functional>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"

namespace gf {
namespace {

// sort's backward: each gradient goes back to the position its value came from.
// The kernel works on rows: `dim` moved last (moved_shape), viewed as (rows, k).
std::vector<Tensor> sort_backward(const Tensor& indices, std::int64_t dim, const Shape& moved_shape, const Tensor& g) {
  const std::int64_t last = g.dim() - 1, k = g.size(dim);
  const std::int64_t rows = k == 0 ? 0 : moved_shape.numel() / k;
  const Tensor g_rows = (dim == last ? g : g.transpose(dim, last)).contiguous();
  const Tensor i_rows = (dim == last ? indices : indices.transpose(dim, last)).contiguous();
  Tensor gx = empty(moved_shape, {g.dtype(), g.device()});
  if (gx.numel() > 0)
    kernels_on(g.device()).unsort_rows(gx.view({rows, k}), g_rows.view({rows, k}), i_rows.view({rows, k}));
  return std::vector<Tensor>{dim == last ? gx : gx.transpose(dim, last).contiguous()};
}

}  // namespace

SortResult sort(const Tensor& x, std::int64_t dim, bool descending) {
  GF_CHECK(x.dim() >= 1, "sort: expected a tensor with at least one dim, got shape ", x.shape());
  dim = wrap_dim(dim, x.dim(), "sort");
  // The kernels sort rows: move `dim` last, make it contiguous, view as (rows, k).
  const std::int64_t last = x.dim() - 1, k = x.size(dim);
  const Tensor moved = (dim == last ? x.detach() : x.detach().transpose(dim, last)).contiguous();
  const Shape moved_shape = moved.shape();
  const std::int64_t rows = k == 0 ? 0 : moved.numel() / k;
  Tensor values = empty(moved_shape, {x.dtype(), x.device()});
  Tensor indices = empty(moved_shape, {DType::kInt64, x.device()});
  if (moved.numel() > 0)
    kernels_on(x.device()).sort_rows(values.view({rows, k}), indices.view({rows, k}), moved.view({rows, k}),
                descending);
  if (dim != last) {
    values = values.transpose(dim, last).contiguous();
    indices = indices.transpose(dim, last).contiguous();
  }
  if (autograd::needs_grad({x}))
    autograd::record("sort", values, {x}, std::bind_front(sort_backward, indices, dim, moved_shape));
  return {values, indices};
}

}  // namespace gf
