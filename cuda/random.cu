// Random tensors generated on the GPU: twins of src/cpu/random.cpp. One thread
// per Philox block, with the same block-to-element layout as the CPU, so
// randn/rand on a GPU give the CPU's numbers for the same generator state (up
// to the last bit of the GPU's log, sqrt, cos and sin).
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"
#include "gf/core/philox.hpp"

namespace gf::cuda {
namespace {

// Block b fills elements 4b..4b+3 of p (n elements).
template <typename T>
__global__ void uniform_kernel(std::int64_t n, std::uint64_t seed, std::uint64_t first_block, T* p) {
  GF_CUDA_KERNEL_LOOP(b, (n + 3) / 4) {
    const PhiloxBlock w = philox4x32(seed, first_block + static_cast<std::uint64_t>(b));
    for (int j = 0; j < 4 && 4 * b + j < n; ++j) p[4 * b + j] = static_cast<T>(philox_uniform(w.word[j]));
  }
}

// Block b fills elements 2b and 2b+1 of p (n elements).
template <typename T>
__global__ void normal_kernel(std::int64_t n, std::uint64_t seed, std::uint64_t first_block, T* p) {
  GF_CUDA_KERNEL_LOOP(b, (n + 1) / 2) {
    const NormalPair z = philox_normal_pair(philox4x32(seed, first_block + static_cast<std::uint64_t>(b)));
    p[2 * b] = static_cast<T>(z.first);
    if (2 * b + 1 < n) p[2 * b + 1] = static_cast<T>(z.second);
  }
}

}  // namespace

void random_uniform(const Tensor& t, std::uint64_t seed, std::uint64_t first_block) {
  GF_CHECK(t.is_contiguous(), "random_uniform: expected a contiguous tensor, got strides ", t.strides());
  const std::int64_t n = t.numel();
  GF_DTYPE_DISPATCH_FLOATING(t.dtype(), "rand", [&] {
    if (n == 0) return;
    DeviceGuard guard(t);
    uniform_kernel<scalar_t>
        <<<blocks_for((n + 3) / 4), kThreadsPerBlock, 0, stream(t)>>>(n, seed, first_block, t.data<scalar_t>());
    GF_CUDA_CHECK_LAUNCH("random_uniform");
  });
}

void random_normal(const Tensor& t, std::uint64_t seed, std::uint64_t first_block) {
  GF_CHECK(t.is_contiguous(), "random_normal: expected a contiguous tensor, got strides ", t.strides());
  const std::int64_t n = t.numel();
  GF_DTYPE_DISPATCH_FLOATING(t.dtype(), "randn", [&] {
    if (n == 0) return;
    DeviceGuard guard(t);
    normal_kernel<scalar_t>
        <<<blocks_for((n + 1) / 2), kThreadsPerBlock, 0, stream(t)>>>(n, seed, first_block, t.data<scalar_t>());
    GF_CUDA_CHECK_LAUNCH("random_normal");
  });
}

}  // namespace gf::cuda
