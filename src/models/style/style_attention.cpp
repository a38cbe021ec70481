#include "gf/models/style/style_attention.hpp"

#include <cmath>

#include "gf/core/factory.hpp"
#include "gf/nn/init.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/loss.hpp"

namespace gf::models {
namespace {

// W x + b for features x (N, C, P): a 1x1 convolution as one batched product.
Tensor pointwise(const Tensor& weight, const Tensor& bias, const Tensor& x) { return add(matmul(weight, x), bias); }

// (N, C, H, W) -> (N, C, H W): the positions as the columns of a matrix.
Tensor positions(const Tensor& x) { return x.reshape({x.size(0), x.size(1), x.size(2) * x.size(3)}); }

}  // namespace

StyleAttention::StyleAttention(std::int64_t c, Rng& gen) : channels(c) {
  GF_CHECK(c >= 1, "StyleAttention: channels must be >= 1, got ", c);
  const double bound = 1.0 / std::sqrt(static_cast<double>(c));  // Conv2d's default: fan_in = C for a 1x1 kernel
  const auto draw = [&](Tensor& slot, Shape shape, const char* name) {
    slot = empty(std::move(shape));
    nn::init::uniform_(slot, gen, -bound, bound);
    register_parameter(name, slot);
  };
  draw(query_weight, {c, c}, "query_weight");
  draw(query_bias, {c, 1}, "query_bias");
  draw(key_weight, {c, c}, "key_weight");
  draw(key_bias, {c, 1}, "key_bias");
  draw(value_weight, {c, c}, "value_weight");
  draw(value_bias, {c, 1}, "value_bias");
  draw(out_weight, {c, c}, "out_weight");
  draw(out_bias, {c, 1}, "out_bias");
}

Tensor StyleAttention::fuse(const Tensor& content, const Tensor& style) {
  GF_CHECK(content.dim() == 4, "StyleAttention: content features must be (N, C, H, W), got ", content.shape());
  return fuse_with_stats(content, channel_stats(content), style);
}

Tensor StyleAttention::fuse_with_stats(const Tensor& content, const ChannelStats& content_stats,
                                       const Tensor& style) {
  GF_CHECK(content.dim() == 4 && content.size(1) == channels, "StyleAttention: content features must be (N, ",
           channels, ", H, W), got ", content.shape());
  GF_CHECK(style.dim() == 4 && style.size(1) == channels && (style.size(0) == 1 || style.size(0) == content.size(0)),
           "StyleAttention: style features must be (1 or ", content.size(0), ", ", channels, ", H, W), got ",
           style.shape());
  const Tensor query = pointwise(query_weight, query_bias, positions(normalize_channels(content, content_stats)));
  // One style for the whole batch: its keys and values serve every sample (a view, no copy).
  const auto per_sample = [&](const Tensor& t) { return t.expand({content.size(0), channels, -1}); };
  const Tensor normalized_style = normalize_channels(style, channel_stats(style));
  const Tensor key = per_sample(pointwise(key_weight, key_bias, positions(normalized_style)));
  const Tensor value = per_sample(pointwise(value_weight, value_bias, positions(style)));  // (N, C, Ps)
  // Scores (N, Pc, Ps): row i holds content position i's match with every
  // style position; softmax along the row = exp(log_softmax), which already
  // subtracts the row maximum for stability.
  const Tensor scores = mul(matmul(query.transpose(1, 2), key), 1.0 / std::sqrt(static_cast<double>(channels)));
  const Tensor attention = exp(log_softmax(scores, 2));
  // Each content position takes the attention-weighted mix of the style's values: (N, C, Pc).
  const Tensor taken = matmul(value, attention.transpose(1, 2));
  const Tensor fused = pointwise(out_weight, out_bias, taken).reshape(content.shape());
  return add(fused, content);
}

std::string StyleAttention::extra_repr() const { return detail::concat("channels=", channels); }

}  // namespace gf::models
