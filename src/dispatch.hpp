#pragma once
// Picks the backend by device: kernels_on(device) is the table of the kernels
// of the backend that owns `device` (kernels::Backend, src/kernels/kernels.hpp),
// and the op calls the twin by name:
//
//   kernels_on(x.device()).conv2d_forward(y, x, w, params);
//
// (Picking by dtype, inside a kernel, is GF_DTYPE_DISPATCH_FLOATING / GF_DTYPE_DISPATCH_ALL
// in gf/core/dtype.hpp.) A build without the CUDA backend still compiles every
// call; asking it for a CUDA device throws a gf::Error that says how to get one.
#include "gf/core/device.hpp"
#include "kernels/kernels.hpp"

namespace gf {

/// The kernels of `device`'s backend; throws for a CUDA device in a build without CUDA.
const kernels::Backend& kernels_on(Device device);

}  // namespace gf
