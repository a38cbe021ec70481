#include "kernels/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "gf/core/parallel.hpp"

namespace gf::cpu {
namespace {

// Whether a goes before b: in ascending or descending order, NaN after every number.
template <typename T>
bool goes_before(T a, T b, bool descending) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return descending ? b < a : a < b;
}

}  // namespace

void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& x, bool descending) {
  const std::int64_t rows = x.size(0), k = x.size(1);
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "sort_rows", [&] {
    const scalar_t* in = x.data<scalar_t>();
    scalar_t* out = values.data<scalar_t>();
    std::int64_t* idx = indices.data<std::int64_t>();
    parallel_for(0, rows, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(k, 1)),
                 [&](std::int64_t begin, std::int64_t end) {
                   std::vector<std::int64_t> order(static_cast<std::size_t>(k));
                   for (std::int64_t r = begin; r < end; ++r) {
                     const scalar_t* row = in + r * k;
                     std::iota(order.begin(), order.end(), std::int64_t{0});
                     std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
                       return goes_before(row[a], row[b], descending);
                     });
                     for (std::int64_t j = 0; j < k; ++j) {
                       out[r * k + j] = row[order[static_cast<std::size_t>(j)]];
                       idx[r * k + j] = order[static_cast<std::size_t>(j)];
                     }
                   }
                 });
  });
}

void unsort_rows(const Tensor& out, const Tensor& src, const Tensor& index) {
  const std::int64_t rows = src.size(0), k = src.size(1);
  GF_DTYPE_DISPATCH_ALL(src.dtype(), "unsort_rows", [&] {
    scalar_t* o = out.data<scalar_t>();
    const scalar_t* s = src.data<scalar_t>();
    const std::int64_t* idx = index.data<std::int64_t>();
    parallel_for(0, rows * k, 1 << 14, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) o[(i / k) * k + idx[i]] = s[i];
    });
  });
}

}  // namespace gf::cpu
