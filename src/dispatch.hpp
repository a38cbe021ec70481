#pragma once
// Picks the backend kernel for a device. Kernels come in twins with the same
// signature: gf::cpu::name(...) in src/cpu and gf::cuda::name(...) in cuda/.
//
//   GF_DISPATCH(x.device(), conv2d_forward, x, w, y, params);
#include <string>

#include "gf/core/device.hpp"
#include "gf/core/error.hpp"

namespace gf::detail {
inline std::string no_kernel_message(const char* kernel, Device device) {
  return concat(kernel, ": no kernel for device ", device,
                " (this build of ganforge has no CUDA backend; rebuild with -DGF_CUDA=ON)");
}
}  // namespace gf::detail

#define GF_DISPATCH(device, kernel, ...)                   \
  ((device).is_cpu() ? ::gf::cpu::kernel(__VA_ARGS__)    \
                     : throw ::gf::Error(::gf::detail::no_kernel_message(#kernel, (device))))
