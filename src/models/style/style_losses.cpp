#include "gf/models/style/style_losses.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/metrics/ssim.hpp"
#include "gf/models/style/adain_op.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/loss.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/conv.hpp"
#include "gf/ops/sort.hpp"
#include "gf/core/factory.hpp"

namespace gf::models {

Tensor gram_matrix(const Tensor& features) {
  GF_CHECK(features.dim() == 4, "gram_matrix: features must be (N, C, H, W), got ", features.shape());
  const std::int64_t n = features.size(0), c = features.size(1), hw = features.size(2) * features.size(3);
  const Tensor f = features.reshape({n, c, hw});                       // (N, C, HW)
  return div(matmul(f, f.transpose(1, 2)), static_cast<double>(c * hw));  // (N, C, C)
}

Tensor content_loss(const Tensor& features, const Tensor& target) {
  GF_CHECK(features.shape() == target.shape(), "content_loss: features ", features.shape(), " and target ",
           target.shape(), " differ in shape");
  return mse_loss(features, target);
}

StyleTarget make_style_target(const LayerFeatures& features, const std::vector<std::string>& layers,
                              double weight) {
  NoGradGuard no_grad;
  StyleTarget target;
  target.weight = weight;
  for (const std::string& layer : layers) {
    const auto it = features.find(layer);
    GF_CHECK(it != features.end(), "make_style_target: no activations for layer '", layer, "'");
    target.grams[layer] = gram_matrix(it->second);
  }
  return target;
}

Tensor style_loss(const LayerFeatures& features, const std::vector<StyleTarget>& targets,
                  const std::map<std::string, double>& layer_weights) {
  GF_CHECK(!targets.empty(), "style_loss: no style targets");
  GF_CHECK(!layer_weights.empty(), "style_loss: no style layers");
  Tensor total;
  for (const auto& [layer, w] : layer_weights) {
    const auto f = features.find(layer);
    GF_CHECK(f != features.end(), "style_loss: no activations for style layer '", layer, "'");
    const Tensor g = gram_matrix(f->second);  // (N, C, C), computed once for all styles
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const auto t = targets[k].grams.find(layer);
      GF_CHECK(t != targets[k].grams.end(), "style_loss: style target ", k, " has no Gram matrix for layer '",
               layer, "'");
      // A single style Gram (1, C, C) serves a batch of N images.
      const Tensor term = mul(mse_loss(g, t->second.expand(g.shape())), w * targets[k].weight);
      total = total.defined() ? add(total, term) : term;
    }
  }
  return total;
}

Tensor total_variation_loss(const Tensor& image) {
  GF_CHECK(image.dim() == 4 && image.size(2) > 1 && image.size(3) > 1,
           "total_variation_loss: image must be (N, C, H, W) with H, W > 1, got ", image.shape());
  const std::int64_t h = image.size(2), w = image.size(3);
  const Tensor dy = sub(image.narrow(2, 1, h - 1), image.narrow(2, 0, h - 1));  // (N, C, H-1, W)
  const Tensor dx = sub(image.narrow(3, 1, w - 1), image.narrow(3, 0, w - 1));  // (N, C, H, W-1)
  return add(mean(square(dy)), mean(square(dx)));
}

Tensor color_stats_loss(const Tensor& image, const Tensor& style) {
  GF_CHECK(image.dim() == 4 && style.dim() == 4 && image.size(1) == style.size(1),
           "color_stats_loss: image ", image.shape(), " and style ", style.shape(),
           " must be (N, C, H, W) with the same C");
  const image::ColorStats x = image::color_stats(image), s = image::color_stats(style);
  return add(mse_loss(x.mean, s.mean), mse_loss(x.std, s.std));
}

namespace {
// Luminances (N, 1, H, W) of two RGB batches of one shape, checked for `what`.
std::pair<Tensor, Tensor> luminances(const Tensor& image, const Tensor& content, const char* what) {
  GF_CHECK(image.dim() == 4 && image.size(1) == 3 && image.shape() == content.shape(), what, ": image ",
           image.shape(), " and content ", content.shape(), " must both be (N, 3, H, W) of the same shape");
  return {image::rgb_to_luminance(image), image::rgb_to_luminance(content)};
}
}  // namespace

