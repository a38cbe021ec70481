#pragma once
// Philox4x32-10 (Salmon et al. 2011, "Parallel Random Numbers: As Easy as
// 1, 2, 3") and the two ways ganforge turns its 128-bit blocks into floating
// point numbers. One implementation for the host and the GPU: under nvcc every
// function here is __host__ __device__, so the CPU kernels (src/cpu/random.cpp),
// the CUDA kernels (cuda/random.cu) and gf::Rng compute the same stream.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define GF_HOST_DEVICE __host__ __device__
#else
#define GF_HOST_DEVICE
#endif

namespace gf {

/// 128 random bits: four 32-bit words.
struct PhiloxBlock {
  std::uint32_t word[4];
};

/// Philox4x32 with 10 rounds: block `counter` of the stream keyed by `key`
/// (the 64-bit counter is the low half of Philox's 128-bit counter).
GF_HOST_DEVICE inline PhiloxBlock philox4x32(std::uint64_t key, std::uint64_t counter) {
  // The multipliers and Weyl key increments of the paper.
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
  return {{c[0], c[1], c[2], c[3]}};
}

/// Uniform in [0, 1) from the top 24 bits of a word: exact in float32, so
/// rand() gives the same values in either precision.
GF_HOST_DEVICE inline double philox_uniform(std::uint32_t word) {
  return static_cast<double>(word >> 8) * (1.0 / 16777216.0);
}

/// Two independent standard normals from one block (Box-Muller).
struct NormalPair {
  double first, second;
};

GF_HOST_DEVICE inline NormalPair philox_normal_pair(const PhiloxBlock& b) {
  constexpr double kPi = 3.14159265358979323846;
  // u1 in (0, 1] from 53 bits, so log(u1) is finite; u2 in [0, 1) from 32 bits.
  const std::uint64_t bits53 = (static_cast<std::uint64_t>(b.word[0]) << 21) | (b.word[1] >> 11);
  const double u1 = (static_cast<double>(bits53) + 1.0) / 9007199254740992.0;
  const double u2 = static_cast<double>(b.word[2]) * (1.0 / 4294967296.0);
  const double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * kPi * u2;
  return {r * std::cos(theta), r * std::sin(theta)};
}

}  // namespace gf
