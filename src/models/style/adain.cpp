#include "gf/models/style/adain.hpp"

#include <cmath>

#include "gf/autograd/grad_mode.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/models/style/vgg.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/loss.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"

namespace gf::models {
namespace {

// The encoder is VGG-19's features up to relu4_1; the style loss reads these four.
constexpr const char* kStageLayers[] = {"relu1_1", "relu2_1", "relu3_1", "relu4_1"};
// relu4_1 has seen three 2x2 poolings: the decoder multiplies the size by 8.
constexpr std::int64_t kScale = 8;

void check_images(const Tensor& images, const char* what) {
  GF_CHECK(images.dim() == 4 && images.size(1) == 3 && images.size(2) >= 2 * kScale && images.size(3) >= 2 * kScale,
           "adain: ", what, " must be RGB images (N, 3, H, W) with H, W >= ", 2 * kScale, ", got ", images.shape());
}

// Mirrors images up to the next multiple of 8 in H and W (bottom and right).
Tensor pad_to_multiple(const Tensor& images) {
  const std::int64_t pad_h = (kScale - images.size(2) % kScale) % kScale;
  const std::int64_t pad_w = (kScale - images.size(3) % kScale) % kScale;
  return pad_h + pad_w > 0 ? pad2d(images, 0, pad_w, 0, pad_h, PadMode::kReflect) : images;
}

}  // namespace

// ---- the network --------------------------------------------------------------------

std::string fusion_name(FeatureFusion fusion) {
  return fusion == FeatureFusion::kAttention ? "attention" : "adain";
}

FeatureFusion parse_fusion(const std::string& name) {
  if (name == "adain") return FeatureFusion::kAdain;
  if (name == "attention") return FeatureFusion::kAttention;
  throw Error(detail::concat("unknown feature fusion '", name, "' (adain or attention)"));
}

void AdainConfig::validate() const {
  GF_CHECK(width_divisor >= 1 && 64 % width_divisor == 0, "AdainConfig: width_divisor must divide 64, got ",
           width_divisor);
}

AdainNet::AdainNet(const AdainConfig& cfg, Rng& gen) : config(cfg) {
  config.validate();
  // The encoder is the front of a VGG-19 (torchvision layout, same indices),
  // up to relu4_1; the rest of the VGG is dropped.
  Vgg19Features vgg(Vgg19Config{.pooling = VggPooling::kMax, .width_divisor = config.width_divisor}, gen);
  encoder = register_module("encoder", std::make_shared<nn::Sequential>());
  for (std::int64_t i = 0; i <= Vgg19Features::layer_index(kStageLayers[3]); ++i)
    encoder->push_back((*vgg.features)[static_cast<std::size_t>(i)]);
  // Until pretrained weights are loaded the encoder is random, and then He
  // init is what makes it usable: with the default conv init every layer
  // shrinks the activations, so relu4_1 comes out ~100x smaller than relu1_1
  // with many channels dead, and AdaIN's statistics would be those of eps.
  nn::init::he_init(*encoder, gen);

  // The decoder mirrors the encoder: each pooling becomes a nearest x2
  // upsampling, each conv a reflection-padded 3x3 conv + ReLU (none on the last).
  const std::int64_t d = config.width_divisor;
  const std::int64_t w1 = 64 / d, w2 = 128 / d, w3 = 256 / d, w4 = 512 / d;
  using O = StyleConv::Options;
  const O plain{.norm = false}, up{.upsample = true, .norm = false}, last{.norm = false, .relu = false};
  decoder = register_module("decoder", std::make_shared<nn::Sequential>());
  auto stage = [&](std::int64_t in, std::int64_t out, O options) {
    decoder->push_back(std::make_shared<StyleConv>(in, out, 3, options, gen));
  };
  stage(w4, w3, plain);  // relu4_1 -> 1/8 resolution
  stage(w3, w3, up);     // -> 1/4
  stage(w3, w3, plain);
  stage(w3, w3, plain);
  stage(w3, w2, plain);
  stage(w2, w2, up);     // -> 1/2
  stage(w2, w1, plain);
  stage(w1, w1, up);     // -> full size
  stage(w1, 3, last);
  nn::init::he_init(*decoder, gen);  // the default init would silence the signal before the output: no gradient to start from
  if (config.recolour) {
    // The recolour head starts as Reinhard's transfer: no texture yet. (The
    // gradient still reaches every layer once the first step moves this one.)
    auto& out = dynamic_cast<StyleConv&>(*(*decoder)[decoder->size() - 1]);
    nn::init::zeros_(out.conv->weight);
  }
  if (config.fusion == FeatureFusion::kAttention)
    attention = register_module("attention", std::make_shared<StyleAttention>(w4, gen));
  freeze_encoder();
}

std::vector<Tensor> AdainNet::trainable_parameters() const {
  std::vector<Tensor> params = decoder->parameters();
  if (attention)
    for (const Tensor& p : attention->parameters()) params.push_back(p);
  return params;
}

void AdainNet::freeze_encoder() {
  for (Tensor& p : encoder->parameters()) p.requires_grad_(false);
}

void AdainNet::load_vgg_weights(const std::string& path) {
  Rng scratch(0);
  Vgg19Features vgg(Vgg19Config{.width_divisor = config.width_divisor}, scratch);
  load_vgg19_weights(vgg, path);  // names the file and every mis-shaped tensor when its width is another
  load_vgg_weights(vgg);
}

void AdainNet::load_vgg_weights(const Vgg19Features& vgg) {
  GF_CHECK(vgg.config.width_divisor == config.width_divisor, "AdainNet::load_vgg_weights: a VGG-19 at width 1/",
           vgg.config.width_divisor, " for an encoder at width 1/", config.width_divisor);
  // The encoder holds the front of vgg.features, the same modules at the same indices.
  for (std::size_t i = 0; i < encoder->size(); ++i) {
    const nn::NamedTensors layer = (*vgg.features)[i]->state_dict();
    (*encoder)[i]->load_state_dict(std::map<std::string, Tensor>(layer.begin(), layer.end()));
  }
}

std::vector<Tensor> AdainNet::encode_stages(const Tensor& images) {
  check_images(images, "encoder input");
  std::vector<Tensor> stages;
  Tensor x = imagenet_normalize(images);  // (N, 3, H, W)
  std::size_t next = 0;
  for (std::size_t i = 0; i < encoder->size(); ++i) {
    x = (*(*encoder)[i])(x);
    if (static_cast<std::int64_t>(i) == Vgg19Features::layer_index(kStageLayers[next])) {
      stages.push_back(x);
      ++next;
    }
  }
  return stages;
}

Tensor AdainNet::encode(const Tensor& images) { return encode_stages(images).back(); }

Tensor AdainNet::decode(const Tensor& features) {
  GF_CHECK(features.dim() == 4 && features.size(1) == 512 / config.width_divisor, "AdainNet: decode expects (N, ",
           512 / config.width_divisor, ", h, w) features, got ", features.shape());
  return (*decoder)(features);
}

Tensor AdainNet::forward(const Tensor& images) { return decode(encode(images)); }

Tensor AdainNet::fuse(const Tensor& fc, const ChannelStats& content_stats, const ImageStats& style_stats) {
  if (!attention) return adain_with_stats(fc, content_stats, style_stats.features);
  GF_CHECK(!style_stats.feature_maps.empty() && style_stats.feature_maps.size() == style_stats.weights.size(),
           "adain: attention fusion needs the styles' features (ImageStats from style_stats())");
  Tensor t;
  for (std::size_t k = 0; k < style_stats.feature_maps.size(); ++k) {
    if (style_stats.weights[k] == 0.0) continue;
    const Tensor term = mul(attention->fuse_with_stats(fc, content_stats, style_stats.feature_maps[k]),
                            style_stats.weights[k]);
    t = t.defined() ? add(t, term) : term;
  }
  return t;
}

ImageStats AdainNet::style_stats(const std::vector<Tensor>& styles, const std::vector<double>& weights) {
  GF_CHECK(!styles.empty(), "adain: stylize needs at least one style image");
  NoGradGuard no_grad;
  std::vector<ChannelStats> features, pixels;
  std::vector<Tensor> maps;
  for (const Tensor& s : styles) {
    check_images(s, "style");
    maps.push_back(encode(s));
    features.push_back(channel_stats(maps.back()));
    pixels.push_back(channel_stats(s));
  }
  const std::vector<double> w = weights.empty() ? std::vector<double>(styles.size(), 1.0) : weights;
  ImageStats stats{mix_stats(features, w), mix_stats(pixels, w)};
  if (attention) {
    stats.feature_maps = std::move(maps);
    stats.weights = style_shares(w, styles.size());
  }
  return stats;
}

ImageStats AdainNet::content_stats(const Tensor& content, std::int64_t tile) {
  check_images(content, "content");
  GF_CHECK(content.size(0) == 1, "adain: content_stats takes one image, got a batch of ", content.size(0));
  GF_CHECK(tile >= 2 * kScale && tile % kScale == 0, "adain: the tile side must be a multiple of 8, >= 16; got ",
           tile);
  // Each crop reaches kContext pixels beyond its own square on every side
  // (where the image goes on), so the features of the square are (nearly)
  // those of the whole image; only the square's feature positions are counted.
  constexpr std::int64_t kContext = 4 * kScale;
  NoGradGuard no_grad;
  const Tensor padded = pad_to_multiple(content);  // (1, 3, H, W), H and W multiples of 8
  const std::int64_t H = padded.size(2), W = padded.size(3);
  Tensor total, total_sq;  // (1, C, 1, 1) float64 sums over the positions
  for (std::int64_t y = 0; y < H; y += tile)
    for (std::int64_t x = 0; x < W; x += tile) {
      const std::int64_t th = std::min(tile, H - y), tw = std::min(tile, W - x);
      const std::int64_t y0 = std::max<std::int64_t>(0, y - kContext), x0 = std::max<std::int64_t>(0, x - kContext);
      const std::int64_t y1 = std::min(H, y + th + kContext), x1 = std::min(W, x + tw + kContext);
      const Tensor f = encode(padded.narrow(2, y0, y1 - y0).narrow(3, x0, x1 - x0));  // (1, C, (y1-y0)/8, (x1-x0)/8)
      const Tensor inner = f.narrow(2, (y - y0) / kScale, th / kScale).narrow(3, (x - x0) / kScale, tw / kScale)
                               .to(DType::kFloat64);
      const Tensor s = sum(inner, {2, 3}, true), s2 = sum(square(inner), {2, 3}, true);
      total = total.defined() ? add(total, s) : s;
      total_sq = total_sq.defined() ? add(total_sq, s2) : s2;
    }
  const auto count = static_cast<double>((H / kScale) * (W / kScale));
  const Tensor mean = div(total, count);
  const Tensor var = clamp(sub(div(total_sq, count), square(mean)), 0.0, INFINITY);  // E[x^2] - E[x]^2 >= 0
  return {{mean.to(content.dtype()), sqrt(add(var, 1e-5)).to(content.dtype())}, channel_stats(content)};
}

namespace {

// content (N, 3, H, W) stylised from its features fc (N, C, h, w) with the
// given statistics: AdaIN mixed with fc by alpha, decoded, cropped to H x W;
// with the recolour head added to the (partly) recoloured photo; clamped to [0, 1].
Tensor decode_stylized(AdainNet& net, const Tensor& content, const Tensor& fc, const ImageStats& content_stats,
                       const ImageStats& style_stats, double alpha) {
  GF_CHECK(alpha >= 0.0 && alpha <= 1.0, "adain: alpha must be in [0, 1], got ", alpha);
  const Tensor t = net.fuse(fc, content_stats.features, style_stats);
  Tensor out = net.decode(alpha == 1.0 ? t : add(mul(t, alpha), mul(fc, 1.0 - alpha)));  // (N, 3, 8h, 8w)
  out = out.narrow(2, 0, content.size(2)).narrow(3, 0, content.size(3));
  if (net.config.recolour) {
    // (1 - alpha) c + alpha R(c) + alpha g(t'): alpha 0 gives the photo back exactly.
    const Tensor recoloured = adain_with_stats(content, content_stats.pixels, style_stats.pixels);
    out = add(add(mul(content, 1.0 - alpha), mul(recoloured, alpha)), mul(out, alpha));
  }
  return clamp(out, 0.0, 1.0);
}

}  // namespace

Tensor AdainNet::stylize_with_stats(const Tensor& content, const ImageStats& content_stats,
                                    const ImageStats& style_stats, double alpha) {
  check_images(content, "content");
  NoGradGuard no_grad;
  return decode_stylized(*this, content, encode(pad_to_multiple(content)), content_stats, style_stats, alpha);
}

Tensor AdainNet::stylize(const Tensor& content, const std::vector<Tensor>& styles, const std::vector<double>& weights,
                         double alpha) {
  check_images(content, "content");
  NoGradGuard no_grad;
  const ImageStats s = style_stats(styles, weights);
  const Tensor fc = encode(pad_to_multiple(content));
  return decode_stylized(*this, content, fc, {channel_stats(fc), channel_stats(content)}, s, alpha);
}

std::string AdainNet::extra_repr() const {
  return detail::concat("encoder=VGG-19 to relu4_1, width_divisor=", config.width_divisor,
                        config.recolour ? ", head=recolour" : ", head=decoder",
                        ", fusion=", fusion_name(config.fusion));
}

// ---- training objective -------------------------------------------------------------

Tensor adain_style_loss(const std::vector<Tensor>& features, const std::vector<Tensor>& targets) {
  GF_CHECK(!features.empty() && features.size() == targets.size(), "adain_style_loss: ", features.size(),
           " feature maps for ", targets.size(), " targets");
  Tensor loss;
  for (std::size_t i = 0; i < features.size(); ++i) {
    const ChannelStats a = channel_stats(features[i]), b = channel_stats(targets[i]);
    GF_CHECK(b.mean.size(1) == a.mean.size(1) && (b.mean.size(0) == a.mean.size(0) || b.mean.size(0) == 1),
             "adain_style_loss: stage ", i, " has features ", features[i].shape(), " but target ", targets[i].shape());
    // One style for the whole batch: its (1, C, 1, 1) statistics serve every sample.
    const Tensor term = add(mse_loss(a.mean, b.mean.expand(a.mean.shape())), mse_loss(a.std, b.std.expand(a.std.shape())));
    loss = loss.defined() ? add(loss, term) : term;
  }
  return loss;
}

AdainLosses adain_losses(AdainNet& net, const Tensor& content, const Tensor& style, double style_weight,
                         double colour_weight) {
  check_images(content, "content");
  GF_CHECK(content.size(2) % kScale == 0 && content.size(3) % kScale == 0,
           "adain_losses: content height and width must be multiples of 8, got ", content.shape());
  // Targets: constants of this step.
  Tensor fc, t;                      // f(c), and the fused features (N, C4, H/8, W/8)
  std::vector<Tensor> style_stages;  // relu1_1 .. relu4_1 of the style
  Tensor recoloured;                 // recolour head: R(c) (N, 3, H, W)
  {
    NoGradGuard no_grad;
    style_stages = net.encode_stages(style);
    fc = net.encode(content);
    if (!net.attention) t = adain(fc, style_stages.back());
    if (net.config.recolour) recoloured = adain_with_stats(content, channel_stats(content), channel_stats(style));
  }
  if (net.attention) t = net.attention->fuse(fc, style_stages.back());  // trained with the decoder: recorded
  Tensor out = net.decode(t);                              // g(t): (N, 3, H, W)
  if (net.config.recolour) out = add(recoloured, out);    // + R(c), the photo in the style's pixel statistics
  const std::vector<Tensor> out_stages = net.encode_stages(out);  // phi_i(g(t)), through the frozen encoder
  AdainLosses l;
  // AdaIN: the decoded image has the features t. Attention: t is learned,
  // so it cannot be the target; the output keeps the content's normalised
  // features instead (with AdaIN the same thing, as norm(t) = norm(f(c))).
  const Tensor& out_features = out_stages.back();
  l.content = net.attention ? mse_loss(normalize_channels(out_features, channel_stats(out_features)),
                                       normalize_channels(fc, channel_stats(fc)))
                            : mse_loss(out_features, t);
  l.style = adain_style_loss(out_stages, style_stages);
  l.colour = adain_style_loss({out}, {style});  // each output against its own style, pixel by pixel
  l.total = add(add(l.content, mul(l.style, style_weight)), mul(l.colour, colour_weight));
  return l;
}

}  // namespace gf::models
