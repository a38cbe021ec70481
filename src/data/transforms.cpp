// Image transforms: crops and flips copy pixels, resize and rotate go through
// the bilinear sampler.
#include "gf/data/transforms.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "data/bilinear.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf::data {
namespace {

using detail::Border;
using detail::sample_bilinear;

// The image as a contiguous (C, H, W) floating CPU tensor, or an error naming `op`.
Tensor checked_image(const Tensor& image, const char* op) {
  GF_CHECK(image.dim() == 3, op, ": expected an image (C, H, W), got shape ", image.shape());
  GF_CHECK(is_floating(image.dtype()), op, ": expected a float32/float64 image, got ", image.dtype());
  GF_CHECK(image.device().is_cpu(), op, ": transforms run on the CPU, the image is on ", image.device());
  return image.contiguous();
}

// The (height, width) window whose top-left corner sits at (top, left) of the
// image; rows and columns outside the image read 0.
Tensor crop_at(const Tensor& image, std::int64_t top, std::int64_t left, std::int64_t height, std::int64_t width) {
  const std::int64_t c = image.size(0), h = image.size(1), w = image.size(2);
  Tensor out = zeros({c, height, width}, {image.dtype()});  // (C, height, width)
  GF_DTYPE_DISPATCH_FLOATING(image.dtype(), "crop", [&] {
    const scalar_t* src = image.data<scalar_t>();
    scalar_t* dst = out.data<scalar_t>();
    // Only the overlap of window and image is copied; the rest stays 0.
    const std::int64_t y_lo = std::max<std::int64_t>(0, -top), y_hi = std::min(height, h - top);
    const std::int64_t x_lo = std::max<std::int64_t>(0, -left), x_hi = std::min(width, w - left);
    for (std::int64_t p = 0; p < c; ++p)
      for (std::int64_t y = y_lo; y < y_hi; ++y)
        for (std::int64_t x = x_lo; x < x_hi; ++x)
          dst[(p * height + y) * width + x] = src[(p * h + top + y) * w + left + x];
  });
  return out;
}

// Averages pairs of rows (and/or columns): (C, H, W) -> (C, H/2, W) etc.
// Bilinear alone reads only 4 source pixels per output pixel, so a big
// reduction would skip most of the image and alias; halving first lets every
// pixel contribute (the "mipmap" idea).
Tensor halve(const Tensor& image, bool rows, bool cols) {
  const std::int64_t c = image.size(0), h = image.size(1), w = image.size(2);
  const std::int64_t ry = rows ? 2 : 1, rx = cols ? 2 : 1, oh = h / ry, ow = w / rx;
  Tensor out = Tensor::empty({c, oh, ow}, {image.dtype()});  // (C, H/ry, W/rx)
  GF_DTYPE_DISPATCH_FLOATING(image.dtype(), "resize", [&] {
    const scalar_t* src = image.data<scalar_t>();
    scalar_t* dst = out.data<scalar_t>();
    const auto scale = static_cast<scalar_t>(1.0 / static_cast<double>(ry * rx));
    for (std::int64_t p = 0; p < c; ++p)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t x = 0; x < ow; ++x) {
          scalar_t sum = 0;
          for (std::int64_t dy = 0; dy < ry; ++dy)
            for (std::int64_t dx = 0; dx < rx; ++dx) sum += src[(p * h + y * ry + dy) * w + x * rx + dx];
          dst[(p * oh + y) * ow + x] = sum * scale;
        }
  });
  return out;
}

}  // namespace

