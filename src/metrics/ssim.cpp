// SSIM from one separable Gaussian filtering of [x, y, x^2, y^2, x y], and PSNR.
#include "gf/metrics/ssim.hpp"

#include <cmath>

#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/loss.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"

namespace gf::metrics {
namespace {

void check_pair(const char* op, const Tensor& x, const Tensor& y) {
  GF_CHECK(x.shape() == y.shape(), op, ": images must have the same shape, got ", x.shape(), " and ", y.shape());
  GF_CHECK(x.dtype() == y.dtype() && x.device() == y.device(), op, ": images are ", x.dtype(), " on ", x.device(),
           " and ", y.dtype(), " on ", y.device());
}

}  // namespace

Tensor ssim_map(const Tensor& x, const Tensor& y, const SsimOptions& o) {
  const char* op = "ssim";
  check_pair(op, x, y);
  GF_CHECK(x.dim() == 3 || x.dim() == 4, op, ": expected images (C, H, W) or batches (N, C, H, W), got ", x.shape());
  GF_CHECK(o.window >= 1 && o.window % 2 == 1, op, ": window must be odd, got ", o.window);
  GF_CHECK(x.size(-2) >= o.window && x.size(-1) >= o.window, op, ": images of ", x.size(-2), "x", x.size(-1),
           " are smaller than the ", o.window, "x", o.window, " window");
  const double c1 = (o.k1 * o.data_range) * (o.k1 * o.data_range);
  const double c2 = (o.k2 * o.data_range) * (o.k2 * o.data_range);
  const std::int64_t cdim = x.dim() - 3;  // the channel dim
  const std::int64_t c = x.size(cdim);

  // Local (window-weighted) moments of all five signals in one filtering.
  const Tensor taps = image::gaussian_kernel1d(o.sigma, (o.window - 1) / 2);
  const Tensor moments = image::separable_filter(cat({x, y, x * x, y * y, x * y}, cdim), taps,
                                                 image::FilterBorder::kValid);  // (.., 5C, H', W')
  const Tensor mu_x = moments.narrow(cdim, 0, c), mu_y = moments.narrow(cdim, c, c);
  const Tensor mu_xx = mu_x * mu_x, mu_yy = mu_y * mu_y, mu_xy = mu_x * mu_y;
  const Tensor var_x = moments.narrow(cdim, 2 * c, c) - mu_xx;
  const Tensor var_y = moments.narrow(cdim, 3 * c, c) - mu_yy;
  const Tensor cov_xy = moments.narrow(cdim, 4 * c, c) - mu_xy;

  const Tensor numerator = (mu_xy * 2.0 + c1) * (cov_xy * 2.0 + c2);
  const Tensor denominator = (mu_xx + mu_yy + c1) * (var_x + var_y + c2);
  return numerator / denominator;
}

Tensor ssim(const Tensor& x, const Tensor& y, const SsimOptions& options) { return mean(ssim_map(x, y, options)); }

Tensor ssim_per_channel(const Tensor& x, const Tensor& y, const SsimOptions& options) {
  const Tensor map = ssim_map(x, y, options);
  return x.dim() == 3 ? mean(map, {1, 2}) : mean(map, {0, 2, 3});
}

Tensor ssim_luminance(const Tensor& x, const Tensor& y, const SsimOptions& options) {
  check_pair("ssim_luminance", x, y);
  return ssim(image::rgb_to_luminance(x), image::rgb_to_luminance(y), options);
}

Tensor psnr(const Tensor& x, const Tensor& y, double data_range) {
  check_pair("psnr", x, y);
  GF_CHECK(data_range > 0.0, "psnr: data_range must be > 0, got ", data_range);
  // 10 log10(L^2 / MSE) = (10 / ln 10) (ln L^2 - ln MSE); ln 0 = -inf gives +inf.
  const Tensor mse = mse_loss(x, y);
  return rsub(std::log(data_range * data_range), log(mse)) * (10.0 / std::log(10.0));
}

}  // namespace gf::metrics
