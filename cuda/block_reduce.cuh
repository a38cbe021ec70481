#pragma once
// Deterministic sums inside one thread block, for the reduction kernels
// (cuda/reduce.cu, cuda/norm.cu).
//
// Each thread first sums its own elements in a fixed order (a grid-stride
// loop: thread t takes t, t + blockDim.x, ...); the block then adds the
// per-thread sums pairwise in a fixed tree. No atomics and no dependence on
// scheduling, so the same input gives the same bits on every run.
#include <cstdint>

#include "cuda/loops.cuh"

namespace gf::cuda {

/// Sum of every thread's `v`, returned to all threads of the block. `shared`
/// holds kThreadsPerBlock values; the block has kThreadsPerBlock threads (a
/// power of two). Every thread of the block must call it.
template <typename T>
__device__ T block_sum(T v, T* shared) {
  static_assert((kThreadsPerBlock & (kThreadsPerBlock - 1)) == 0, "the tree needs a power-of-two block");
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int half = kThreadsPerBlock / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  const T total = shared[0];
  __syncthreads();  // everyone has read the total before `shared` is reused
  return total;
}

}  // namespace gf::cuda
