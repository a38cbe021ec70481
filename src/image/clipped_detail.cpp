// The photo's detail put back into the flat saturated regions of a result
// (the formulas are in gf/image/clipped_detail.hpp).
#include "gf/image/clipped_detail.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gf/core/error.hpp"
#include "gf/core/factory.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/metrics/flat_regions.hpp"
#include "gf/ops/elementwise.hpp"
#include "image/layout.hpp"

namespace gf::image {
namespace {

// The smoothing of the result's luminance that decides lift or lower.
constexpr double kDirectionSigma = 2.0;

// An (H, W) plane blurred with a width already fitted to the whole picture.
std::vector<float> blur_plane(const Tensor& plane, double sigma) {
  return gaussian_blur(plane.reshape({1, 1, plane.size(0), plane.size(1)}), sigma).contiguous().to_vector<float>();
}

struct Widths {
  double sigma, ramp, direction;  // blur widths, capped so that a reflect border fits the picture
};

// The header's formulas on a window of the picture holding every blob with
// room around it: result and photo (3, h, w), the coverage C (h, w).
Tensor restore_window(const Tensor& result, const Tensor& photo, const Tensor& covered, const Widths& widths,
                      const ClippedDetailOptions& options) {
  const std::int64_t h = result.size(1), w = result.size(2);
  const std::vector<float> c = covered.contiguous().to_vector<float>();
  const Tensor luma = rgb_to_luminance(photo).select(0, 0);  // Y, (h, w)
  const std::vector<float> y = luma.contiguous().to_vector<float>();
  const std::vector<float> weight = blur_plane(covered, widths.sigma);             // G(C)
  const std::vector<float> weighted_y = blur_plane(covered * luma, widths.sigma);  // G(C Y)
  std::vector<float> detail(y.size()), weighted_sq(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    // Far from every blob G(C) vanishes; M is 0 outside the blobs, so d is not used there.
    const float mean = weight[i] > 1e-6F ? weighted_y[i] / weight[i] : y[i];
    detail[i] = y[i] - mean;
    weighted_sq[i] = c[i] * detail[i] * detail[i];
  }
  const std::vector<float> spread = blur_plane(from_vector<float>(weighted_sq, {h, w}), widths.sigma);  // G(C d^2)
  const std::vector<float> inside = blur_plane(covered, widths.ramp);  // G_ramp(C): 1/2 on a straight edge
  const std::vector<float> own_luma = blur_plane(rgb_to_luminance(result).select(0, 0), widths.direction);

  std::vector<float> out = result.contiguous().to_vector<float>();
  const std::size_t plane = y.size();
  for (std::size_t i = 0; i < plane; ++i) {
    const float blend = std::clamp(2.0F * inside[i] - 1.0F, 0.0F, 1.0F);  // M
    if (blend <= 0.0F) continue;
    const float amplitude = weight[i] > 1e-6F ? std::sqrt(std::max(spread[i] / weight[i], 0.0F)) : 0.0F;
    const float texture = std::max(amplitude - static_cast<float>(options.floor), 0.0F);
    const float direction = own_luma[i] < 0.5F ? 1.0F : -1.0F;
    const float shift = blend * (direction * static_cast<float>(options.lift) * texture + detail[i]);
    for (std::size_t ch = 0; ch < 3; ++ch) out[ch * plane + i] = std::clamp(out[ch * plane + i] + shift, 0.0F, 1.0F);
  }
  return from_vector<float>(out, {3, h, w});
}

}  // namespace

Tensor restore_clipped_detail(const Tensor& stylised, const Tensor& content, const ClippedDetailOptions& options) {
  const char* op = "restore_clipped_detail";
  const Tensor result = detail::cpu_rgb_picture(op, stylised, "result");
  GF_CHECK(detail::to_batch(op, content).shape() == result.unsqueeze(0).shape(), op, ": the photo ", content.shape(),
           " must have the result's shape ", stylised.shape(), " (resize it first)");
  const Tensor photo = detail::cpu_rgb_picture(op, content, "photo");
  GF_CHECK(options.sigma > 0 && options.ramp > 0 && options.lift >= 0 && options.floor >= 0,
           op, ": sigma and ramp must be > 0, lift and floor >= 0, got sigma ", options.sigma,
           ", ramp ", options.ramp, ", lift ", options.lift, ", floor ", options.floor);
  const std::int64_t H = result.size(1), W = result.size(2);
  if (H < 5 || W < 5) return stylised;  // no 5 x 5 window, so no blob

  const Tensor covered = metrics::flat_saturated_coverage(result, metrics::kNearFlatSaturated);  // C, (H, W)
  const std::vector<float> c = covered.to_vector<float>();
  std::int64_t top = H, bottom = -1, left = W, right = -1;  // the blobs' bounding box
  for (std::int64_t i = 0; i < H; ++i)
    for (std::int64_t j = 0; j < W; ++j)
      if (c[static_cast<std::size_t>(i * W + j)] > 0.0F) {
        top = std::min(top, i), bottom = std::max(bottom, i), left = std::min(left, j), right = std::max(right, j);
      }
  if (bottom < 0) return stylised;

  // Blur widths fitted to the whole picture (a reflect border needs a radius below H and W), so that working on
  // a window gives what the whole picture would.
  const double widest = widest_gaussian_sigma(H, W);
  const Widths widths{std::min(options.sigma, widest), std::min(options.ramp, widest),
                      std::min(kDirectionSigma, widest)};
  // Every blur is of a plane that is 0 away from the blobs (C, C Y, C d^2) or is read only inside them (the
  // result's luminance), so a window reaching one radius past the box, plus one pixel, changes nothing: what the
  // reflect border at its edge brings in lies outside the box.
  const std::int64_t reach =
      static_cast<std::int64_t>(std::ceil(3.0 * std::max({widths.sigma, widths.ramp, widths.direction}))) + 1;
  const std::int64_t y0 = std::max<std::int64_t>(top - reach, 0), y1 = std::min(bottom + reach + 1, H);
  const std::int64_t x0 = std::max<std::int64_t>(left - reach, 0), x1 = std::min(right + reach + 1, W);
  const auto window = [&](const Tensor& t) { return t.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0).contiguous(); };

  Tensor restored = result.clone();
  restored.narrow(1, y0, y1 - y0)
      .narrow(2, x0, x1 - x0)
      .copy_(restore_window(window(result), window(photo), window(covered), widths, options));
  return detail::like_input(restored.to(stylised.dtype()).to(stylised.device()).unsqueeze(0), stylised);
}

}  // namespace gf::image
