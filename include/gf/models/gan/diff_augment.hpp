#pragma once
// Differentiable augmentation (DiffAugment; Zhao et al. 2020, "Differentiable
// Augmentation for Data-Efficient GAN Training").
//
// With little data, D memorises the real images and its feedback to G
// degrades. Augmenting only the real images does not help: G then learns to
// produce augmented images. DiffAugment applies the same random transform T
// to everything D sees, real and fake, in D's step and in G's step:
//   L_D = loss(D(T(x)), D(T(G(z))))      L_G = loss(D(T(G(z))))
// T must be differentiable, since G's gradient passes through it.
//
// The policies, each with fresh random draws per sample (x: (N, C, S, S) in [-1, 1]):
//   color        x + b, b ~ U(-0.5, 0.5)                                (brightness)
//                m_c + s (x - m_c), s ~ U(0, 2), m_c the pixel's channel mean
//                                                     (saturation; C > 1 only)
//                m + c (x - m), c ~ U(0.5, 1.5), m the sample's mean over C, H, W   (contrast)
//   translation  the image shifted by (dx, dy), each uniform in [-r, r],
//                r = round(size / 8), with 0 where no pixel was shifted in
//   cutout       a square of side round(size / 2) set to 0, its centre
//                uniform over the image (it may overlap the border)
// The constants are the paper's, and so is the range: its StyleGAN2 and
// BigGAN code applies them to images in [-1, 1] as here. 0 is therefore the
// fill of translation and cutout, as there (mid-gray rather than black).
//
// Every transform is built from differentiable ops: color from add, mul and
// mean; translation as products with 0/1 shift matrices, out = S_y x S_x^T;
// cutout as a product with a 0/1 mask. The masks and matrices are constants,
// so T is linear in x for translation and cutout, and double backward works
// through all of it (a gradient penalty may sit on top of T).
#include <cstdint>
#include <string>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"

namespace gf::models {

/// Which transforms T applies, always in the order color, translation, cutout.
struct DiffAugmentPolicy {
  bool color = false;
  bool translation = false;
  bool cutout = false;

  bool enabled() const { return color || translation || cutout; }
  /// The comma-separated list parse_diff_augment reads back ("" when off).
  std::string str() const;
  bool operator==(const DiffAugmentPolicy&) const = default;
};

/// "color,translation,cutout" (any subset, any order; "" = off) -> the policy.
/// Throws naming the entry that is not a policy.
DiffAugmentPolicy parse_diff_augment(const std::string& list);

/// One sample's random draws; fields of policies that are off keep the identity.
struct AugmentDraw {
  double brightness = 0.0;  // added
  double saturation = 1.0;  // factor around the channel mean
  double contrast = 1.0;    // factor around the sample mean
  std::int64_t shift_x = 0, shift_y = 0;
  std::int64_t cutout_x = 0, cutout_y = 0;  // the square's top-left corner (may be negative)
};

/// The side of the cutout square and the largest translation for `size` pixels.
std::int64_t cutout_side(std::int64_t size);
std::int64_t max_shift(std::int64_t size);

/// Draws for `n` square images of `size` x `size` pixels, sample after sample, from `gen`.
std::vector<AugmentDraw> draw_diff_augment(const DiffAugmentPolicy& policy, std::int64_t n, std::int64_t size,
                                           Rng& gen);

/// T with the given draws (one per sample of `images`, (N, C, S, S)).
Tensor apply_diff_augment(const Tensor& images, const DiffAugmentPolicy& policy, const std::vector<AugmentDraw>& draws);

/// T with fresh draws from `gen`; `images` unchanged when the policy is off.
Tensor diff_augment(const Tensor& images, const DiffAugmentPolicy& policy, Rng& gen);

// The transforms with given per-sample values (N of each), deterministic:
/// x + b[n]
Tensor adjust_brightness(const Tensor& images, const std::vector<double>& b);
/// m_c + s[n] (x - m_c), m_c the mean over the channels of each pixel.
Tensor adjust_saturation(const Tensor& images, const std::vector<double>& s);
/// m + c[n] (x - m), m the mean of sample n over C, H, W.
Tensor adjust_contrast(const Tensor& images, const std::vector<double>& c);
/// out[n, :, y, x] = images[n, :, y - dy[n], x - dx[n]], 0 outside the image.
Tensor translate(const Tensor& images, const std::vector<std::int64_t>& dx, const std::vector<std::int64_t>& dy);
/// images with the side x side square at (x0[n], y0[n]) (top-left, clipped to the image) set to 0.
Tensor cut_out(const Tensor& images, const std::vector<std::int64_t>& x0, const std::vector<std::int64_t>& y0,
               std::int64_t side);

}  // namespace gf::models
