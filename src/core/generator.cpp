#include "gf/core/generator.hpp"

namespace gf {

std::array<std::uint32_t, 4> Generator::philox(std::uint64_t key, std::uint64_t counter) {
  // Constants from Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3".
  constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  std::uint32_t c[4] = {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32), 0u, 0u};
  std::uint32_t k[2] = {static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)};
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kMul0) * c[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kMul1) * c[2];
    const std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return {c[0], c[1], c[2], c[3]};
}

std::uint64_t Generator::below(std::uint64_t n) {
  // Reject the top partial copy of [0, n) so every value is equally likely.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    const std::uint64_t r = (static_cast<std::uint64_t>(next_u32()) << 32) | next_u32();
    if (r < limit) return r % n;
  }
}

Generator& default_generator() {
  static Generator gen(0x5eed);
  return gen;
}

}  // namespace gf
