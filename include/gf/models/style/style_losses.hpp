#pragma once
// The losses of style transfer, each a differentiable function of tensors.
//
// Optimisation-based transfer (Gatys, Ecker & Bethge 2016) on a feature
// network's activations F_l (N, C_l, H_l, W_l) at layer l:
//
//   Gram matrix     G_l = F_l F_l^T / (C_l H_l W_l)            F_l viewed as (N, C_l, H_l W_l)
//   content loss    L_c = mean (F_l(x) - F_l(c))^2              on one content layer
//   style loss      L_s = sum_k v_k sum_l w_l mean (G_l(x) - G_l(s_k))^2
//                                                               style images s_k with weights v_k
//   total variation L_tv = mean (x[i+1, j] - x[i, j])^2 + mean (x[i, j+1] - x[i, j])^2
//
// Dividing G by C H W (not only by H W) makes the Gram entries of every layer
// the same order of magnitude whatever its width and resolution, so the
// per-layer weights w_l mean what they say; Gatys' 1 / (4 N^2 M^2) factor
// differs from ours by a constant per layer, absorbed in w_l.
//
// Offline transfer (no pretrained feature network; see docs/style-transfer.md)
// takes its texture term from a patch discriminator (patch_discriminator.hpp)
// and these terms measured on the pixels themselves, Y = luminance
// (gf::image::rgb_to_luminance), B_sigma = Gaussian blur, S = Sobel magnitude:
//
//   colour statistics  L_col  = mean_c (mu_c(x) - mu_c(s))^2 + mean_c (sd_c(x) - sd_c(s))^2
//                               per channel c over all pixels (gf::image::color_stats)
//   low-pass content   L_low  = mean (B_sigma Y(x) - B_sigma Y(c))^2
//                               the content's large shapes and shading, free detail
//   edges              L_edge = mean (S Y(x) - S Y(c))^2
//                               the content's outlines, whatever their sign
//   structure          L_ssim = 1 - SSIM(Y(x), Y(c))       (gf::metrics::ssim)
//   range              L_range = mean (max(0, z - 1)^2 + max(0, -z)^2)
//                               on the output z before its clamp to [0, 1]
//
// and, for texture without a discriminator, the sliced Wasserstein distance
// between the k x k patches of x and of the style (Rabin et al. 2011; Heitz
// et al. 2021 on VGG features, here on pixels at several pyramid levels):
//
//   patch texture      L_sw = mean_m mean_i (sort(<P_x, v_m>)_i - sort(<P_s, v_m>)_i)^2
//                               P the patches, v_m in R^{C k k} random unit directions
//
// Along one direction the optimal transport between two equal-size samples
// pairs their sorted values, so each term is a squared 1-D Wasserstein
// distance; averaged over random directions it is zero only when the two
// patch distributions agree (in the limit of many directions). Unlike a Gram
// matrix it sees whole distributions, not only second moments, and unlike a
// discriminator it needs no training and never stalls.
//
#include <map>
#include <string>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"

