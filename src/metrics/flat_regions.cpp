#include "gf/metrics/flat_regions.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gf/core/error.hpp"

namespace gf::metrics {
namespace {

constexpr std::int64_t kWindow = 5;
constexpr double kFlatRange = 2.0 / 255.0, kBlack = 0.5 / 255.0, kWhite = 254.5 / 255.0;

/// The max (or min) of every valid k x k window of a row-major H x W plane,
/// separably: rows first, then columns -> (H - k + 1) x (W - k + 1).
std::vector<double> window_extreme(const std::vector<double>& plane, std::int64_t H, std::int64_t W, bool take_max) {
  const auto pick = [take_max](double a, double b) { return take_max ? std::max(a, b) : std::min(a, b); };
  const std::int64_t h = H - kWindow + 1, w = W - kWindow + 1;
  std::vector<double> rows(static_cast<std::size_t>(H * w)), out(static_cast<std::size_t>(h * w));
  for (std::int64_t y = 0; y < H; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      double e = plane[static_cast<std::size_t>(y * W + x)];
      for (std::int64_t k = 1; k < kWindow; ++k) e = pick(e, plane[static_cast<std::size_t>(y * W + x + k)]);
      rows[static_cast<std::size_t>(y * w + x)] = e;
    }
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      double e = rows[static_cast<std::size_t>(y * w + x)];
      for (std::int64_t k = 1; k < kWindow; ++k) e = pick(e, rows[static_cast<std::size_t>((y + k) * w + x)]);
      out[static_cast<std::size_t>(y * w + x)] = e;
    }
  return out;
}

}  // namespace

double flat_saturated_fraction(const Tensor& image) {
  const Tensor img = image.dim() == 4 && image.size(0) == 1 ? image.select(0, 0) : image;
  GF_CHECK(img.dim() == 3 && img.size(1) >= kWindow && img.size(2) >= kWindow,
           "flat_saturated_fraction: expected one image (C, H, W) with H, W >= 5, got ", image.shape());
  const std::int64_t C = img.size(0), H = img.size(1), W = img.size(2);
  const std::vector<double> values = img.to(Device::cpu()).contiguous().to_vector<double>();
  const std::size_t valid = static_cast<std::size_t>((H - kWindow + 1) * (W - kWindow + 1));
  std::vector<char> flat(valid, 1), saturated(valid, 0);
  for (std::int64_t c = 0; c < C; ++c) {
    const std::vector<double> plane(values.begin() + c * H * W, values.begin() + (c + 1) * H * W);
    const std::vector<double> hi = window_extreme(plane, H, W, true), lo = window_extreme(plane, H, W, false);
    for (std::size_t i = 0; i < valid; ++i) {
      flat[i] = flat[i] && hi[i] - lo[i] <= kFlatRange;
      saturated[i] = saturated[i] || hi[i] <= kBlack || lo[i] >= kWhite;
    }
  }
  std::size_t count = 0;
  for (std::size_t i = 0; i < valid; ++i) count += flat[i] && saturated[i];
  return static_cast<double>(count) / static_cast<double>(valid);
}

}  // namespace gf::metrics
