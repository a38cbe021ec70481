#pragma once
// The one bilinear sampler behind resize and rotate.
//
// A geometric transform is easiest written backwards: for every output pixel,
// where in the source does it come from? `where(y, x)` answers with a real
// source point (sy, sx); the value there mixes the four surrounding pixels,
//
//   top    = s[y0][x0] + (s[y0][x0+1] - s[y0][x0]) * fx      (fx = sx - x0)
//   bottom = s[y0+1][x0] + (s[y0+1][x0+1] - s[y0+1][x0]) * fx
//   value  = top + (bottom - top) * fy                        (fy = sy - y0)
//
// written as lerps so that a constant image stays exactly constant and an
// integer source point returns the pixel itself.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace gf::data::detail {

enum class Border {
  kClamp,  // points beyond the image read the nearest edge pixel (resize)
  kZero,   // pixels beyond the image read 0 (rotation uncovers black corners)
};

/// Fills dst (P, out_h, out_w) from src (P, h, w), both contiguous, sampling
/// every plane at where(y, x) -> std::pair<double, double>{sy, sx}.
template <typename T, typename Where>
void sample_bilinear(const T* src, std::int64_t planes, std::int64_t h, std::int64_t w, T* dst, std::int64_t out_h,
                     std::int64_t out_w, Border border, Where where) {
  for (std::int64_t y = 0; y < out_h; ++y) {
    for (std::int64_t x = 0; x < out_w; ++x) {
      auto [sy, sx] = where(y, x);
      if (border == Border::kClamp) {
        sy = std::clamp(sy, 0.0, static_cast<double>(h - 1));
        sx = std::clamp(sx, 0.0, static_cast<double>(w - 1));
      }
      const double fy0 = std::floor(sy), fx0 = std::floor(sx);
      const auto y0 = static_cast<std::int64_t>(fy0), x0 = static_cast<std::int64_t>(fx0);
      const auto fy = static_cast<T>(sy - fy0), fx = static_cast<T>(sx - fx0);
      for (std::int64_t p = 0; p < planes; ++p) {
        const T* plane = src + p * h * w;
        // Clamped points lie inside, so only their +1 neighbours can step out,
        // and those carry weight 0 exactly then; both borders may read 0 there.
        auto at = [&](std::int64_t yy, std::int64_t xx) -> T {
          return yy >= 0 && yy < h && xx >= 0 && xx < w ? plane[yy * w + xx] : T(0);
        };
        const T top = at(y0, x0) + (at(y0, x0 + 1) - at(y0, x0)) * fx;
        const T bottom = at(y0 + 1, x0) + (at(y0 + 1, x0 + 1) - at(y0 + 1, x0)) * fx;
        dst[(p * out_h + y) * out_w + x] = top + (bottom - top) * fy;
      }
    }
  }
}

}  // namespace gf::data::detail
