#pragma once
// Walking the generator's latent space.
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::models {

/// Spherical linear interpolation between latent vectors a and b (nz,):
///   slerp(a, b, t) = sin((1 - t) w) / sin w * a + sin(t w) / sin w * b,
///   w = the angle between a and b.
/// Gaussian latents concentrate near a sphere, so moving along the great
/// circle keeps every point typical, where a straight line would pass through
/// the improbable low-norm middle (White 2016, "Sampling Generative Networks").
/// Falls back to linear interpolation when a and b are (anti)parallel.
Tensor slerp(const Tensor& a, const Tensor& b, double t);

/// `steps` points from a to b inclusive, stacked: (steps, nz).
Tensor slerp_path(const Tensor& a, const Tensor& b, std::int64_t steps);

}  // namespace gf::models
