#pragma once
// The backend-neutral kernel interface: every kernel twin, gf::cpu::name in
// src/cpu/ and gf::cuda::name in cuda/, with one signature listed once in
// kernels/twins.inc, and kernels::Backend, one backend's kernels as a table of
// function pointers. The ops pick a backend's table by device
// (kernels_on(device) in src/dispatch.hpp) and call the twin by name:
//
//   kernels_on(x.device()).conv2d_forward(y, x, w, params);
//
// The backends include this header for their own declarations and never each
// other. No CUDA type appears here, so src/ compiles with the plain C++ compiler.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"

#define GF_KERNEL_TWIN(name, params) void name params;
namespace gf::cpu {
#include "kernels/twins.inc"
}  // namespace gf::cpu

namespace gf::cuda {
#include "kernels/twins.inc"
}  // namespace gf::cuda
#undef GF_KERNEL_TWIN

namespace gf::kernels {

/// One backend's kernels: a member per twin, named as the twin, pointing at
/// that backend's definition.
struct Backend {
#define GF_KERNEL_TWIN(name, params) void(*name) params;
#include "kernels/twins.inc"
#undef GF_KERNEL_TWIN
};

/// The CPU backend's table (src/cpu/backend.cpp).
extern const Backend cpu_backend;
/// The CUDA backend's table (cuda/backend.cu), only in a build with CUDA.
extern const Backend cuda_backend;

}  // namespace gf::kernels