Tensor resize(const Tensor& image, std::int64_t height, std::int64_t width) {
  Tensor x = checked_image(image, "resize");
  GF_CHECK(height > 0 && width > 0, "resize: target size must be positive, got ", height, "x", width);
  while (x.size(1) >= 2 * height || x.size(2) >= 2 * width)
    x = halve(x, x.size(1) >= 2 * height, x.size(2) >= 2 * width);

  const std::int64_t c = x.size(0), h = x.size(1), w = x.size(2);
  Tensor out = Tensor::empty({c, height, width}, {x.dtype()});  // (C, height, width)
  // Output pixel centre y + 0.5 sits at (y + 0.5) * h / height in the source.
  const double sy = static_cast<double>(h) / static_cast<double>(height);
  const double sx = static_cast<double>(w) / static_cast<double>(width);
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "resize", [&] {
    sample_bilinear(x.data<scalar_t>(), c, h, w, out.data<scalar_t>(), height, width, Border::kClamp,
                    [&](std::int64_t y, std::int64_t xx) {
                      return std::pair{(static_cast<double>(y) + 0.5) * sy - 0.5,
                                       (static_cast<double>(xx) + 0.5) * sx - 0.5};
                    });
  });
  return out;
}

std::pair<std::int64_t, std::int64_t> size_with_longest_side(std::int64_t h, std::int64_t w, std::int64_t longest) {
  if (longest <= 0) return {h, w};
  const double scale = static_cast<double>(longest) / static_cast<double>(std::max(h, w));
  return {std::max<std::int64_t>(1, std::llround(static_cast<double>(h) * scale)),
          std::max<std::int64_t>(1, std::llround(static_cast<double>(w) * scale))};
}

Tensor resize_center_crop(const Tensor& image, std::int64_t size) {
  GF_CHECK(size > 0, "resize_center_crop: size must be positive, got ", size);
  const Tensor x = checked_image(image, "resize_center_crop");
  const double h = static_cast<double>(x.size(1)), w = static_cast<double>(x.size(2));
  // The shorter side becomes `size`; the longer one keeps the aspect ratio.
  const auto scaled = [&](double longer, double shorter) {
    return std::max(size, static_cast<std::int64_t>(std::llround(longer * static_cast<double>(size) / shorter)));
  };
  const std::int64_t nh = h <= w ? size : scaled(h, w), nw = h <= w ? scaled(w, h) : size;
  return center_crop(resize(x, nh, nw), size, size);
}

Tensor center_crop(const Tensor& image, std::int64_t height, std::int64_t width) {
  const Tensor x = checked_image(image, "center_crop");
  GF_CHECK(height > 0 && width > 0, "center_crop: size must be positive, got ", height, "x", width);
  return crop_at(x, (x.size(1) - height) / 2, (x.size(2) - width) / 2, height, width);
}

Tensor hflip(const Tensor& image) {
  const Tensor x = checked_image(image, "hflip");
  const std::int64_t rows = x.size(0) * x.size(1), w = x.size(2);
  Tensor out = Tensor::empty(x.shape(), {x.dtype()});
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "hflip", [&] {
    const scalar_t* src = x.data<scalar_t>();
    scalar_t* dst = out.data<scalar_t>();
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t i = 0; i < w; ++i) dst[r * w + i] = src[r * w + (w - 1 - i)];
  });
  return out;
}

Tensor rotate(const Tensor& image, double degrees) {
  const Tensor x = checked_image(image, "rotate");
  const std::int64_t c = x.size(0), h = x.size(1), w = x.size(2);
  Tensor out = Tensor::empty(x.shape(), {x.dtype()});
  // Output pixel (x, y) comes from the source point rotated back by the angle
  // about the centre. With y pointing down, this turns the picture
  // counter-clockwise on screen.
  const double rad = degrees * std::numbers::pi / 180.0, cs = std::cos(rad), sn = std::sin(rad);
  const double cy = static_cast<double>(h - 1) / 2, cx = static_cast<double>(w - 1) / 2;
  GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "rotate", [&] {
    sample_bilinear(x.data<scalar_t>(), c, h, w, out.data<scalar_t>(), h, w, Border::kZero,
                    [&](std::int64_t y, std::int64_t xx) {
                      const double dy = static_cast<double>(y) - cy, dx = static_cast<double>(xx) - cx;
                      return std::pair{cy + sn * dx + cs * dy, cx + cs * dx - sn * dy};
                    });
  });
  return out;
}

