// CUDA binary cross-entropy on probabilities: twins of src/cpu/loss.cpp, with
// the same clamps (logs floored at -100, the gradient's denominator at 1e-12).
#include <cmath>

#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// log(p) floored at -100, as PyTorch does, so p = 0 costs 100 instead of inf.
// Written as the CPU's std::max(log p, -100): a NaN log stays NaN.
template <typename T>
__device__ T clamped_log(T p) {
  const T l = std::log(p);
  return l < T(-100) ? T(-100) : l;
}

// -(y log p + (1 - y) log(1 - p))
template <typename T>
struct Bce {
  __device__ T operator()(T p, T y) const { return -(y * clamped_log(p) + (T(1) - y) * clamped_log(T(1) - p)); }
};

// g (p - y) / max(p (1 - p), 1e-12)
template <typename T>
struct BceBackwardProbs {
  __device__ T operator()(T g, T p, T y) const {
    const T d = p * (T(1) - p);
    return g * (p - y) / (d < T(1e-12) ? T(1e-12) : d);
  }
};

// g (log(1 - p) - log p)
template <typename T>
struct BceBackwardTarget {
  __device__ T operator()(T g, T p) const { return g * (clamped_log(T(1) - p) - clamped_log(p)); }
};

}  // namespace

void bce(const Tensor& out, const Tensor& p, const Tensor& y) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "bce", [&] { gpu_map<scalar_t>(out, Bce<scalar_t>{}, p, y); });
}

void bce_backward_probs(const Tensor& gp, const Tensor& g, const Tensor& p, const Tensor& y) {
  GF_DTYPE_DISPATCH_FLOATING(gp.dtype(), "bce_backward", [&] { gpu_map<scalar_t>(gp, BceBackwardProbs<scalar_t>{}, g, p, y); });
}

void bce_backward_target(const Tensor& gy, const Tensor& g, const Tensor& p) {
  GF_DTYPE_DISPATCH_FLOATING(gy.dtype(), "bce_backward", [&] { gpu_map<scalar_t>(gy, BceBackwardTarget<scalar_t>{}, g, p); });
}

}  // namespace gf::cuda
