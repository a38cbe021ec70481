// Colour spaces as a 3x3 matrix applied to every pixel (weighted sums of the
// channels) and colour statistics as reductions.
#include "gf/image/color.hpp"

#include <array>
#include <vector>

#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"
#include "image/layout.hpp"

namespace gf::image {
namespace {

using Matrix3 = std::array<std::array<double, 3>, 3>;

constexpr Matrix3 kRgbToYiq = {{{0.299, 0.587, 0.114},
                                {0.595716, -0.274453, -0.321263},
                                {0.211456, -0.522591, 0.311135}}};

/// Inverse by the adjugate: A^-1 = adj(A) / det(A), adj(A)[i][j] the cofactor of A[j][i].
Matrix3 inverse(const Matrix3& a) {
  auto cofactor = [&](int r, int c) {
    const int r0 = (r + 1) % 3, r1 = (r + 2) % 3, c0 = (c + 1) % 3, c1 = (c + 2) % 3;
    return a[r0][c0] * a[r1][c1] - a[r0][c1] * a[r1][c0];  // cyclic order carries the sign
  };
  const double det = a[0][0] * cofactor(0, 0) + a[0][1] * cofactor(0, 1) + a[0][2] * cofactor(0, 2);
  Matrix3 inv{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) inv[i][j] = cofactor(j, i) / det;
  return inv;
}

/// out[o] = sum_i m[o][i] x[i] at every pixel, each output channel a weighted
/// sum of the three input channels: (N, 3, H, W) -> (N, rows, H, W).
Tensor mix_channels(const char* op, const Tensor& x, const std::vector<std::array<double, 3>>& rows) {
  const Tensor xb = detail::to_batch(op, x);  // (N, 3, H, W)
  GF_CHECK(xb.size(1) == 3, op, ": expected 3 channels (RGB), got shape ", x.shape());
  const Tensor r = xb.narrow(1, 0, 1), g = xb.narrow(1, 1, 1), b = xb.narrow(1, 2, 1);  // (N, 1, H, W) each
  std::vector<Tensor> out;
  for (const auto& m : rows) out.push_back(r * m[0] + g * m[1] + b * m[2]);
  return detail::like_input(out.size() == 1 ? out[0] : cat(out, 1), x);
}

Tensor apply(const char* op, const Tensor& x, const Matrix3& m) {
  return mix_channels(op, x, {m[0], m[1], m[2]});
}

constexpr double kStdEps = 1e-12;

}  // namespace

Tensor rgb_to_luminance(const Tensor& rgb) {
  const Tensor xb = detail::to_batch("rgb_to_luminance", rgb);
  if (xb.size(1) == 1) return rgb;
  return mix_channels("rgb_to_luminance", rgb, {kRgbToYiq[0]});
}

Tensor rgb_to_yiq(const Tensor& rgb) { return apply("rgb_to_yiq", rgb, kRgbToYiq); }

Tensor yiq_to_rgb(const Tensor& yiq) {
  static const Matrix3 kYiqToRgb = inverse(kRgbToYiq);
  return apply("yiq_to_rgb", yiq, kYiqToRgb);
}

Tensor transfer_luminance(const Tensor& stylised, const Tensor& content) {
  GF_CHECK(stylised.shape() == content.shape(), "transfer_luminance: stylised image ", stylised.shape(),
           " and content image ", content.shape(), " must have the same shape");
  const std::int64_t c = stylised.dim() - 3;  // the channel dim
  const Tensor s = rgb_to_yiq(stylised), k = rgb_to_yiq(content);
  return yiq_to_rgb(cat({s.narrow(c, 0, 1), k.narrow(c, 1, 2)}, c));  // Y of stylised, I Q of content
}

ColorStats color_stats(const Tensor& x) {
  const Tensor xb = detail::to_batch("color_stats", x);  // (N, C, H, W)
  return {mean(xb, {0, 2, 3}), sqrt(var(xb, {0, 2, 3}, /*unbiased=*/false) + kStdEps)};
}

Tensor match_color_stats(const Tensor& image, const Tensor& reference, ColorSpace space) {
  const char* op = "match_color_stats";
  Tensor x = detail::to_batch(op, image);  // (N, C, H, W)
  Tensor ref = detail::to_batch(op, reference);
  GF_CHECK(x.size(1) == ref.size(1), op, ": image ", image.shape(), " and reference ", reference.shape(),
           " have different channel counts");
  if (space == ColorSpace::kYiq) {
    x = rgb_to_yiq(x);
    ref = rgb_to_yiq(ref);
  }
  const std::int64_t c = x.size(1);
  const Tensor mu = mean(x, {2, 3}, /*keepdim=*/true);                                  // (N, C, 1, 1)
  const Tensor sigma = sqrt(var(x, {2, 3}, /*unbiased=*/false, /*keepdim=*/true) + kStdEps);  // (N, C, 1, 1)
  const ColorStats target = color_stats(ref);
  Tensor out = (x - mu) / sigma * target.std.view({1, c, 1, 1}) + target.mean.view({1, c, 1, 1});
  if (space == ColorSpace::kYiq) out = yiq_to_rgb(out);
  return detail::like_input(out, image);
}

Tensor color_stats_distance(const Tensor& a, const Tensor& b) {
  const ColorStats sa = color_stats(a), sb = color_stats(b);
  GF_CHECK(sa.mean.numel() == sb.mean.numel(), "color_stats_distance: images ", a.shape(), " and ", b.shape(),
           " have different channel counts");
  return sqrt(sum(square(sa.mean - sb.mean)) + sum(square(sa.std - sb.std)));
}

}  // namespace gf::image
