#include "kernels/kernels.hpp"

#include <algorithm>
#include <cmath>

#include "cpu/loops.hpp"

namespace gf::cpu {
namespace {

// log(p) floored at -100, as PyTorch does, so p = 0 costs 100 instead of inf.
template <typename T>
T clamped_log(T p) {
  return std::max(std::log(p), T(-100));
}

}  // namespace

void bce(const Tensor& out, const Tensor& p, const Tensor& y) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "bce", [&] {
    using T = scalar_t;
    map_kernel<T, T, T>(
        out, [](T pv, T yv) { return -(yv * clamped_log(pv) + (T(1) - yv) * clamped_log(T(1) - pv)); }, p, y);
  });
}

void bce_backward_probs(const Tensor& gp, const Tensor& g, const Tensor& p, const Tensor& y) {
  GF_DTYPE_DISPATCH_FLOATING(gp.dtype(), "bce_backward", [&] {
    using T = scalar_t;
    // d/dp -(y log p + (1 - y) log(1 - p)) = (p - y) / (p (1 - p))
    map_kernel<T, T, T, T>(
        gp, [](T gv, T pv, T yv) { return gv * (pv - yv) / std::max(pv * (T(1) - pv), T(1e-12)); }, g, p, y);
  });
}

void bce_backward_target(const Tensor& gy, const Tensor& g, const Tensor& p) {
  GF_DTYPE_DISPATCH_FLOATING(gy.dtype(), "bce_backward", [&] {
    using T = scalar_t;
    // d/dy -(y log p + (1 - y) log(1 - p)) = log(1 - p) - log p
    map_kernel<T, T, T>(
        gy, [](T gv, T pv) { return gv * (clamped_log(T(1) - pv) - clamped_log(pv)); }, g, p);
  });
}

}  // namespace gf::cpu
