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

namespace gf::image {
namespace {

// The blur for an (H, W) plane, its width capped so that the reflect border
// fits a small picture (gaussian_blur needs a radius below H and W).
std::vector<float> blur_plane(const Tensor& plane, double sigma) {
  const std::int64_t side = std::min(plane.size(0), plane.size(1));
  const double fitting = std::min(sigma, static_cast<double>(side - 1) / 3.0);
  return gaussian_blur(plane.reshape({1, 1, plane.size(0), plane.size(1)}), fitting)
      .contiguous()
      .to_vector<float>();
}

}  // namespace

Tensor restore_clipped_detail(const Tensor& stylised, const Tensor& content, const ClippedDetailOptions& options) {
  const auto image_of = [](const Tensor& t) { return t.dim() == 4 && t.size(0) == 1 ? t.select(0, 0) : t; };
  const Tensor result = image_of(stylised).to(Device::cpu()).to(DType::kFloat32).contiguous();
  const Tensor photo = image_of(content).to(Device::cpu()).to(DType::kFloat32).contiguous();
  GF_CHECK(result.dim() == 3 && result.size(0) == 3, "restore_clipped_detail: expected an RGB result (3, H, W) or ",
           "(1, 3, H, W), got ", stylised.shape());
  GF_CHECK(photo.shape() == result.shape(), "restore_clipped_detail: the photo ", content.shape(),
           " must have the result's shape ", stylised.shape(), " (resize it first)");
  GF_CHECK(options.sigma > 0 && options.ramp > 0 && options.lift >= 0 && options.floor >= 0,
           "restore_clipped_detail: sigma and ramp must be > 0, lift and floor >= 0, got sigma ", options.sigma,
           ", ramp ", options.ramp, ", lift ", options.lift, ", floor ", options.floor);
  const std::int64_t H = result.size(1), W = result.size(2);
  if (H < 5 || W < 5) return stylised;  // no 5 x 5 window, so no blob

  const Tensor covered = metrics::flat_saturated_coverage(result, metrics::kNearFlatSaturated);  // C, (H, W)
  const std::vector<float> c = covered.to_vector<float>();
  if (std::find(c.begin(), c.end(), 1.0F) == c.end()) return stylised;

  const Tensor luma = rgb_to_luminance(photo).select(0, 0);  // Y, (H, W)
  const std::vector<float> y = luma.to_vector<float>();
  const std::vector<float> weight = blur_plane(covered, options.sigma);             // G(C)
  const std::vector<float> weighted_y = blur_plane(covered * luma, options.sigma);  // G(C Y)
  std::vector<float> detail(y.size()), weighted_sq(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    // Far from every blob G(C) vanishes; M is 0 outside the blobs, so d is not used there.
    const float mean = weight[i] > 1e-6F ? weighted_y[i] / weight[i] : y[i];
    detail[i] = y[i] - mean;
    weighted_sq[i] = c[i] * detail[i] * detail[i];
  }
  const std::vector<float> spread = blur_plane(from_vector<float>(weighted_sq, {H, W}), options.sigma);  // G(C d^2)
  const std::vector<float> inside = blur_plane(covered, options.ramp);  // G_ramp(C): 1/2 on a straight edge
  const std::vector<float> own_luma = blur_plane(rgb_to_luminance(result).select(0, 0), 2.0);

  std::vector<float> out = result.to_vector<float>();
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
  Tensor restored = from_vector<float>(out, {3, H, W}).to(stylised.dtype()).to(stylised.device());
  return stylised.dim() == 4 ? restored.unsqueeze(0) : restored;
}

}  // namespace gf::image
