#include "gf/models/style/tiled_apply.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf::models {
namespace {

/// The 1-D blending weights of a tile of `length` pixels: a raised-cosine
/// ramp of `ramp_before` pixels at its start (0: none, the image border) and
/// of `ramp_after` at its end, 1 in between.
std::vector<double> tile_window(std::int64_t length, std::int64_t ramp_before, std::int64_t ramp_after) {
  std::vector<double> w(static_cast<std::size_t>(length), 1.0);
  auto rise = [](std::int64_t t, std::int64_t ramp) {  // t pixels in from the tile's edge
    return 0.5 - 0.5 * std::cos(std::numbers::pi * (static_cast<double>(t) + 0.5) / static_cast<double>(ramp));
  };
  for (std::int64_t t = 0; t < ramp_before; ++t) w[static_cast<std::size_t>(t)] *= rise(t, ramp_before);
  for (std::int64_t t = 0; t < ramp_after; ++t) w[static_cast<std::size_t>(length - 1 - t)] *= rise(t, ramp_after);
  return w;
}

/// Per tile along one axis: the ramps shared with the previous and next tiles.
struct Ramps {
  std::int64_t before, after;
};

Ramps ramps(const std::vector<std::int64_t>& starts, std::size_t k, std::int64_t tile) {
  // The whole overlap with a neighbour is the ramp: each side's pixel pairs
  // then get weights w and 1 - w.
  const std::int64_t before = k == 0 ? 0 : starts[k - 1] + tile - starts[k];
  const std::int64_t after = k + 1 == starts.size() ? 0 : starts[k] + tile - starts[k + 1];
  return {before, after};
}

}  // namespace

std::vector<std::int64_t> tile_starts(std::int64_t length, std::int64_t tile, std::int64_t overlap) {
  GF_CHECK(tile > 0 && overlap >= 0 && overlap < tile, "tiled_apply: need 0 <= overlap < tile, got tile ", tile,
           ", overlap ", overlap);
  if (length <= tile) return {0};
  // n tiles with n tile - (n - 1) overlap >= length, i.e. n >= (length - overlap) / (tile - overlap).
  const std::int64_t step = tile - overlap;
  const std::int64_t n = (length - overlap + step - 1) / step;
  std::vector<std::int64_t> starts;
  for (std::int64_t k = 0; k < n; ++k) starts.push_back(k * (length - tile) / (n - 1));  // evenly, rounded down
  return starts;
}

Tensor tiled_apply(const ImageFn& fn, const Tensor& image, const TileOptions& options, const TileProgress& progress) {
  GF_CHECK(image.dim() == 4, "tiled_apply: expected an image batch (N, C, H, W), got ", image.shape());
  NoGradGuard no_grad;
  const std::int64_t N = image.size(0), H = image.size(2), W = image.size(3);
  const std::int64_t tile_h = std::min(options.tile, H), tile_w = std::min(options.tile, W);
  const std::vector<std::int64_t> rows = tile_starts(H, options.tile, options.overlap);
  const std::vector<std::int64_t> cols = tile_starts(W, options.tile, options.overlap);
  const std::int64_t total = static_cast<std::int64_t>(rows.size() * cols.size());

  Tensor sum, weight_sum = zeros({1, 1, H, W}, {image.dtype()});  // sum of w * out, sum of w
  std::int64_t done = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Ramps rh = ramps(rows, i, tile_h);
    const Tensor wy = from_vector<double>(tile_window(tile_h, rh.before, rh.after), {1, 1, tile_h, 1});
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const Ramps rw = ramps(cols, j, tile_w);
      const Tensor wx = from_vector<double>(tile_window(tile_w, rw.before, rw.after), {1, 1, 1, tile_w});
      const Tensor w = mul(wy, wx).to(image.dtype());  // (1, 1, tile_h, tile_w)
      const Tensor in = image.narrow(2, rows[i], tile_h).narrow(3, cols[j], tile_w).contiguous();
      const Tensor out = fn(in);
      GF_CHECK(out.dim() == 4 && out.size(0) == N && out.size(2) == tile_h && out.size(3) == tile_w,
               "tiled_apply: the network turned a tile ", in.shape(), " into ", out.shape(),
               "; it must keep N, H and W");
      if (!sum.defined()) sum = zeros({N, out.size(1), H, W}, {image.dtype()});
      Tensor s = sum.narrow(2, rows[i], tile_h).narrow(3, cols[j], tile_w);
      s.copy_(add(s, mul(out, w)));
      Tensor ws = weight_sum.narrow(2, rows[i], tile_h).narrow(3, cols[j], tile_w);
      ws.copy_(add(ws, w));
      if (progress) progress(++done, total);
    }
  }
  return div(sum, weight_sum);
}

}  // namespace gf::models
