#include "gf/nn/init.hpp"

#include <cmath>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/nn/conv.hpp"
#include "gf/nn/norm.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf::nn::init {
namespace {

// Overwrites t's values with `values` without recording (parameters require grad).
Tensor assign(const Tensor& t, const Tensor& values) {
  NoGradGuard no_grad;
  Tensor dst = t;
  dst.copy_(values);
  return t;
}

double fan(const Tensor& t, FanMode mode) {
  const auto [fan_in, fan_out] = fans(t);
  return static_cast<double>(mode == FanMode::kFanIn ? fan_in : fan_out);
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double negative_slope) {
  switch (nonlinearity) {
    case Nonlinearity::kLinear:
    case Nonlinearity::kSigmoid: return 1.0;
    case Nonlinearity::kTanh: return 5.0 / 3.0;
    case Nonlinearity::kReLU: return std::sqrt(2.0);
    case Nonlinearity::kLeakyReLU: return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  }
  return 1.0;
}

std::pair<std::int64_t, std::int64_t> fans(const Tensor& weight) {
  GF_CHECK(weight.dim() >= 2, "init: fan in/out needs a weight with at least 2 dims, got ", weight.shape());
  const std::int64_t receptive = weight.numel() / (weight.size(0) * weight.size(1));
  return {weight.size(1) * receptive, weight.size(0) * receptive};
}

Tensor uniform_(const Tensor& t, Rng& gen, double low, double high) {
  GF_CHECK(low <= high, "init::uniform_: low ", low, " > high ", high);
  return assign(t, rand(t.shape(), {t.dtype(), t.device()}, &gen) * (high - low) + low);
}

Tensor normal_(const Tensor& t, Rng& gen, double mean, double std) {
  GF_CHECK(std >= 0.0, "init::normal_: std must be >= 0, got ", std);
  return assign(t, randn(t.shape(), {t.dtype(), t.device()}, &gen) * std + mean);
}

Tensor constant_(const Tensor& t, double value) {
  NoGradGuard no_grad;
  Tensor dst = t;
  dst.fill_(value);
  return t;
}

Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(const Tensor& t, Rng& gen, double gain) {
  const auto [fan_in, fan_out] = fans(t);
  const double bound = std::sqrt(3.0) * gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(t, gen, -bound, bound);
}

Tensor xavier_normal_(const Tensor& t, Rng& gen, double gain) {
  const auto [fan_in, fan_out] = fans(t);
  return normal_(t, gen, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_uniform_(const Tensor& t, Rng& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  const double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(fan(t, mode));
  return uniform_(t, gen, -bound, bound);
}

Tensor kaiming_normal_(const Tensor& t, Rng& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  return normal_(t, gen, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan(t, mode)));
}

void default_layer_init_(const Tensor& weight, const Tensor& bias, Rng& gen) {
  kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(fan(weight, FanMode::kFanIn));
    uniform_(bias, gen, -bound, bound);
  }
}

void dcgan_init(Module& m, Rng& gen) {
  for (const auto& [name, sub] : m.named_modules()) {
    if (auto* conv = dynamic_cast<Conv2d*>(sub)) {
      normal_(conv->weight, gen, 0.0, 0.02);
    } else if (auto* convt = dynamic_cast<ConvTranspose2d*>(sub)) {
      normal_(convt->weight, gen, 0.0, 0.02);
    } else if (auto* bn = dynamic_cast<BatchNorm2d*>(sub); bn && bn->weight.defined()) {
      normal_(bn->weight, gen, 1.0, 0.02);
      zeros_(bn->bias);
    }
  }
}

void he_init(Module& m, Rng& gen) {
  for (const auto& [name, sub] : m.named_modules())
    if (auto* conv = dynamic_cast<Conv2d*>(sub)) {
      kaiming_normal_(conv->weight, gen, 0.0, FanMode::kFanIn, Nonlinearity::kReLU);
      if (conv->bias.defined()) zeros_(conv->bias);
    }
}

}  // namespace gf::nn::init
