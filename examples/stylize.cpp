// stylize: paints a content photo in the manner of one or more style images by
// optimising the output's pixels.
//
// Two methods, chosen by whether pretrained VGG-19 weights are given:
//
//   --vgg-weights FILE   Gatys et al. 2016: match VGG-19 activations of the content
//                        (content layers) and Gram matrices of the styles (style
//                        layers), plus total variation; Adam or L-BFGS. The classic
//                        look of the literature. Make the file with the Python lines
//                        in docs/style-transfer.md.
//   (no weights)         the offline default: the texture is learnt on the spot by
//                        an adversarial multi-scale patch discriminator trained on
//                        the style image itself (MGAN / SinGAN idea), while
//                        luminance low-pass, SSIM and edge terms keep the content's
//                        layout and a colour-statistics term the style's palette.
//                        See gf/models/style/patch_gan_style.hpp.
//
// --method reinhard is Reinhard et al.'s colour transfer alone (each RGB
// channel shifted and scaled to the style's mean and standard deviation): the
// style's palette in a few milliseconds, none of its texture; the baseline of
// the evaluation in docs/style-transfer.md.
//
// --method gatys without weights runs Gatys on a randomly initialised VGG-19:
// only the style's palette and structureless noise come through (a baseline
// for comparison, not a recommendation).
//
// Afterwards --fuse pyramid|weighted fuses the result with the content photo
// (gf::image::fuse_with_content / weighted_blend) so it keeps the photo's finest
// detail, and --preserve-color keeps the photo's colours (luminance-only transfer).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "gf/gf.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/metrics/style_figures.hpp"
#include "gf/models/style/gatys.hpp"
#include "gf/models/style/patch_gan_style.hpp"
#include "gf/models/style/vgg.hpp"
#include "fuse_options.hpp"
#include "option_bounds.hpp"

using namespace gf;

