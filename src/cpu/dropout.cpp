#include "kernels/kernels.hpp"

#include "cpu/loops.hpp"

namespace gf::cpu {

void dropout_mask(const Tensor& mask, const Tensor& uniform, double p) {
  GF_DTYPE_DISPATCH_FLOATING(mask.dtype(), "dropout_mask", [&] {
    const auto threshold = static_cast<scalar_t>(p);
    const auto scale = static_cast<scalar_t>(1.0 / (1.0 - p));
    map_kernel<scalar_t, scalar_t>(
        mask, [threshold, scale](scalar_t u) { return u >= threshold ? scale : scalar_t(0); }, uniform);
  });
}

}  // namespace gf::cpu
