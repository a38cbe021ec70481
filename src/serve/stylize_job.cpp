#include "gf/serve/stylize_job.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/image/clipped_detail.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/image/style_texture.hpp"
#include "gf/io/image.hpp"
#include "gf/metrics/ssim.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/patch_gan_style.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/models/style/tiled_apply.hpp"

namespace gf::serve {
namespace {

// Tiles report progress; a stop request takes effect between tiles.
models::TileProgress tile_progress(JobContext& context) {
  return [&context](std::int64_t done, std::int64_t total) {
    context.set_progress(static_cast<double>(done) / static_cast<double>(total));
    context.stop_if_asked();
  };
}

Tensor apply_network(models::StyleNet& net, const Tensor& photo, JobContext& context) {
  NoGradGuard no_grad;
  return models::tiled_apply([&](const Tensor& tile) { return net.forward(tile); }, photo,
                             {.tile = kTile, .overlap = kTileOverlap}, tile_progress(context));
}

Tensor apply_adain(models::AdainNet& net, const Tensor& photo, const Tensor& style, double alpha,
                   JobContext& context) {
  NoGradGuard no_grad;
  const models::ImageStats style_stats = net.style_stats({style});
  const models::ImageStats photo_stats = net.content_stats(photo, kTile);
  return models::tiled_apply(
      [&](const Tensor& tile) { return net.stylize_with_stats(tile, photo_stats, style_stats, alpha); }, photo,
      {.tile = kTile, .overlap = kTileOverlap}, tile_progress(context));
}

Tensor optimise(const Tensor& photo, const Tensor& style, JobContext& context) {
  models::PatchGanStyleOptions options;
  options.steps = kOptimiseSteps;
  return models::patch_gan_transfer(photo, {{style, 1.0}}, options,
                                    [&](std::int64_t step, const std::vector<models::LossValue>&) {
                                      context.set_progress(static_cast<double>(step) / kOptimiseSteps);
                                      context.stop_if_asked();
                                    });
}

}  // namespace

JobResult run_stylize(const StylizeRequest& r, JobContext& context, Device device) {
  context.stop_if_asked();  // cancelled while it waited
  const Tensor photo = r.photo.to(device);  // (1, 3, h, w)
  Tensor out;
  switch (r.method()) {
    case StyleKind::kNetwork:
      out = image::restore_clipped_detail(apply_network(*r.style->network, photo, context), photo);
      if (r.style->image.defined()) out = image::transfer_style_texture(out, r.style->image, {.strength = r.texture});
      break;
    case StyleKind::kAdain:
      out = image::restore_clipped_detail(
          apply_adain(*r.style->adain, photo, r.style_image.to(device), r.alpha, context), photo);
      out = image::transfer_style_texture(out, r.style_image, {.strength = r.alpha * r.texture});  // none at alpha 0
      break;
    case StyleKind::kOptimise: out = optimise(photo, r.style_image.to(device), context); break;
  }

  NoGradGuard no_grad;
  if (r.method() != StyleKind::kAdain && r.alpha < 1.0) out = image::weighted_blend(out, photo, r.alpha);
  out = image::fuse_by_mode(out, photo, r.fuse, kFuseLevels, kWeightedFuseAlpha);
  const double ssim = metrics::ssim_luminance(out, photo).item();
  const Tensor picture = out.select(0, 0).to(Device::cpu());  // (3, h, w)
  const bool png = r.format == io::ImageFormat::kPng;
  return {png ? io::encode_png(picture) : io::encode_jpeg(picture, kJpegQuality), png ? "image/png" : "image/jpeg",
          {{"ssim", ssim},
           {"width", static_cast<double>(picture.size(2))},
           {"height", static_cast<double>(picture.size(1))}}};
}

}  // namespace gf::serve
