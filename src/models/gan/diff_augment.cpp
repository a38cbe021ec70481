#include "gf/models/gan/diff_augment.hpp"

#include <algorithm>

#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::models {
namespace {

constexpr const char* kPolicyNames = "color, translation, cutout";

// round(size * fraction) as the paper's code computes it: int(size * fraction + 0.5).
std::int64_t rounded_fraction(std::int64_t size, double fraction) {
  return static_cast<std::int64_t>(static_cast<double>(size) * fraction + 0.5);
}

// Uniform in [lo, hi).
double uniform(Rng& gen, double lo, double hi) { return lo + (hi - lo) * gen.uniform_double(); }

// Uniform integer in [lo, hi].
std::int64_t uniform_int(Rng& gen, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(hi - lo + 1)));
}

void check_images(const char* op, const Tensor& images, std::size_t values) {
  GF_CHECK(images.dim() == 4, op, ": images must be (N, C, H, W), got ", images.shape());
  GF_CHECK(values == static_cast<std::size_t>(images.size(0)), op, ": ", values, " per-sample values for ",
           images.size(0), " images");
}

// A constant (no gradient) of `like`'s dtype and device.
Tensor constant_like(const std::vector<double>& values, const Shape& shape, const Tensor& like) {
  return from_vector<double>(values, shape).to(like.dtype()).to(like.device());
}

// `values` (one per sample) as an (N, 1, 1, 1) constant that broadcasts over each image.
Tensor per_sample(const std::vector<double>& values, const Tensor& like) {
  return constant_like(values, {static_cast<std::int64_t>(values.size()), 1, 1, 1}, like);
}

// m + f (x - m): moves x away from (f > 1) or towards (f < 1) its mean m.
Tensor scale_around(const Tensor& x, const Tensor& m, const Tensor& f) { return add(m, mul(f, sub(x, m))); }

// The (N, 1, S, S) matrices that shift a column vector down by d[n] rows:
// M[n, i, j] = 1 where j = i - d[n], so (M v)[i] = v[i - d[n]], and 0 for
// rows i - d[n] outside [0, S) (the zero fill).
Tensor shift_matrices(const std::vector<std::int64_t>& d, std::int64_t size, const Tensor& like) {
  const auto n = static_cast<std::int64_t>(d.size());
  std::vector<double> m(static_cast<std::size_t>(n * size * size), 0.0);
  for (std::int64_t s = 0; s < n; ++s)
    for (std::int64_t i = 0; i < size; ++i) {
      const std::int64_t j = i - d[static_cast<std::size_t>(s)];
      if (j >= 0 && j < size) m[static_cast<std::size_t>((s * size + i) * size + j)] = 1.0;
    }
  return constant_like(m, {n, 1, size, size}, like);
}

// The (N, 1, S, S) matrices repeated over the channels as (N C, S, S): one per image plane.
Tensor per_plane(const Tensor& matrices, const Tensor& images) {
  const std::int64_t n = images.size(0), c = images.size(1), s = matrices.size(2);
  return matrices.expand({n, c, s, s}).reshape({n * c, s, s});
}

// A field of every draw, as the per-sample vector the transforms take.
template <typename T>
std::vector<T> field(const std::vector<AugmentDraw>& draws, T AugmentDraw::*member) {
  std::vector<T> out;
  out.reserve(draws.size());
  for (const AugmentDraw& d : draws) out.push_back(d.*member);
  return out;
}

}  // namespace

std::string DiffAugmentPolicy::str() const {
  std::string out;
  const auto append = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  append(color, "color");
  append(translation, "translation");
  append(cutout, "cutout");
  return out;
}

DiffAugmentPolicy parse_diff_augment(const std::string& list) {
  DiffAugmentPolicy policy;
  if (list.empty()) return policy;
  for (std::size_t start = 0;;) {
    const std::size_t end = list.find(',', start);
    const std::string entry = list.substr(start, end - start);
    if (entry == "color")
      policy.color = true;
    else if (entry == "translation")
      policy.translation = true;
    else if (entry == "cutout")
      policy.cutout = true;
    else
      throw Error(detail::concat("--diff-augment: unknown policy '", entry, "' (expected ", kPolicyNames, ")"));
    if (end == std::string::npos) return policy;
    start = end + 1;
  }
}

std::int64_t cutout_side(std::int64_t size) { return rounded_fraction(size, 0.5); }
std::int64_t max_shift(std::int64_t size) { return rounded_fraction(size, 0.125); }

