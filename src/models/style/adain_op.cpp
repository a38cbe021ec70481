#include "gf/models/style/adain_op.hpp"

#include <cmath>

#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::models {

ChannelStats channel_stats(const Tensor& features, double eps) {
  GF_CHECK(features.dim() == 4, "channel_stats: expected features (N, C, H, W), got ", features.shape());
  // Biased variance (divide by H W), as instance norm uses: then the output of
  // AdaIN has exactly the style's statistics.
  return {mean(features, {2, 3}, /*keepdim=*/true),
          sqrt(add(var(features, {2, 3}, /*unbiased=*/false, /*keepdim=*/true), eps))};
}

Tensor normalize_channels(const Tensor& x, const ChannelStats& stats) {
  return div(sub(x, stats.mean), stats.std);  // (N, C, H, W) against (N or 1, C, 1, 1), broadcast over the positions
}

Tensor adain(const Tensor& content, const Tensor& style, double eps) {
  GF_CHECK(content.dim() == 4 && style.dim() == 4, "adain: expected content and style features (N, C, H, W), got ",
           content.shape(), " and ", style.shape());
  GF_CHECK(content.size(1) == style.size(1), "adain: content has ", content.size(1), " channels, style ",
           style.size(1), "; they must come from the same layer");
  GF_CHECK(style.size(0) == content.size(0) || style.size(0) == 1, "adain: style batch ", style.size(0),
           " must be 1 or the content's ", content.size(0));
  return adain_with_stats(content, channel_stats(content, eps), channel_stats(style, eps));
}

Tensor adain_with_stats(const Tensor& content, const ChannelStats& content_stats, const ChannelStats& style_stats) {
  return add(mul(normalize_channels(content, content_stats), style_stats.std), style_stats.mean);
}

std::vector<double> style_shares(const std::vector<double>& weights, std::size_t styles, const char* op) {
  GF_CHECK(styles > 0, op, ": no styles to mix");
  GF_CHECK(weights.size() == styles, op, ": ", weights.size(), " weights for ", styles, " styles");
  double total = 0.0;
  for (const double w : weights) {
    GF_CHECK(std::isfinite(w) && w >= 0.0, op, ": style weights must be finite and >= 0, got ", w);
    total += w;
  }
  GF_CHECK(total > 0.0, op, ": the style weights sum to 0; at least one must be positive");
  std::vector<double> shares;
  for (const double w : weights) shares.push_back(w / total);
  return shares;
}

ChannelStats mix_stats(const std::vector<ChannelStats>& stats, const std::vector<double>& weights) {
  const std::vector<double> shares = style_shares(weights, stats.size());
  ChannelStats mixed;
  for (std::size_t k = 0; k < stats.size(); ++k) {
    if (shares[k] == 0.0) continue;
    const Tensor mean = mul(stats[k].mean, shares[k]), std = mul(stats[k].std, shares[k]);
    mixed.mean = mixed.mean.defined() ? add(mixed.mean, mean) : mean;
    mixed.std = mixed.std.defined() ? add(mixed.std, std) : std;
  }
  return mixed;
}

Tensor adain_mix(const Tensor& content, const std::vector<Tensor>& styles, const std::vector<double>& weights,
                 double eps) {
  std::vector<ChannelStats> stats;
  for (const Tensor& s : styles) {
    GF_CHECK(s.dim() == 4 && content.dim() == 4 && s.size(1) == content.size(1) &&
                 (s.size(0) == content.size(0) || s.size(0) == 1),
             "adain_mix: style features ", s.shape(), " do not fit content features ", content.shape());
    stats.push_back(channel_stats(s, eps));
  }
  return adain_with_stats(content, channel_stats(content, eps), mix_stats(stats, weights));
}

}  // namespace gf::models
