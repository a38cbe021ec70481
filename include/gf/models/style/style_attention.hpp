#pragma once
// Attention fusion of content and style features: a style-attentional module
// after Park & Lee, "Arbitrary Style Transfer with Style-Attentional
// Networks" (CVPR 2019). AdaIN hands every content position the same global
// statistics of the style; attention lets each content position look for the
// style positions whose features resemble its own and take a mix of theirs,
// so local patterns of the style land where the photo has a similar local
// structure.
//
// Features flattened to C x P (P = H W positions), one sample:
//
//   F = W_f norm(F_c) + b_f       G = W_g norm(F_s) + b_g       H = W_h F_s + b_h      (1x1 convolutions)
//   A = softmax over j of (F_i . G_j) / sqrt(C)                 (P_c x P_s: where content position i looks)
//   out = W_o (H A^T) + b_o + F_c                               (C x P_c, reshaped back to C x H_c x W_c)
//
// norm(x) = (x - mu(x)) / sigma(x) per channel over the positions
// (channel_stats), so positions match by the shape of their features, not by
// brightness or contrast. The 1/sqrt(C) scale is ours (as in transformer
// attention; the paper has none): with unit-variance inputs it keeps the
// first steps' attention spread over many positions instead of one.
//
// The residual "+ F_c" keeps the content's layout when the attention finds
// nothing; AdainNet (adain.hpp, fusion "attention") decodes `out` in place of
// AdaIN's output and trains the four 1x1 convolutions with its decoder.
#include <cstdint>
#include <string>

#include "gf/core/rng.hpp"
#include "gf/models/style/adain_op.hpp"
#include "gf/nn/module.hpp"

namespace gf::models {

class StyleAttention : public nn::Module {
 public:
  /// Four C x C 1x1 convolutions, weights and biases as PyTorch's Conv2d
  /// default draws them (uniform in +-1/sqrt(C)), from `gen`.
  StyleAttention(std::int64_t channels, Rng& gen);

  /// content (N, C, Hc, Wc), style (N or 1, C, Hs, Ws) -> (N, C, Hc, Wc).
  /// Differentiable in both inputs and in the module's parameters.
  Tensor fuse(const Tensor& content, const Tensor& style);
  /// The same with norm(F_c) taken with the given statistics ((N or 1, C, 1, 1)
  /// each) instead of the content's own: tiled stylisation normalises every
  /// tile with the whole picture's statistics.
  Tensor fuse_with_stats(const Tensor& content, const ChannelStats& content_stats, const Tensor& style);

  std::string type_name() const override { return "StyleAttention"; }
  std::string extra_repr() const override;

  const std::int64_t channels;
  Tensor query_weight, query_bias;  // W_f (C, C), b_f (C, 1)
  Tensor key_weight, key_bias;      // W_g, b_g
  Tensor value_weight, value_bias;  // W_h, b_h
  Tensor out_weight, out_bias;      // W_o, b_o
};

}  // namespace gf::models
