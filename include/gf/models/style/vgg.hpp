#pragma once
// VGG-19's convolutional part (Simonyan & Zisserman 2015), laid out exactly
// like torchvision's `vgg19().features`, as the feature network of Gatys-style
// transfer and of perceptual losses.
//
// 16 convolutions (3x3, padding 1, each followed by ReLU) in 5 blocks, each
// block ending in a 2x2 pooling; channels 64, 128, 256, 512, 512:
//
//   index  0 conv1_1   1 relu1_1   2 conv1_2   3 relu1_2   4 pool1
//          5 conv2_1   6 relu2_1   7 conv2_2   8 relu2_2   9 pool2
//         10 conv3_1  11 relu3_1  12 conv3_2  13 relu3_2  14 conv3_3  15 relu3_3  16 conv3_4  17 relu3_4  18 pool3
//         19 conv4_1  20 relu4_1  21 conv4_2  22 relu4_2  23 conv4_3  24 relu4_3  25 conv4_4  26 relu4_4  27 pool4
//         28 conv5_1  29 relu5_1  30 conv5_2  31 relu5_2  32 conv5_3  33 relu5_3  34 conv5_4  35 relu5_4  36 pool5
//
// so the parameters are named "features.0.weight", "features.0.bias", ...,
// "features.34.bias": the names of torchvision's vgg19 state_dict, and a
// pretrained file converted with the Python lines in docs/style-transfer.md
// loads as is. Inputs are RGB in [0, 1]; extract() normalises them with the
// ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) first, as
// the pretrained weights expect.
//
//   gf::Rng gen(1);
//   auto vgg = std::make_shared<gf::models::Vgg19Features>(gf::models::Vgg19Config{}, gen);
//   gf::models::load_vgg19_weights(*vgg, "vgg19.safetensors");
//   auto f = vgg->extract(image, {"relu1_1", "relu2_1", "conv4_2"});  // runs up to layer 21 only
//   gf::Tensor c = f.at("conv4_2");   // (N, 512, H / 8, W / 8)
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/nn/nn.hpp"

namespace gf::models {

enum class VggPooling { kMax, kAverage };

struct Vgg19Config {
  /// kAverage replaces every max pooling by 2x2 averaging, which Gatys et al.
  /// found gives smoother results; pretrained weights work with both.
  VggPooling pooling = VggPooling::kMax;
  /// Every width divided by this (1: the real VGG-19; tests use tiny ones).
  std::int64_t width_divisor = 1;
};

class Vgg19Features : public nn::Module {
 public:
  /// Random weights (PyTorch's default conv init) until load_vgg19_weights.
  Vgg19Features(const Vgg19Config& config, Rng& gen);

  /// The activations of `layers` (names as in the table above) for images
  /// (N, 3, H, W) in [0, 1]. Runs only as deep as the deepest layer asked for.
  /// Throws listing the valid names when a name is unknown.
  std::map<std::string, Tensor> extract(const Tensor& images, const std::vector<std::string>& layers);
  /// All 37 layers on normalised input: (N, 3, H, W) -> (N, 512 / divisor, H / 32, W / 32).
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "Vgg19Features"; }

  /// Index in `features` of a layer name ("relu4_1" -> 20); throws for unknown names.
  static std::int64_t layer_index(const std::string& name);
  /// Every layer name in order ("conv1_1", "relu1_1", ..., "pool5").
  static const std::vector<std::string>& layer_names();

  const Vgg19Config config;
  std::shared_ptr<nn::Sequential> features;
};

/// ImageNet normalisation: (x - mean) / std per RGB channel of x (N, 3, H, W).
Tensor imagenet_normalize(const Tensor& images);

/// The perceptual distance of images a and b (N, 3, H, W) in [0, 1] on the
/// feature network, in the manner of LPIPS without learned weights: at each of
/// `layers`, every pixel's feature vector is scaled to unit length, and the
/// distance is the mean over layers of the mean squared difference of those
/// unit vectors summed over channels,
///   d = 1/L sum_l mean_{n,h,w} || f_l(a) / |f_l(a)| - f_l(b) / |f_l(b)| ||^2   in [0, 4].
/// 0 for identical images; meaningful with pretrained weights.
Tensor perceptual_distance(Vgg19Features& vgg, const Tensor& a, const Tensor& b,
                           const std::vector<std::string>& layers = {"relu1_1", "relu2_1", "relu3_1", "relu4_1"});

/// Loads torchvision-named VGG-19 weights from a safetensors file into `vgg`.
/// Names under "classifier." (the fully connected head of a whole vgg19
/// state_dict) are ignored. Throws gf::Error, changing nothing, listing every
/// missing, unexpected, mis-shaped or non-floating tensor, and says how to make
/// the file when it does not exist.
void load_vgg19_weights(Vgg19Features& vgg, const std::string& path);

/// The "kind" in the metadata of VGG-19 weights ganforge wrote: weights it
/// taught itself (feature_train), where torchvision's files have none.
inline constexpr const char* kVgg19FeaturesKind = "ganforge-vgg19-features";

/// What a VGG-19 weights file holds, read before building a network for it.
struct Vgg19WeightsInfo {
  /// From conv1_1's weight (64 / divisor output channels): 1 for
  /// torchvision's files, more for the narrow ones feature_train writes.
  std::int64_t width_divisor = 1;
  /// "pretrained VGG-19 (vgg19.safetensors)", or "VGG-19 taught by
  /// feature_train (...)" for a file of kind kVgg19FeaturesKind.
  std::string description;
};
/// Throws naming the file when it is missing or holds no conv1_1 weight of a
/// valid width.
Vgg19WeightsInfo inspect_vgg19_weights(const std::string& path);

/// A VGG-19 built at the width of the weights in `path` and loaded from them
/// (the file read once), with what inspect_vgg19_weights tells of the file.
struct LoadedVgg19 {
  std::shared_ptr<Vgg19Features> vgg;
  Vgg19WeightsInfo info;
};
LoadedVgg19 load_vgg19(const std::string& path, VggPooling pooling = VggPooling::kMax);

/// Writes `vgg`'s weights in torchvision's names ("features.0.weight" ...)
/// with `metadata` (say what they were trained on) and kind
/// kVgg19FeaturesKind, atomically.
void save_vgg19_weights(const std::string& path, const Vgg19Features& vgg, const io::Metadata& metadata);

}  // namespace gf::models
