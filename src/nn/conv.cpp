#include "gf/nn/conv.hpp"

#include "gf/core/factory.hpp"
#include "gf/nn/init.hpp"

namespace gf::nn {
namespace {

void check_channels(const char* layer, std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel,
                    std::int64_t groups) {
  GF_CHECK(in_channels > 0 && out_channels > 0 && kernel > 0 && groups > 0, layer,
           ": channels, kernel_size and groups must be positive, got in_channels=", in_channels,
           ", out_channels=", out_channels, ", kernel_size=", kernel, ", groups=", groups);
  GF_CHECK(in_channels % groups == 0 && out_channels % groups == 0, layer, ": in_channels=", in_channels,
           " and out_channels=", out_channels, " must both be divisible by groups=", groups);
}

// The arguments PyTorch prints, defaults left out.
std::string conv_repr(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t pad,
                      std::int64_t output_pad, std::int64_t dilation, std::int64_t groups, bool bias) {
  std::string s = detail::concat(in, ", ", out, ", kernel_size=", kernel, ", stride=", stride);
  if (pad != 0) s += detail::concat(", padding=", pad);
  if (output_pad != 0) s += detail::concat(", output_padding=", output_pad);
  if (dilation != 1) s += detail::concat(", dilation=", dilation);
  if (groups != 1) s += detail::concat(", groups=", groups);
  if (!bias) s += ", bias=false";
  return s;
}

}  // namespace

Conv2d::Conv2d(const Options& o)
    : in_channels(o.in),
      out_channels(o.out),
      kernel_size(o.kernel),
      params(Conv2dParams::make(o.stride, o.padding, o.dilation, o.groups)) {
  check_channels("Conv2d", in_channels, out_channels, kernel_size, o.groups);
  weight = empty({out_channels, in_channels / o.groups, kernel_size, kernel_size});
  if (o.bias) bias = empty({out_channels});
  reset_parameters(o.gen ? *o.gen : default_rng());
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

void Conv2d::reset_parameters(Rng& gen) { init::default_layer_init_(weight, bias, gen); }

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight, bias, params); }

std::string Conv2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size, params.stride_h, params.pad_h, 0, params.dilation_h,
                   params.groups, bias.defined());
}

ConvTranspose2d::ConvTranspose2d(const Options& o)
    : in_channels(o.in),
      out_channels(o.out),
      kernel_size(o.kernel),
      params(ConvTranspose2dParams::make(o.stride, o.padding, o.output_padding, o.dilation, o.groups)) {
  check_channels("ConvTranspose2d", in_channels, out_channels, kernel_size, o.groups);
  weight = empty({in_channels, out_channels / o.groups, kernel_size, kernel_size});
  if (o.bias) bias = empty({out_channels});
  reset_parameters(o.gen ? *o.gen : default_rng());
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

void ConvTranspose2d::reset_parameters(Rng& gen) { init::default_layer_init_(weight, bias, gen); }

Tensor ConvTranspose2d::forward(const Tensor& x) { return conv_transpose2d(x, weight, bias, params); }

std::string ConvTranspose2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, kernel_size, params.stride_h, params.pad_h, params.output_pad_h,
                   params.dilation_h, params.groups, bias.defined());
}

}  // namespace gf::nn
