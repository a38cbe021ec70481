#pragma once
// Arbitrary style transfer with adaptive instance normalisation (Huang &
// Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance
// Normalization", ICCV 2017). One trained decoder stylises a photo with ANY
// style image, in one forward pass:
//
//   f  = VGG-19 up to relu4_1 (fixed)        c, s (N, 3, H, W) -> f(c), f(s) (N, 512, H/8, W/8)
//   t  = AdaIN(f(c), f(s))                   re-colour the content's features with the style's statistics
//   t' = alpha t + (1 - alpha) f(c)          content/style trade-off
//   out = g(t')                              the trained decoder, mirror image of f
//
//   AdaIN(x, y) = sigma(y) (x - mu(x)) / sigma(x) + mu(y),
//
// mu, sigma per (sample, channel) over the H x W positions. Several styles
// s_1..s_K with weights w_k mix as t = sum_k w_k AdaIN(f(c), f(s_k)).
//
// The decoder g is trained (encoder fixed) on content and style images with
//
//   L = L_c + lambda L_s
//   L_c = mean (f(g(t)) - t)^2                                       (the decoded image has features t)
//   L_s = sum_{i=1..4} mean (mu(phi_i(g(t))) - mu(phi_i(s)))^2       phi_i = relu1_1, relu2_1,
//                    + mean (sigma(phi_i(g(t))) - sigma(phi_i(s)))^2          relu3_1, relu4_1
//
// (the paper's Euclidean norms, as squared means like its released code).
// The encoder is VGG-19 from vgg.hpp: pretrained ImageNet weights when a user
// has them (load_vgg_weights), else a random He initialisation, kept fixed and
// saved in every checkpoint so the decoder always meets the encoder it was
// trained with. With random features AdaIN moves per-channel statistics of
// random filters: the style's palette and some texture energy, weak shapes
// (see docs/style-transfer.md for measured figures).
//
// The recolour head (AdainConfig::recolour, adain_train's default since issue
// 11) takes the colours from statistics and leaves the decoder only the
// texture: with R(c) = AdaIN of the photo's PIXELS to the style's pixel
// statistics (Reinhard's colour transfer),
//
//   out = (1 - alpha) c + alpha R(c) + alpha g(t'),
//
// so alpha 0 is the photo itself, alpha 1 its recoloured version plus the
// decoded texture, and everything between a smooth blend. The decoder's last
// convolution starts at zero: an untrained model is Reinhard's transfer.
// Offline the plain decoder had to rebuild the whole photo from random
// features and mostly did not (issue 11: SSIM 0.1, stripes).
//
// Attention fusion (AdainConfig::fusion = kAttention) replaces AdaIN in the
// middle by a trained style-attention module (style_attention.hpp): each
// content position takes a learned mix of the style positions that resemble
// it, t = SA(f(c), f(s)); several styles mix as sum_k w_k SA(f(c), f(s_k)).
// It trains with the decoder (adain_losses), its content term on normalised
// features as in Park & Lee 2019: L_c = mean (norm(f(g(t))) - norm(f(c)))^2.
//
//   gf::Rng gen(1);
//   auto net = std::make_shared<gf::models::AdainNet>(gf::models::AdainConfig{}, gen);
//   net->load_vgg_weights("vgg19.safetensors");          // optional
//   ... train the decoder with adain_losses() ...
//   Tensor out = net->stylize(photo, {painting}, {1.0}, /*alpha=*/0.8);   // (1, 3, H, W) in [0, 1]
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/models/style/adain_op.hpp"
#include "gf/models/style/style_attention.hpp"
#include "gf/models/style/vgg.hpp"
#include "gf/nn/nn.hpp"
#include "gf/optim/optimizer.hpp"

