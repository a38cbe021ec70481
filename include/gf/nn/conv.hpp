#pragma once
// Convolution layers over (N, C, H, W), square kernels.
#include <cstdint>

#include "gf/core/rng.hpp"
#include "gf/nn/module.hpp"
#include "gf/ops/conv.hpp"

namespace gf::nn {

/// Conv2d(1, 64, 4, 2, 1): (N, 1, 28, 28) -> (N, 64, 14, 14).
/// H_out = (H + 2 padding - dilation (kernel - 1) - 1) / stride + 1.
/// Default init like PyTorch: weight and bias uniform in +-1/sqrt(fan_in),
/// fan_in = in_channels / groups * kernel^2; `gen` null uses the default generator.
class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size, std::int64_t stride = 1,
         std::int64_t padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1, bool bias = true,
         Rng* gen = nullptr);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  void reset_parameters(Rng& gen);

  const std::int64_t in_channels, out_channels, kernel_size;
  const Conv2dParams params;
  Tensor weight;  // (out_channels, in_channels / groups, kernel, kernel)
  Tensor bias;    // (out_channels,) or undefined
};

/// ConvTranspose2d(100, 256, 7, 1, 0): (N, 100, 1, 1) -> (N, 256, 7, 7).
/// H_out = (H - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1.
/// Default init like PyTorch, whose fan_in for this weight layout is
/// out_channels / groups * kernel^2 (dim 1 of the weight).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
                  std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t output_padding = 0,
                  std::int64_t groups = 1, bool bias = true, std::int64_t dilation = 1, Rng* gen = nullptr);

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
