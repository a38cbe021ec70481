#include "gf/metrics/flat_regions.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gf/core/error.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/pool.hpp"

namespace gf::metrics {
namespace {

constexpr std::int64_t kWindow = 5;

// One flag per valid window, (H - 4) x (W - 4) row-major: flat and saturated.
std::vector<char> flat_saturated_windows(const char* op, const Tensor& image, const FlatSaturatedThresholds& t) {
  const Tensor img = image.dim() == 4 && image.size(0) == 1 ? image.select(0, 0) : image;
  GF_CHECK(img.dim() == 3 && img.size(1) >= kWindow && img.size(2) >= kWindow, op,
           ": expected one image (C, H, W) with H, W >= 5, got ", image.shape());
  // Each channel's max and min over every valid 5x5 window: (C, H - 4, W - 4).
  const Tensor batch = img.unsqueeze(0);
  const std::vector<double> hi = max_pool2d(batch, kWindow, 1).to_vector<double>();
  const std::vector<double> lo = neg(max_pool2d(neg(batch), kWindow, 1)).to_vector<double>();
  const std::size_t valid = hi.size() / static_cast<std::size_t>(img.size(0));
  std::vector<char> flat(valid, 1), saturated(valid, 0);
  for (std::size_t i = 0; i < hi.size(); ++i) {
    const std::size_t at = i % valid;
    flat[at] = flat[at] && hi[i] - lo[i] <= t.flat_range;
    saturated[at] = saturated[at] || hi[i] <= t.margin || lo[i] >= 1.0 - t.margin;
  }
  for (std::size_t i = 0; i < valid; ++i) flat[i] = flat[i] && saturated[i];
  return flat;
}

}  // namespace

double flat_saturated_fraction(const Tensor& image, const FlatSaturatedThresholds& thresholds) {
  const std::vector<char> blob = flat_saturated_windows("flat_saturated_fraction", image, thresholds);
  return static_cast<double>(std::count(blob.begin(), blob.end(), 1)) / static_cast<double>(blob.size());
}

Tensor flat_saturated_coverage(const Tensor& image, const FlatSaturatedThresholds& thresholds) {
  const std::vector<char> blob = flat_saturated_windows("flat_saturated_coverage", image, thresholds);
  const std::int64_t H = image.size(-2), W = image.size(-1), h = H - kWindow + 1, w = W - kWindow + 1;
  // Window (y, x) covers pixels y .. y + 4, x .. x + 4.
  std::vector<float> covered(static_cast<std::size_t>(H * W), 0.0F);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      if (!blob[static_cast<std::size_t>(y * w + x)]) continue;
      for (std::int64_t a = 0; a < kWindow; ++a)
        std::fill_n(covered.begin() + (y + a) * W + x, kWindow, 1.0F);
    }
  return from_vector<float>(covered, {H, W});
}

}  // namespace gf::metrics
