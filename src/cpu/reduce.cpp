#include "kernels/kernels.hpp"

#include <algorithm>

#include "cpu/loops.hpp"
#include "kernels/layout.hpp"

namespace gf::cpu {

using kernels::ReduceLayout;
using kernels::split_dims;

namespace {

// Element offset of the i-th element (row-major) of a strided layout.
inline std::int64_t offset_of(const StridedLayout<1>& L, std::int64_t i) {
  std::int64_t off = 0;
  for (std::int64_t d = L.shape.dim() - 1; d >= 0; --d) {
    off += (i % L.shape[d]) * L.strides[0][d];
    i /= L.shape[d];
  }
  return off;
}

// Calls visit(offset) for every element of the layout, innermost dim in a tight loop.
template <typename Visit>
void for_each_offset(const StridedLayout<1>& L, std::int64_t base, Visit&& visit) {
  const std::int64_t inner = L.shape.back(), st = L.strides[0].back();
  const std::int64_t rows = L.shape.numel() / inner;
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t row_base = base + (L.shape.dim() > 1 ? offset_of(L, r * inner) : 0);
    for (std::int64_t i = 0; i < inner; ++i) visit(row_base + i * st);
  }
}

}  // namespace

void sum_dims(const Tensor& out, const Tensor& x, const std::vector<std::int64_t>& dims) {
  const ReduceLayout L = split_dims(x, dims);
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "sum", [&] {
    using Acc = std::conditional_t<std::is_floating_point_v<scalar_t>, double, std::int64_t>;
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* po = out.data<scalar_t>();
    parallel_for(0, L.outer, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(L.inner, 1)),
                 [&](std::int64_t o0, std::int64_t o1) {
                   for (std::int64_t o = o0; o < o1; ++o) {
                     Acc acc = 0;
                     for_each_offset(L.reduced, offset_of(L.kept, o), [&](std::int64_t off) { acc += px[off]; });
                     po[o] = static_cast<scalar_t>(acc);
                   }
                 });
  });
}

void max_dim(const Tensor& values, const Tensor& indices, const Tensor& x, std::int64_t dim) {
  const ReduceLayout L = split_dims(x, {dim});
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "max", [&] {
    const scalar_t* px = x.data<scalar_t>();
    scalar_t* pv = values.data<scalar_t>();
    std::int64_t* pi = indices.data<std::int64_t>();
    const std::int64_t st = x.stride(dim);
    parallel_for(0, L.outer, 1024, [&](std::int64_t o0, std::int64_t o1) {
      for (std::int64_t o = o0; o < o1; ++o) {
        const scalar_t* p = px + offset_of(L.kept, o);
        std::int64_t best = 0;
        for (std::int64_t i = 1; i < L.inner; ++i)
          if (p[i * st] > p[best * st] || (p[i * st] != p[i * st] && p[best * st] == p[best * st])) best = i;  // NaN wins
        pv[o] = p[best * st];
        pi[o] = best;
      }
    });
  });
}

}  // namespace gf::cpu
