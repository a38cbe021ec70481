// CUDA twins of src/cpu/sort.cpp: rows sorted by CUB's segmented radix sort
// (one segment per row, stable), and the way back.
#include <cub/device/device_segmented_sort.cuh>

#include <climits>

#include "kernels/kernels.hpp"
#include "cuda/allocator.cuh"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// offsets[r] = r k for r = 0 .. rows: where every row (segment) starts and ends.
__global__ void row_offsets_kernel(std::int64_t* offsets, std::int64_t rows, std::int64_t k) {
  GF_CUDA_KERNEL_LOOP(r, rows + 1) { offsets[r] = r * k; }
}

// positions[i] = i mod k: each element's position in its row, the payload that
// comes out of the sort as the indices.
__global__ void positions_kernel(std::int64_t* positions, std::int64_t n, std::int64_t k) {
  GF_CUDA_KERNEL_LOOP(i, n) { positions[i] = i % k; }
}

// out[row(i), index[i]] = src[i]; every row of index is a permutation: no two threads write one element.
template <typename T>
__global__ void unsort_kernel(T* out, const T* src, const std::int64_t* index, std::int64_t n, std::int64_t k) {
  GF_CUDA_KERNEL_LOOP(i, n) { out[(i / k) * k + index[i]] = src[i]; }
}

}  // namespace

void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& x, bool descending) {
  const std::int64_t rows = x.size(0), k = x.size(1), n = rows * k;
  GF_CHECK(n <= INT_MAX && rows < INT_MAX, "sort: ", n, " elements in ", rows, " rows are more than CUB sorts at once");
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "sort_rows", [&] {
    if (n == 0) return;
    DeviceGuard guard(x);
    const int device = x.device().index;
    DeviceBuffer offsets(device, static_cast<std::size_t>(rows + 1) * sizeof(std::int64_t));
    DeviceBuffer positions(device, static_cast<std::size_t>(n) * sizeof(std::int64_t));
    auto* off = static_cast<std::int64_t*>(offsets.data());
    auto* pos = static_cast<std::int64_t*>(positions.data());
    row_offsets_kernel<<<blocks_for(rows + 1), kThreadsPerBlock, 0, stream(x)>>>(off, rows, k);
    positions_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream(x)>>>(pos, n, k);
    GF_CUDA_CHECK_LAUNCH("sort_rows");
    const auto run = [&](void* temp, std::size_t& temp_bytes) {
      return descending ? cub::DeviceSegmentedSort::StableSortPairsDescending(
                              temp, temp_bytes, x.data<scalar_t>(), values.data<scalar_t>(), pos,
                              indices.data<std::int64_t>(), static_cast<int>(n), static_cast<int>(rows), off, off + 1,
                              stream(x))
                        : cub::DeviceSegmentedSort::StableSortPairs(
                              temp, temp_bytes, x.data<scalar_t>(), values.data<scalar_t>(), pos,
                              indices.data<std::int64_t>(), static_cast<int>(n), static_cast<int>(rows), off, off + 1,
                              stream(x));
    };
    std::size_t temp_bytes = 0;
    GF_CUDA_CHECK(run(nullptr, temp_bytes));
    DeviceBuffer temp(device, temp_bytes);
    GF_CUDA_CHECK(run(temp.data(), temp_bytes));
  });
}

void unsort_rows(const Tensor& out, const Tensor& src, const Tensor& index) {
  const std::int64_t k = src.size(1), n = src.numel();
  GF_DTYPE_DISPATCH_ALL(src.dtype(), "unsort_rows", [&] {
    if (n == 0) return;
    DeviceGuard guard(out);
    unsort_kernel<scalar_t><<<blocks_for(n), kThreadsPerBlock, 0, stream(out)>>>(
        out.data<scalar_t>(), src.data<scalar_t>(), index.data<std::int64_t>(), n, k);
    GF_CUDA_CHECK_LAUNCH("unsort_rows");
  });
}

}  // namespace gf::cuda
