#pragma once
// Optimisation-based style transfer (Gatys, Ecker & Bethge 2016): the pixels of
// the output image x are the parameters, optimised so that x's activations in a
// feature network match the content image's at the content layers and x's Gram
// matrices match the style images' at the style layers:
//
//   L(x) = alpha sum_{l in content} L_c,l(x) + beta L_s(x) + gamma L_tv(x)
//
// with the losses of style_losses.hpp. Adam or L-BFGS (lbfgs.hpp) updates x,
// which is clamped to [0, 1] after each update.
//
//   auto vgg = std::make_shared<gf::models::Vgg19Features>(gf::models::Vgg19Config{}, gen);
//   gf::models::load_vgg19_weights(*vgg, "vgg19.safetensors");
//   gf::Tensor out = gf::models::gatys_transfer(*vgg, content, {{style, 1.0}}, {.steps = 300});
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gf/models/step_report.hpp"
#include "gf/models/style/vgg.hpp"

namespace gf::models {

enum class GatysInit { kContent, kStyle, kNoise };
enum class GatysOptimizer { kAdam, kLbfgs };

/// A style image (1, 3, H, W) or (3, H, W) in [0, 1] and its weight among the styles.
struct WeightedStyle {
  Tensor image;
  double weight = 1.0;
};

struct GatysOptions {
  std::vector<std::string> content_layers = {"conv4_2"};
  /// Style layers and their weights w_l (Gatys et al.: relu1_1 ... relu5_1, equal weights).
  std::map<std::string, double> style_layers = {
      {"relu1_1", 0.2}, {"relu2_1", 0.2}, {"relu3_1", 0.2}, {"relu4_1", 0.2}, {"relu5_1", 0.2}};
  double content_weight = 1.0;  // alpha
  double style_weight = 1e6;    // beta: Gram entries (normalised by C H W) are small numbers
  double tv_weight = 0.0;       // gamma
  GatysInit init = GatysInit::kContent;
  GatysOptimizer optimizer = GatysOptimizer::kLbfgs;
  std::int64_t steps = 300;     // Adam updates, or L-BFGS iterations
  double lr = 0.02;             // Adam's step size (L-BFGS uses 1 with backtracking)
  std::uint64_t seed = 1;       // noise init
};

/// Stylises `content` (1, 3, H, W) or (3, H, W) in [0, 1]; returns (1, 3, H, W)
/// in [0, 1]. The feature network runs in eval mode and is not trained.
/// `on_step` gets the losses "content", "style", "tv" and "total".
Tensor gatys_transfer(Vgg19Features& vgg, const Tensor& content, const std::vector<WeightedStyle>& styles,
                      const GatysOptions& options, const StepCallback& on_step = {});

/// An RGB image (3, H, W) or (1, 3, H, W) as (1, 3, H, W); anything else throws
/// naming `op` and `what` ("the content image").
Tensor rgb_image_batch(const Tensor& image, const char* op, const char* what);

/// `image` (1, C, h, w) repeated (and cut) to fill (1, C, height, width).
Tensor tile_image(const Tensor& image, std::int64_t height, std::int64_t width);

/// "content", "style" or "noise" (throws naming the choices).
GatysInit parse_gatys_init(const std::string& name);
/// "adam" or "lbfgs".
GatysOptimizer parse_gatys_optimizer(const std::string& name);

}  // namespace gf::models
