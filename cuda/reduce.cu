// CUDA reductions: twins of src/cpu/reduce.cpp.
//
// x's dims split into kept dims (one output element per combination) and
// reduced dims, each group merged where contiguous, as on the CPU. Every
// output element is reduced by one thread, or for long reductions by one
// block (cuda/block_reduce.cuh), always in the same order: sums are
// deterministic without any switch, and accumulate in double (int64 for
// int64) like the CPU.
#include <algorithm>
#include <type_traits>

#include "kernels/kernels.hpp"
#include "cuda/block_reduce.cuh"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// Reductions at most this long run one per thread; longer ones one per block.
constexpr std::int64_t kThreadReduction = 32;

/// Element offset of the i-th element (row-major) of a one-operand layout.
__device__ std::int64_t offset_of(const StridedIndexer<1>& layout, std::int64_t i) {
  std::int64_t off[1];
  layout.offsets(i, off);
  return off[0];
}

StridedIndexer<1> to_indexer(const kernels::StridedLayout<1>& layout) {
  GF_CHECK(layout.shape.dim() <= kMaxDims, "cuda reduction: more than ", kMaxDims,
           " non-mergeable dims are not supported, got ", layout.shape);
  StridedIndexer<1> ix;
  ix.ndim = static_cast<int>(layout.shape.dim());
  for (int d = 0; d < ix.ndim; ++d) {
    ix.sizes[d] = layout.shape[static_cast<std::size_t>(d)];
    ix.strides[0][d] = layout.strides[0][static_cast<std::size_t>(d)];
  }
  return ix;
}

// kernels::split_dims's layout as indexers a kernel can take by value.
struct ReduceLayout {
  StridedIndexer<1> kept, reduced;
  std::int64_t outer = 1, inner = 1;
};

ReduceLayout split_dims(const Tensor& x, const std::vector<std::int64_t>& dims) {
  const kernels::ReduceLayout split = kernels::split_dims(x, dims);
  return {to_indexer(split.kept), to_indexer(split.reduced), split.outer, split.inner};
}

// One thread per output element, summing its inner elements in order.
template <typename T, typename Acc>
__global__ void sum_per_thread_kernel(ReduceLayout L, const T* x, T* out) {
  GF_CUDA_KERNEL_LOOP(o, L.outer) {
    const T* base = x + offset_of(L.kept, o);
    Acc acc = 0;
    for (std::int64_t i = 0; i < L.inner; ++i) acc += static_cast<Acc>(base[offset_of(L.reduced, i)]);
    out[o] = static_cast<T>(acc);
  }
}

// One block per output element: each thread sums a strided share (adjacent
// threads read adjacent elements), then the block adds the shares.
template <typename T, typename Acc>
__global__ void sum_per_block_kernel(ReduceLayout L, const T* x, T* out) {
  __shared__ Acc shared[kThreadsPerBlock];
  for (std::int64_t o = blockIdx.x; o < L.outer; o += gridDim.x) {
    const T* base = x + offset_of(L.kept, o);
    Acc acc = 0;
    for (std::int64_t i = threadIdx.x; i < L.inner; i += blockDim.x)
      acc += static_cast<Acc>(base[offset_of(L.reduced, i)]);
    acc = block_sum(acc, shared);
    if (threadIdx.x == 0) out[o] = static_cast<T>(acc);
  }
}

// One thread per output element; the first maximum wins, and a NaN beats
// every number (the first NaN), as on the CPU.
template <typename T>
__global__ void max_kernel(ReduceLayout L, std::int64_t stride, const T* x, T* values, std::int64_t* indices) {
  GF_CUDA_KERNEL_LOOP(o, L.outer) {
    const T* p = x + offset_of(L.kept, o);
    std::int64_t best = 0;
    for (std::int64_t i = 1; i < L.inner; ++i) {
      const T v = p[i * stride], b = p[best * stride];
      if (v > b || (v != v && b == b)) best = i;
    }
    values[o] = p[best * stride];
    indices[o] = best;
  }
}

}  // namespace

void sum_dims(const Tensor& out, const Tensor& x, const std::vector<std::int64_t>& dims) {
  const ReduceLayout L = split_dims(x, dims);
  if (L.outer == 0) return;
  DeviceGuard guard(out);
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "sum", [&] {
    using Acc = std::conditional_t<std::is_floating_point_v<scalar_t>, double, std::int64_t>;
    if (L.inner <= kThreadReduction) {
      sum_per_thread_kernel<scalar_t, Acc>
          <<<blocks_for(L.outer), kThreadsPerBlock, 0, stream(out)>>>(L, x.data<scalar_t>(), out.data<scalar_t>());
    } else {
      const auto blocks = static_cast<unsigned int>(std::min<std::int64_t>(L.outer, 65536));
      sum_per_block_kernel<scalar_t, Acc>
          <<<blocks, kThreadsPerBlock, 0, stream(out)>>>(L, x.data<scalar_t>(), out.data<scalar_t>());
    }
    GF_CUDA_CHECK_LAUNCH("sum_dims");
  });
}

void max_dim(const Tensor& values, const Tensor& indices, const Tensor& x, std::int64_t dim) {
  const ReduceLayout L = split_dims(x, {dim});
  if (L.outer == 0) return;
  GF_CHECK(L.inner > 0, "max (cuda): dim ", dim, " of ", x.shape(), " is empty");
  DeviceGuard guard(values);
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "max", [&] {
    max_kernel<scalar_t><<<blocks_for(L.outer), kThreadsPerBlock, 0, stream(values)>>>(
        L, x.stride(dim), x.data<scalar_t>(), values.data<scalar_t>(), indices.data<std::int64_t>());
    GF_CUDA_CHECK_LAUNCH("max_dim");
  });
}

}  // namespace gf::cuda