Tensor rotate90(const Tensor& image, int quarter_turns) {
  Tensor x = checked_image(image, "rotate90");
  // One counter-clockwise quarter turn, as often as asked (3 for one clockwise).
  // The right column, read downwards, becomes the top row: out(r, c) = in(c, W - 1 - r).
  for (int turn = 0; turn < ((quarter_turns % 4) + 4) % 4; ++turn) {
    const std::int64_t c = x.size(0), h = x.size(1), w = x.size(2);
    Tensor out = Tensor::empty({c, w, h}, {x.dtype()});
    GF_DTYPE_DISPATCH_FLOATING(x.dtype(), "rotate90", [&] {
      const scalar_t* src = x.data<scalar_t>();
      scalar_t* dst = out.data<scalar_t>();
      for (std::int64_t ch = 0; ch < c; ++ch)
        for (std::int64_t r = 0; r < w; ++r)
          for (std::int64_t col = 0; col < h; ++col)
            dst[(ch * w + r) * h + col] = src[(ch * h + col) * w + (w - 1 - r)];
    });
    x = out;
  }
  return x;
}

Tensor resize_shorter(const Tensor& image, std::int64_t side) {
  const Tensor x = checked_image(image, "resize_shorter");
  GF_CHECK(side > 0, "resize_shorter: side must be positive, got ", side);
  const double scale = static_cast<double>(side) / static_cast<double>(std::min(x.size(1), x.size(2)));
  return clamp(resize(x, std::max<std::int64_t>(side, std::llround(static_cast<double>(x.size(1)) * scale)),
                      std::max<std::int64_t>(side, std::llround(static_cast<double>(x.size(2)) * scale))),
               0.0, 1.0);
}

Tensor normalize(const Tensor& image) { return image * 2.0 - 1.0; }

Tensor denormalize(const Tensor& image) { return (image + 1.0) * 0.5; }

Tensor random_crop(const Tensor& image, std::int64_t height, std::int64_t width, std::int64_t padding,
                   Rng& gen) {
  const Tensor x = checked_image(image, "random_crop");
  const std::int64_t h = x.size(1) + 2 * padding, w = x.size(2) + 2 * padding;
  GF_CHECK(padding >= 0 && height > 0 && width > 0 && height <= h && width <= w, "random_crop: cannot cut ",
           height, "x", width, " from a ", x.size(1), "x", x.size(2), " image padded by ", padding);
  const auto top = static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(h - height + 1)));
  const auto left = static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(w - width + 1)));
  return crop_at(x, top - padding, left - padding, height, width);
}

Tensor random_horizontal_flip(const Tensor& image, double p, Rng& gen) {
  const Tensor x = checked_image(image, "random_horizontal_flip");
  return gen.uniform_double() < p ? hflip(x) : x;
}

Tensor random_rotation(const Tensor& image, double max_degrees, Rng& gen) {
  return rotate(image, (2.0 * gen.uniform_double() - 1.0) * max_degrees);
}

Tensor random_zoom_crop(const Tensor& image, std::int64_t size, double max_zoom, Rng& gen) {
  GF_CHECK(max_zoom >= 1.0, "random_zoom_crop: max_zoom must be at least 1, got ", max_zoom);
  const double zoom = 1.0 + (max_zoom - 1.0) * gen.uniform_double();
  const Tensor scaled = resize_shorter(image, std::llround(zoom * static_cast<double>(size)));
  return random_horizontal_flip(random_crop(scaled, size, size, 0, gen), 0.5, gen);
}

Tensor Compose::operator()(const Tensor& image, Rng& gen) const {
  Tensor x = image;
  for (const Transform& step : steps_) x = step(x, gen);
  return x;
}

}  // namespace gf::data
