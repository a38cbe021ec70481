#pragma once
// SSIM (Wang, Bovik, Sheikh & Simoncelli 2004) and PSNR.
//
// SSIM compares two images window by window. With w an 11x11 Gaussian window
// (sigma 1.5, normalised to sum 1) and * a correlation (filtering) per channel,
//   mu_x = w * x,  sigma_x^2 = w * x^2 - mu_x^2,  sigma_xy = w * (x y) - mu_x mu_y,
//   SSIM = (2 mu_x mu_y + C1) (2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1) (sigma_x^2 + sigma_y^2 + C2)),
//   C1 = (K1 L)^2, C2 = (K2 L)^2, K1 = 0.01, K2 = 0.03, L the data range (1 for [0, 1]).
// Border: 'valid' filtering, as in the authors' MATLAB ssim_index.m
// (filter2(w, x, 'valid')): the map only holds windows that lie fully inside
// the image, (H - 10) x (W - 10), and SSIM is its mean. No padding, so no
// invented pixels; images must be at least 11x11. (Not reproduced: the
// automatic downsampling by round(min(H, W) / 256) of the 2009 ssim.m, and
// scikit-image's default unbiased (N / (N - 1)) covariance.)
//
// Everything is made of tensor ops (one separable Gaussian filtering of x, y,
// x^2, y^2 and x y together), so SSIM runs on the images' device and is
// differentiable: 1 - ssim(x, y) is a structure loss.
//
//   double s = gf::metrics::ssim_luminance(result, content).item();
//   Tensor loss = 1.0 - gf::metrics::ssim(output, target);    // backward() works
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::metrics {

struct SsimOptions {
  double data_range = 1.0;  // L: max - min of the pixel values
  double k1 = 0.01;
  double k2 = 0.03;
  std::int64_t window = 11;  // odd window side
  double sigma = 1.5;        // of the Gaussian window
};

/// The SSIM value of every valid window position of every channel:
/// x, y (C, H, W) -> (C, H - window + 1, W - window + 1), or batches (N, C, H, W).
/// x and y must have the same shape, dtype and device.
Tensor ssim_map(const Tensor& x, const Tensor& y, const SsimOptions& options = {});

/// Mean of ssim_map over everything (all channels, images and windows): 0-D.
Tensor ssim(const Tensor& x, const Tensor& y, const SsimOptions& options = {});

/// Mean of ssim_map per channel (over images and windows): (C,).
Tensor ssim_per_channel(const Tensor& x, const Tensor& y, const SsimOptions& options = {});

/// SSIM of the Rec. 601 luminances (gf::image::rgb_to_luminance) of two RGB or
/// grey images: 0-D. The usual single number for colour images.
Tensor ssim_luminance(const Tensor& x, const Tensor& y, const SsimOptions& options = {});

/// Peak signal-to-noise ratio in dB over all elements, 0-D:
///   PSNR = 10 log10(L^2 / MSE),  MSE = mean((x - y)^2).
/// +inf for identical images (MSE = 0).
Tensor psnr(const Tensor& x, const Tensor& y, double data_range = 1.0);

}  // namespace gf::metrics
