// Burt & Adelson pyramids from the binomial kernel, zero insertion and slicing.
#include "gf/image/pyramid.hpp"

#include <algorithm>

#include "gf/core/factory.hpp"
#include "gf/image/filter.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/shape.hpp"
#include "image/layout.hpp"

namespace gf::image {
namespace {

/// b = [1 4 6 4 1] / 16 times `gain` (exact binary fractions: sums are exact).
Tensor binomial_taps(double gain) {
  return from_vector<double>({gain / 16, gain * 4 / 16, gain * 6 / 16, gain * 4 / 16, gain / 16}, {5});
}

/// Puts x[.., i] at position 2 i of a zero line of length `size` along `dim` (the
/// last two dims): stacking x with zeros on a new dim after `dim` and merging
/// the two interleaves them.
Tensor zero_insert(const Tensor& x, std::int64_t dim, std::int64_t size) {
  Tensor pairs = stack({x, zeros_like(x)}, dim + 1);  // (.., n, 2, ..)
  Shape merged = x.shape();
  merged[static_cast<std::size_t>(dim)] *= 2;
  return pairs.reshape(merged).narrow(dim, 0, size);
}

/// A mask of shape (H, W), (C', H, W) or (N', C', H, W) as a 4-D tensor on
/// x's dtype and device, checked against x (N, C, H, W).
Tensor mask_as_batch(const char* op, const Tensor& mask, const Tensor& x) {
  GF_CHECK(mask.dim() >= 2 && mask.dim() <= 4, op, ": mask must be (H, W), (C, H, W) or (N, C, H, W), got ",
           mask.shape());
  Tensor m = mask.to(x.dtype()).to(x.device());
  while (m.dim() < 4) m = m.unsqueeze(0);
  GF_CHECK(m.size(2) == x.size(2) && m.size(3) == x.size(3), op, ": mask is ", m.size(2), "x", m.size(3),
           ", the images are ", x.size(2), "x", x.size(3));
  GF_CHECK(m.size(1) == 1 || m.size(1) == x.size(1), op, ": mask has ", m.size(1), " channels, expected 1 or ",
           x.size(1));
  GF_CHECK(m.size(0) == 1 || m.size(0) == x.size(0), op, ": mask batch ", m.size(0), " does not match ", x.size(0));
  return m;
}

void check_same(const char* op, const Tensor& a, const Tensor& b) {
  GF_CHECK(a.shape() == b.shape(), op, ": images must have the same shape, got ", a.shape(), " and ", b.shape());
}

/// The blend behind pyramid_blend and fuse_with_content (see pyramid.hpp).
Tensor blend_bands(const char* op, const Tensor& stylised, const Tensor& content, std::int64_t levels,
                   const Tensor& mask, std::int64_t content_detail_levels) {
  check_same(op, stylised, content);
  GF_CHECK(content_detail_levels >= 0 && content_detail_levels <= levels, op, ": content_detail_levels must be in [0, ",
           levels, "], got ", content_detail_levels);
  const Tensor s = detail::to_batch(op, stylised), c = detail::to_batch(op, content);  // (N, C, H, W)
  const std::vector<Tensor> ls = laplacian_pyramid(s, levels), lc = laplacian_pyramid(c, levels);
  const std::vector<Tensor> masks = mask.defined() ? gaussian_pyramid(mask_as_batch(op, mask, s), levels)
                                                   : std::vector<Tensor>();
  std::vector<Tensor> mixed;
  for (std::int64_t k = 0; k < levels; ++k) {
    const auto i = static_cast<std::size_t>(k);
    if (k < content_detail_levels) {
      mixed.push_back(lc[i]);  // the content's own fine band
    } else if (masks.empty()) {
      mixed.push_back(ls[i]);  // the style's band everywhere
    } else {
      mixed.push_back(masks[i] * ls[i] + rsub(1.0, masks[i]) * lc[i]);  // the style's band inside the mask
    }
  }
  return detail::like_input(collapse(mixed), stylised);
}

}  // namespace

Tensor pyramid_down(const Tensor& x) {
  const Tensor xb = detail::to_batch("pyramid_down", x);  // (N, C, H, W)
  GF_CHECK(xb.size(2) >= 3 && xb.size(3) >= 3, "pyramid_down: needs an image of at least 3x3, got ", xb.size(2),
           "x", xb.size(3));
  const Tensor blurred = separable_filter(xb, binomial_taps(1.0));
  return detail::like_input(blurred.slice(2, 0, xb.size(2), 2).slice(3, 0, xb.size(3), 2), x);
}

Tensor pyramid_up(const Tensor& x, std::int64_t height, std::int64_t width) {
  const Tensor xb = detail::to_batch("pyramid_up", x);  // (N, C, h, w)
  const std::int64_t h = xb.size(2), w = xb.size(3);
  GF_CHECK((height == 2 * h - 1 || height == 2 * h) && (width == 2 * w - 1 || width == 2 * w),
           "pyramid_up: a ", h, "x", w, " level expands to (2h - 1 or 2h) x (2w - 1 or 2w), asked for ", height, "x",
           width);
  GF_CHECK(height >= 3 && width >= 3, "pyramid_up: the expanded size must be at least 3x3, asked for ", height, "x",
           width);
  // Reflection about an even index maps even positions to even positions, so
  // the padded grid keeps its pattern and every output gets weight exactly 1.
  const Tensor sparse = zero_insert(zero_insert(xb, 2, height), 3, width);  // (N, C, height, width)
  return detail::like_input(separable_filter(sparse, binomial_taps(2.0)), x);
}

std::int64_t max_pyramid_levels(std::int64_t height, std::int64_t width) {
  std::int64_t levels = 1;
  for (; height >= 3 && width >= 3; ++levels) {
    height = (height + 1) / 2;
    width = (width + 1) / 2;
  }
  return levels;
}

std::vector<Tensor> gaussian_pyramid(const Tensor& x, std::int64_t levels) {
  const Tensor xb = detail::to_batch("gaussian_pyramid", x);
  const std::int64_t most = max_pyramid_levels(xb.size(2), xb.size(3));
  GF_CHECK(levels >= 1 && levels <= most, "gaussian_pyramid: a ", xb.size(2), "x", xb.size(3),
           " image has 1 to ", most, " levels, asked for ", levels);
  std::vector<Tensor> g{x};
  for (std::int64_t k = 1; k < levels; ++k) g.push_back(pyramid_down(g.back()));
  return g;
}

std::vector<Tensor> laplacian_pyramid(const Tensor& x, std::int64_t levels) {
  const std::vector<Tensor> g = gaussian_pyramid(x, levels);
  std::vector<Tensor> lap;
  for (std::size_t k = 0; k + 1 < g.size(); ++k)
    lap.push_back(g[k] - pyramid_up(g[k + 1], g[k].size(-2), g[k].size(-1)));
  lap.push_back(g.back());
  return lap;
}

Tensor collapse(const std::vector<Tensor>& pyramid) {
  GF_CHECK(!pyramid.empty(), "collapse: the pyramid is empty");
  Tensor image = pyramid.back();
  for (std::size_t k = pyramid.size() - 1; k-- > 0;)
    image = pyramid[k] + pyramid_up(image, pyramid[k].size(-2), pyramid[k].size(-1));
  return image;
}

Tensor weighted_blend(const Tensor& a, const Tensor& b, double alpha) {
  check_same("weighted_blend", a, b);
  GF_CHECK(alpha >= 0.0 && alpha <= 1.0, "weighted_blend: alpha must be in [0, 1], got ", alpha);
  return a * alpha + b * (1.0 - alpha);
}

Tensor pyramid_blend(const Tensor& a, const Tensor& b, const Tensor& mask, std::int64_t levels) {
  return blend_bands("pyramid_blend", a, b, levels, mask, /*content_detail_levels=*/0);
}

Tensor fuse_with_content(const Tensor& stylised, const Tensor& content, std::int64_t levels, const Tensor& mask,
                         std::int64_t content_detail_levels) {
  return blend_bands("fuse_with_content", stylised, content, levels, mask, content_detail_levels);
}

Tensor fuse_by_mode(const Tensor& stylised, const Tensor& content, const std::string& mode, std::int64_t levels,
                    double alpha) {
  if (mode == "none") return stylised;
  if (mode == "weighted") return weighted_blend(stylised, content, alpha);
  GF_CHECK(mode == "pyramid", "fuse: unknown mode '", mode, "' (expected none, pyramid or weighted)");
  const std::int64_t most = max_pyramid_levels(content.size(-2), content.size(-1));
  return clamp(fuse_with_content(stylised, content, std::min(levels, most)), 0.0, 1.0);
}

}  // namespace gf::image
