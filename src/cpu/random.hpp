#pragma once
// CPU kernels filling a tensor from the Philox stream of a gf::Rng.
//
// Block b of the stream (counter first_block + b) gives elements 4b..4b+3 of
// a uniform tensor and elements 2b, 2b+1 of a normal one, so every element is
// a pure function of (seed, counter, its index): the same numbers at any
// thread count and on the GPU (cuda/random.cu computes the same layout).
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// t (contiguous, floating) <- uniform in [0, 1), 24 random bits each;
/// uses ceil(numel / 4) blocks from first_block on.
void random_uniform(const Tensor& t, std::uint64_t seed, std::uint64_t first_block);

/// t (contiguous, floating) <- standard normal (Box-Muller); uses
/// ceil(numel / 2) blocks from first_block on.
void random_normal(const Tensor& t, std::uint64_t seed, std::uint64_t first_block);

}  // namespace gf::cpu
