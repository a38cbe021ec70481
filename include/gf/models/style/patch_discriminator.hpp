#pragma once
// Patch discriminators (Isola et al. 2017 "PatchGAN"; Li & Wand 2016 "MGAN";
// Shaham et al. 2019 "SinGAN"): a small fully-convolutional network whose
// output is not one logit per image but a map of logits, one per overlapping
// patch of the input (each output pixel sees only its receptive field). Trained
// with the patches of ONE style image as "real", it learns what that style's
// local texture looks like, with no pretrained network and no dataset.
//
// One scale (width w, depth d = 3 by default, k = kernel, s = stride):
//   (N, 3, H, W) -Conv(3, w, k3 s1 p1)+LReLU(0.2)->           (N, w, H, W)
//                -Conv(w, 2w, k4 s2 p1)+LReLU(0.2)->          (N, 2w, H/2, W/2)
//                -Conv(2w, 4w, k4 s2 p1)+LReLU(0.2)->         (N, 4w, H/4, W/4)
//                -Conv(4w, 1, k3 s1 p1)->                     (N, 1, H/4, W/4) logits
// Each logit sees a 20x20 patch for d = 2 (40x40 for d = 3): receptive_field().
// With spectral_norm (the default) every convolution is spectrally normalised
// (Miyato et al. 2018), which keeps a D trained for thousands of steps (the
// feed-forward trainer's) from memorising its few real images. The offline
// transfer (patch_gan_style.hpp) turns it off: its D must learn the style
// within a few dozen steps, and a 1-Lipschitz D learns too slowly for that.
//
// Multi-scale: MultiScalePatchDiscriminator applies its own PatchDiscriminator
// to each level of an image pyramid (the input, then 2x2 average pooled again
// and again), so level k judges patches covering 2^k times more of the image:
// fine texture at level 0, the style's larger shapes at the coarser levels.
//
//   gf::Rng gen(1);
//   gf::models::MultiScalePatchDiscriminator D({.scales = 3}, gen);
//   auto logits = D.forward_scales(x);   // one (N, 1, h_k, w_k) map per level
//   Tensor d_loss = patch_discriminator_loss(D, real_patches, fake_patches.detach());
//   Tensor g_loss = patch_generator_loss(D, fake_patches);
#include <cstdint>
#include <memory>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/models/gan/gan_loss.hpp"
#include "gf/nn/nn.hpp"

namespace gf::models {

struct PatchDiscriminatorConfig {
  std::int64_t in_channels = 3;
  std::int64_t width = 32;       // channels of the first convolution; doubled at each stride-2 layer
  std::int64_t downsamplings = 2;  // stride-2 layers; more of them see larger patches
  std::int64_t scales = 3;       // pyramid levels (multi-scale only)
  bool spectral_norm = true;
  /// Throws naming the bad field.
  void validate() const;
};

/// One scale: image (N, C, H, W) -> logit map (N, 1, ~H / 2^d, ~W / 2^d).
class PatchDiscriminator : public nn::Module {
 public:
  PatchDiscriminator(const PatchDiscriminatorConfig& config, Rng& gen);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "PatchDiscriminator"; }
  /// Side in input pixels of the patch that one output logit sees.
  std::int64_t receptive_field() const;

  const PatchDiscriminatorConfig config;
  std::shared_ptr<nn::Sequential> main;
};

/// config.scales PatchDiscriminators, level k applied to the input average
/// pooled k times by 2x2 (children "scale0", "scale1", ...).
class MultiScalePatchDiscriminator : public nn::Module {
 public:
  MultiScalePatchDiscriminator(const PatchDiscriminatorConfig& config, Rng& gen);
  /// x (N, C, H, W) -> one logit map per level, finest first. Levels whose
  /// image would be smaller than 8 pixels are skipped.
  std::vector<Tensor> forward_scales(const Tensor& x);
  /// Every level's logits flattened and joined: (N, total logits).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MultiScalePatchDiscriminator"; }

  const PatchDiscriminatorConfig config;
  std::vector<std::shared_ptr<PatchDiscriminator>> levels;
};

/// D's loss: the mean over pyramid levels of discriminator_loss(loss, D_k(real), D_k(fake)).
/// Averaging per level (not over all logits) gives every scale the same say,
/// though the finest level has 4^k times more patches. Hinge by default.
Tensor patch_discriminator_loss(MultiScalePatchDiscriminator& D, const Tensor& real, const Tensor& fake,
                                GanLoss loss = GanLoss::kHinge);
/// The generator's (or the optimised image's) loss: mean over levels of generator_loss(loss, D_k(fake)).
Tensor patch_generator_loss(MultiScalePatchDiscriminator& D, const Tensor& fake, GanLoss loss = GanLoss::kHinge);

/// n random (size x size) patches of `image` (1, C, H, W) or (C, H, W) -> (n, C, size, size),
/// each mirrored left-right with probability 1/2 (a cheap augmentation that
/// keeps D from memorising the one style image). Differentiable: gradients
/// flow back into the pixels the patches were cut from.
Tensor random_patches(const Tensor& image, std::int64_t n, std::int64_t size, Rng& gen);

/// The top-left corner of a patch.
struct PatchCorner {
  std::int64_t top = 0, left = 0;
};

/// Every corner (top, left) of `image` (1, 3, H, W) or (3, H, W) whose size x
/// size window has a luminance (Rec. 601 Y) standard deviation of at least
/// `min_std`, in row-major order. A style's flat background (a black border,
/// a white page) is not its texture: shown to D as real, it teaches the
/// generator that a flat patch passes, and flat saturated blobs follow
/// (issue 11). Computed on the CPU with summed-area tables.
std::vector<PatchCorner> textured_patch_corners(const Tensor& image, std::int64_t size, double min_std);

/// n patches as random_patches cuts them, each at a corner drawn uniformly
/// from `corners` (non-empty, every window inside the image).
Tensor random_patches(const Tensor& image, std::int64_t n, std::int64_t size, Rng& gen,
                      const std::vector<PatchCorner>& corners);

}  // namespace gf::models