namespace gf::models {

// ---- the network --------------------------------------------------------------------

/// What stylising needs to know of an image: the per-channel statistics of
/// its relu4_1 features, and of its pixels (for the recolour head); of a
/// style for attention fusion also its relu4_1 features themselves.
struct ImageStats {
  ChannelStats features;  // (N or 1, C4, 1, 1)
  ChannelStats pixels;    // (N or 1, 3, 1, 1)
  std::vector<Tensor> feature_maps = {};  // attention fusion, styles only: each style's (1, C4, h, w)
  std::vector<double> weights = {};       // ... and its share (summing to 1)
};

/// How the content's relu4_1 features take the style: AdaIN's statistics, or
/// a trained attention over the style's positions (style_attention.hpp).
enum class FeatureFusion { kAdain, kAttention };

/// "adain", "attention": the names the programs and model files use.
std::string fusion_name(FeatureFusion fusion);
/// Throws naming the accepted names.
FeatureFusion parse_fusion(const std::string& name);

struct AdainConfig {
  /// Every VGG-19 width (64, 128, 256, 512) and the decoder's mirror widths are
  /// divided by this. 1 is the paper's network and the width torchvision's
  /// pretrained weights fit; 4 or 8 train in minutes on a CPU, with a random
  /// encoder or one feature_train taught.
  std::int64_t width_divisor = 1;
  /// The recolour head (see the top of this file); false: the paper's decoder.
  bool recolour = false;
  FeatureFusion fusion = FeatureFusion::kAdain;
  /// Throws naming the bad field.
  void validate() const;
};

/// Encoder (fixed) + AdaIN or attention + decoder. Parameter names:
/// "encoder.<i>.weight" / ".bias" with i the index in torchvision's
/// vgg19().features (0 = conv1_1 ... 19 = conv4_1), "decoder.<j>.conv.weight"
/// / ".bias", and with attention fusion "attention.query_weight" ... (style_attention.hpp).
class AdainNet : public nn::Module {
 public:
  /// Random encoder and decoder drawn from `gen`, He-initialised (weights
  /// N(0, 2 / fan_in), zero biases): with PyTorch's default conv init the
  /// activations shrink layer by layer (relu4_1 ~100x below relu1_1, many
  /// channels dead), which would leave AdaIN nothing but eps to work with.
  AdainNet(const AdainConfig& config, Rng& gen);

  /// Replaces the encoder's weights by the first 9 convolutions of a
  /// torchvision-named VGG-19 safetensors file (see load_vgg19_weights) of
  /// this network's width (inspect_vgg19_weights tells a file's): torchvision's
  /// pretrained VGG-19 at width_divisor 1, feature_train's at its own. Throws
  /// naming the file and what it lacks or what has another shape.
  void load_vgg_weights(const std::string& path);
  /// The same from a VGG-19 already loaded (load_vgg19), of this network's
  /// width; throws naming both widths otherwise.
  void load_vgg_weights(const Vgg19Features& vgg);

  /// The encoder's activations at relu1_1, relu2_1, relu3_1, relu4_1 for RGB
  /// images (N, 3, H, W) in [0, 1] (ImageNet-normalised first, as VGG expects):
  /// (N, 64/d, H, W), (N, 128/d, H/2, W/2), (N, 256/d, H/4, W/4), (N, 512/d, H/8, W/8).
  std::vector<Tensor> encode_stages(const Tensor& images);
  /// relu4_1 only: (N, 3, H, W) -> (N, 512/d, H/8, W/8).
  Tensor encode(const Tensor& images);
  /// features (N, 512/d, h, w) -> images (N, 3, 8h, 8w), not clamped.
  Tensor decode(const Tensor& features);
  /// The content's features fc (N, 512/d, h, w), with statistics
  /// `content_stats`, fused with the styles of `style_stats` (from
  /// style_stats()): AdaIN to the mixed statistics, or the weighted sum of
  /// the attention's output for each style.
  Tensor fuse(const Tensor& fc, const ChannelStats& content_stats, const ImageStats& style_stats);
  /// The autoencoder path decode(encode(images)) (AdaIN with the content as
  /// its own style); H, W multiples of 8, >= 16.
  Tensor forward(const Tensor& images) override;

  /// Stylises `content` (N, 3, H, W) in [0, 1] with `styles` (each (1 or N, 3,
  /// H', W'), H', W' >= 16) mixed by `weights` (empty: equal), at trade-off
  /// alpha in [0, 1] (0 = the content through the autoencoder, 1 = full
  /// style). Any H, W >= 16: the content is mirrored up to a multiple of 8 and
  /// the result cropped back. Runs without recording a graph; the result is
  /// clamped to [0, 1].
  Tensor stylize(const Tensor& content, const std::vector<Tensor>& styles, const std::vector<double>& weights = {},
                 double alpha = 1.0);

