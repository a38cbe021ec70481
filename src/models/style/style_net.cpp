#include "gf/models/style/style_net.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/image/color.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/ops/conv.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/pool.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"

namespace gf::models {
namespace {

// The tensor that holds the style picture in a saved network, and its smallest side.
constexpr const char* kStylePictureName = "style_picture";
constexpr std::int64_t kSmallestStylePicture = 8;

/// x (N, C, H, W) padded by one pixel on each side with copies of its edge pixels.
Tensor replicate_pad1(const Tensor& x) {
  const std::int64_t H = x.size(2), W = x.size(3);
  const Tensor rows = cat({x.narrow(2, 0, 1), x, x.narrow(2, H - 1, 1)}, 2);
  return cat({rows.narrow(3, 0, 1), rows, rows.narrow(3, W - 1, 1)}, 3);
}

/// The folding matrix F (16, 9): for a 3x3 kernel k flattened row-major, F k
/// holds the four 2x2 phase kernels K_pq = A_p k A_q^T, flattened (p, q, r, s),
/// where A_0 = [[1,0,0],[0,1,1]] and A_1 = [[1,1,0],[0,0,1]] say which of the
/// three kernel rows land on the same low-resolution row.
Tensor phase_folding(DType dtype) {
  const double A[2][2][3] = {{{1, 0, 0}, {0, 1, 1}}, {{1, 1, 0}, {0, 0, 1}}};
  std::vector<double> f;
  for (int p = 0; p < 2; ++p)
    for (int q = 0; q < 2; ++q)
      for (int r = 0; r < 2; ++r)
        for (int s = 0; s < 2; ++s)
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) f.push_back(A[p][r][i] * A[q][s][j]);
  return from_vector<double>(f, {16, 9}).to(dtype);
}

/// conv2d(reflect_pad1(upsample_nearest2x(x)), weight, bias), computed at low
/// resolution. Output pixel (2a + p, 2b + q) of the upsampled convolution sees
/// only low-resolution rows a - 1 + p .. a + p and columns b - 1 + q .. b + q
/// (mirror padding of the upsampled image repeats the edge pixels of x), so
/// each of the four phases (p, q) is a 2x2 convolution of x with a kernel
/// folded from the 3x3 one: 4 instead of 9 multiply-adds per output value,
/// and the 4x larger upsampled image is never built.
///   x (N, C, H, W), weight (O, C, 3, 3), bias (O,) or undefined -> (N, O, 2H, 2W)
Tensor upsample2x_conv3x3(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const std::int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = weight.size(0);
  // (O C, 9) @ (9, 16) -> (O, C, phase, 2, 2) -> (phase O, C, 2, 2)
  const Tensor folded = matmul(weight.reshape({O * C, 9}), phase_folding(weight.dtype()).t());
  const Tensor kernels = folded.view({O, C, 4, 4}).permute({2, 0, 1, 3}).reshape({4 * O, C, 2, 2});
  // All four phases in one convolution over the edge-padded x: z (N, 4 O, H + 1, W + 1),
  // where phase (p, q) of output pixel (a, b) sits at z[n, (2p + q) O + o, a + p, b + q].
  const Tensor z4 = conv2d(replicate_pad1(x), kernels, bias.defined() ? cat({bias, bias, bias, bias}, 0) : Tensor());
  const Tensor z = z4.view({N, 4, O, H + 1, W + 1});
  auto phase = [&](std::int64_t p, std::int64_t q) { return z.select(1, 2 * p + q).narrow(2, p, H).narrow(3, q, W); };
  // Interleave: out[n, o, 2a + p, 2b + q] = phase(p, q)[n, o, a, b], via (N, O, H, 2, W, 2).
  const Tensor row0 = stack({phase(0, 0), phase(0, 1)}, 4), row1 = stack({phase(1, 0), phase(1, 1)}, 4);
  return stack({row0, row1}, 3).view({N, O, 2 * H, 2 * W});
}

}  // namespace

std::string style_net_head_name(StyleNetHead head) {
  switch (head) {
    case StyleNetHead::kSigmoid: return "sigmoid";
    case StyleNetHead::kRecolour: return "recolour";
    case StyleNetHead::kMatched: return "matched";
  }
  throw Error("style_net_head_name: unknown head");
}

