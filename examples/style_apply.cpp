// style_apply: stylises a photo with a feed-forward style network trained by
// style_train (Johnson et al. layout, gf/models/style/style_net.hpp): one forward
// pass, well under a second for 512x512 on two CPU cores.
//
//   style_apply --model run/style_net.safetensors photo.jpg out.png
//   style_apply --model net.safetensors --tile 512 --overlap 64 huge.jpg out.jpg
//   style_apply --model net.safetensors --fuse pyramid --levels 4 photo.jpg out.png
//
// The steps:
//   1. load the network (its width and depth come from the tensor names);
//   2. read the photo, resize it so its longest side is --size (0: keep);
//   3. run the network in one pass, or, with --tile, by overlapping tiles
//      blended with raised-cosine weights (gf/models/style/tiled_apply.hpp), so an
//      image of any size fits in memory; without --tile an image whose one
//      pass would not fit is refused with a message that suggests --tile;
//   4. where the network clipped a region flat to the style's black or white,
//      put the photo's detail back (gf::image::restore_clipped_detail; on by
//      default, --no-clipped-detail for the network's output as it is);
//   5. where the result is smooth, add pieces of the style picture's texture
//      of matching colour (gf::image::transfer_style_texture; the picture
//      style_train stored in the model, or --style; --style-texture 0: none);
//   6. optionally fuse with the photo (gf::image::fuse_with_content: the
//      photo's finest detail bands with the stylised coarse levels, or a
//      weighted average), and write PNG or JPEG by the output's extension.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>

#include "gf/data/transforms.hpp"
#include "gf/gf.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/io/image.hpp"
#include "gf/io/progress.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/models/style/tiled_apply.hpp"
#include "fuse_options.hpp"
#include "option_bounds.hpp"

using namespace gf;

