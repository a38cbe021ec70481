#include "gf/core/rng.hpp"

#include "gf/core/philox.hpp"

namespace gf {

std::array<std::uint32_t, 4> Rng::philox(std::uint64_t key, std::uint64_t counter) {
  const PhiloxBlock b = philox4x32(key, counter);
  return {b.word[0], b.word[1], b.word[2], b.word[3]};
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Reject the top partial copy of [0, n) so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    const std::uint64_t r = (static_cast<std::uint64_t>(next_u32()) << 32) | next_u32();
    if (r < limit) return r % n;
  }
}

Rng& default_rng() {
  static Rng gen(0x5eed);
  return gen;
}

}  // namespace gf
