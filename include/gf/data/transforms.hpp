#pragma once
// Image transforms for data pipelines, on (C, H, W) float tensors.
//
// Each transform is a plain function; the random ones take the Rng they
// draw from, so the loader can give every example its own seeded stream and a
// run is reproducible whatever the thread timing:
//
//   gf::Rng gen(42);
//   Tensor x = gf::data::random_crop(image, 28, 28, /*padding=*/2, gen);
//
// and a Compose chains makers from gf::data::transforms into one Transform:
//
//   namespace T = gf::data::transforms;
//   gf::data::Compose augment({T::resize_center_crop(64), T::random_horizontal_flip(0.5), T::normalize()});
//   Tensor y = augment(image, gen);   // (3, 64, 64) in [-1, 1]
//
// Resize and rotation both sample the source with one bilinear helper
// (src/data/bilinear.hpp); pixels are squares of side 1 with centres at
// integer coordinates, so resizing maps centres, not corners (like
// align_corners=False in PyTorch).
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"

namespace gf::data {

/// (C, H, W) -> (C', H', W'), drawing any randomness from `gen`.
using Transform = std::function<Tensor(const Tensor& image, Rng& gen)>;

// ---- deterministic --------------------------------------------------------------

/// Bilinear resize to exactly (height, width); the aspect ratio may change.
Tensor resize(const Tensor& image, std::int64_t height, std::int64_t width);
/// The (height, width) of an h x w image scaled so its longest side is
/// `longest`, aspect ratio kept, each side at least 1; (h, w) when longest <= 0.
std::pair<std::int64_t, std::int64_t> size_with_longest_side(std::int64_t h, std::int64_t w, std::int64_t longest);
/// Bilinear resize of the shorter side to `size` keeping the aspect ratio,
/// then the centre size x size square: any photo -> (C, size, size).
Tensor resize_center_crop(const Tensor& image, std::int64_t size);
/// The centred (height, width) window; zero-padded where it is larger than the image.
Tensor center_crop(const Tensor& image, std::int64_t height, std::int64_t width);
/// Mirrors left and right.
Tensor hflip(const Tensor& image);
/// Rotates counter-clockwise by `degrees` about the centre, bilinear, with 0
/// where the rotated image uncovers the corners.
Tensor rotate(const Tensor& image, double degrees);
/// Rotates counter-clockwise by `quarter_turns` x 90 degrees exactly, by
/// moving pixels (no resampling): (C, H, W) -> (C, W, H) for odd turns.
/// Any integer, negative ones turn clockwise.
Tensor rotate90(const Tensor& image, int quarter_turns);
/// Bilinear resize so the shorter side is `side`, aspect ratio kept, values
/// clamped to [0, 1] (bilinear resampling of a photo stays in range; the clamp
/// guards against rounding).
Tensor resize_shorter(const Tensor& image, std::int64_t side);
/// [0, 1] -> [-1, 1] (x * 2 - 1), the range of a tanh generator. Any shape.
Tensor normalize(const Tensor& image);
/// [-1, 1] -> [0, 1] ((x + 1) / 2), for saving generated images. Any shape.
Tensor denormalize(const Tensor& image);

// ---- random ---------------------------------------------------------------------

/// A (height, width) window at a uniform position of the image zero-padded by
/// `padding` pixels on every side.
Tensor random_crop(const Tensor& image, std::int64_t height, std::int64_t width, std::int64_t padding, Rng& gen);
/// hflip with probability `p`, else the image unchanged.
Tensor random_horizontal_flip(const Tensor& image, double p, Rng& gen);
/// rotate by an angle uniform in [-max_degrees, max_degrees].
Tensor random_rotation(const Tensor& image, double max_degrees, Rng& gen);
/// Many different views of a few photos: the shorter side scaled to size x
/// zoom with zoom uniform in [1, max_zoom], a random (C, size, size) window of
/// that, flipped left-right half the time.
Tensor random_zoom_crop(const Tensor& image, std::int64_t size, double max_zoom, Rng& gen);

// ---- composition ----------------------------------------------------------------

/// Applies its transforms in order, all drawing from the one generator.
class Compose {
 public:
  explicit Compose(std::vector<Transform> steps) : steps_(std::move(steps)) {}
  Tensor operator()(const Tensor& image, Rng& gen) const;

 private:
  std::vector<Transform> steps_;
};

/// Makers: each returns the function of the same name as a Transform.
namespace transforms {
inline Transform resize(std::int64_t height, std::int64_t width) {
  return [=](const Tensor& x, Rng&) { return data::resize(x, height, width); };
}
inline Transform resize_center_crop(std::int64_t size) {
  return [=](const Tensor& x, Rng&) { return data::resize_center_crop(x, size); };
}
inline Transform center_crop(std::int64_t height, std::int64_t width) {
  return [=](const Tensor& x, Rng&) { return data::center_crop(x, height, width); };
}
inline Transform normalize() {
  return [](const Tensor& x, Rng&) { return data::normalize(x); };
}
inline Transform random_crop(std::int64_t height, std::int64_t width, std::int64_t padding) {
  return [=](const Tensor& x, Rng& g) { return data::random_crop(x, height, width, padding, g); };
}
inline Transform random_horizontal_flip(double p = 0.5) {
  return [=](const Tensor& x, Rng& g) { return data::random_horizontal_flip(x, p, g); };
}
inline Transform random_rotation(double max_degrees) {
  return [=](const Tensor& x, Rng& g) { return data::random_rotation(x, max_degrees, g); };
}
inline Transform random_zoom_crop(std::int64_t size, double max_zoom) {
  return [=](const Tensor& x, Rng& g) { return data::random_zoom_crop(x, size, max_zoom, g); };
}
}  // namespace transforms

}  // namespace gf::data
