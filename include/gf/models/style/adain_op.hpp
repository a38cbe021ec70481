#pragma once
// The AdaIN operation (Huang & Belongie 2017) and the per-channel statistics
// it moves, on their own: the AdaIN network (adain.hpp), the style network's
// recolour heads (style_net.hpp) and attention fusion (style_attention.hpp)
// all build on them.
//
//   AdaIN(x, y) = sigma(y) (x - mu(x)) / sigma(x) + mu(y)
//
// mu, sigma per (sample, channel) over the H x W positions.
#include <cstddef>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::models {

/// Per (sample, channel) statistics over the spatial positions.
struct ChannelStats {
  Tensor mean;  // (N, C, 1, 1)
  Tensor std;   // (N, C, 1, 1): sqrt(biased variance + eps)
};

/// features (N, C, H, W) -> their mean and standard deviation per (n, c).
/// Differentiable; eps keeps sigma and its gradient finite on a flat channel.
ChannelStats channel_stats(const Tensor& features, double eps = 1e-5);

/// (x - mu) / sigma with the given statistics ((N or 1, C, 1, 1) each): x's
/// features at zero mean and unit deviation per channel when they are its own.
Tensor normalize_channels(const Tensor& x, const ChannelStats& stats);

/// AdaIN(content, style) = sigma(style) (content - mu(content)) / sigma(content) + mu(style),
/// statistics per (sample, channel) over H, W as in channel_stats (the same eps
/// for both). content (N, C, H, W), style (N or 1, C, H', W') of any spatial
/// size -> (N, C, H, W). Differentiable in both inputs.
Tensor adain(const Tensor& content, const Tensor& style, double eps = 1e-5);

/// AdaIN with the statistics given: sigma_s (content - mu_c) / sigma_c + mu_s,
/// each statistic (N or 1, C, 1, 1). adain() is this with the statistics of
/// its two inputs; tiled stylisation passes the whole image's statistics to
/// every tile, so all tiles are normalised alike.
Tensor adain_with_stats(const Tensor& content, const ChannelStats& content_stats, const ChannelStats& style_stats);

/// Each style's share of a mix: `weights` (one per style; >= 0, not all 0)
/// scaled to sum to 1. Throws naming `op` and a bad weight.
std::vector<double> style_shares(const std::vector<double>& weights, std::size_t styles, const char* op = "adain_mix");

/// Weighted mean of several styles' statistics, the weights (>= 0, not all 0)
/// scaled to sum to 1: mu = sum_k w_k mu_k, sigma = sum_k w_k sigma_k.
ChannelStats mix_stats(const std::vector<ChannelStats>& stats, const std::vector<double>& weights);

/// Style interpolation (the paper's sum_k w_k AdaIN(content, styles[k]), with
/// weights scaled to sum to 1). AdaIN is affine in the style's statistics, so
/// this is AdaIN with the mixed statistics of mix_stats.
Tensor adain_mix(const Tensor& content, const std::vector<Tensor>& styles, const std::vector<double>& weights,
                 double eps = 1e-5);

}  // namespace gf::models
