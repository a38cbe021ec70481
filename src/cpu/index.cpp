#include "kernels/kernels.hpp"

#include <algorithm>

#include "gf/core/parallel.hpp"
#include "kernels/layout.hpp"

namespace gf::cpu {

using kernels::Fibres;
using kernels::fibres_of;

namespace {

// Calls visit(p, q) for every picked position p = (o, 0, i), with q the
// matching element (o, index[p], i) of the full tensor.
template <typename Visit>
void for_each_pick(const Fibres& f, const std::int64_t* index, Visit&& visit) {
  const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(f.inner, 1));
  parallel_for(0, f.outer, grain, [&](std::int64_t o0, std::int64_t o1) {
    for (std::int64_t o = o0; o < o1; ++o)
      for (std::int64_t i = 0; i < f.inner; ++i) {
        const std::int64_t p = o * f.inner + i;
        visit(p, (o * f.k + index[p]) * f.inner + i);
      }
  });
}

}  // namespace

void gather_dim(const Tensor& out, const Tensor& x, const Tensor& index, std::int64_t dim) {
  const Fibres f = fibres_of(x.shape(), dim);
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "gather_dim", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    for_each_pick(f, index.data<std::int64_t>(), [&](std::int64_t p, std::int64_t q) { po[p] = px[q]; });
  });
}

void scatter_add_dim(const Tensor& out, const Tensor& src, const Tensor& index, std::int64_t dim) {
  const Fibres f = fibres_of(out.shape(), dim);
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "scatter_add_dim", [&] {
    const scalar_t* ps = src.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    // Each fibre (o, :, i) is written by its own pick only, so threads never collide.
    for_each_pick(f, index.data<std::int64_t>(), [&](std::int64_t p, std::int64_t q) { po[q] += ps[p]; });
  });
}

void gather_rows(const Tensor& out, const Tensor& table, const Tensor& index) {
  const std::int64_t n = index.numel(), d = table.size(1);
  GF_DTYPE_DISPATCH_ALL(table.dtype(), "gather_rows", [&] {
    const scalar_t* pt = table.data<scalar_t>();
    const std::int64_t* pi = index.data<std::int64_t>();
    scalar_t* po = out.data<scalar_t>();
    const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(d, 1));
    parallel_for(0, n, grain, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) std::copy(pt + pi[r] * d, pt + (pi[r] + 1) * d, po + r * d);
    });
  });
}

void scatter_add_rows(const Tensor& out, const Tensor& src, const Tensor& index) {
  const std::int64_t n = index.numel(), d = out.size(1);
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "scatter_add_rows", [&] {
    const scalar_t* ps = src.data<scalar_t>();
    const std::int64_t* pi = index.data<std::int64_t>();
    scalar_t* po = out.data<scalar_t>();
    // Threads split the columns: two rows of src with the same index add
    // into the same row of out, but never into the same column.
    const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1));
    parallel_for(0, d, grain, [&](std::int64_t c0, std::int64_t c1) {
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = c0; c < c1; ++c) po[pi[r] * d + c] += ps[r * d + c];
    });
  });
}

}  // namespace gf::cpu
