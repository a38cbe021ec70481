#pragma once
// Dropout with an explicit generator, so a seeded run is reproducible.
#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"

namespace gf {

/// Training: zeroes each element with probability p and scales the rest by
/// 1 / (1 - p). Not training (or p == 0): returns x. `gen` null -> default generator.
Tensor dropout(const Tensor& x, double p, bool training, Rng* gen = nullptr);

}  // namespace gf
