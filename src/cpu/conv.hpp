#pragma once
// CPU convolution kernels (NCHW), lowered to the GEMM through im2col/col2im.
// The three of them are everything conv2d and conv_transpose2d need, forward
// and backward: a transposed convolution's forward pass is conv2d's input
// gradient, its input gradient is a conv2d forward, and its weight gradient
// is conv2d's weight gradient with input and output swapped.
//
// Every spatial size is taken from the tensors, so the kernels also serve
// transposed convolutions whose output_padding leaves rows no window reaches.
// All tensors contiguous, one floating dtype; no bias (the ops add it, as with
// cuDNN). Naive twins: cpu/reference/conv_reference.hpp.
#include "gf/core/tensor.hpp"
#include "gf/ops/conv.hpp"

namespace gf::cpu {

/// y (N, C_out, H_out, W_out) = conv2d(x (N, C_in, H, W), w (C_out, C_in / groups, kH, kW)).
void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p);

/// gx (N, C_in, H, W) = d<gy, conv2d(x, w)>/dx for gy (N, C_out, H_out, W_out). Overwrites gx.
void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p);

/// gw (C_out, C_in / groups, kH, kW) = d<gy, conv2d(x, w)>/dw. Overwrites gw.
void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p);

}  // namespace gf::cpu
