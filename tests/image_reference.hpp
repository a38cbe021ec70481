#pragma once
// Naive references for the image tests: plain loops over plain vectors, in
// double precision, sharing nothing with src/image but the formulas.
#include <cmath>
#include <cstdint>
#include <vector>

#include "gf/gf.hpp"

namespace gf::test {

/// A stack of P planes of H x W values, row-major, in double.
struct Planes {
  std::int64_t planes = 0, h = 0, w = 0;
  std::vector<double> v;

  static Planes of(const Tensor& x) {  // (.., H, W): every leading dim folds into the planes
    return {x.numel() / (x.size(-1) * x.size(-2)), x.size(-2), x.size(-1), x.to_vector<double>()};
  }
  double& at(std::int64_t p, std::int64_t i, std::int64_t j) { return v[static_cast<std::size_t>((p * h + i) * w + j)]; }
  double at(std::int64_t p, std::int64_t i, std::int64_t j) const {
    return v[static_cast<std::size_t>((p * h + i) * w + j)];
  }
  /// Reads with the border reflected without repeating the edge (d c b | a b c d).
  double reflected(std::int64_t p, std::int64_t i, std::int64_t j) const {
    auto mirror = [](std::int64_t k, std::int64_t n) { return k < 0 ? -k : (k >= n ? 2 * (n - 1) - k : k); };
    return at(p, mirror(i, h), mirror(j, w));
  }
  Tensor tensor(const Shape& shape) const { return from_vector<double>(v, shape); }
};

/// exp(-k^2 / (2 sigma^2)) normalised over k = -r .. r.
inline std::vector<double> gaussian_taps(double sigma, std::int64_t r) {
  std::vector<double> g;
  double total = 0;
  for (std::int64_t k = -r; k <= r; ++k) {
    g.push_back(std::exp(-static_cast<double>(k * k) / (2 * sigma * sigma)));
    total += g.back();
  }
  for (double& t : g) t /= total;
  return g;
}

/// The full 2-D correlation with kernel[a][b] = col[a] row[b], visiting every
/// tap of the (K x K) window; reflect border (same size) or valid (shrinks).
inline Planes naive_filter(const Planes& x, const std::vector<double>& col, const std::vector<double>& row,
                           bool reflect) {
  const auto k = static_cast<std::int64_t>(col.size()), r = (k - 1) / 2;
  Planes y{x.planes, reflect ? x.h : x.h - k + 1, reflect ? x.w : x.w - k + 1, {}};
  y.v.assign(static_cast<std::size_t>(y.planes * y.h * y.w), 0.0);
  for (std::int64_t p = 0; p < y.planes; ++p)
    for (std::int64_t i = 0; i < y.h; ++i)
      for (std::int64_t j = 0; j < y.w; ++j) {
        double total = 0;
        for (std::int64_t a = 0; a < k; ++a)
          for (std::int64_t b = 0; b < k; ++b) {
            const double value = reflect ? x.reflected(p, i + a - r, j + b - r) : x.at(p, i + a, j + b);
            total += col[static_cast<std::size_t>(a)] * row[static_cast<std::size_t>(b)] * value;
          }
        y.at(p, i, j) = total;
      }
  return y;
}

}  // namespace gf::test
