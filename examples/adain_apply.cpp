// adain_apply: stylises a photo with any style image(s) using a decoder trained
// by adain_train (AdaIN, Huang & Belongie 2017), in one forward pass:
//
//   out = g(alpha t + (1 - alpha) f(c)),   t = AdaIN(f(c), styles mixed by --style-weight)
//
// (a model trained with --fusion attention: t = sum_k w_k SA(f(c), f(s_k)), the
// trained style attention; the model file says which).
// f is the model's fixed encoder (pretrained or random VGG-19 up to relu4_1, as
// it was trained), g its decoder (gf::models::AdainNet::stylize).
//
// Large images: --tile T stylises T x T tiles overlapping by --overlap pixels and
// blends them (gf::models::tiled_apply). Every tile is normalised with the
// statistics of the WHOLE image's features (computed tile by tile first,
// AdainNet::content_stats), so the tiles agree and no seam shows.
//
// Afterwards the photo's detail goes back where the result is clipped flat to
// black or white (gf::image::restore_clipped_detail; --no-clipped-detail to
// keep the decoder's output), the most heavily weighted style's texture is
// added where the result is smooth, at strength alpha times --style-texture
// (gf::image::transfer_style_texture), and --fuse pyramid|weighted fuses the result with the photo
// (gf::image::fuse_with_content / weighted_blend) so it keeps the photo's finest
// detail. Prints the time, the luminance SSIM to the photo and the colour
// mean/std distance to the (first) style.
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>

#include "gf/gf.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/metrics/style_figures.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/tiled_apply.hpp"
#include "fuse_options.hpp"
#include "option_bounds.hpp"

using namespace gf;

