#pragma once
// 2-D convolution and transposed convolution (NCHW).
#include <cstdint>

#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"  // Conv2dParams

namespace gf {

/// x (N, C_in, H, W), weight (C_out, C_in/groups, kH, kW), bias (C_out,) or undefined
/// -> (N, C_out, H_out, W_out), H_out = (H + 2 pad - dilation (kH - 1) - 1) / stride + 1.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Conv2dParams p = {});

struct ConvTranspose2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t output_pad_h = 0, output_pad_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  /// Square shorthand, in Conv2dParams::make's order with the output padding
  /// after the padding: make(stride, pad, output_pad, dilation, groups).
  static ConvTranspose2dParams make(std::int64_t stride, std::int64_t pad = 0, std::int64_t output_pad = 0,
                                    std::int64_t dilation = 1, std::int64_t groups = 1) {
    return {stride, stride, pad, pad, output_pad, output_pad, dilation, dilation, groups};
  }
};

/// The adjoint (gradient w.r.t. input) of conv2d: x (N, C_in, H, W),
/// weight (C_in, C_out/groups, kH, kW), bias (C_out,) or undefined ->
/// (N, C_out, H_out, W_out), H_out = (H - 1) stride - 2 pad + dilation (kH - 1) + output_pad + 1.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        ConvTranspose2dParams p = {});

/// conv2d's weight gradient as an op of its own: the input x (N, C_in, H, W)
/// and the output gradient g (N, C_out, H_out, W_out) of conv2d(x, w, p) ->
/// d<g, conv2d(x, w)>/dw, shaped (C_out, C_in / groups, kernel_h, kernel_w).
/// It is bilinear in x and g, and its backward is written with conv2d and
/// conv_transpose2d, so a gradient computed through it can be differentiated
/// again (double backward: WGAN-GP, R1; docs/autograd.md).
Tensor conv2d_weight_grad(const Tensor& x, const Tensor& grad_output, std::int64_t kernel_h, std::int64_t kernel_w,
                          Conv2dParams p = {});

/// The transposed convolution that computes conv2d's input gradient: conv2d's
/// stride, padding, dilation and groups, with the output_padding that brings
/// its output back to the input's size (h, w) from the conv output (h_out, w_out).
ConvTranspose2dParams conv2d_input_grad_params(Conv2dParams p, std::int64_t h, std::int64_t w, std::int64_t h_out,
                                               std::int64_t w_out, std::int64_t kernel_h, std::int64_t kernel_w);

}  // namespace gf
