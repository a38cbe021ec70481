#pragma once
// The feed-forward style network of Johnson, Alahi & Fei-Fei ("Perceptual
// losses for real-time style transfer and super-resolution", 2016), with the
// usual refinements: instance norm instead of batch norm (Ulyanov et al.),
// nearest upsampling + convolution instead of transposed convolution (no
// checkerboard artefacts, Odena et al.), reflection padding everywhere.
// One trained network stylises any photo in a single forward pass.
//
// With width w = 32 (the paper's network), on an (N, 3, H, W) image in [0, 1]:
//   head   pad 4, Conv(3, w, k9)         + IN + ReLU  -> (N, w,  H,   W)
//   down1  pad 1, Conv(w, 2w, k3, s2)    + IN + ReLU  -> (N, 2w, H/2, W/2)
//   down2  pad 1, Conv(2w, 4w, k3, s2)   + IN + ReLU  -> (N, 4w, H/4, W/4)
//   res.0 .. res.4: x + IN(Conv3x3(ReLU(IN(Conv3x3(x)))))  (pad 1 each)
//   up1    upsample x2, pad 1, Conv(4w, 2w, k3) + IN + ReLU -> (N, 2w, H/2, W/2)
//   up2    upsample x2, pad 1, Conv(2w, w, k3)  + IN + ReLU -> (N, w,  H,   W)
//   tail   pad 4, Conv(w, 3, k9) -> t                      -> (N, 3,  H,   W)
//   output, one of three heads:
//     sigmoid    y = sigmoid(t)                                (Johnson et al.)
//     recolour   y = clamp(R(x) + t, 0, 1),  R(x)_c = (x_c - mu_c(x)) / sd_c(x) * sd_c(s) + mu_c(s)
//     matched    y = clamp(R(R(x) + t), 0, 1)                  (R applied to the sum as well)
// Every convolution has a bias; every instance norm is affine. Parameter
// names ("down1.conv.weight", "res.0.conv1.norm.bias"...) are those of the
// PyTorch twin in benchmarks/pytorch/style_net.py, so weights move both ways.
//
// The recolour head (the default of style_train since issue 11) starts from
// the photo in the style's colours: R is Reinhard's colour transfer with the
// style's per-channel mean and standard deviation s, stored in the network
// (buffers recolour_mean, recolour_std), and each photo's own statistics. The
// network then adds only what colour statistics cannot give: the style's
// strokes and local shapes. With the sigmoid head a network must invent the
// palette from nothing; trained offline it drifted to one hue and saturated
// whole regions (flat blobs at 0 or 1, issue 11). The tail starts at zero, so
// an untrained recolour network is exactly Reinhard's transfer.
//
// The matched head (style_train's default since issue 11's second round)
// moves the sum to the style's statistics once more, so whatever the network
// adds cannot shift the palette: with the recolour head the network's
// additions moved each channel's mean and spread away from the style's (colour
// distance 0.076 on the held-out set against Reinhard's 0.030). An untrained
// matched network is Reinhard's transfer too (R(R(x)) = R(x)).
//
// H and W need not be multiples of 4: forward() pads the image by reflection
// up to the next multiple and crops the result back to H x W.
#include <cstdint>
#include <memory>
#include <string>

#include "gf/core/rng.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/nn/nn.hpp"

namespace gf::models {

enum class StyleNetHead { kSigmoid, kRecolour, kMatched };

/// "sigmoid", "recolour", "matched": the names the programs and model files use.
std::string style_net_head_name(StyleNetHead head);
/// The head of that name; throws naming the accepted ones otherwise.
StyleNetHead parse_style_net_head(const std::string& name);

struct StyleNetConfig {
  std::int64_t width = 32;           // channels of the first layer; the network uses w, 2w, 4w
  std::int64_t residual_blocks = 5;  // at the bottleneck (H/4 x W/4)
  StyleNetHead head = StyleNetHead::kSigmoid;

