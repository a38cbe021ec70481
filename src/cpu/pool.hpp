#pragma once
// CPU kernels for pooling and upsampling. Every tensor is contiguous
// (N, C, H, W); each (n, c) plane is independent, so the kernels split the
// N*C planes over threads and never share an output element between threads.
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// Sizes of one (N, C, H, W) input and its (N, C, Ho, Wo) output: `count` =
/// N*C planes of (h, w) inputs and (ho, wo) outputs (shared with the CUDA twins).
struct Planes {
  std::int64_t count, h, w, ho, wo;
};

inline Planes planes_of(const Tensor& in, const Tensor& out) {
  return {in.size(0) * in.size(1), in.size(2), in.size(3), out.size(2), out.size(3)};
}

/// Square windows of `kernel` x `kernel` every `stride` pixels, over the input
/// padded by `padding` on each side.
struct Pool2dParams {
  std::int64_t kernel = 1, stride = 1, padding = 0;
};

/// out, indices (N, C, Ho, Wo) <- x (N, C, H, W): each window's maximum and the
/// position h * W + w in its plane of its first maximum (padding never wins).
void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x, Pool2dParams p);
/// gx (N, C, H, W), zero-filled by the caller: each g (N, C, Ho, Wo) element
/// goes to the input position `indices` names.
void max_pool2d_backward(const Tensor& gx, const Tensor& g, const Tensor& indices);

/// out (N, C, Ho, Wo) <- x (N, C, H, W): each window's sum over kernel^2
/// (padding counts as zeros in the divisor).
void avg_pool2d(const Tensor& out, const Tensor& x, Pool2dParams p);
/// gx (N, C, H, W), zero-filled: every input pixel of a window gets g / kernel^2.
void avg_pool2d_backward(const Tensor& gx, const Tensor& g, Pool2dParams p);

/// out (N, C, s H, s W): out[i][j] = x[i / s][j / s].
void upsample_nearest2d(const Tensor& out, const Tensor& x, std::int64_t scale);
/// gx (N, C, H, W) = sum of g (N, C, s H, s W) over each s x s block.
void upsample_nearest2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale);

/// out (N, C, s H, s W): bilinear interpolation with align_corners=false,
/// i.e. output pixel i samples input coordinate max((i + 0.5) / s - 0.5, 0).
void upsample_bilinear2d(const Tensor& out, const Tensor& x, std::int64_t scale);
/// gx (N, C, H, W), zero-filled: each g element is scattered to the (up to)
/// four input pixels it interpolated, times their weights.
void upsample_bilinear2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale);

}  // namespace gf::cpu
