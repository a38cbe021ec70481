// CUDA dropout mask: twin of src/cpu/dropout.cpp.
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// u >= p ? 1 / (1 - p) : 0
template <typename T>
struct KeepOrDrop {
  T threshold, scale;
  __device__ T operator()(T u) const { return u >= threshold ? scale : T(0); }
};

}  // namespace

void dropout_mask(const Tensor& mask, const Tensor& uniform, double p) {
  GF_DTYPE_DISPATCH_FLOATING(mask.dtype(), "dropout_mask", [&] {
    const KeepOrDrop<scalar_t> f{static_cast<scalar_t>(p), static_cast<scalar_t>(1.0 / (1.0 - p))};
    gpu_map<scalar_t>(mask, f, uniform);
  });
}

}  // namespace gf::cuda
