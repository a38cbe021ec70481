#pragma once
// The backend-neutral kernel interface: every kernel twin, gf::cpu::name in
// src/cpu/ and gf::cuda::name in cuda/, with one signature declared once in
// kernels/twins.inc. The ops pick a twin by device (src/dispatch.hpp); the
// backends include this header for their own declarations and never each other.
// No CUDA type appears here, so src/ compiles with the plain C++ compiler.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"

namespace gf::cpu {
#include "kernels/twins.inc"
}  // namespace gf::cpu

namespace gf::cuda {
#include "kernels/twins.inc"
}  // namespace gf::cuda