  // The same in pieces, for images stylised tile by tile (no graph recorded):
  /// The mixed relu4_1 and pixel statistics of the styles (weights as in
  /// stylize); with attention fusion also each style's relu4_1 features.
  ImageStats style_stats(const std::vector<Tensor>& styles, const std::vector<double>& weights = {});
  /// relu4_1 statistics of the whole of `content` (1, 3, H, W) for images too
  /// large to encode at once: encoded in tile x tile squares (tile a multiple
  /// of 8, >= 16), each with 32 pixels of the image around it as context, each
  /// feature position counted once. With one tile covering the image this is
  /// channel_stats(encode(content)); smaller tiles differ slightly, as the
  /// encoder sees less of the image beyond each square. The pixel statistics
  /// are the whole image's, exactly.
  ImageStats content_stats(const Tensor& content, std::int64_t tile);
  /// stylize() of `content` (a tile, any H, W >= 16) normalised with the given
  /// statistics instead of its own.
  Tensor stylize_with_stats(const Tensor& content, const ImageStats& content_stats, const ImageStats& style_stats,
                            double alpha = 1.0);

  /// Marks the encoder's parameters as constants (no weight gradients are
  /// computed for them; gradients still flow through it to the image). The
  /// constructor calls it; call it again after Module::to(), which makes
  /// every parameter trainable.
  void freeze_encoder();

  std::string type_name() const override { return "AdainNet"; }
  std::string extra_repr() const override;

  const AdainConfig config;
  std::shared_ptr<nn::Sequential> encoder;  // VGG-19 features[0..20]: conv1_1 .. relu4_1
  std::shared_ptr<nn::Sequential> decoder;  // StyleConv stages, relu4_1 width -> 3
  std::shared_ptr<StyleAttention> attention;  // attention fusion only, else null

  /// What training updates: the decoder's parameters, then the attention's.
  std::vector<Tensor> trainable_parameters() const;
};

// ---- training objective -------------------------------------------------------------

/// The style term L_s: sum over the stages of the mean squared differences of
/// the per-channel means and of the standard deviations. `features` and
/// `targets` are matching lists of (N, C_i, H_i, W_i) and (N or 1, C_i, H'_i, W'_i).
Tensor adain_style_loss(const std::vector<Tensor>& features, const std::vector<Tensor>& targets);

struct AdainLosses {
  Tensor content;  // L_c, 0-D
  Tensor style;    // L_s, 0-D
  Tensor colour;   // L_col, 0-D: L_s's mean/std term on the output's and the style's pixels
  Tensor total;    // L_c + lambda L_s + mu L_col: call backward() on this
};

/// The training objective for one batch: content (N, 3, H, W) and style
/// (N or 1, 3, H', W') images in [0, 1], H, W, H', W' multiples of 8. The
/// targets (f(c), f(s), t) are computed without a graph; the losses are
/// differentiable in the decoder's parameters. colour_weight mu keeps the
/// decoder from moving the output's per-channel pixel mean and std away from
/// the style's (with the recolour head, R(c) has them exactly; the decoded
/// texture g(t) shifted them: colour distance 0.085 held out against
/// Reinhard's 0.030, issue 11).
AdainLosses adain_losses(AdainNet& net, const Tensor& content, const Tensor& style, double style_weight,
                         double colour_weight = 0.0);

// ---- checkpoints --------------------------------------------------------------------

/// Value of the "model" metadata key in AdaIN files, and their format version.
inline constexpr const char* kAdainModelTag = "adain";
inline constexpr int kAdainFormatVersion = 1;

/// What an AdaIN safetensors file holds.
struct AdainCheckpoint {
  std::shared_ptr<AdainNet> net;
  std::map<std::string, Tensor> optimizer;  // the optimizer's state_dict(); empty when none was saved
  io::Metadata metadata;                    // everything the writer stored, the network's keys included
};

/// Writes the network (encoder included), optionally an optimizer's state
/// (names prefixed "optimizer."), and `metadata` plus the network's own keys
/// ("model", "adain_version", "width_divisor", "head") atomically to `path`.
void save_adain(const std::string& path, const AdainNet& net, const optim::Optimizer* optimizer = nullptr,
                io::Metadata metadata = {});

/// Reads a file written by save_adain. Throws gf::Error naming the file when
/// it is missing, not a safetensors file, not an AdaIN model, of a newer
/// version, or when tensors are missing or mis-shaped.
AdainCheckpoint load_adain(const std::string& path);

}  // namespace gf::models
