#include "gf/models/patch_discriminator.hpp"

#include <algorithm>
#include <string>

#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"
#include "gf/ops/pool.hpp"
#include "gf/ops/shape.hpp"

namespace gf::models {
namespace {

constexpr double kSlope = 0.2;             // LeakyReLU slope, as in DCGAN / PatchGAN discriminators
constexpr std::int64_t kMinLevelSide = 8;  // a pyramid level smaller than this is not judged

// Appends conv (+ spectral norm) to `seq`.
void add_conv(nn::Sequential& seq, std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride,
              bool spectral, Rng& gen) {
  auto conv = std::make_shared<nn::Conv2d>(in, out, kernel, stride, 1, 1, 1, true, &gen);
  if (spectral) seq.push_back(std::make_shared<nn::SpectralNorm>(conv, conv->weight, gen));
  else seq.push_back(conv);
}

// x (..., W) mirrored along its last dim, differentiably: x J with J the
// (W, W) anti-identity. There is no flip op; this product costs W^2 per row,
// nothing next to D's convolutions on the same patch.
Tensor mirror_last_dim(const Tensor& x) {
  const std::int64_t w = x.size(x.dim() - 1);
  std::vector<float> j(static_cast<std::size_t>(w * w), 0.0f);
  for (std::int64_t i = 0; i < w; ++i) j[static_cast<std::size_t>(i * w + (w - 1 - i))] = 1.0f;
  const Tensor J = from_vector<float>(j, {w, w}).to(x.dtype()).to(x.device());
  return matmul(x.reshape({-1, w}), J).reshape(x.shape());
}

}  // namespace

void PatchDiscriminatorConfig::validate() const {
  GF_CHECK(in_channels > 0 && width > 0, "patch discriminator: in_channels and width must be positive, got ",
           in_channels, " and ", width);
  GF_CHECK(downsamplings >= 0 && downsamplings <= 5, "patch discriminator: downsamplings must be in [0, 5], got ",
           downsamplings);
  GF_CHECK(scales >= 1, "patch discriminator: scales must be at least 1, got ", scales);
}

// ---- one scale ---------------------------------------------------------------

PatchDiscriminator::PatchDiscriminator(const PatchDiscriminatorConfig& cfg, Rng& gen) : config(cfg) {
  config.validate();
  main = register_module("main", std::make_shared<nn::Sequential>());
  std::int64_t ch = config.width;
  add_conv(*main, config.in_channels, ch, 3, 1, config.spectral_norm, gen);  // (N, w, H, W)
  main->push_back(std::make_shared<nn::LeakyReLU>(kSlope));
  for (std::int64_t i = 0; i < config.downsamplings; ++i) {  // halves H and W, doubles the width
    add_conv(*main, ch, 2 * ch, 4, 2, config.spectral_norm, gen);
    main->push_back(std::make_shared<nn::LeakyReLU>(kSlope));
    ch *= 2;
  }
  add_conv(*main, ch, 1, 3, 1, config.spectral_norm, gen);  // (N, 1, H / 2^d, W / 2^d) logits
}

Tensor PatchDiscriminator::forward(const Tensor& x) {
  GF_CHECK(x.dim() == 4 && x.size(1) == config.in_channels, "PatchDiscriminator: input must be (N, ",
           config.in_channels, ", H, W), got ", x.shape());
  return (*main)(x);
}

std::int64_t PatchDiscriminator::receptive_field() const {
  // Walk back from one output pixel: a layer with kernel k adds (k - 1) times
  // the product of the strides below it.
  std::int64_t field = 1 + 2;  // first 3x3 conv, stride 1
  std::int64_t jump = 1;
  for (std::int64_t i = 0; i < config.downsamplings; ++i) {
    field += 3 * jump;  // 4x4 kernel
    jump *= 2;
  }
  return field + 2 * jump;  // last 3x3 conv
}

// ---- multi-scale ---------------------------------------------------------------

MultiScalePatchDiscriminator::MultiScalePatchDiscriminator(const PatchDiscriminatorConfig& cfg, Rng& gen)
    : config(cfg) {
  config.validate();
  for (std::int64_t k = 0; k < config.scales; ++k)
    levels.push_back(register_module("scale" + std::to_string(k), std::make_shared<PatchDiscriminator>(config, gen)));
}

std::vector<Tensor> MultiScalePatchDiscriminator::forward_scales(const Tensor& x) {
  std::vector<Tensor> logits;
  Tensor level = x;  // (N, C, H / 2^k, W / 2^k)
  for (std::size_t k = 0; k < levels.size(); ++k) {
    if (std::min(level.size(2), level.size(3)) < kMinLevelSide) break;
    logits.push_back(levels[k]->forward(level));
    if (k + 1 < levels.size()) level = avg_pool2d(level, 2);
  }
  GF_CHECK(!logits.empty(), "MultiScalePatchDiscriminator: input ", x.shape(), " is smaller than ", kMinLevelSide,
           " pixels");
  return logits;
}

Tensor MultiScalePatchDiscriminator::forward(const Tensor& x) {
  std::vector<Tensor> flat;
  for (const Tensor& l : forward_scales(x)) flat.push_back(l.flatten(1));
  return cat(flat, 1);
}

Tensor patch_discriminator_loss(MultiScalePatchDiscriminator& D, const Tensor& real, const Tensor& fake,
                                GanLoss loss) {
  const std::vector<Tensor> r = D.forward_scales(real), f = D.forward_scales(fake);
  GF_CHECK(r.size() == f.size(), "patch_discriminator_loss: real ", real.shape(), " and fake ", fake.shape(),
           " reach different pyramid depths");
  Tensor total = discriminator_loss(loss, r[0], f[0]);
  for (std::size_t k = 1; k < r.size(); ++k) total = add(total, discriminator_loss(loss, r[k], f[k]));
  return div(total, static_cast<double>(r.size()));
}

Tensor patch_generator_loss(MultiScalePatchDiscriminator& D, const Tensor& fake, GanLoss loss) {
  const std::vector<Tensor> f = D.forward_scales(fake);
  Tensor total = generator_loss(loss, f[0]);
  for (std::size_t k = 1; k < f.size(); ++k) total = add(total, generator_loss(loss, f[k]));
  return div(total, static_cast<double>(f.size()));
}

Tensor random_patches(const Tensor& image, std::int64_t n, std::int64_t size, Rng& gen) {
  const Tensor img = image.dim() == 3 ? image.unsqueeze(0) : image;  // (1, C, H, W)
  GF_CHECK(img.dim() == 4 && img.size(0) == 1, "random_patches: image must be (C, H, W) or (1, C, H, W), got ",
           image.shape());
  const std::int64_t h = img.size(2), w = img.size(3);
  GF_CHECK(n > 0 && size > 0 && size <= h && size <= w, "random_patches: cannot cut ", n, " patches of ", size, "x",
           size, " from a ", h, "x", w, " image");
  std::vector<Tensor> patches, mirrored;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto top = static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(h - size + 1)));
    const auto left = static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(w - size + 1)));
    const Tensor p = img.narrow(2, top, size).narrow(3, left, size);  // (1, C, size, size)
    (gen.uniform() < 0.5f ? mirrored : patches).push_back(p);
  }
  // One product mirrors all the chosen patches at once.
  if (!mirrored.empty()) patches.push_back(mirror_last_dim(cat(mirrored, 0)));
  return cat(patches, 0);  // (n, C, size, size)
}

}  // namespace gf::models