Tensor lowpass_content_loss(const Tensor& image, const Tensor& content, double sigma) {
  const auto [y, yc] = luminances(image, content, "lowpass_content_loss");
  return mse_loss(image::gaussian_blur(y, sigma), image::gaussian_blur(yc, sigma));
}

Tensor edge_loss(const Tensor& image, const Tensor& content) {
  const auto [y, yc] = luminances(image, content, "edge_loss");
  return mse_loss(image::sobel_magnitude(y, 1e-6), image::sobel_magnitude(yc, 1e-6));
}

Tensor ssim_loss(const Tensor& image, const Tensor& content) {
  const auto [y, yc] = luminances(image, content, "ssim_loss");
  return rsub(1.0, metrics::ssim(y, yc));
}

Tensor range_loss(const Tensor& unclamped) {
  return mean(add(square(relu(sub(unclamped, 1.0))), square(relu(neg(unclamped)))));
}

OfflineStyleLoss offline_style_loss(const Tensor& image, const Tensor& content, const Tensor& adversarial,
                                    const std::vector<Tensor>& styles, const std::vector<double>& style_weights,
                                    const OfflineStyleWeights& w, const Tensor& further) {
  const std::vector<double> shares = style_shares(style_weights, styles.size(), "offline_style_loss");
  const TensorOptions scalar{image.dtype(), image.device()};
  OfflineStyleLoss l;
  l.adversarial = adversarial;
  for (std::size_t k = 0; k < styles.size(); ++k) {
    const Tensor term = mul(color_stats_loss(image, styles[k]), shares[k]);
    l.color = l.color.defined() ? add(l.color, term) : term;
  }
  l.lowpass = lowpass_content_loss(image, content, w.lowpass_sigma);
  const Tensor dissimilarity = ssim_loss(image, content);             // 1 - SSIM
  const Tensor ssim_gap = relu(sub(dissimilarity, 1.0 - w.ssim_target));  // max(0, target - SSIM)
  l.ssim = rsub(1.0, dissimilarity);
  l.edge = w.edge > 0 ? edge_loss(image, content) : zeros({}, scalar);
  l.tv = total_variation_loss(image);
  const Tensor smooth = add(mul(l.edge, w.edge), mul(l.tv, w.tv));
  l.total = add(add(add(mul(l.adversarial, w.adversarial), mul(l.color, w.color)),
                    add(mul(l.lowpass, w.lowpass), mul(ssim_gap, w.ssim))),
                further.defined() ? add(smooth, further) : smooth);
  return l;
}

Tensor sliced_wasserstein_loss(const Tensor& image, const Tensor& style, const SlicedWassersteinOptions& o,
                               Rng& gen) {
  GF_CHECK(image.dim() == 4 && image.shape() == style.shape(), "sliced_wasserstein_loss: image ", image.shape(),
           " and style ", style.shape(), " must be (N, C, H, W) of the same shape");
  GF_CHECK(o.patch >= 1 && o.patch <= image.size(2) && o.patch <= image.size(3) && o.directions >= 1 && o.stride >= 1,
           "sliced_wasserstein_loss: patch ", o.patch, ", directions ", o.directions, " and stride ", o.stride,
           " must be positive, the patch no larger than the image ", image.shape());
  const std::int64_t c = image.size(1);
  // M unit directions in patch space, as M filters (M, C, k, k).
  Tensor v = randn({o.directions, c * o.patch * o.patch}, {image.dtype(), image.device()}, &gen);
  v = div(v, sqrt(sum(square(v), {1}, /*keepdim=*/true)));
  const Tensor filters = v.view({o.directions, c, o.patch, o.patch});
  const Conv2dParams params = Conv2dParams::make(o.stride);
  // (N, M, H', W') -> (M, N H' W'): every patch's projection on every direction.
  const auto projections = [&](const Tensor& x) {
    const Tensor p = conv2d(x, filters, Tensor(), params);
    return p.transpose(0, 1).reshape({o.directions, -1});
  };
  Tensor target;
  {
    NoGradGuard no_grad;
    target = sort(projections(style)).values;
  }
  return mse_loss(sort(projections(image)).values, target);
}

}  // namespace gf::models