namespace gf::models {

/// features (N, C, H, W) -> (N, C, C): F F^T / (C H W).
Tensor gram_matrix(const Tensor& features);

/// Mean squared difference of two equal-shape activations (N, C, H, W).
Tensor content_loss(const Tensor& features, const Tensor& target);

/// Activations by layer name, as VGG19Features::extract returns them.
using LayerFeatures = std::map<std::string, Tensor>;

/// One style image's Gram matrices by layer, with its weight v_k among the styles.
struct StyleTarget {
  std::map<std::string, Tensor> grams;  // layer -> (N, C, C)
  double weight = 1.0;
};

/// Gram matrices of the given layers of `features` (no grad: targets are constants).
StyleTarget make_style_target(const LayerFeatures& features, const std::vector<std::string>& layers,
                              double weight = 1.0);

/// sum_k v_k sum_l w_l mean (G_l(x) - G_l(s_k))^2 over the layers of `layer_weights`.
/// Throws naming the layer when `features` or a target lacks one.
Tensor style_loss(const LayerFeatures& features, const std::vector<StyleTarget>& targets,
                  const std::map<std::string, double>& layer_weights);

/// image (N, C, H, W): mean squared difference of vertical neighbours plus
/// that of horizontal neighbours (smoothness prior against pixel noise).
Tensor total_variation_loss(const Tensor& image);

/// Colour statistics loss L_col between `image` and `style` (N, C, H, W),
/// which may differ in size: matches per-channel mean and standard deviation.
Tensor color_stats_loss(const Tensor& image, const Tensor& style);

/// L_low: MSE of the Gaussian-blurred (std `sigma` pixels) luminances of
/// `image` and `content`, RGB (N, 3, H, W) of the same shape.
Tensor lowpass_content_loss(const Tensor& image, const Tensor& content, double sigma);

/// L_edge: MSE of the Sobel gradient magnitudes of the luminances.
Tensor edge_loss(const Tensor& image, const Tensor& content);

/// L_ssim: 1 - SSIM of the luminances (11x11 Gaussian windows, sigma 1.5).
Tensor ssim_loss(const Tensor& image, const Tensor& content);

/// L_range of `unclamped`, any shape: how far values lie outside [0, 1]. A
/// network whose output is clamped gets no gradient from any other loss where
/// the clamp cuts, so a region pushed past the range once stays there as a
/// flat saturated blob; this term pulls it back.
Tensor range_loss(const Tensor& unclamped);

// ---- the offline objective: one place for what both offline methods balance ----

/// Weights of offline_style_loss (both offline methods set their own defaults).
struct OfflineStyleWeights {
  double adversarial = 0.0;    // w_adv
  double color = 0.0;          // w_col
  double lowpass = 0.0;        // w_low
  double lowpass_sigma = 2.0;  // pixels, of L_low's blur
  double ssim = 0.0;           // w_ssim
  double ssim_target = 0.55;   // SSIM below which L_ssim acts: max(0, target - SSIM) never pulls all the way to c
  double edge = 0.0;           // w_edge (L_edge is not computed at weight 0)
  double tv = 0.0;             // w_tv
};

/// The six terms, unweighted, and their weighted sum.
struct OfflineStyleLoss {
  Tensor adversarial, color, lowpass, edge, tv;  // 0-D each
  Tensor ssim;   // SSIM(Y(x), Y(c)) itself, to report (the total uses max(0, target - SSIM))
  Tensor total;  // 0-D: call backward() on this
};

/// The objective of the offline methods (style_train's network, stylize's
/// patch GAN), for the output `image` x and the `content` c (N, 3, H, W):
///
///   total = w_adv L_adv + w_col sum_k v_k L_col(x, s_k) + w_low L_low + w_ssim max(0, target - SSIM)
///           + w_edge L_edge + w_tv L_tv + further
///
/// `adversarial` is the caller's L_adv (its discriminators differ), `styles`
/// the style pictures s_k with weights v_k (scaled to sum to 1), `further`
/// (optional, 0-D) whatever else the caller adds (style_train: texture and range).
OfflineStyleLoss offline_style_loss(const Tensor& image, const Tensor& content, const Tensor& adversarial,
                                    const std::vector<Tensor>& styles, const std::vector<double>& style_weights,
                                    const OfflineStyleWeights& weights, const Tensor& further = Tensor());

struct SlicedWassersteinOptions {
  std::int64_t patch = 5;        // k: patches are k x k
  std::int64_t directions = 64;  // M random unit directions per call
  std::int64_t stride = 1;       // patches every `stride` pixels (fewer to sort)
};

/// L_sw between the k x k patches of `image` and of `style`, (N, C, H, W)
/// each, of the same shape (e.g. the network's outputs and as many random
/// crops of the style picture): the projections <P, v_m> are a convolution
/// with the M directions as filters, sorted per direction over all the
/// batch's patches. Directions are drawn from `gen` at every call. The style
/// side is a constant (no gradient).
Tensor sliced_wasserstein_loss(const Tensor& image, const Tensor& style, const SlicedWassersteinOptions& options,
                               Rng& gen);

}  // namespace gf::models
