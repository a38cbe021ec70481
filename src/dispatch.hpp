#pragma once
// Picks the backend kernel by device. Kernels come in twins with the same
// signature, declared once for both backends (src/kernels/twins.inc):
// gf::cpu::name(...) in src/cpu and gf::cuda::name(...) in cuda/. (Picking by
// dtype is GF_DISPATCH_FLOATING / GF_DISPATCH_ALL in gf/core/dtype.hpp.)
//
//   GF_DISPATCH(x.device(), conv2d_forward, x, w, y, params);
//
// A build without the CUDA backend still compiles every call; asking it for a
// CUDA kernel throws a gf::Error that says how to get one.
#include <string>

#include "gf/core/device.hpp"
#include "gf/core/error.hpp"
#include "kernels/kernels.hpp"

#ifdef GF_WITH_CUDA

#define GF_DISPATCH(device, kernel, ...) \
  ((device).is_cpu() ? ::gf::cpu::kernel(__VA_ARGS__) : ::gf::cuda::kernel(__VA_ARGS__))

#else

namespace gf::detail {
inline std::string no_kernel_message(const char* kernel, Device device) {
  return concat(kernel, ": no kernel for device ", device,
                " (this build of ganforge has no CUDA backend; rebuild with -DGF_CUDA=ON)");
}
}  // namespace gf::detail

#define GF_DISPATCH(device, kernel, ...)                   \
  ((device).is_cpu() ? ::gf::cpu::kernel(__VA_ARGS__)    \
                     : throw ::gf::Error(::gf::detail::no_kernel_message(#kernel, (device))))

#endif
