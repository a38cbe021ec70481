#pragma once
// Weight initialisation. Each function overwrites a tensor's values in place
// (without recording for autograd) and returns it; random ones draw from an
// explicit generator, so a seeded run starts from the same weights.
//
//   gf::Rng gen(42);
//   gf::nn::init::kaiming_normal_(conv->weight, gen, 0.2, FanMode::kFanIn, Nonlinearity::kLeakyReLU);
//   gf::nn::init::dcgan_init(*generator, gen);
#include <cstdint>
#include <utility>

#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn::init {

enum class FanMode { kFanIn, kFanOut };
enum class Nonlinearity { kLinear, kSigmoid, kTanh, kReLU, kLeakyReLU };

/// The factor that keeps activations' variance steady through a layer:
/// 1 (linear, sigmoid), 5/3 (tanh), sqrt(2) (ReLU), sqrt(2 / (1 + slope^2)) (leaky ReLU).
double calculate_gain(Nonlinearity nonlinearity, double negative_slope = 0.01);

/// (fan_in, fan_out) of a weight (out, in, k...): in k... and out k... .
/// Needs at least 2 dims.
std::pair<std::int64_t, std::int64_t> fans(const Tensor& weight);

Tensor uniform_(const Tensor& t, Rng& gen, double low = 0.0, double high = 1.0);
Tensor normal_(const Tensor& t, Rng& gen, double mean = 0.0, double std = 1.0);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);

/// Glorot & Bengio: std = gain sqrt(2 / (fan_in + fan_out)); uniform in
/// +-sqrt(3) std, or normal with that std.
Tensor xavier_uniform_(const Tensor& t, Rng& gen, double gain = 1.0);
Tensor xavier_normal_(const Tensor& t, Rng& gen, double gain = 1.0);

/// He et al.: std = gain / sqrt(fan), gain from `nonlinearity` with slope `a`
/// (used by leaky ReLU); uniform in +-sqrt(3) std, or normal with that std.
Tensor kaiming_uniform_(const Tensor& t, Rng& gen, double a = 0.0, FanMode mode = FanMode::kFanIn,
                        Nonlinearity nonlinearity = Nonlinearity::kLeakyReLU);
Tensor kaiming_normal_(const Tensor& t, Rng& gen, double a = 0.0, FanMode mode = FanMode::kFanIn,
                       Nonlinearity nonlinearity = Nonlinearity::kLeakyReLU);

/// PyTorch's default for Linear and convolution layers: weight
/// kaiming_uniform_ with a = sqrt(5), i.e. uniform in +-1/sqrt(fan_in), and
/// bias (if defined) uniform in the same range.
void default_layer_init_(const Tensor& weight, const Tensor& bias, Rng& gen);

/// Radford et al.'s DCGAN init over every module in `m`: Conv2d and
/// ConvTranspose2d weights N(0, 0.02) (biases untouched, DCGAN has none),
/// BatchNorm2d gamma N(1, 0.02) and beta 0.
void dcgan_init(Module& m, Rng& gen);

/// He et al. 2015 over every Conv2d in `m`, for stacks of conv + ReLU without
/// normalisation: weights N(0, 2 / fan_in), zero biases, so the activations
/// keep their scale from layer to layer (the default init shrinks them about
/// 6x per layer: a dozen layers in, nothing is left to learn from).
void he_init(Module& m, Rng& gen);

}  // namespace gf::nn::init
