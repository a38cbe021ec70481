#pragma once
// Convolution layers over (N, C, H, W), square kernels.
#include <cstdint>

#include "gf/core/rng.hpp"
#include "gf/nn/module.hpp"
#include "gf/ops/conv.hpp"

namespace gf::nn {

// Both layers take their settings as an option struct with named fields, in
// one order: channels in and out, the (square) kernel's side, then stride,
// padding, [output padding], dilation, groups, bias, and the generator that
// draws the initial weights (null: the default generator). Fields left out
// keep PyTorch's defaults. Conv2dParams::make and ConvTranspose2dParams::make
// take their arguments in the same order.

/// Conv2d({.in = 1, .out = 64, .kernel = 4, .stride = 2, .padding = 1}):
/// (N, 1, 28, 28) -> (N, 64, 14, 14).
/// H_out = (H + 2 padding - dilation (kernel - 1) - 1) / stride + 1.
/// Default init like PyTorch: weight and bias uniform in +-1/sqrt(fan_in),
/// fan_in = in_channels / groups * kernel^2.
class Conv2d : public Module {
 public:
  struct Options {
    std::int64_t in = 0, out = 0, kernel = 0;
    std::int64_t stride = 1, padding = 0;
    std::int64_t dilation = 1, groups = 1;
    bool bias = true;
    Rng* gen = nullptr;
  };
  explicit Conv2d(const Options& options);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  void reset_parameters(Rng& gen);

  const std::int64_t in_channels, out_channels, kernel_size;
  const Conv2dParams params;
  Tensor weight;  // (out_channels, in_channels / groups, kernel, kernel)
  Tensor bias;    // (out_channels,) or undefined
};

/// ConvTranspose2d({.in = 100, .out = 256, .kernel = 7}): (N, 100, 1, 1) -> (N, 256, 7, 7).
/// H_out = (H - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1.
/// Default init like PyTorch, whose fan_in for this weight layout is
/// out_channels / groups * kernel^2 (dim 1 of the weight).
class ConvTranspose2d : public Module {
 public:
  struct Options {
    std::int64_t in = 0, out = 0, kernel = 0;
    std::int64_t stride = 1, padding = 0, output_padding = 0;
    std::int64_t dilation = 1, groups = 1;
    bool bias = true;
    Rng* gen = nullptr;
  };
  explicit ConvTranspose2d(const Options& options);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string extra_repr() const override;
  void reset_parameters(Rng& gen);

  const std::int64_t in_channels, out_channels, kernel_size;
  const ConvTranspose2dParams params;
  Tensor weight;  // (in_channels, out_channels / groups, kernel, kernel)
  Tensor bias;    // (out_channels,) or undefined
};

}  // namespace gf::nn
