#include "kernels/kernels.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/loops.hpp"

namespace gf::cpu {
namespace {

// static_cast from a floating type to an integer one is undefined for NaN
// and for values outside the integer's range, and such values come from
// files (a checkpoint's "step" stored as F64 NaN, which
// tests/fuzz/fuzz_gan_checkpoint.cpp reports). Defined here: NaN gives 0, values
// beyond the range give its nearest end, the rest truncate as static_cast does.
// fill() converts the same way (full(..., NaN) for an int64 tensor).
template <typename To, typename From>
To convert(From v) {
  if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    if (std::isnan(v)) return 0;
    // Both ends are powers of two, exact in From: every v strictly between fits.
    if (v <= static_cast<From>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
    if (v >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
  }
  return static_cast<To>(v);
}

}  // namespace

void copy(const Tensor& dst, const Tensor& src) {
  GF_DTYPE_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using To = scalar_t;
    GF_DTYPE_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using From = scalar_t;
      map_kernel<To, From>(dst, [](From v) { return convert<To>(v); }, src);
    });
  });
}

void fill(const Tensor& dst, double value) {
  GF_DTYPE_DISPATCH_ALL(dst.dtype(), "fill", [&] {
    const auto v = convert<scalar_t>(value);
    map_kernel<scalar_t>(dst, [v]() { return v; });
  });
}

}  // namespace gf::cpu
