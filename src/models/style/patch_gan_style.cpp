#include "gf/models/style/patch_gan_style.hpp"

#include <algorithm>
#include <cmath>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/models/style/style_losses.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/shape.hpp"
#include "gf/optim/adam.hpp"

namespace gf::models {
namespace {

// Pyramid levels of `image` (1, 3, H, W): as many as asked, or fewer when the
// image gets too small for D (its coarsest patch side is 8 pixels).
std::vector<Tensor> levels_of(const Tensor& image, std::int64_t levels) {
  std::int64_t n = std::min(levels, image::max_pyramid_levels(image.size(2), image.size(3)));
  while (n > 1 && std::min(image.size(2), image.size(3)) >> (n - 1) < 8) --n;
  return image::gaussian_pyramid(image, n);
}

// How many of `total` patches each style contributes: proportional to the
// weights, at least one for every style.
std::vector<std::int64_t> patch_counts(const std::vector<WeightedStyle>& styles, std::int64_t total) {
  double sum = 0.0;
  for (const auto& s : styles) sum += s.weight;
  std::vector<std::int64_t> counts;
  for (const auto& s : styles)
    counts.push_back(std::max<std::int64_t>(1, std::llround(static_cast<double>(total) * s.weight / sum)));
  return counts;
}

}  // namespace

Tensor seeded_start(const Tensor& content, const Tensor& style, double sigma, double amount) {
  NoGradGuard no_grad;
  const Tensor recoloured = image::match_color_stats(content, style);  // (1, 3, H, W)
  if (amount <= 0) return clamp(recoloured, 0.0, 1.0);
  const Tensor tiled = tile_image(style, content.size(2), content.size(3));
  const Tensor detail = sub(tiled, image::gaussian_blur(tiled, sigma));  // the style's fine bands
  const Tensor seeded = add(image::gaussian_blur(recoloured, sigma), mul(detail, amount));
  return clamp(image::match_color_stats(clamp(seeded, 0.0, 1.0), style), 0.0, 1.0);
}

Tensor patch_gan_transfer(const Tensor& content_image, const std::vector<WeightedStyle>& styles,
                          const PatchGanStyleOptions& o, const StepCallback& on_step) {
  GF_CHECK(!styles.empty(), "patch_gan_transfer: no style image");
  GF_CHECK(o.steps > 0 && o.patches > 0 && o.patch_size >= 8, "patch_gan_transfer: steps and patches must be ",
           "positive and patch_size at least 8, got ", o.steps, ", ", o.patches, ", ", o.patch_size);
  for (const auto& s : styles) GF_CHECK(s.weight > 0, "patch_gan_transfer: style weights must be positive, got ", s.weight);
  const Tensor content = rgb_image_batch(content_image, "patch_gan_transfer", "the content image");  // (1, 3, H, W)

  // Style pyramids, fixed: real patches are cut from them.
  std::vector<std::vector<Tensor>> style_levels;
  for (const auto& s : styles)
    style_levels.push_back(
        levels_of(rgb_image_batch(s.image, "patch_gan_transfer", "a style image"), o.discriminator.scales));
  std::int64_t scales = static_cast<std::int64_t>(levels_of(content, o.discriminator.scales).size());
  for (const auto& sl : style_levels) scales = std::min(scales, static_cast<std::int64_t>(sl.size()));
  const std::vector<std::int64_t> counts = patch_counts(styles, o.patches);

  Rng gen(o.seed);
  MultiScalePatchDiscriminator D(o.discriminator, gen);
  D.to(content.device());  // the discriminator lives where the images do
  optim::Adam opt_d(D.parameters(), {.lr = o.discriminator_lr, .beta1 = 0.5, .beta2 = 0.99});

  // The seeded start from the first style; the colour loss pulls it to the mixture.
  Tensor x = seeded_start(content, rgb_image_batch(styles.front().image, "patch_gan_transfer", "a style image"),
                          o.seed_sigma, o.seed_amount);
  x = x.detach().contiguous().requires_grad_();
  optim::Adam opt_x({x}, {.lr = o.image_lr, .beta1 = 0.5, .beta2 = 0.99});

  // Patches of level k of every style (real) or of x's level k (fake): (n, 3, p, p).
  auto side_at = [&](const Tensor& level) {
    return std::min({o.patch_size, level.size(2), level.size(3)});
  };
  auto real_patches = [&](std::int64_t k, std::int64_t side) {
    std::vector<Tensor> parts;
    for (std::size_t s = 0; s < styles.size(); ++s)
      parts.push_back(random_patches(style_levels[s][static_cast<std::size_t>(k)], counts[s], side, gen));
    return cat(parts, 0);
  };

  for (std::int64_t step = 1; step <= o.steps; ++step) {
    // ---- D: style patches are real, the output's are fake -----------------------
    Tensor loss_d;
    {
      std::vector<Tensor> x_levels;
      {
        NoGradGuard no_grad;
        x_levels = levels_of(x.detach(), scales);
      }
      opt_d.zero_grad();
      for (std::int64_t k = 0; k < scales; ++k) {
        std::int64_t side = side_at(x_levels[static_cast<std::size_t>(k)]);
        for (const auto& sl : style_levels) side = std::min(side, side_at(sl[static_cast<std::size_t>(k)]));
        const Tensor real = real_patches(k, side);
        const Tensor fake = random_patches(x_levels[static_cast<std::size_t>(k)], o.patches, side, gen);
        auto& Dk = *D.levels[static_cast<std::size_t>(k)];
        const Tensor term = discriminator_loss(o.loss, Dk(real), Dk(fake));
        loss_d = loss_d.defined() ? add(loss_d, term) : term;
      }
      loss_d = div(loss_d, static_cast<double>(scales));
      loss_d.backward();
      opt_d.step();
    }

    // ---- x: fool D at every level, keep the content's layout and the style's colours ----
    opt_x.zero_grad();
    const std::vector<Tensor> x_levels = levels_of(x, scales);
    Tensor adv;
    for (std::int64_t k = 0; k < scales; ++k) {
      std::int64_t side = side_at(x_levels[static_cast<std::size_t>(k)]);
      for (const auto& sl : style_levels) side = std::min(side, side_at(sl[static_cast<std::size_t>(k)]));
      const Tensor fake = random_patches(x_levels[static_cast<std::size_t>(k)], o.patches, side, gen);
      const Tensor term = generator_loss(o.loss, (*D.levels[static_cast<std::size_t>(k)])(fake));
      adv = adv.defined() ? add(adv, term) : term;
    }
    adv = div(adv, static_cast<double>(scales));
    std::vector<Tensor> style_images;
    std::vector<double> style_weights;
    for (const auto& s : styles) {
      style_images.push_back(rgb_image_batch(s.image, "patch_gan_transfer", "a style image"));
      style_weights.push_back(s.weight);
    }
    const OfflineStyleLoss l = offline_style_loss(
        x, content, adv, style_images, style_weights,
        {.adversarial = o.adversarial_weight, .color = o.color_weight, .lowpass = o.lowpass_weight,
         .lowpass_sigma = o.lowpass_sigma, .ssim = o.ssim_weight, .ssim_target = o.ssim_target,
         .edge = o.edge_weight, .tv = o.tv_weight});
    const Tensor& total = l.total;
    total.backward();
    opt_x.step();
    {
      NoGradGuard no_grad;
      x.copy_(clamp(x, 0.0, 1.0));
    }
    if (on_step)
      on_step(step, {{"D", loss_d.item()},
                     {"adv", l.adversarial.item()},
                     {"low", l.lowpass.item()},
                     {"edge", l.edge.item()},
                     {"ssim", l.ssim.item()},
                     {"color", l.color.item()},
                     {"tv", l.tv.item()}});
  }
  NoGradGuard no_grad;
  return x.detach().clone();
}

}  // namespace gf::models