namespace {

constexpr std::int64_t kDefaultSize = 320;          // longest side of the output
// The smallest content and style image: Gatys's VGG-19 halves its input four
// times before relu5_1, so 16 pixels leave it one; patch-gan compares SSIM in
// 11x11 windows.
constexpr std::int64_t kMinSide = 16;
constexpr const char* kMinSideWhy = "VGG-19 halves it four times before relu5_1; patch-gan's SSIM window is 11x11";
// Memory per output pixel, for refusing a --size that cannot fit:
// Gatys keeps ~600 float32 VGG-19 activations per pixel (block 1 alone: 4
// tensors of 64 channels) and as many gradients; patch-gan peaked at 100 MB
// for 256x170 (everything included), ~2.3 KB a pixel.
constexpr double kGatysBytesPerPixel = 5e3;
constexpr double kPatchGanBytesPerPixel = 2.3e3;

struct Options {
  std::string content;
  std::vector<std::string> styles;
  std::vector<double> style_weights;
  std::string out = "stylized.png";
  std::string method = "auto";
  std::string vgg_weights;
  std::string pooling = "max";
  std::string content_layers = "conv4_2";
  std::string style_layers = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1";
  double content_weight = 1.0;
  double style_loss_weight = 1e6;
  std::optional<double> tv_weight;  // unset: the method's default
  std::string optimizer = "lbfgs";
  std::string init = "content";
  double lr = 0.02;
  std::int64_t steps = 300;
  std::int64_t size = kDefaultSize;
  std::int64_t style_size = 0;  // 0: same as --size
  bool preserve_color = false;
  cli::FuseOptions fusion;
  // Unset: patch-gan's defaults (PatchGanStyleOptions).
  std::optional<double> adv_weight, ssim_weight, color_weight, lowpass_weight, edge_weight;
  std::uint64_t seed = 1;
  std::string device = "cpu";
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string p; std::getline(in, p, ',');)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

// "relu1_1,relu2_1:0.5" -> {relu1_1: 1, relu2_1: 0.5}, normalised to sum to 1.
std::map<std::string, double> parse_style_layers(const std::string& spec) {
  std::map<std::string, double> layers;
  double sum = 0.0;
  for (const std::string& item : split(spec)) {
    const auto colon = item.find(':');
    const std::string name = item.substr(0, colon);
    const std::optional<double> w =
        colon == std::string::npos ? 1.0 : parse_number<double>(std::string_view(item).substr(colon + 1));
    GF_CHECK(w && std::isfinite(*w) && *w >= 0, "--style-layers: the weight of '", name,
             "' must be a number >= 0, got '", item.substr(colon + 1), "'");
    models::Vgg19Features::layer_index(name);  // throws listing the valid names
    layers[name] = *w;
    sum += *w;
  }
  GF_CHECK(!layers.empty() && sum > 0, "--style-layers: no layers with positive weight in '", spec, "'");
  for (auto& [name, w] : layers) w /= sum;
  return layers;
}

// img (3, H, W) resized to (1, 3, height, width), blurred first when shrinking
// a lot so fine detail does not alias.
Tensor resized(Tensor img, std::pair<std::int64_t, std::int64_t> size) {
  const double scale = static_cast<double>(size.first) / static_cast<double>(img.size(1));
  if (scale < 0.5) img = image::gaussian_blur(img, 0.25 / scale);
  return clamp(data::resize(img, size.first, size.second), 0.0, 1.0).unsqueeze(0);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Stylise a content photo with one or more style images by optimising the output's pixels.\n"
      "With --vgg-weights (pretrained VGG-19 in torchvision's names, see docs/style-transfer.md): Gatys et al., the "
      "classic look (the style's brush strokes and shapes over the photo's layout).\n"
      "Without (the default here, fully offline): an adversarial multi-scale patch discriminator trained on the style "
      "image itself supplies the texture, with colour-statistics and content-structure terms. Expect the style's "
      "palette and its local shapes and strokes laid over a clearly readable photo (luminance SSIM to the photo "
      "around 0.5), rougher and less semantic than Gatys with pretrained VGG. Writes PNG or JPEG (by extension)."};
  app.add_option("--content", o.content, "the content photo")->required();
  app.add_option("--style", o.styles, "style image (repeat for several)")->required();
  app.add_option("--style-weight", o.style_weights, "weight of each --style image, in order (default 1 each)")
      ->check(cli::non_negative());
  app.add_option("--out", o.out, "output image, .png or .jpg")->capture_default_str();
  app.add_option("--method", o.method,
                 "auto (gatys with --vgg-weights, else patch-gan), gatys, patch-gan, or reinhard (the colours of the "
                 "first --style only, in milliseconds)")
      ->check(CLI::IsMember({"auto", "gatys", "patch-gan", "reinhard"}))
      ->capture_default_str();
  app.add_option("--vgg-weights", o.vgg_weights, "pretrained VGG-19 features as safetensors (torchvision names)");
  app.add_option("--pooling", o.pooling, "gatys: VGG pooling, max or avg")
      ->check(CLI::IsMember({"max", "avg"}))
      ->capture_default_str();
  app.add_option("--content-layers", o.content_layers, "gatys: comma-separated content layers")->capture_default_str();
  app.add_option("--style-layers", o.style_layers, "gatys: comma-separated style layers, each optionally :weight")
      ->capture_default_str();
  app.add_option("--content-weight", o.content_weight, "gatys: alpha, weight of the content loss")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--style-loss-weight", o.style_loss_weight, "gatys: beta, weight of the style (Gram) loss")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--tv-weight", o.tv_weight, "weight of the total-variation loss (default: gatys 0, patch-gan 1)")
      ->check(cli::non_negative());
  app.add_option("--optimizer", o.optimizer, "gatys: adam or lbfgs")
      ->check(CLI::IsMember({"adam", "lbfgs"}))
      ->capture_default_str();
  app.add_option("--init", o.init, "gatys: start from the content, the style or noise")
      ->check(CLI::IsMember({"content", "style", "noise"}))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "gatys with adam: step size on the pixels")
      ->check(cli::positive())
      ->capture_default_str();
  app.add_option("--steps", o.steps, "optimisation steps")->check(cli::in_range(1, 100000))->capture_default_str();
  app.add_option("--size", o.size, "longest side of the output in pixels")
      ->check(cli::in_range(kMinSide, std::int64_t{16384}))
      ->capture_default_str();
  app.add_option("--style-size", o.style_size, "longest side the style images are resized to (0: --size)")
      ->check(cli::in_range(0, 16384));
  app.add_flag("--preserve-color", o.preserve_color, "keep the content's colours: transfer the luminance only");
  cli::add_fuse_options(app, o.fusion, "the content");
  app.add_option("--adv-weight", o.adv_weight, "patch-gan: weight of the adversarial (texture) loss")
      ->check(cli::non_negative());
  app.add_option("--ssim-weight", o.ssim_weight, "patch-gan: weight of 1 - SSIM to the content's luminance")
      ->check(cli::non_negative());
  app.add_option("--lowpass-weight", o.lowpass_weight, "patch-gan: weight of the low-pass luminance loss")
      ->check(cli::non_negative());
  app.add_option("--edge-weight", o.edge_weight, "patch-gan: weight of the Sobel edge loss")
      ->check(cli::non_negative());
  app.add_option("--color-weight", o.color_weight, "patch-gan: weight of the colour-statistics loss")
      ->check(cli::non_negative());
  app.add_option("--seed", o.seed, "random seed (noise init, discriminator, patches)")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N (needs ganforge built with CUDA)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const auto start = std::chrono::steady_clock::now();
    const Device device = Device::parse(o.device);
    GF_CHECK(o.style_weights.empty() || o.style_weights.size() == o.styles.size(), "--style-weight: ",
             o.style_weights.size(), " weights for ", o.styles.size(), " --style images");
    const bool gatys = o.method == "gatys" || (o.method == "auto" && !o.vgg_weights.empty());
    GF_CHECK(!(o.method == "patch-gan" && !o.vgg_weights.empty()),
             "--vgg-weights is only used by --method gatys (or auto)");

    // Read everything (unreadable and too small files fail here, named), then
    // refuse sizes that cannot fit before allocating them or spending minutes on them.
    const Tensor content_file = io::read_image(o.content, 3);  // (3, H, W)
    io::check_min_size(content_file.size(1), content_file.size(2), o.content, kMinSide, kMinSideWhy);
    const auto [height, width] = data::size_with_longest_side(content_file.size(1), content_file.size(2), o.size);
    io::check_min_size(height, width, o.content + " at --size " + std::to_string(o.size), kMinSide, kMinSideWhy);
    std::vector<Tensor> style_files;
    std::vector<std::pair<std::int64_t, std::int64_t>> style_sizes;  // (height, width) after resizing
    const std::int64_t style_side = o.style_size > 0 ? o.style_size : o.size;
    double pixels = static_cast<double>(height * width);
    for (const auto& path : o.styles) {
      style_files.push_back(io::read_image(path, 3));
      const Tensor& s = style_files.back();
      io::check_min_size(s.size(1), s.size(2), path, kMinSide, kMinSideWhy);
      style_sizes.push_back(data::size_with_longest_side(s.size(1), s.size(2), style_side));
      const auto [h, w] = style_sizes.back();
      io::check_min_size(h, w, path + " at --style-size " + std::to_string(style_side), kMinSide, kMinSideWhy);
      pixels += static_cast<double>(h * w);
    }
    if (o.method != "reinhard")
      check_memory_budget(pixels * (gatys ? kGatysBytesPerPixel : kPatchGanBytesPerPixel),
                          detail::concat(gatys ? "gatys" : "patch-gan", " at ", width, "x", height, " with ",
                                         o.styles.size(), " style image(s) of longest side ", style_side),
                          "use a smaller --size or --style-size");

    const Tensor content = resized(content_file, {height, width}).to(device);  // (1, 3, H, W)
    std::vector<models::WeightedStyle> styles;
    for (std::size_t i = 0; i < style_files.size(); ++i)
      styles.push_back(
          {resized(style_files[i], style_sizes[i]).to(device), o.style_weights.empty() ? 1.0 : o.style_weights[i]});

    Tensor result;
    if (o.method == "reinhard") {
      std::cout << "reinhard: " << io::size_text(content) << ", the colours of " << o.styles.front()
                << " (colour statistics only, no texture)\n";
      NoGradGuard no_grad;
      result = clamp(image::match_color_stats(content, styles.front().image), 0.0, 1.0);
    } else {
      io::ProgressBar bar(o.steps, gatys ? "gatys" : "patch-gan");
      auto on_step = [&](std::int64_t step, const std::vector<models::LossValue>& losses) {
        std::vector<io::Metric> shown;
        for (const auto& [name, value] : losses) shown.push_back({name, value});
        bar.update(step, shown);
      };
      if (gatys) {
        const models::VggPooling pooling = o.pooling == "avg" ? models::VggPooling::kAverage : models::VggPooling::kMax;
        std::shared_ptr<models::Vgg19Features> vgg;
        if (o.vgg_weights.empty()) {
          Rng gen(o.seed);
          vgg = std::make_shared<models::Vgg19Features>(models::Vgg19Config{.pooling = pooling}, gen);
          std::cout << "feature network: VGG-19 with RANDOM weights (no --vgg-weights): expect the style's palette and "
                       "structureless noise, none of its shapes. Without pretrained weights the default patch-gan "
                       "method is the better choice.\n";
        } else {
          const models::LoadedVgg19 loaded = models::load_vgg19(o.vgg_weights, pooling);
          vgg = loaded.vgg;
          std::cout << "feature network: " << loaded.info.description << " from " << o.vgg_weights << "\n";
        }
        models::GatysOptions g;
        g.content_layers = split(o.content_layers);
        for (const auto& l : g.content_layers) models::Vgg19Features::layer_index(l);
        g.style_layers = parse_style_layers(o.style_layers);
        g.content_weight = o.content_weight;
        g.style_weight = o.style_loss_weight;
        g.tv_weight = o.tv_weight.value_or(0.0);
        g.init = models::parse_gatys_init(o.init);
        g.optimizer = models::parse_gatys_optimizer(o.optimizer);
        g.steps = o.steps;
        g.lr = o.lr;
        g.seed = o.seed;
        std::cout << "gatys: " << io::size_text(content) << ", " << styles.size() << " style image(s), " << o.optimizer
                  << ", init " << o.init << ", " << o.steps << " steps\n";
        vgg->to(device);
        result = models::gatys_transfer(*vgg, content, styles, g, on_step);
      } else {
        models::PatchGanStyleOptions p;
        p.steps = o.steps;
        p.seed = o.seed;
        p.tv_weight = o.tv_weight.value_or(p.tv_weight);
        p.adversarial_weight = o.adv_weight.value_or(p.adversarial_weight);
        p.ssim_weight = o.ssim_weight.value_or(p.ssim_weight);
        p.lowpass_weight = o.lowpass_weight.value_or(p.lowpass_weight);
        p.edge_weight = o.edge_weight.value_or(p.edge_weight);
        p.color_weight = o.color_weight.value_or(p.color_weight);
        std::cout << "feature network: none (no pretrained weights). Method: patch-gan, the offline default: a "
                  << p.discriminator.scales << "-scale patch discriminator learns the style's texture from the style "
                  << "image itself. Expect its palette and local shapes over a readable photo; pretrained VGG-19 "
                  << "weights (--vgg-weights) give the classic Gatys look.\n";
        std::cout << "patch-gan: " << io::size_text(content) << ", " << styles.size() << " style image(s), " << o.steps
                  << " steps\n";
        result = models::patch_gan_transfer(content, styles, p, on_step);
      }
      bar.finish();
    }

    NoGradGuard no_grad;
    if (o.preserve_color) result = clamp(image::transfer_luminance(result, content), 0.0, 1.0);
    result = cli::fuse(result, content, o.fusion);
    io::write_image(o.out, result.select(0, 0).to(Device::cpu()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote " << o.out << " (" << io::size_text(result) << ") in " << seconds << " s\n";
    metrics::print_style_figures(std::cout, result, content, styles.front().image);
  } catch (const std::bad_alloc&) {
    std::cerr << "stylize: out of memory; use a smaller --size\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "stylize: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
