#pragma once
// Colour spaces and colour statistics, built from tensor ops (differentiable,
// any device). Images are RGB (3, H, W) or (N, 3, H, W) in [0, 1]; where a
// function says so, a grey image (1 channel) is accepted too.
//
//   Tensor y    = gf::image::rgb_to_luminance(photo);                 // (1, H, W)
//   Tensor keep = gf::image::transfer_luminance(stylised, photo);      // photo's colours
//   Tensor look = gf::image::match_color_stats(photo, painting);       // painting's palette
//   double d    = gf::image::color_stats_distance(look, painting).item();
#include "gf/core/tensor.hpp"

namespace gf::image {

/// Rec. 601 luma Y = 0.299 R + 0.587 G + 0.114 B: (N, 3, H, W) -> (N, 1, H, W)
/// (or (3, H, W) -> (1, H, W)). A grey image (1 channel) is returned as it is.
Tensor rgb_to_luminance(const Tensor& rgb);

/// NTSC YIQ: Y is the luma above; I (orange-blue) and Q (purple-green) carry the
/// chroma:
///   [Y]   [0.299     0.587     0.114   ] [R]
///   [I] = [0.595716 -0.274453 -0.321263] [G]
///   [Q]   [0.211456 -0.522591  0.311135] [B]
/// yiq_to_rgb applies the exact inverse of this matrix (computed once in double),
/// so a round trip returns the input up to float rounding.
Tensor rgb_to_yiq(const Tensor& rgb);
Tensor yiq_to_rgb(const Tensor& yiq);

/// Colour preservation (Gatys et al. 2016, "Preserving color in neural artistic
/// style transfer", luminance-only transfer): the Y channel of `stylised` with the
/// I and Q channels of `content`, back in RGB. Same shapes, 3 channels. The result
/// may leave [0, 1] slightly: clamp before saving.
Tensor transfer_luminance(const Tensor& stylised, const Tensor& content);

/// Where match_color_stats matches the statistics.
enum class ColorSpace {
  kRgb,  // R, G, B: the matched image then has the reference's per-channel RGB mean and std exactly
  kYiq,  // Y, I, Q: decorrelated luma/chroma axes, closer to Reinhard's l-alpha-beta
};

/// Reinhard et al. 2001 colour transfer: in `space`, every channel c of each image
/// of `image` is shifted and scaled to the reference's mean and standard deviation,
///   out_c = (x_c - mu_x,c) / sigma_x,c * sigma_ref,c + mu_ref,c,
/// with mu, sigma over each image's pixels and the reference's statistics over
/// all its pixels (a batch reference is pooled), sigma as in color_stats. The two may differ in size.
/// 3 channels (1 with kRgb). The result may leave [0, 1]: clamp before saving.
Tensor match_color_stats(const Tensor& image, const Tensor& reference, ColorSpace space = ColorSpace::kRgb);

/// Per-channel mean and population standard deviation over all pixels (and all
/// images of a batch): (C,) each. sigma = sqrt(var + 1e-12): the 1e-12 keeps
/// the gradient finite on a flat channel and lets a flat channel be divided by.
struct ColorStats {
  Tensor mean;  // (C,)
  Tensor std;   // (C,)
};
ColorStats color_stats(const Tensor& x);

/// The colour-statistics distance, a 0-D tensor: the Euclidean norm of the
/// difference of the two images' (mean R, G, B, std R, G, B),
///   d(a, b) = sqrt( sum_c (mu_a,c - mu_b,c)^2 + (sigma_a,c - sigma_b,c)^2 ),
/// with mu, sigma from color_stats (values in [0, 1]). 0 is the same palette
/// statistics; a photo against a strongly coloured painting is typically
/// 0.2-0.4. Images may differ in size; channel counts must match.
/// Differentiable (a subgradient at d = 0).
Tensor color_stats_distance(const Tensor& a, const Tensor& b);

}  // namespace gf::image
