#pragma once
// CPU kernels for padding the last two dims of a stack of planes.
#include <cstdint>

#include "gf/core/tensor.hpp"
#include "gf/ops/shape.hpp"

namespace gf::cpu {

/// x (..., H, W) contiguous -> out (..., H + top + bottom, W + left + right):
/// out[..., i, j] = x[..., i - top, j - left], where indices outside the input
/// read zero (kZero) or their mirror image across the edge (kReflect).
void pad2d(const Tensor& out, const Tensor& x, std::int64_t left, std::int64_t top, PadMode mode);

/// The adjoint of pad2d: gx (..., H, W), zero-filled by the caller, receives
/// every element of g (..., Ho, Wo) at the input position it was read from,
/// so under kReflect an input element collects its own and its mirrors' gradients.
void pad2d_backward(const Tensor& gx, const Tensor& g, std::int64_t left, std::int64_t top, PadMode mode);

}  // namespace gf::cpu
