// CUDA copy and fill: the kernels behind contiguous(), clone(), to(dtype),
// copy_() and fill_() on the GPU. Twins of src/cpu/copy.cpp.
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// dst[...] = convert(src[...]); the two dtypes may differ, so this is not a
// gpu_map (which reads every operand as one type).
template <typename To, typename From>
__global__ void convert_kernel(std::int64_t n, StridedIndexer<2> ix, To* dst, const From* src) {
  GF_CUDA_KERNEL_LOOP(i, n) {
    std::int64_t off[2];
    ix.offsets(i, off);
    dst[off[0]] = static_cast<To>(src[off[1]]);
  }
}

}  // namespace

void copy(const Tensor& dst, const Tensor& src) {
  const std::int64_t n = dst.numel();
  if (n == 0) return;
  const auto ix = make_indexer<2>({&dst, &src});
  DeviceGuard guard(dst);
  GF_DTYPE_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using To = scalar_t;
    GF_DTYPE_DISPATCH_ALL(src.dtype(), "copy", [&] {
      convert_kernel<To, scalar_t>
          <<<blocks_for(n), kThreadsPerBlock, 0, stream(dst)>>>(n, ix, dst.data<To>(), src.data<scalar_t>());
      GF_CUDA_CHECK_LAUNCH("copy");
    });
  });
}

void fill(const Tensor& dst, double value) {
  GF_DTYPE_DISPATCH_ALL(dst.dtype(), "fill", [&] {
    const auto v = static_cast<scalar_t>(value);
    gpu_map<scalar_t>(dst, [v] __device__() { return v; });
  });
}

}  // namespace gf::cuda
