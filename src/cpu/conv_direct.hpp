#pragma once
// Direct convolution for the shapes where im2col + GEMM wastes its effort:
// few output channels or few input channels with a large kernel over a large
// image, such as the 9x9 first and last layers of a style network,
// Conv(3, 32, k9) and Conv(32, 3, k9) at 512x512. There the GEMM's tiles are
// mostly empty (3 output channels against a 14-row tile) and im2col writes
// C_in * 81 copies of every pixel (2.7 GB for the last layer) only for the
// GEMM to read them once.
//
// Instead, each output row is computed in register blocks of OB output
// channels by V vectors of pixels, and every (input channel, kernel tap) adds
// weight * (a shifted run of one input row) to the block: V loads and OB
// broadcasts feed OB * V fused multiply-adds, and the input rows a block
// reads stay in L1/L2 while the taps slide over them.
//
// It serves stride 1, no padding (callers pad first, e.g. by reflection),
// no dilation, one group, float32. cpu::conv2d_forward calls it when
// use_direct_conv2d() says so; the naive twin is cpu/reference/conv_reference.hpp.
#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"

namespace gf::cpu {

/// True when conv2d_direct_forward serves this convolution and beats im2col + GEMM on it.
/// x (N, C_in, H, W), w (C_out, C_in, kH, kW), y (N, C_out, H_out, W_out).
bool use_direct_conv2d(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p);

/// y (N, C_out, H - kH + 1, W - kW + 1) = conv2d(x (N, C_in, H, W), w (C_out, C_in, kH, kW)),
/// stride 1, no padding; all contiguous float32.
void conv2d_direct_forward(const Tensor& y, const Tensor& x, const Tensor& w);

}  // namespace gf::cpu
