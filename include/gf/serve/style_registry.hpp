#pragma once
// The styles the service offers, loaded once at start and then shared,
// read-only, by every worker.
//
// A style folder holds what the trainers write, with an optional picture of
// the style beside each model (same name, .png or .jpg):
//
//   gallery/
//     elephants.safetensors   a feed-forward network (style_train)  -> style "elephants",          kind network
//     elephants.png           its style image                       -> style "elephants-optimise", kind optimise
//     waves.jpg               an image without a model               -> style "waves",              kind optimise
//     runs/cat/style_net.safetensors   a style_train output folder   -> style "cat" (the folder's name)
//     runs/any/checkpoint.safetensors  an adain_train model          -> style "any",               kind adain
//
// Kinds:
//   network   one pass of a trained StyleNet: fast (a fraction of a second),
//             its smooth regions filled with the texture of the style picture
//             stored in the model (or beside it);
//   optimise  the per-image optimisation of stylize (patch GAN on the style
//             image, models/style/patch_gan_style.hpp): slow (tens of seconds) with
//             progress, any style image, no training;
//   adain     an AdaIN model: any style image in one pass (the request brings it).
// A style_train checkpoint (checkpoint.safetensors of kind
// ganforge-style-train) is training state, not a model: skipped, and so are
// the trainers' samples/ folders.
//
// Pictures are decoded with the same checked decoders as uploads, and every
// style gets a PNG thumbnail (its picture, or, for a network without one, the
// network's rendering of a small built-in scene).
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gf/core/device.hpp"
#include "gf/core/tensor.hpp"

namespace gf::models {
class StyleNet;
class AdainNet;
}  // namespace gf::models

namespace gf::serve {

enum class StyleKind { kNetwork, kOptimise, kAdain };

/// "network", "optimise", "adain" (the API's names).
const char* to_string(StyleKind kind);

struct Style {
  std::string id{};    // [a-z0-9_-], unique
  std::string name{};  // for people: "Elephants", "Elephants (optimised)"
  StyleKind kind = StyleKind::kNetwork;
  std::string source{};         // the file it came from
  std::string thumbnail_png{};  // at most kThumbnailSide pixels on its longest side
  std::shared_ptr<models::StyleNet> network{};  // kNetwork
  std::shared_ptr<models::AdainNet> adain{};    // kAdain
  // kOptimise: the style image (1, 3, h, w), longest side <= kStyleImageSide; kNetwork: the picture whose
  // texture fills the result's smooth regions (image::transfer_style_texture): the one style_train stored in the
  // model, else the picture beside it, else undefined (no texture).
  Tensor image{};
};

class StyleRegistry {
 public:
  static constexpr std::int64_t kThumbnailSide = 160;
  static constexpr std::int64_t kStyleImageSide = 384;

  /// Adds the styles of `dir` and of its direct sub-folders, models placed
  /// on `device`. A missing folder throws; an unusable file is skipped with
  /// a line on `log` saying why.
  void add_directory(const std::string& dir, std::ostream& log, Device device = Device::cpu());

  /// The style with this id, or null.
  std::shared_ptr<const Style> find(std::string_view id) const;
  const std::vector<std::shared_ptr<const Style>>& styles() const { return styles_; }
  /// Wall time spent in add_directory so far.
  double load_seconds() const { return load_seconds_; }

 private:
  void add(Style style);
  std::vector<std::shared_ptr<const Style>> styles_;
  double load_seconds_ = 0.0;
};

/// The built-in scene thumbnails of networks without a picture show: a sky,
/// a sun, hills and a house, (3, side, side) in [0, 1].
Tensor demo_scene(std::int64_t side);

}  // namespace gf::serve