std::vector<AugmentDraw> draw_diff_augment(const DiffAugmentPolicy& policy, std::int64_t n, std::int64_t size,
                                           Rng& gen) {
  std::vector<AugmentDraw> draws(static_cast<std::size_t>(n));
  const std::int64_t shift = max_shift(size), side = cutout_side(size);
  for (AugmentDraw& d : draws) {
    if (policy.color) {
      d.brightness = uniform(gen, -0.5, 0.5);
      d.saturation = uniform(gen, 0.0, 2.0);
      d.contrast = uniform(gen, 0.5, 1.5);
    }
    if (policy.translation) {
      d.shift_x = uniform_int(gen, -shift, shift);
      d.shift_y = uniform_int(gen, -shift, shift);
    }
    if (policy.cutout) {
      // The paper's code: the centre uniform in [0, size] ([0, size - 1] for
      // an odd side), the corner half a side before it.
      d.cutout_x = uniform_int(gen, 0, size - side % 2) - side / 2;
      d.cutout_y = uniform_int(gen, 0, size - side % 2) - side / 2;
    }
  }
  return draws;
}

Tensor apply_diff_augment(const Tensor& images, const DiffAugmentPolicy& policy,
                          const std::vector<AugmentDraw>& draws) {
  check_images("diff_augment", images, draws.size());
  const std::int64_t size = images.size(3);
  GF_CHECK(images.size(2) == size, "diff_augment: images must be square, got ", images.shape());
  Tensor x = images;
  if (policy.color) {
    x = adjust_brightness(x, field(draws, &AugmentDraw::brightness));
    // One channel is its own mean: saturation would be the identity.
    if (x.size(1) > 1) x = adjust_saturation(x, field(draws, &AugmentDraw::saturation));
    x = adjust_contrast(x, field(draws, &AugmentDraw::contrast));
  }
  if (policy.translation) x = translate(x, field(draws, &AugmentDraw::shift_x), field(draws, &AugmentDraw::shift_y));
  if (policy.cutout)
    x = cut_out(x, field(draws, &AugmentDraw::cutout_x), field(draws, &AugmentDraw::cutout_y), cutout_side(size));
  return x;
}

Tensor diff_augment(const Tensor& images, const DiffAugmentPolicy& policy, Rng& gen) {
  if (!policy.enabled()) return images;
  GF_CHECK(images.dim() == 4, "diff_augment: images must be (N, C, H, W), got ", images.shape());
  return apply_diff_augment(images, policy, draw_diff_augment(policy, images.size(0), images.size(3), gen));
}

Tensor adjust_brightness(const Tensor& images, const std::vector<double>& b) {
  check_images("adjust_brightness", images, b.size());
  return add(images, per_sample(b, images));
}

Tensor adjust_saturation(const Tensor& images, const std::vector<double>& s) {
  check_images("adjust_saturation", images, s.size());
  return scale_around(images, mean(images, {1}, /*keepdim=*/true), per_sample(s, images));
}

Tensor adjust_contrast(const Tensor& images, const std::vector<double>& c) {
  check_images("adjust_contrast", images, c.size());
  return scale_around(images, mean(images, {1, 2, 3}, /*keepdim=*/true), per_sample(c, images));
}

Tensor translate(const Tensor& images, const std::vector<std::int64_t>& dx, const std::vector<std::int64_t>& dy) {
  check_images("translate", images, dx.size());
  check_images("translate", images, dy.size());
  const std::int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  // Each plane P (H, W): S_y P moves its rows down by dy, P S_x^T its columns right by dx.
  const Tensor rows = per_plane(shift_matrices(dy, h, images), images);
  const Tensor cols = per_plane(shift_matrices(dx, w, images), images).transpose(1, 2);
  return matmul(matmul(rows, images.reshape({n * c, h, w})), cols).reshape({n, c, h, w});
}

Tensor cut_out(const Tensor& images, const std::vector<std::int64_t>& x0, const std::vector<std::int64_t>& y0,
               std::int64_t side) {
  check_images("cut_out", images, x0.size());
  check_images("cut_out", images, y0.size());
  const std::int64_t n = images.size(0), h = images.size(2), w = images.size(3);
  std::vector<double> mask(static_cast<std::size_t>(n * h * w), 1.0);
  for (std::int64_t s = 0; s < n; ++s) {
    const auto k = static_cast<std::size_t>(s);
    for (std::int64_t y = std::max<std::int64_t>(y0[k], 0); y < std::min(y0[k] + side, h); ++y)
      for (std::int64_t x = std::max<std::int64_t>(x0[k], 0); x < std::min(x0[k] + side, w); ++x)
        mask[static_cast<std::size_t>((s * h + y) * w + x)] = 0.0;
  }
  return mul(images, constant_like(mask, {n, 1, h, w}, images));
}

}  // namespace gf::models
