#include "kernels/kernels.hpp"

#include "gf/core/parallel.hpp"
#include "gf/core/philox.hpp"

namespace gf::cpu {

void random_uniform(const Tensor& t, std::uint64_t seed, std::uint64_t first_block) {
  GF_CHECK(t.is_contiguous(), "random_uniform: expected a contiguous tensor, got strides ", t.strides());
  const std::int64_t n = t.numel();
  GF_DTYPE_DISPATCH_FLOATING(t.dtype(), "rand", [&] {
    scalar_t* p = t.data<scalar_t>();
    parallel_for(0, (n + 3) / 4, 4096, [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) {
        const PhiloxBlock w = philox4x32(seed, first_block + static_cast<std::uint64_t>(b));
        for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j)
          p[4 * b + j] = static_cast<scalar_t>(philox_uniform(w.word[j]));
      }
    });
  });
}

void random_normal(const Tensor& t, std::uint64_t seed, std::uint64_t first_block) {
  GF_CHECK(t.is_contiguous(), "random_normal: expected a contiguous tensor, got strides ", t.strides());
  const std::int64_t n = t.numel();
  GF_DTYPE_DISPATCH_FLOATING(t.dtype(), "randn", [&] {
    scalar_t* p = t.data<scalar_t>();
    parallel_for(0, (n + 1) / 2, 4096, [&](std::int64_t b0, std::int64_t b1) {
      for (std::int64_t b = b0; b < b1; ++b) {
        const NormalPair z = philox_normal_pair(philox4x32(seed, first_block + static_cast<std::uint64_t>(b)));
        p[2 * b] = static_cast<scalar_t>(z.first);
        if (2 * b + 1 < n) p[2 * b + 1] = static_cast<scalar_t>(z.second);
      }
    });
  });
}

}  // namespace gf::cpu
