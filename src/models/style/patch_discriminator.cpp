#include "gf/models/style/patch_discriminator.hpp"

#include <algorithm>
#include <cmath>
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
  auto conv =
      nn::make<nn::Conv2d>({.in = in, .out = out, .kernel = kernel, .stride = stride, .padding = 1, .gen = &gen});
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

namespace {

// n patches of img (1, C, H, W), the corner of each from pick(); each mirrored with probability 1/2.
template <class PickCorner>
Tensor cut_patches(const Tensor& img, std::int64_t n, std::int64_t size, Rng& gen, PickCorner pick) {
  std::vector<Tensor> patches, mirrored;
  for (std::int64_t i = 0; i < n; ++i) {
    const PatchCorner at = pick();
    const Tensor p = img.narrow(2, at.top, size).narrow(3, at.left, size);  // (1, C, size, size)
    (gen.uniform() < 0.5f ? mirrored : patches).push_back(p);
  }
  // One product mirrors all the chosen patches at once.
  if (!mirrored.empty()) patches.push_back(mirror_last_dim(cat(mirrored, 0)));
  return cat(patches, 0);  // (n, C, size, size)
}

// image (C, H, W) or (1, C, H, W) -> (1, C, H, W), checked to hold n > 0 windows of `size`.
Tensor patch_source(const Tensor& image, std::int64_t n, std::int64_t size, const char* what) {
  const Tensor img = image.dim() == 3 ? image.unsqueeze(0) : image;
  GF_CHECK(img.dim() == 4 && img.size(0) == 1, what, ": image must be (C, H, W) or (1, C, H, W), got ",
           image.shape());
  GF_CHECK(n > 0 && size > 0 && size <= img.size(2) && size <= img.size(3), what, ": cannot cut ", n, " patches of ",
           size, "x", size, " from a ", img.size(2), "x", img.size(3), " image");
  return img;
}

}  // namespace

Tensor random_patches(const Tensor& image, std::int64_t n, std::int64_t size, Rng& gen) {
  const Tensor img = patch_source(image, n, size, "random_patches");
  const std::int64_t h = img.size(2), w = img.size(3);
  return cut_patches(img, n, size, gen, [&] {
    const auto top = static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(h - size + 1)));
    const auto left = static_cast<std::int64_t>(gen.below(static_cast<std::uint64_t>(w - size + 1)));
    return PatchCorner{top, left};
  });
}

Tensor random_patches(const Tensor& image, std::int64_t n, std::int64_t size, Rng& gen,
                      const std::vector<PatchCorner>& corners) {
  const Tensor img = patch_source(image, n, size, "random_patches");
  GF_CHECK(!corners.empty(), "random_patches: no corners to cut from");
  for (const PatchCorner& c : corners)
    GF_CHECK(c.top >= 0 && c.left >= 0 && c.top + size <= img.size(2) && c.left + size <= img.size(3),
             "random_patches: a ", size, "x", size, " patch at (", c.top, ", ", c.left, ") leaves the ", img.size(2),
             "x", img.size(3), " image");
  return cut_patches(img, n, size, gen, [&] { return corners[gen.below(corners.size())]; });
}

std::vector<PatchCorner> textured_patch_corners(const Tensor& image, std::int64_t size, double min_std) {
  const Tensor img = patch_source(image, 1, size, "textured_patch_corners");
  GF_CHECK(img.size(1) == 3, "textured_patch_corners: expected an RGB image, got ", image.shape());
  const std::int64_t H = img.size(2), W = img.size(3);
  const std::vector<double> rgb = img.to(Device::cpu()).contiguous().to_vector<double>();
  // Summed-area tables of Y and Y^2, (H + 1) x (W + 1) with a zero first row and column.
  std::vector<double> sum((H + 1) * (W + 1), 0.0), sum_sq((H + 1) * (W + 1), 0.0);
  const auto at = [W](std::int64_t y, std::int64_t x) { return static_cast<std::size_t>(y * (W + 1) + x); };
  for (std::int64_t y = 0; y < H; ++y)
    for (std::int64_t x = 0; x < W; ++x) {
      const auto i = static_cast<std::size_t>(y * W + x), plane = static_cast<std::size_t>(H * W);
      const double Y = 0.299 * rgb[i] + 0.587 * rgb[plane + i] + 0.114 * rgb[2 * plane + i];
      sum[at(y + 1, x + 1)] = Y + sum[at(y, x + 1)] + sum[at(y + 1, x)] - sum[at(y, x)];
      sum_sq[at(y + 1, x + 1)] = Y * Y + sum_sq[at(y, x + 1)] + sum_sq[at(y + 1, x)] - sum_sq[at(y, x)];
    }
  const auto window = [&](const std::vector<double>& t, std::int64_t y, std::int64_t x) {
    return t[at(y + size, x + size)] - t[at(y, x + size)] - t[at(y + size, x)] + t[at(y, x)];
  };
  const double count = static_cast<double>(size * size);
  std::vector<PatchCorner> corners;
  for (std::int64_t y = 0; y + size <= H; ++y)
    for (std::int64_t x = 0; x + size <= W; ++x) {
      const double mean = window(sum, y, x) / count;
      const double var = std::max(0.0, window(sum_sq, y, x) / count - mean * mean);
      if (std::sqrt(var) >= min_std) corners.push_back({y, x});
    }
  return corners;
}

}  // namespace gf::models