namespace {

constexpr std::int64_t kDefaultSize = 512;
constexpr std::int64_t kDefaultStyleSize = 256;
// The smallest content and style image: the encoder halves it three times on
// the way to relu4_1, and AdaIN needs 2x2 features there for a standard deviation.
constexpr std::int64_t kMinSide = 16;
constexpr const char* kMinSideWhy = "the encoder halves it three times to relu4_1, where AdaIN needs 2x2 features";
// Peak memory of one stylisation per pixel at full width (width divisor 1),
// float32, no graph: the widest activations (64 channels at full size) with
// the convolution's im2col buffer. Measured order; divided by the width divisor.
constexpr double kBytesPerPixel = 4.0e3;
// The photo, its resized copy and the result as float32 RGB.
constexpr double kImageBytesPerPixel = 3 * 3 * 4;

struct Options {
  std::string model;
  std::string content;
  std::vector<std::string> styles;
  std::vector<double> style_weights;
  double alpha = 1.0;
  std::int64_t size = kDefaultSize;
  std::int64_t style_size = kDefaultStyleSize;
  std::int64_t tile = 0;
  std::int64_t overlap = 64;
  bool clipped_detail = true;
  double style_texture = 1.0;
  cli::FuseOptions fusion;
  std::string out = "stylized.png";
  std::string device = "cpu";
  int threads = 0;
};

// image (3, H, W) resized to (1, 3, h, w), blurred first when shrinking a lot so
// fine detail does not alias.
Tensor resized(Tensor image, std::int64_t h, std::int64_t w) {
  if (h != image.size(1) || w != image.size(2)) {
    const double scale = static_cast<double>(h) / static_cast<double>(image.size(1));
    if (scale < 0.5) image = image::gaussian_blur(image, 0.25 / scale);
    image = clamp(data::resize(image, h, w), 0.0, 1.0);
  }
  return image.unsqueeze(0);
}

// The index of the style with the largest --style-weight (the first of equals; all weigh 1 when none are given).
std::size_t heaviest_style(const std::vector<double>& weights, std::size_t count) {
  if (weights.empty()) return 0;
  return static_cast<std::size_t>(std::max_element(weights.begin(), weights.begin() + count) - weights.begin());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Stylise a photo with one or more style images using an AdaIN model trained by adain_train (Huang & Belongie "
      "2017): one forward pass, any style.\n"
      "A model trained with pretrained VGG-19 weights gives the paper's look (the style's strokes, textures and "
      "colours). A model trained offline (randomly initialised VGG-19, the default recolour head) gives, measured "
      "on photos and styles it never saw (scripts/style_eval.py): the style's palette over the whole photo "
      "(luminance SSIM to the photo 0.68-0.95, colour distance to the style 0.02-0.06 at --alpha 1) and none of "
      "the style's shapes; --alpha 0 returns the photo (docs/style-transfer.md). Where the result is clipped flat to "
      "black or white the photo's detail is put back (held out at --alpha 1: flat clipped pixels 2.3 % -> 0.1 % on "
      "average, SSIM and colour distance unchanged within 0.004; --no-clipped-detail keeps the decoder's output). "
      "Then, where the result is smooth, pieces of the (most heavily weighted) style's own texture of matching "
      "colour are added at strength --alpha, so its shapes show (held out at --alpha 1: mean SSIM 0.82 -> 0.75, "
      "worst 0.49; colour 0.042 -> 0.039; +0.1 s at 512 px; --style-texture 0 for none; round 8). "
      "On a busy machine set "
      "OMP_WAIT_POLICY=passive. Writes PNG or JPEG (by extension)."};
  app.add_option("--model", o.model, "AdaIN checkpoint written by adain_train")->required();
  app.add_option("--content", o.content, "the content photo")->required();
  app.add_option("--style", o.styles, "style image (repeat for several)")->required();
  app.add_option("--style-weight", o.style_weights, "weight of each --style image, in order (default 1 each)")
      ->check(cli::non_negative());
  app.add_option("--alpha", o.alpha, "content/style trade-off: 0 the photo's own features, 1 the full style")
      ->check(cli::in_range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--size", o.size, "longest side of the output in pixels (0: the photo's own size)")
      ->check(cli::in_range(0, 65536))
      ->capture_default_str();
  app.add_option("--style-size", o.style_size, "longest side the style images are resized to (0: their own size)")
      ->check(cli::in_range(0, 65536))
      ->capture_default_str();
  app.add_option("--tile", o.tile, "stylise in tiles of this side (a multiple of 8), for images too large for memory")
      ->check(cli::in_range(0, 65536));
  app.add_option("--overlap", o.overlap, "tiles overlap by this many pixels, blended smoothly")
      ->check(cli::in_range(0, 32768))
      ->capture_default_str();
  cli::add_clipped_detail_flag(app, o.clipped_detail);
  cli::add_style_texture_option(app, o.style_texture);
  cli::add_fuse_options(app, o.fusion, "the photo");
  app.add_option("--out", o.out, "output image, .png or .jpg")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N (needs ganforge built with CUDA)")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(cli::in_range(0, 1024));
  CLI11_PARSE(app, argc, argv);

  try {
    const auto start = std::chrono::steady_clock::now();
    if (o.threads > 0) set_num_threads(o.threads);
    const Device device = Device::parse(o.device);
    empty({1}, {DType::kFloat32, device});  // a missing GPU is reported now, naming the device
    GF_CHECK(o.style_weights.empty() || o.style_weights.size() == o.styles.size(), "--style-weight: ",
             o.style_weights.size(), " weights for ", o.styles.size(), " --style images");
    GF_CHECK(o.tile == 0 || (o.tile >= 16 && o.tile % 8 == 0), "--tile must be a multiple of 8, >= 16; got ", o.tile);
    GF_CHECK(o.tile == 0 || (o.overlap >= 0 && 2 * o.overlap < o.tile), "--overlap must be in [0, tile / 2), got ",
             o.overlap);

    models::AdainCheckpoint ck = models::load_adain(o.model);
    models::AdainNet& net = *ck.net;
    net.to(device);
    const std::string encoder = ck.metadata.count("encoder") ? ck.metadata.at("encoder") : "unknown";
    std::cout << "model: " << o.model << ", encoder " << encoder << ", width divisor " << net.config.width_divisor
              << "\n";

    // Read the images (unreadable and too small files fail here, named), then
    // refuse sizes that cannot fit before resizing to them (a std::bad_alloc
    // half-way says less). The stylisation holds about kBytesPerPixel / divisor
    // bytes per pixel of what it encodes at once (a style image, the photo, or a
    // tile and its context), plus the input and output images.
    const Tensor photo = io::read_image(o.content, 3);  // (3, H, W)
    io::check_min_size(photo.size(1), photo.size(2), o.content, kMinSide, kMinSideWhy);
    const auto [h, w] = data::size_with_longest_side(photo.size(1), photo.size(2), o.size);
    io::check_min_size(h, w, o.content + " at --size " + std::to_string(o.size), kMinSide, kMinSideWhy);
    std::vector<Tensor> style_files;
    std::vector<std::pair<std::int64_t, std::int64_t>> style_sizes;  // (height, width) after resizing
    std::pair<std::int64_t, std::int64_t> largest_style{0, 0};
    for (const std::string& path : o.styles) {
      style_files.push_back(io::read_image(path, 3));
      const Tensor& s = style_files.back();
      io::check_min_size(s.size(1), s.size(2), path, kMinSide, kMinSideWhy);
      style_sizes.push_back(data::size_with_longest_side(s.size(1), s.size(2), o.style_size));
      const auto [sh, sw] = style_sizes.back();
      io::check_min_size(sh, sw, path + " at --style-size " + std::to_string(o.style_size), kMinSide, kMinSideWhy);
      if (sh * sw > largest_style.first * largest_style.second) largest_style = {sh, sw};
    }
    const double content_at_once =
        o.tile > 0 ? static_cast<double>((o.tile + 64) * (o.tile + 64)) : static_cast<double>(h * w);
    const double style_at_once = static_cast<double>(largest_style.first * largest_style.second);
    check_memory_budget(
        std::max(content_at_once, style_at_once) * kBytesPerPixel / static_cast<double>(net.config.width_divisor) +
            (kImageBytesPerPixel + cli::finishing_bytes_per_pixel(o.clipped_detail, o.style_texture)) *
                static_cast<double>(h * w),
        detail::concat("stylising ", w, "x", h, o.tile > 0 ? " in tiles of " : "",
                       o.tile > 0 ? std::to_string(o.tile) : std::string(), " with a ", largest_style.second, "x",
                       largest_style.first, " style image"),
        o.tile > 0 ? "use a smaller --size or --style-size" : "use --tile 512 (or a smaller --size or --style-size)");
    const Tensor content = resized(photo, h, w).to(device);  // (1, 3, h, w)
    std::vector<Tensor> styles;
    for (std::size_t i = 0; i < style_files.size(); ++i)
      styles.push_back(resized(style_files[i], style_sizes[i].first, style_sizes[i].second).to(device));

    const auto stylize_start = std::chrono::steady_clock::now();
    Tensor result;
    if (o.tile == 0) {
      result = net.stylize(content, styles, o.style_weights, o.alpha);
    } else {
      const models::ImageStats style_stats = net.style_stats(styles, o.style_weights);
      const models::ImageStats content_stats = net.content_stats(content, o.tile);
      const auto tiles = static_cast<std::int64_t>(models::tile_starts(content.size(2), o.tile, o.overlap).size() *
                                                   models::tile_starts(content.size(3), o.tile, o.overlap).size());
      io::ProgressBar bar(tiles, "tiles");
      result = models::tiled_apply(
          [&](const Tensor& tile) { return net.stylize_with_stats(tile, content_stats, style_stats, o.alpha); },
          content, {.tile = o.tile, .overlap = o.overlap}, [&](std::int64_t done, std::int64_t) { bar.update(done); });
      bar.finish();
    }
    const double stylize_ms =
        1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - stylize_start).count();

    NoGradGuard no_grad;
    if (o.clipped_detail) result = image::restore_clipped_detail(result, content);
    // The texture of the most heavily weighted style, as strong as the style is in the mix.
    if (o.style_texture > 0 && o.alpha > 0)
      result = image::transfer_style_texture(result, styles[heaviest_style(o.style_weights, styles.size())],
                                             {.strength = o.style_texture * o.alpha});
    result = cli::fuse(result, content, o.fusion);
    io::write_image(o.out, result.select(0, 0).to(Device::cpu()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote " << o.out << " (" << io::size_text(result) << "): stylised in " << stylize_ms << " ms, "
              << seconds << " s in all\n";
    metrics::print_style_figures(std::cout, result, content, styles.front());
  } catch (const std::bad_alloc&) {
    std::cerr << "adain_apply: out of memory; use --tile 512 or a smaller --size\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "adain_apply: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