StyleNetHead parse_style_net_head(const std::string& name) {
  for (const StyleNetHead head : {StyleNetHead::kSigmoid, StyleNetHead::kRecolour, StyleNetHead::kMatched})
    if (style_net_head_name(head) == name) return head;
  throw Error(detail::concat("unknown style network head '", name, "' (sigmoid, recolour or matched)"));
}

void StyleNetConfig::validate() const {
  GF_CHECK(width > 0, "StyleNet: width must be positive, got ", width);
  GF_CHECK(residual_blocks >= 0, "StyleNet: residual_blocks must be >= 0, got ", residual_blocks);
}

double StyleNetConfig::parameter_count() const {
  validate();
  // One StyleConv: weight, bias, and instance norm's scale and shift.
  const auto conv = [](double in, double out, double kernel, bool norm) {
    return in * out * kernel * kernel + out + (norm ? 2 * out : 0);
  };
  const double w = static_cast<double>(width);
  return conv(3, w, 9, true) + conv(w, 2 * w, 3, true) + conv(2 * w, 4 * w, 3, true) +  // head, down1, down2
         static_cast<double>(residual_blocks) * 2 * conv(4 * w, 4 * w, 3, true) +         // res
         conv(4 * w, 2 * w, 3, true) + conv(2 * w, w, 3, true) + conv(w, 3, 9, false);    // up1, up2, tail
}

StyleConv::StyleConv(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel, Options options,
                     Rng& gen)
    : options(options) {
  // Padding is done by reflection in forward(), so the convolution itself pads nothing.
  conv = register_module(
      "conv", nn::make<nn::Conv2d>(
                  {.in = in_channels, .out = out_channels, .kernel = kernel, .stride = options.stride, .gen = &gen}));
  if (options.norm)
    norm = register_module("norm", nn::make<nn::InstanceNorm2d>({.features = out_channels, .affine = true}));
}

Tensor StyleConv::forward(const Tensor& x) {
  Tensor h;
  // Instance norm subtracts each plane's mean, so a bias added just before it
  // changes nothing (its gradient is 0 too). Without autograd it is skipped:
  // one pass over the activations less.
  const Tensor bias = norm && !GradMode::is_enabled() ? Tensor() : conv->bias;
  if (options.upsample && conv->kernel_size == 3 && options.stride == 1) {
    h = upsample2x_conv3x3(x, conv->weight, bias);
  } else {
    h = options.upsample ? upsample2d(x, 2, UpsampleMode::kNearest) : x;
    const std::int64_t p = conv->kernel_size / 2;
    h = conv2d(pad2d(h, p, p, p, p, PadMode::kReflect), conv->weight, bias, conv->params);
  }
  if (norm) h = (*norm)(h);
  return options.relu ? relu(h) : h;
}

std::string StyleConv::extra_repr() const {
  return detail::concat("stride=", options.stride, options.upsample ? ", upsample=2" : "",
                        options.norm ? ", instance_norm" : "", options.relu ? ", relu" : "");
}

StyleResidual::StyleResidual(std::int64_t channels, Rng& gen) {
  conv1 = register_module("conv1", std::make_shared<StyleConv>(channels, channels, 3, StyleConv::Options{}, gen));
  conv2 = register_module("conv2", std::make_shared<StyleConv>(channels, channels, 3,
                                                               StyleConv::Options{1, false, true, false}, gen));
}

Tensor StyleResidual::forward(const Tensor& x) { return add(x, (*conv2)((*conv1)(x))); }

