#include "gf/models/style/gatys.hpp"

#include <algorithm>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/models/style/style_losses.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/optim/adam.hpp"
#include "gf/optim/lbfgs.hpp"

namespace gf::models {
Tensor rgb_image_batch(const Tensor& image, const char* op, const char* what) {
  const Tensor x = image.dim() == 3 ? image.unsqueeze(0) : image;
  GF_CHECK(x.dim() == 4 && x.size(0) == 1 && x.size(1) == 3, op, ": ", what,
           " must be an RGB image (3, H, W) or (1, 3, H, W), got ", image.shape());
  return x;
}

Tensor tile_image(const Tensor& image, std::int64_t height, std::int64_t width) {
  GF_CHECK(image.dim() == 4 && image.size(0) == 1, "tile_image: image must be (1, C, h, w), got ", image.shape());
  Tensor out = Tensor::empty({1, image.size(1), height, width}, {image.dtype(), image.device()});
  for (std::int64_t top = 0; top < height; top += image.size(2))
    for (std::int64_t left = 0; left < width; left += image.size(3)) {
      const std::int64_t h = std::min(image.size(2), height - top), w = std::min(image.size(3), width - left);
      out.narrow(2, top, h).narrow(3, left, w).copy_(image.narrow(2, 0, h).narrow(3, 0, w));
    }
  return out;
}

GatysInit parse_gatys_init(const std::string& name) {
  if (name == "content") return GatysInit::kContent;
  if (name == "style") return GatysInit::kStyle;
  if (name == "noise") return GatysInit::kNoise;
  throw Error("gatys: unknown init '" + name + "'; choose content, style or noise");
}

GatysOptimizer parse_gatys_optimizer(const std::string& name) {
  if (name == "adam") return GatysOptimizer::kAdam;
  if (name == "lbfgs") return GatysOptimizer::kLbfgs;
  throw Error("gatys: unknown optimizer '" + name + "'; choose adam or lbfgs");
}

Tensor gatys_transfer(Vgg19Features& vgg, const Tensor& content_image, const std::vector<WeightedStyle>& styles,
                      const GatysOptions& o, const StepCallback& on_step) {
  GF_CHECK(!styles.empty(), "gatys_transfer: no style image");
  GF_CHECK(o.steps > 0, "gatys_transfer: steps must be positive, got ", o.steps);
  vgg.eval();
  const Tensor content = rgb_image_batch(content_image, "gatys_transfer", "the content image");  // (1, 3, H, W)

  // Targets, computed once: content activations and each style's Gram matrices.
  std::vector<std::string> style_layer_names;
  for (const auto& [name, w] : o.style_layers) style_layer_names.push_back(name);
  std::map<std::string, Tensor> content_targets;
  std::vector<StyleTarget> style_targets;
  {
    NoGradGuard no_grad;
    content_targets = vgg.extract(content, o.content_layers);
    for (const WeightedStyle& s : styles)
      style_targets.push_back(
          make_style_target(vgg.extract(rgb_image_batch(s.image, "gatys_transfer", "a style image"), style_layer_names),
                            style_layer_names, s.weight));
  }
  std::vector<std::string> all_layers = o.content_layers;
  all_layers.insert(all_layers.end(), style_layer_names.begin(), style_layer_names.end());

  // The image being optimised, (1, 3, H, W).
  Tensor x;
  switch (o.init) {
    case GatysInit::kContent: x = content.clone(); break;
    case GatysInit::kStyle:  // the first style, tiled or cropped to the content's size
      x = tile_image(rgb_image_batch(styles.front().image, "gatys_transfer", "a style image"), content.size(2),
                     content.size(3));
      break;
    case GatysInit::kNoise: {
      Rng gen(o.seed);
      x = rand(content.shape(), {content.dtype(), content.device()}, &gen);
      break;
    }
  }
  x.requires_grad_();

  std::vector<LossValue> last;
  auto objective = [&] {
    const auto f = vgg.extract(x, all_layers);
    Tensor lc = zeros({}, {content.dtype(), content.device()});
    for (const std::string& layer : o.content_layers) lc = add(lc, content_loss(f.at(layer), content_targets.at(layer)));
    const Tensor ls = style_loss(f, style_targets, o.style_layers);
    const Tensor ltv = total_variation_loss(x);
    const Tensor total = add(add(mul(lc, o.content_weight), mul(ls, o.style_weight)), mul(ltv, o.tv_weight));
    last = {{"content", o.content_weight * lc.item()},
            {"style", o.style_weight * ls.item()},
            {"tv", o.tv_weight * ltv.item()},
            {"total", total.item()}};
    return total;
  };

  if (o.optimizer == GatysOptimizer::kAdam) {
    optim::Adam opt({x}, {.lr = o.lr});
    for (std::int64_t step = 1; step <= o.steps; ++step) {
      opt.zero_grad();
      objective().backward();
      opt.step();
      {
        NoGradGuard no_grad;
        x.copy_(clamp(x, 0.0, 1.0));
      }
      if (on_step) on_step(step, last);
    }
  } else {
    // One iteration per step() call, so progress shows every iteration; the
    // history carries over between calls. Pixels are clamped once at the end:
    // clamping between iterations would corrupt L-BFGS's curvature pairs.
    optim::LBFGS opt({x}, {.max_iter = 1, .line_search = optim::LineSearch::kBacktracking});
    for (std::int64_t step = 1; step <= o.steps; ++step) {
      opt.step([&] {
        opt.zero_grad();
        Tensor loss = objective();
        loss.backward();
        return loss;
      });
      if (on_step) on_step(step, last);
    }
  }
  NoGradGuard no_grad;
  return clamp(x, 0.0, 1.0).detach();
}

}  // namespace gf::models
