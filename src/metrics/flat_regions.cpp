#include "gf/metrics/flat_regions.hpp"

#include <cstdint>
#include <vector>

#include "gf/core/error.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/pool.hpp"

namespace gf::metrics {
namespace {

constexpr std::int64_t kWindow = 5;
constexpr double kFlatRange = 2.0 / 255.0, kBlack = 0.5 / 255.0, kWhite = 254.5 / 255.0;

}  // namespace

double flat_saturated_fraction(const Tensor& image) {
  const Tensor img = image.dim() == 4 && image.size(0) == 1 ? image.select(0, 0) : image;
  GF_CHECK(img.dim() == 3 && img.size(1) >= kWindow && img.size(2) >= kWindow,
           "flat_saturated_fraction: expected one image (C, H, W) with H, W >= 5, got ", image.shape());
  // Each channel's max and min over every valid 5x5 window: (C, H - 4, W - 4).
  const Tensor batch = img.unsqueeze(0);
  const std::vector<double> hi = max_pool2d(batch, kWindow, 1).to_vector<double>();
  const std::vector<double> lo = neg(max_pool2d(neg(batch), kWindow, 1)).to_vector<double>();
  const std::size_t valid = hi.size() / static_cast<std::size_t>(img.size(0));
  std::vector<char> flat(valid, 1), saturated(valid, 0);
  for (std::size_t i = 0; i < hi.size(); ++i) {
    const std::size_t at = i % valid;
    flat[at] = flat[at] && hi[i] - lo[i] <= kFlatRange;
    saturated[at] = saturated[at] || hi[i] <= kBlack || lo[i] >= kWhite;
  }
  std::size_t count = 0;
  for (std::size_t i = 0; i < valid; ++i) count += flat[i] && saturated[i];
  return static_cast<double>(count) / static_cast<double>(valid);
}

}  // namespace gf::metrics