  /// Throws naming the bad field.
  void validate() const;
  /// The parameters a network of this configuration holds, computed without
  /// building it (a double: widths read from a file may be absurd);
  /// load_style_net compares it with the file's values before allocating.
  double parameter_count() const;
};

/// One convolution stage: [nearest x2 upsample], reflection pad kernel/2,
/// Conv2d(kernel, stride), [instance norm (affine)], [ReLU].
class StyleConv : public nn::Module {
 public:
  struct Options {
    std::int64_t stride = 1;
    bool upsample = false;
    bool norm = true;
    bool relu = true;
  };
  StyleConv(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel, Options options,
            Rng& gen);

  /// x (N, C_in, H, W) -> (N, C_out, H', W'), H' = H / stride (x2 when upsampling).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "StyleConv"; }
  std::string extra_repr() const override;

  const Options options;
  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::InstanceNorm2d> norm;  // null without norm
};

/// x + conv2(conv1(x)): conv1 with IN + ReLU, conv2 with IN only; 3x3, same width.
class StyleResidual : public nn::Module {
 public:
  StyleResidual(std::int64_t channels, Rng& gen);
  /// x (N, C, H, W) -> (N, C, H, W).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "StyleResidual"; }

  std::shared_ptr<StyleConv> conv1, conv2;
};

class StyleNet : public nn::Module {
 public:
  explicit StyleNet(const StyleNetConfig& config = {}, Rng* gen = nullptr);

  /// image (N, 3, H, W) in [0, 1] -> stylised (N, 3, H, W) in [0, 1]; H, W >= 5.
  Tensor forward(const Tensor& image) override;
  /// The same before the final clamp to [0, 1] (the recolour heads' R(x) + t
  /// may leave the range). A clamped pixel passes no gradient, so training
  /// penalises what lies outside the range here (style_train --range-weight).
  Tensor forward_unclamped(const Tensor& image);
  /// forward() = clamp_output(forward_unclamped()): the recolour heads' sum
  /// clamped to [0, 1]; the sigmoid head's output as it is.
  Tensor clamp_output(const Tensor& unclamped) const;
  std::string type_name() const override { return "StyleNet"; }
  std::string extra_repr() const override;

  /// Recolour and matched heads: take the style's per-channel mean and standard deviation
  /// (image::color_stats of `style` (N, 3, H, W) or (3, H, W)) as the target of R.
  void set_style_colours(const Tensor& style);

  const StyleNetConfig config;
  std::shared_ptr<StyleConv> head, down1, down2;
  std::shared_ptr<nn::Sequential> res;  // residual_blocks x StyleResidual
  std::shared_ptr<StyleConv> up1, up2, tail;
  Tensor style_mean, style_std;  // (3,) each: the recolour head's target statistics (buffers)
};

/// Writes the network's state dict to `path` atomically (safetensors), with
/// metadata kind = "ganforge-style-net" plus `metadata`, and, when given, the
/// style picture it was trained on, (3, h, w) or (1, 3, h, w) with values in
/// [0, 1], as the tensor "style_picture" (what image::transfer_style_texture
/// takes its pieces from when the network is applied).
void save_style_net(const std::string& path, const StyleNet& net, const io::Metadata& metadata = {},
                    const Tensor& style_picture = {});

/// The style picture save_style_net stored in `path`, (3, h, w) float32 on the
/// CPU, or an undefined tensor when the file holds none (networks saved before
/// it was stored, the PyTorch twin's). A "style_picture" that is not an RGB
/// picture of at least 8 x 8 pixels with values in [0, 1] throws, naming the file.
Tensor load_style_picture(const std::string& path);
/// The same from a file already read (`path` names it in errors).
Tensor style_picture_in(const io::SafetensorsFile& file, const std::string& path);

/// Reads a network saved by save_style_net, or any safetensors file holding
/// the same names (e.g. the PyTorch twin's state_dict saved with
/// safetensors.torch.save_file): the width comes from head.conv.weight, the
/// number of residual blocks from the res.* names, and the head from whether
/// recolour_mean is there; a stored style picture is not part of the network.
/// A missing or malformed
/// file, or missing / mismatched tensors, throw a gf::Error naming the file.
std::shared_ptr<StyleNet> load_style_net(const std::string& path);
/// The same from a file already read (`path` names it in errors), for a
/// caller that also reads the file's metadata or style picture.
std::shared_ptr<StyleNet> style_net_in(const io::SafetensorsFile& file, const std::string& path);

}  // namespace gf::models
