#pragma once
// Linear and edge-preserving image filters, built from tensor ops.
//
// Every function takes one image (C, H, W) or a batch (N, C, H, W) of float
// values (nominally in [0, 1]), returns the same shape, runs on the input's
// device and is differentiable (the ops record autograd), so a filter can sit
// inside a loss:
//
//   Tensor soft  = gf::image::gaussian_blur(photo, 2.0);
//   Tensor crisp = gf::image::unsharp_mask(photo, 1.5, 0.8);
//   Tensor edges = gf::image::sobel_magnitude(photo);     // for an edge loss
//
// Linear filters are separable: a K x K Gaussian is a pass down the columns
// followed by a pass along the rows, 2K instead of K^2 products a pixel, each
// pass a weighted sum of K shifted views of the image (every channel alike).
// Borders are reflected without repeating the edge pixel (d c b | a b c d),
// so a constant image stays constant up to rounding and sizes are kept.
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::image {

/// What a filter does at the image border.
enum class FilterBorder {
  kReflect,  // pad by reflection (d c b | a b c d): output size = input size
  kValid,    // no padding: only windows fully inside; H and W shrink by K - 1
};

/// Taps (2 radius + 1,) in float64 on the CPU:
///   g[k] = exp(-k^2 / (2 sigma^2)) / sum_j exp(-j^2 / (2 sigma^2)),  k = -radius .. radius.
/// The outer product g g^T is the normalised 2-D Gaussian window (MATLAB's
/// fspecial('gaussian', 2 radius + 1, sigma)), since exp(-(a^2 + b^2)) factors.
Tensor gaussian_kernel1d(double sigma, std::int64_t radius);

/// The radius gaussian_blur uses: ceil(3 sigma), which keeps 99.7% of the mass.
std::int64_t gaussian_radius(double sigma);

/// Convolves every channel with `taps` (K,) (K odd) down the columns, then
/// with the same taps along the rows:
///   y[c, i, j] = sum_{a, b} taps[a] taps[b] x[c, i + a - r, j + b - r],   r = (K - 1) / 2.
/// `taps` (a handful of numbers, any device) are read as doubles.
Tensor separable_filter(const Tensor& x, const Tensor& taps, FilterBorder border = FilterBorder::kReflect);

/// Gaussian blur with standard deviation `sigma` > 0 pixels (radius
/// gaussian_radius(sigma)), reflect border. Throws when the radius is not
/// smaller than H and W (reflection needs that).
Tensor gaussian_blur(const Tensor& x, double sigma);

/// The widest sigma gaussian_blur takes on an h x w image, (min(h, w) - 1) / 3,
/// whose radius min(h, w) - 1 still fits the reflect border: for steps that cap
/// their blur widths on small pictures instead of failing.
double widest_gaussian_sigma(std::int64_t h, std::int64_t w);

/// Sharpening: x + amount (x - gaussian_blur(x, sigma)). A constant image is
/// unchanged; amount 0 returns x. The result may leave [0, 1]: clamp to save.
Tensor unsharp_mask(const Tensor& x, double sigma, double amount);

/// Edge-preserving denoise (Tomasi & Manduchi 1998): each pixel becomes the
/// weighted mean of its (2r + 1)^2 neighbours, r = ceil(2 sigma_space),
///   w(p, q) = exp(-|p - q|^2 / (2 sigma_space^2)) exp(-||x_p - x_q||^2 / (2 sigma_range^2)),
///   y_p = sum_q w(p, q) x_q / sum_q w(p, q),
/// where ||x_p - x_q|| is the distance between the pixels' colour vectors (all
/// channels together, so colours are not shifted channel by channel), with a
/// reflect border. Written as one shifted-window pass of tensor ops per offset
/// (cost ~ 10 (2r + 1)^2 elementwise passes): works on any device and is
/// differentiable. sigma_range is in intensity units (0.1 = 10% of the range);
/// a tiny sigma_range leaves the image as it is.
Tensor bilateral_filter(const Tensor& x, double sigma_space, double sigma_range);

/// The finishing passes of a stylised image, in this order: an edge-preserving
/// denoise (bilateral_filter with sigma_space = denoise, sigma_range =
/// denoise_range), which removes the fine speckle of optimised or generated
/// pixels, then unsharp_mask sharpening (sigma = sharpen_sigma, amount =
/// sharpen), then a clamp to [0, 1]. A zero strength skips its pass.
struct PostProcess {
  double denoise = 0.0;        // bilateral sigma_space in pixels (0: off)
  double denoise_range = 0.1;  // bilateral sigma_range in intensity units
  double sharpen = 0.0;        // unsharp-mask amount (0: off)
  double sharpen_sigma = 1.0;  // unsharp-mask blur in pixels
};
Tensor post_process(const Tensor& x, const PostProcess& p);

/// Sobel derivatives per channel, normalised by 1/8 so that a ramp rising by
/// 1 per pixel has gradient 1: gx = x * [1 2 1]^T [-1 0 1] / 8 (d/dcolumn),
/// gy = x * [-1 0 1]^T [1 2 1] / 8 (d/drow), reflect border (zero at the edges
/// of a constant image).
struct SobelGradients {
  Tensor gx;  // same shape as x
  Tensor gy;  // same shape as x
};
SobelGradients sobel(const Tensor& x);

/// Gradient magnitude sqrt(gx^2 + gy^2 + eps): eps keeps the derivative finite
/// on flat regions (where sqrt has an infinite slope at 0), for an edge loss.
Tensor sobel_magnitude(const Tensor& x, double eps = 1e-12);

}  // namespace gf::image
