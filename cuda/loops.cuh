#pragma once
// The launch machinery shared by the hand-written CUDA kernels.
//
// Elementwise kernels see K operands (the output first) over one common shape,
// each with its own strides (0 where an input is broadcast). The host merges
// dims that are contiguous for every operand (kernels::coalesce, shared with the
// CPU loops), so the usual contiguous case becomes one dim and each thread's
// offset is its linear index; otherwise a thread turns its linear index into
// per-operand offsets with at most kMaxDims divisions.
//
//   gpu_map<float>(out, [] __device__(float a, float b) { return a + b; }, a, b);
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/layout.hpp"
#include "cuda/check.cuh"
#include "cuda/context.cuh"
#include "gf/core/tensor.hpp"

namespace gf::cuda {

inline constexpr int kThreadsPerBlock = 256;
inline constexpr int kMaxDims = 8;

/// Blocks for a grid-stride loop over n items: enough to fill the GPU, capped
/// so huge tensors loop instead of launching millions of blocks.
inline unsigned int blocks_for(std::int64_t n) {
  const std::int64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned int>(std::max<std::int64_t>(1, std::min<std::int64_t>(blocks, 65536)));
}

/// Shape and per-operand strides of K operands, passed to a kernel by value.
template <int K>
struct StridedIndexer {
  int ndim = 1;
  std::int64_t sizes[kMaxDims] = {};
  std::int64_t strides[K][kMaxDims] = {};

  /// Element offsets of linear index `i` (row-major over `sizes`, i < numel)
  /// in each operand. What is left of i after the inner dims is dim 0's index
  /// itself, so a single (merged) dim costs no division at all.
  __host__ __device__ void offsets(std::int64_t i, std::int64_t (&off)[K]) const {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = ndim - 1; d > 0; --d) {
      const std::int64_t idx = i % sizes[d];
      i /= sizes[d];
      for (int k = 0; k < K; ++k) off[k] += idx * strides[k][d];
    }
    for (int k = 0; k < K; ++k) off[k] += i * strides[k][0];
  }
};

/// The indexer of `operands` (the first defines the shape; the others are
/// broadcast to it), after merging contiguous dims.
template <std::size_t K>
StridedIndexer<static_cast<int>(K)> make_indexer(const std::array<const Tensor*, K>& operands) {
  const Shape& shape = operands[0]->shape();
  std::array<Shape, K> strides;
  for (std::size_t k = 0; k < K; ++k) strides[k] = kernels::broadcast_strides(*operands[k], shape);
  const kernels::StridedLayout<K> layout = kernels::coalesce<K>(shape, strides);
  GF_CHECK(layout.shape.dim() <= kMaxDims, "cuda: tensors of more than ", kMaxDims,
           " non-mergeable dims are not supported, got shape ", shape);
  StridedIndexer<static_cast<int>(K)> ix;
  ix.ndim = static_cast<int>(layout.shape.dim());
  for (int d = 0; d < ix.ndim; ++d) {
    ix.sizes[d] = layout.shape[static_cast<std::size_t>(d)];
    for (std::size_t k = 0; k < K; ++k) ix.strides[k][d] = layout.strides[k][static_cast<std::size_t>(d)];
  }
  return ix;
}

/// Grid-stride loop: `body(i)` for every i in [0, n).
#define GF_CUDA_KERNEL_LOOP(i, n)                                                                  \
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// The input pointers of a map kernel, by value (a __global__ template may have
// only one parameter pack, so the inputs travel as an array, not a pack).
template <typename T, int N>
struct InputPointers {
  const T* p[N > 0 ? N : 1];
};

// f(inputs at their offsets): input I is read at off[I + 1] (off[0] is the output's).
template <typename T, typename F, int K, std::size_t... I>
__device__ T apply_at(const F& f, const InputPointers<T, K - 1>& in, const std::int64_t (&off)[K],
                      std::index_sequence<I...>) {
  return f(in.p[I][off[I + 1]]...);
}

template <typename T, typename F, int K>
__global__ void map_kernel(std::int64_t n, StridedIndexer<K> ix, F f, T* out, InputPointers<T, K - 1> in) {
  GF_CUDA_KERNEL_LOOP(i, n) {
    std::int64_t off[K];
    ix.offsets(i, off);
    out[off[0]] = apply_at<T, F, K>(f, in, off, std::make_index_sequence<K - 1>{});
  }
}

/// out = f(inputs...) elementwise, inputs broadcast to out's shape. Every
/// operand holds T; out may be a strided view. Runs on out's GPU and stream.
template <typename T, typename F, typename... Inputs>
void gpu_map(const Tensor& out, F f, const Inputs&... inputs) {
  const std::int64_t n = out.numel();
  if (n == 0) return;
  constexpr std::size_t K = 1 + sizeof...(Inputs);
  const auto ix = make_indexer<K>({&out, &inputs...});
  DeviceGuard guard(out);
  const InputPointers<T, static_cast<int>(K) - 1> in{{inputs.template data<T>()...}};
  map_kernel<T><<<blocks_for(n), kThreadsPerBlock, 0, stream(out)>>>(n, ix, f, out.data<T>(), in);
  GF_CUDA_CHECK_LAUNCH("gpu_map");
}

}  // namespace gf::cuda