StyleNet::StyleNet(const StyleNetConfig& config, Rng* gen) : config(config) {
  config.validate();
  Rng& g = gen ? *gen : default_rng();
  const std::int64_t w = config.width;
  using O = StyleConv::Options;
  head = register_module("head", std::make_shared<StyleConv>(3, w, 9, O{}, g));
  down1 = register_module("down1", std::make_shared<StyleConv>(w, 2 * w, 3, O{2}, g));
  down2 = register_module("down2", std::make_shared<StyleConv>(2 * w, 4 * w, 3, O{2}, g));
  res = register_module("res", std::make_shared<nn::Sequential>());
  for (std::int64_t i = 0; i < config.residual_blocks; ++i) res->push_back(std::make_shared<StyleResidual>(4 * w, g));
  up1 = register_module("up1", std::make_shared<StyleConv>(4 * w, 2 * w, 3, O{1, true}, g));
  up2 = register_module("up2", std::make_shared<StyleConv>(2 * w, w, 3, O{1, true}, g));
  tail = register_module("tail", std::make_shared<StyleConv>(w, 3, 9, O{1, false, false, false}, g));
  if (config.head != StyleNetHead::kSigmoid) {
    NoGradGuard no_grad;
    tail->conv->weight.zero_();  // untrained: exactly the recoloured photo
    tail->conv->bias.zero_();
    style_mean = full({3}, 0.5);
    style_std = full({3}, 0.25);
    register_buffer("recolour_mean", style_mean);
    register_buffer("recolour_std", style_std);
  }
}

void StyleNet::set_style_colours(const Tensor& style) {
  GF_CHECK(config.head != StyleNetHead::kSigmoid, "StyleNet::set_style_colours: the network has a sigmoid head");
  NoGradGuard no_grad;
  const image::ColorStats s = image::color_stats(style);
  GF_CHECK(s.mean.numel() == 3, "StyleNet::set_style_colours: the style must be RGB, got shape ", style.shape());
  style_mean.copy_(s.mean.to(style_mean.device()).to(style_mean.dtype()));
  style_std.copy_(s.std.to(style_std.device()).to(style_std.dtype()));
}

Tensor StyleNet::forward(const Tensor& image) { return clamp_output(forward_unclamped(image)); }

Tensor StyleNet::clamp_output(const Tensor& unclamped) const {
  // sigmoid's output is in (0, 1) already; a clamp would also zero the
  // gradient where float rounds it to exactly 0 or 1.
  return config.head == StyleNetHead::kSigmoid ? unclamped : clamp(unclamped, 0.0, 1.0);
}

Tensor StyleNet::forward_unclamped(const Tensor& image) {
  GF_CHECK(image.dim() == 4 && image.size(1) == 3 && image.size(2) >= 5 && image.size(3) >= 5,
           "StyleNet: expected an RGB image batch (N, 3, H, W) with H, W >= 5, got ", image.shape());
  // Two stride-2 stages and two x2 upsamplings return H x W exactly only for
  // multiples of 4: mirror the image up to one, crop the result back.
  const std::int64_t H = image.size(2), W = image.size(3);
  const std::int64_t pad_h = (4 - H % 4) % 4, pad_w = (4 - W % 4) % 4;
  Tensor x = pad_h + pad_w > 0 ? pad2d(image, 0, pad_w, 0, pad_h, PadMode::kReflect) : image;
  x = (*down2)((*down1)((*head)(x)));
  x = (*res)(x);
  x = (*tail)((*up2)((*up1)(x)));
  if (pad_h + pad_w > 0) x = x.narrow(2, 0, H).narrow(3, 0, W);
  if (config.head == StyleNetHead::kSigmoid) return sigmoid(x);
  // R(image) + t: Reinhard's transfer of each image's own statistics to the style's, plus the network's tail.
  // R is AdaIN on pixels: each image's per-channel statistics replaced by the style's.
  const ChannelStats style{style_mean.view({1, 3, 1, 1}), style_std.view({1, 3, 1, 1})};
  const auto to_style_stats = [&](const Tensor& z) { return adain_with_stats(z, channel_stats(z, 1e-12), style); };
  const Tensor sum = add(to_style_stats(image), x);
  // The matched head moves the sum to the style's statistics once more: what
  // the network adds (strokes, shapes) then cannot shift the palette.
  return config.head == StyleNetHead::kMatched ? to_style_stats(sum) : sum;
}

std::string StyleNet::extra_repr() const {
  return detail::concat("width=", config.width, ", residual_blocks=", config.residual_blocks,
                        ", head=", style_net_head_name(config.head));
}

