#include "cpu/copy.hpp"

#include "cpu/loops.hpp"

namespace gf::cpu {

void copy(const Tensor& dst, const Tensor& src) {
  GF_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using To = scalar_t;
    GF_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using From = scalar_t;
      map_kernel<To, From>(dst, [](From v) { return static_cast<To>(v); }, src);
    });
  });
}

void fill(const Tensor& dst, double value) {
  GF_DISPATCH_ALL(dst.dtype(), "fill", [&] {
    const auto v = static_cast<scalar_t>(value);
    map_kernel<scalar_t>(dst, [v]() { return v; });
  });
}

}  // namespace gf::cpu
