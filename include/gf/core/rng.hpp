#pragma once
// Seedable, counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
//
// Counter-based means the i-th random block is a pure function of (seed, i):
// no hidden state beyond a counter, so the state is two integers that a
// checkpoint can save, and a GPU kernel can compute the same stream in
// parallel. Same seed, same build -> same numbers.
#include <array>
#include <cstdint>

namespace gf {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0x5eed) : seed_(seed) {}

  void manual_seed(std::uint64_t seed) {
    seed_ = seed;
    counter_ = 0;
    cached_ = 0;
  }
  std::uint64_t seed() const { return seed_; }

  /// The whole state: the seed, how many 4-word blocks were drawn, and how
  /// many words of the last block are still unused (so a restored generator
  /// continues exactly where the saved one stopped).
  struct State {
    std::uint64_t seed = 0;
    std::uint64_t counter = 0;
    std::uint64_t unused_words = 0;
  };
  State state() const { return {seed_, counter_, static_cast<std::uint64_t>(cached_)}; }
  void set_state(State s) {
    seed_ = s.seed;
    counter_ = s.counter;
    cached_ = static_cast<int>(s.unused_words % 5);
    if (cached_ > 0 && counter_ > 0) block_ = philox(seed_, counter_ - 1);
  }

  /// Four fresh 32-bit words.
  std::array<std::uint32_t, 4> next_block() { return philox(seed_, counter_++); }

  /// Reserves `blocks` consecutive blocks and returns the first counter, so a
  /// parallel kernel can call philox(seed(), first + i) for block i.
  std::uint64_t reserve(std::uint64_t blocks) {
    cached_ = 0;
    const std::uint64_t first = counter_;
    counter_ += blocks;
    return first;
  }

  std::uint32_t next_u32() {
    if (cached_ == 0) {
      block_ = next_block();
      cached_ = 4;
    }
    return block_[4 - cached_--];
  }
  /// Uniform in [0, 1) with 24 random bits (exact in float32).
  float uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform_double() {
    const std::uint64_t hi = next_u32() >> 5, lo = next_u32() >> 6;
    return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) * (1.0 / 9007199254740992.0);
  }
  /// Uniform integer in [0, n), n > 0 (rejection sampling, no modulo bias).
  std::uint64_t below(std::uint64_t n);

  /// Philox4x32 with 10 rounds: a 128-bit counter (here the 64-bit block index)
  /// and a 64-bit key (the seed) map to 128 random bits (gf::philox4x32 in
  /// gf/core/philox.hpp, which GPU kernels call too).
  static std::array<std::uint32_t, 4> philox(std::uint64_t key, std::uint64_t counter);

 private:
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
  std::array<std::uint32_t, 4> block_{};
  int cached_ = 0;
};

/// The process-wide generator used when an op is not given one.
Rng& default_rng();

/// Seeds the default generator (like torch.manual_seed).
inline void manual_seed(std::uint64_t seed) { default_rng().manual_seed(seed); }

}  // namespace gf