namespace {

// Activation memory of one StyleNet pass per pixel and per unit of width
// (float32, no grad): measured as the allocator's high-water mark, 145 MB for
// a 512x512 image at width 32, rounded up.
constexpr double kBytesPerPixelPerWidth = 20.0;
// The photo, its resized copy, the result and the fused result as float32 RGB.
constexpr double kImageBytesPerPixel = 4 * 3 * 4;
// The smallest photo: the network's first 9x9 convolution mirrors 4 pixels
// beyond each edge, which needs 5 pixels to mirror.
constexpr std::int64_t kMinSide = 5;
constexpr const char* kMinSideWhy = "the network's 9x9 convolution mirrors 4 pixels beyond each edge";
// Longest side a --style picture is resized to: style_train's default --style-size.
constexpr std::int64_t kStyleSide = 256;

struct Options {
  std::string model, input, output;
  std::int64_t size = 0;
  std::int64_t tile = 0, overlap = 64;
  bool clipped_detail = true;
  double style_texture = 1.0;
  std::string style;  // empty: the picture stored in the model
  std::string fuse = "none";
  std::int64_t levels = 4;
  double alpha = 0.7;
  std::string device = "cpu";
  int threads = 0;
  double memory_limit_mb = 0;  // 0: what the system has available
};

// img (3, H, W) resized so its longest side is `longest` (blurred first when
// shrinking a lot, against aliasing) -> (1, 3, h, w).
Tensor fit(Tensor img, std::int64_t longest) {
  if (longest <= 0) return img.unsqueeze(0);
  const double scale = static_cast<double>(longest) / static_cast<double>(std::max(img.size(1), img.size(2)));
  const auto h = std::max<std::int64_t>(5, std::llround(static_cast<double>(img.size(1)) * scale));
  const auto w = std::max<std::int64_t>(5, std::llround(static_cast<double>(img.size(2)) * scale));
  if (scale < 0.5) img = image::gaussian_blur(img, 0.25 / scale);
  return clamp(data::resize(img, h, w), 0.0, 1.0).unsqueeze(0);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "style_apply: stylises a photo with a feed-forward style network made by style_train (one forward pass; "
      "--tile for images larger than memory allows). Where the network clips a region flat to black or white, the "
      "photo's luminance detail is put back by default (held out: flat clipped pixels 1.3-4.4 % -> 0.04-0.13 % "
      "on average; docs/style-transfer.md round 7). Where the result is smooth, pieces of the style picture's own "
      "texture of matching colour are added by default (the picture style_train stores in the model, or --style): "
      "held out, mean luminance SSIM to the photo 0.64-0.66 -> 0.59-0.61 (a picture with a large smooth sky "
      "0.44), mean colour distance 0.025-0.029 -> 0.022-0.026, near-flat saturated pixels 4.6-9.2 % -> 1.2-4.7 %; "
      "+0.15 s at 512 px (round 8; --style-texture 0 for round 7's output)"};
  app.add_option("--model", o.model, "style network (.safetensors from style_train)")->required();
  app.add_option("input", o.input, "photo to stylise (PNG or JPEG)")->required();
  app.add_option("output", o.output, "result, PNG or JPEG by extension")->required();
  app.add_option("--size", o.size, "resize so the longest side is this many pixels (0: keep the photo's size)")
      ->check(cli::in_range(0, 65536))
      ->capture_default_str();
  app.add_option("--tile", o.tile, "run by tiles of this many pixels (0: one pass)")
      ->check(cli::in_range(0, 65536))
      ->capture_default_str();
  app.add_option("--overlap", o.overlap, "pixels shared by neighbouring tiles, blended smoothly")
      ->check(cli::in_range(0, 65536))
      ->capture_default_str();
  cli::add_clipped_detail_flag(app, o.clipped_detail);
  cli::add_style_texture_option(app, o.style_texture);
  app.add_option("--style", o.style,
                 "the style picture --style-texture takes its pieces from, resized so its longest side is " +
                     std::to_string(kStyleSide) +
                     " (style_train's default --style-size); default: the picture style_train stored in the model");
  app.add_option("--fuse", o.fuse, "fuse with the photo: none, pyramid (keeps its finest detail) or weighted")
      ->check(CLI::IsMember({"none", "pyramid", "weighted"}))
      ->capture_default_str();
  app.add_option("--levels", o.levels, "pyramid fusion levels (capped at what the image size allows)")
      ->check(cli::in_range(1, 16))
      ->capture_default_str();
  app.add_option("--alpha", o.alpha, "weighted fusion: weight of the stylised image")
      ->check(cli::in_range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(cli::in_range(0, 1024));
  app.add_option("--memory-limit-mb", o.memory_limit_mb, "memory the run may use (0: what the system has available)")
      ->check(cli::non_negative());
  CLI11_PARSE(app, argc, argv);

  try {
    const auto start = std::chrono::steady_clock::now();
    if (o.threads > 0) set_num_threads(o.threads);
    const Device device = Device::parse(o.device);
    GF_CHECK(o.tile == 0 || (o.tile >= 16 && o.overlap < o.tile), "--tile ", o.tile, " --overlap ", o.overlap,
             ": need tile >= 16 and overlap < tile");
    GF_CHECK(std::filesystem::exists(o.model), "--model ", o.model, ": no such file (train one with style_train)");
    const auto net = models::load_style_net(o.model);
    net->eval();
    net->to(device);
    // The style picture for the texture: --style, else the model's own (older models hold none).
    const Tensor style_picture = o.style_texture <= 0 ? Tensor()
                                 : o.style.empty()    ? models::load_style_picture(o.model)
                                                      : fit(io::read_image(o.style, 3), kStyleSide).select(0, 0);
    if (o.style_texture > 0 && !style_picture.defined())
      std::cerr << "style_apply: " << o.model << " holds no style picture (trained before style_train stored it): "
                << "no style texture; give the style with --style\n";
    // Read the photo (an unreadable or too small file fails here, named), then
    // refuse a size that cannot fit before resizing to it.
    const Tensor file = io::read_image(o.input, 3);  // (3, H, W)
    io::check_min_size(file.size(1), file.size(2), o.input, kMinSide, kMinSideWhy);
    const auto [h, w] = data::size_with_longest_side(file.size(1), file.size(2), o.size);
    const double at_once = o.tile > 0 ? static_cast<double>(o.tile * o.tile) : static_cast<double>(h * w);
    check_memory_budget(kBytesPerPixelPerWidth * static_cast<double>(net->config.width) * at_once +
                            (kImageBytesPerPixel + cli::finishing_bytes_per_pixel(o.clipped_detail, o.style_texture)) *
                                static_cast<double>(h * w),
                        detail::concat(o.input, " at ", w, "x", h, o.tile > 0 ? " in tiles of " : " in one pass",
                                       o.tile > 0 ? std::to_string(o.tile) : std::string()),
                        o.tile > 0 ? "use a smaller --size" : "use --tile 512 (or a smaller --size)",
                        o.memory_limit_mb * 1e6);
    const Tensor photo = fit(file, o.size);  // (1, 3, H, W) in [0, 1]
    const std::int64_t H = photo.size(2), W = photo.size(3);

    // ---- the forward pass, whole or by tiles ----------------------------------------
    NoGradGuard no_grad;
    const auto forward = [&](const Tensor& x) { return net->forward(x.to(device)).to(Device::cpu()); };
    Tensor result;
    if (o.tile > 0) {
      const auto rows = models::tile_starts(H, o.tile, o.overlap), cols = models::tile_starts(W, o.tile, o.overlap);
      io::ProgressBar bar(static_cast<std::int64_t>(rows.size() * cols.size()), "tiles");
      result = models::tiled_apply(forward, photo, {o.tile, o.overlap},
                                   [&](std::int64_t done, std::int64_t) { bar.update(done); });
      bar.finish();
    } else {
      result = forward(photo);
    }

    // ---- the photo's detail in clipped regions, the style's texture in smooth ones, fusion, output ----
    if (o.clipped_detail) result = image::restore_clipped_detail(result, photo);
    if (style_picture.defined())
      result = image::transfer_style_texture(result, style_picture, {.strength = o.style_texture});
    result = image::fuse_by_mode(result, photo, o.fuse, o.levels, o.alpha);
    io::write_image(o.output, result.select(0, 0));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "style_apply: wrote " << o.output << " (" << W << "x" << H << ", " << net->num_parameters()
              << " parameters) in " << seconds << " s\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "style_apply: out of memory; use --tile 512 or a smaller --size\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "style_apply: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
