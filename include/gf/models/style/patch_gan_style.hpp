#pragma once
// Offline style transfer: no pretrained network, the texture is learnt on the
// spot by an adversarial multi-scale patch discriminator (the idea of MGAN,
// Li & Wand 2016, and SinGAN, Shaham et al. 2019, applied to the pixels of one
// image as in Gatys' optimisation).
//
// Two players take turns, steps times:
//   D  (patch_discriminator.hpp, one small net per pyramid level k) learns to
//      tell patches of the style image's level k (real) from patches of the
//      current output's level k (fake), with the hinge loss;
//   x  (the output pixels) moves to
//        min  w_adv L_adv + w_low L_low + w_edge L_edge + w_ssim L_ssim + w_col L_col + w_tv L_tv
//      where L_adv = mean_k -D_k(patches of x's level k) makes its patches look
//      like the style's at every scale (the style's strokes and shapes), and the
//      other terms (style_losses.hpp) keep the content's layout (luminance
//      low-pass, edges, SSIM) and the style's palette (colour statistics).
// Levels come from gf::image::gaussian_pyramid, so level k's patches cover
// 2^k times more of the image: fine texture at level 0, larger shapes above.
//
// Two choices make this work in a few hundred steps:
//  - a seeded start, like Gatys' "init from the style": the content photo
//    recoloured to the style's statistics (Reinhard), blurred with sigma
//    seed_sigma, plus seed_amount times the style's own detail (the tiled style
//    minus its blur), recoloured again. D then reshapes these strokes into
//    patches that look like the style's at every scale, instead of having to
//    grow texture out of a smooth photo, which pixel-space adversarial
//    gradients do badly (they add noise);
//  - a structure budget instead of a pull: L_ssim = max(0, ssim_target -
//    SSIM(Y(x), Y(c))) only acts when the content is about to become
//    unreadable, so it does not erase the texture D asks for.
//
//   gf::Tensor out = gf::models::patch_gan_transfer(content, {{style, 1.0}}, {.steps = 400});
#include <cstdint>

#include "gf/models/style/gatys.hpp"
#include "gf/models/gan/gan_loss.hpp"
#include "gf/models/style/patch_discriminator.hpp"

namespace gf::models {

struct PatchGanStyleOptions {
  std::int64_t steps = 300;  // each: one discriminator update, one image update
  PatchDiscriminatorConfig discriminator{.width = 32, .downsamplings = 2, .scales = 3, .spectral_norm = false};
  std::int64_t patch_size = 48;  // side of the patches cut at every level
  std::int64_t patches = 8;      // patches per level and player per step
  GanLoss loss = GanLoss::kHinge;
  double image_lr = 0.01;           // Adam on the pixels
  double discriminator_lr = 1e-3;   // Adam on D, betas (0.5, 0.99): D must stay ahead of x
  double adversarial_weight = 3.0;  // w_adv
  double lowpass_weight = 2.0;      // w_low
  double lowpass_sigma = 2.0;       // pixels, of the low-pass filter
  double edge_weight = 0.0;         // w_edge
  double ssim_weight = 5.0;         // w_ssim
  double ssim_target = 0.55;        // L_ssim = max(0, ssim_target - SSIM): 1 pulls all the way to the content
  double color_weight = 10.0;       // w_col
  double tv_weight = 1.0;           // w_tv
  double seed_sigma = 2.0;          // seeded start: the content's bands coarser than this blur ...
  double seed_amount = 0.75;        // ... plus this much of the style's finer detail (0: no seeding)
  std::uint64_t seed = 1;           // D's initial weights and the patch positions
};

/// The seeded start described above, (1, 3, H, W) in [0, 1], for content
/// (1, 3, H, W) and the first style (1, 3, h, w).
Tensor seeded_start(const Tensor& content, const Tensor& style, double sigma, double amount);

/// Stylises `content` (1, 3, H, W) or (3, H, W) in [0, 1] with the texture of
/// `styles` (real patches drawn from each in proportion to its weight);
/// returns (1, 3, H, W) in [0, 1]. on_step gets D's loss "D", the unweighted
/// terms "adv", "low", "edge", "color", "tv" and the luminance "ssim" to the
/// content after every step.
Tensor patch_gan_transfer(const Tensor& content, const std::vector<WeightedStyle>& styles,
                          const PatchGanStyleOptions& options, const StepCallback& on_step = {});

}  // namespace gf::models