void save_style_net(const std::string& path, const StyleNet& net, const io::Metadata& metadata,
                    const Tensor& style_picture) {
  io::Metadata meta = metadata;
  meta["kind"] = "ganforge-style-net";
  meta["width"] = std::to_string(net.config.width);
  meta["residual_blocks"] = std::to_string(net.config.residual_blocks);
  meta["head"] = style_net_head_name(net.config.head);
  const nn::NamedTensors state = net.state_dict();
  io::NamedTensors tensors(state.begin(), state.end());
  if (style_picture.defined()) {
    const Tensor picture = style_picture.dim() == 4 ? style_picture.select(0, 0) : style_picture;
    GF_CHECK(picture.dim() == 3 && picture.size(0) == 3, "save_style_net: the style picture must be (3, h, w) or ",
             "(1, 3, h, w), got ", style_picture.shape());
    tensors.emplace_back(kStylePictureName, picture.to(Device::cpu()).to(DType::kFloat32).contiguous());
  }
  io::save_safetensors(path, tensors, meta);
}

Tensor load_style_picture(const std::string& path) { return style_picture_in(io::load_safetensors(path), path); }

Tensor style_picture_in(const io::SafetensorsFile& file, const std::string& path) {
  const auto found = file.tensors.find(kStylePictureName);
  if (found == file.tensors.end()) return {};
  const Tensor picture = found->second.to(DType::kFloat32).contiguous();
  GF_CHECK(picture.dim() == 3 && picture.size(0) == 3 && picture.size(1) >= kSmallestStylePicture &&
               picture.size(2) >= kSmallestStylePicture,
           "load_style_picture: ", path, ": ", kStylePictureName, " has shape ", picture.shape(),
           ", expected an RGB picture (3, h, w) of at least ", kSmallestStylePicture, "x", kSmallestStylePicture);
  const std::vector<float> values = picture.to_vector<float>();
  GF_CHECK(std::all_of(values.begin(), values.end(), [](float v) { return v >= 0.0F && v <= 1.0F; }),
           "load_style_picture: ", path, ": ", kStylePictureName, " holds values outside [0, 1]");
  return picture;
}

std::shared_ptr<StyleNet> load_style_net(const std::string& path) { return style_net_in(io::load_safetensors(path), path); }

std::shared_ptr<StyleNet> style_net_in(const io::SafetensorsFile& file, const std::string& path) {
  const auto head = file.tensors.find("head.conv.weight");
  GF_CHECK(head != file.tensors.end() && head->second.dim() == 4,
           "load_style_net: ", path, " holds no style network (no 4-D tensor head.conv.weight)");
  StyleNetConfig config;
  config.width = head->second.size(0);
  config.residual_blocks = 0;
  while (file.tensors.count(detail::concat("res.", config.residual_blocks, ".conv1.conv.weight")) > 0)
    ++config.residual_blocks;
  // The head from the metadata; files without it (the PyTorch twin's) by whether they hold the colour buffers.
  const auto head_name = file.metadata.find("head");
  config.head = file.tensors.count("recolour_mean") == 0 ? StyleNetHead::kSigmoid
                : head_name != file.metadata.end() && head_name->second == "matched" ? StyleNetHead::kMatched
                                                                                     : StyleNetHead::kRecolour;
  GF_CHECK(head->second.shape() == Shape({config.width, 3, 9, 9}), "load_style_net: ", path,
           ": head.conv.weight has shape ", head->second.shape(), ", expected (width, 3, 9, 9)");
  GF_CHECK(config.parameter_count() <= io::count_values(file), "load_style_net: ", path, ": a network of width ",
           config.width, " needs ", config.parameter_count(), " parameters, the file holds only ",
           io::count_values(file), " values (a damaged or foreign file)");
  auto net = std::make_shared<StyleNet>(config);
  std::map<std::string, Tensor> state = file.tensors;
  state.erase(kStylePictureName);  // the picture the network was trained on, not a weight
  try {
    net->load_state_dict(state);
  } catch (const Error& e) {
    throw Error(detail::concat("load_style_net: ", path, ": ", e.what()));
  }
  return net;
}

}  // namespace gf::models
