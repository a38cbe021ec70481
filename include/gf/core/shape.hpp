#pragma once
// Shape and stride arithmetic shared by tensors and kernels.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "gf/core/error.hpp"

namespace gf {

/// A list of dimension sizes, outermost first: (N, C, H, W) for images.
/// A vector with printing, so error messages can stream it: "(2, 3, 4)".
struct Shape : std::vector<std::int64_t> {
  using std::vector<std::int64_t>::vector;
  Shape() = default;
  Shape(const std::vector<std::int64_t>& v) : std::vector<std::int64_t>(v) {}

  /// The element count. A zero dimension makes it 0 whatever the others are,
  /// decided first: (2^62, 4, 0) would overflow int64 on the way to 0
  /// (UBSan in scripts/sanitize.sh). Tensor::empty has checked that the
  /// product of nonzero dimensions fits.
  std::int64_t numel() const {
    if (std::find(begin(), end(), 0) != end()) return 0;
    std::int64_t n = 1;
    for (auto d : *this) n *= d;
    return n;
  }
  std::int64_t dim() const { return static_cast<std::int64_t>(size()); }
  std::string str() const {
    std::string s = "(";
    for (std::size_t i = 0; i < size(); ++i) s += (i ? ", " : "") + std::to_string((*this)[i]);
    return s + (size() == 1 ? ",)" : ")");
  }
};

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

/// Row-major strides of a contiguous tensor of this shape.
inline Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/// Turns a possibly negative dim index into 0..ndim-1, or throws naming `op`.
inline std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim, const char* op) {
  std::int64_t d = dim < 0 ? dim + ndim : dim;
  GF_CHECK(d >= 0 && d < ndim, op, ": dim ", dim, " out of range for a ", ndim, "-D tensor");
  return d;
}

/// NumPy broadcasting: aligns shapes at the right; a size-1 dim stretches.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    GF_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
             " cannot be broadcast together (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace gf
