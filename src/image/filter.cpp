// Image filters as weighted sums of shifted views (tensor ops only).
#include "gf/image/filter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"
#include "image/layout.hpp"

namespace gf::image {
namespace {

/// Reflect-pads (N, C, H, W) by r on every side, with an error naming `op`
/// when the image is too small for that.
Tensor reflect_pad(const char* op, const Tensor& x, std::int64_t r) {
  GF_CHECK(r < x.size(2) && r < x.size(3), op, ": a filter of radius ", r, " needs an image larger than ", r,
           " pixels on each side for its reflect border, got ", x.size(2), "x", x.size(3));
  return pad2d(x, r, r, r, r, PadMode::kReflect);
}

/// One 1-D correlation along `dim` (2: down the columns, 3: along the rows) of
/// x (N, C, H, W), no padding: y[.., i, ..] = sum_a taps[a] x[.., i + a, ..],
/// written as a weighted sum of K shifted views of x. (Not a depthwise conv2d:
/// GCC 12.2 at -O3 -march=native with AVX-512 miscompiles the Conv2dParams
/// built here, turning a zero padding into 1; slices and elementwise ops are
/// as fast for these small kernels and run on any device.)
Tensor correlate1d(const Tensor& x, const std::vector<double>& taps, std::int64_t dim) {
  const auto k = static_cast<std::int64_t>(taps.size());
  const std::int64_t out = x.size(dim) - k + 1;
  Tensor y;
  for (std::int64_t a = 0; a < k; ++a) {
    const Tensor term = x.narrow(dim, a, out) * taps[static_cast<std::size_t>(a)];
    y = y.defined() ? y + term : term;
  }
  return y;
}

/// The separable pass shared by separable_filter and sobel: column taps
/// (K,) then row taps (K,), both odd-length and of the same length.
Tensor separable(const char* op, const Tensor& x, const std::vector<double>& column_taps,
                 const std::vector<double>& row_taps, FilterBorder border) {
  const Tensor xb = detail::to_batch(op, x);  // (N, C, H, W)
  const auto k = static_cast<std::int64_t>(column_taps.size());
  GF_CHECK(k % 2 == 1 && static_cast<std::int64_t>(row_taps.size()) == k, op, ": taps must have odd length, got ",
           k);
  const std::int64_t r = (k - 1) / 2;
  Tensor y = border == FilterBorder::kReflect ? reflect_pad(op, xb, r) : xb;
  GF_CHECK(y.size(2) >= k && y.size(3) >= k, op, ": a ", k, "x", k, " window does not fit in a ", xb.size(2), "x",
           xb.size(3), " image without padding");
  y = correlate1d(y, column_taps, 2);  // (N, C, H', W + 2r)
  y = correlate1d(y, row_taps, 3);     // (N, C, H', W')
  return detail::like_input(y, x);
}

}  // namespace

Tensor gaussian_kernel1d(double sigma, std::int64_t radius) {
  GF_CHECK(sigma > 0.0, "gaussian_kernel1d: sigma must be > 0, got ", sigma);
  GF_CHECK(radius >= 0, "gaussian_kernel1d: radius must be >= 0, got ", radius);
  std::vector<double> g(static_cast<std::size_t>(2 * radius + 1));
  double total = 0.0;
  for (std::int64_t k = -radius; k <= radius; ++k) {
    const double v = std::exp(-static_cast<double>(k * k) / (2.0 * sigma * sigma));
    g[static_cast<std::size_t>(k + radius)] = v;
    total += v;
  }
  for (double& v : g) v /= total;
  return from_vector<double>(g, {2 * radius + 1});
}

std::int64_t gaussian_radius(double sigma) { return static_cast<std::int64_t>(std::ceil(3.0 * sigma)); }

double widest_gaussian_sigma(std::int64_t h, std::int64_t w) {
  return static_cast<double>(std::min(h, w) - 1) / 3.0;
}

Tensor separable_filter(const Tensor& x, const Tensor& taps, FilterBorder border) {
  GF_CHECK(taps.dim() == 1, "separable_filter: taps must be 1-D, got ", taps.shape());
  const std::vector<double> t = taps.to_vector<double>();
  return separable("separable_filter", x, t, t, border);
}

Tensor gaussian_blur(const Tensor& x, double sigma) {
  GF_CHECK(sigma > 0.0, "gaussian_blur: sigma must be > 0, got ", sigma);
  const std::vector<double> taps = gaussian_kernel1d(sigma, gaussian_radius(sigma)).to_vector<double>();
  return separable("gaussian_blur", x, taps, taps, FilterBorder::kReflect);
}

Tensor unsharp_mask(const Tensor& x, double sigma, double amount) {
  // x + amount (x - blur): the high frequencies (x - blur) amplified.
  return x + (x - gaussian_blur(x, sigma)) * amount;
}

Tensor bilateral_filter(const Tensor& x, double sigma_space, double sigma_range) {
  const char* op = "bilateral_filter";
  GF_CHECK(sigma_space > 0.0 && sigma_range > 0.0, op, ": sigma_space and sigma_range must be > 0, got ",
           sigma_space, " and ", sigma_range);
  const Tensor xb = detail::to_batch(op, x);  // (N, C, H, W)
  const std::int64_t h = xb.size(2), w = xb.size(3);
  const auto r = static_cast<std::int64_t>(std::ceil(2.0 * sigma_space));
  const Tensor padded = reflect_pad(op, xb, r);  // (N, C, H + 2r, W + 2r)
  const double range_scale = -1.0 / (2.0 * sigma_range * sigma_range);

  // Accumulate sum_q w x_q and sum_q w over the window, one offset (dy, dx) at a time.
  Tensor numerator, denominator;
  for (std::int64_t dy = -r; dy <= r; ++dy) {
    for (std::int64_t dx = -r; dx <= r; ++dx) {
      const Tensor neighbour = padded.narrow(2, r + dy, h).narrow(3, r + dx, w);  // (N, C, H, W): x_{p + (dy, dx)}
      const double spatial = std::exp(-static_cast<double>(dy * dy + dx * dx) / (2.0 * sigma_space * sigma_space));
      const Tensor colour_dist2 = sum(square(neighbour - xb), {1}, /*keepdim=*/true);  // (N, 1, H, W)
      const Tensor weight = exp(colour_dist2 * range_scale) * spatial;                  // (N, 1, H, W)
      const Tensor weighted = neighbour * weight;                                       // (N, C, H, W)
      numerator = numerator.defined() ? numerator + weighted : weighted;
      denominator = denominator.defined() ? denominator + weight : weight;
    }
  }
  // The centre pixel has weight 1, so the denominator is >= 1.
  return detail::like_input(numerator / denominator, x);
}

Tensor post_process(const Tensor& x, const PostProcess& p) {
  GF_CHECK(p.denoise >= 0 && p.sharpen >= 0, "post_process: denoise and sharpen must be >= 0, got ", p.denoise, " and ",
           p.sharpen);
  Tensor y = x;
  if (p.denoise > 0) y = bilateral_filter(y, p.denoise, p.denoise_range);
  if (p.sharpen > 0) y = unsharp_mask(y, p.sharpen_sigma, p.sharpen);
  return clamp(y, 0.0, 1.0);
}

SobelGradients sobel(const Tensor& x) {
  const std::vector<double> smooth{1.0 / 8, 2.0 / 8, 1.0 / 8}, derivative{-1.0, 0.0, 1.0};
  return {separable("sobel", x, smooth, derivative, FilterBorder::kReflect),
          separable("sobel", x, derivative, smooth, FilterBorder::kReflect)};
}

Tensor sobel_magnitude(const Tensor& x, double eps) {
  const SobelGradients g = sobel(x);
  return sqrt(square(g.gx) + square(g.gy) + eps);
}

}  // namespace gf::image
