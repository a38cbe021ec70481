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
//                        See gf/models/patch_gan_style.hpp.
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
#include <fstream>
#include <iostream>
#include <sstream>

#include "gf/gf.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/metrics/style_figures.hpp"
#include "gf/models/gatys.hpp"
#include "gf/models/patch_gan_style.hpp"
#include "gf/models/vgg.hpp"

using namespace gf;

namespace {

constexpr std::int64_t kDefaultSize = 320;          // longest side of the output
constexpr std::int64_t kGatysSteps = 300;
constexpr std::int64_t kPatchGanSteps = 300;
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
  double tv_weight = -1;  // < 0: the method's default
  std::string optimizer = "lbfgs";
  std::string init = "content";
  double lr = 0.02;
  std::int64_t steps = 0;  // 0: the method's default
  std::int64_t size = kDefaultSize;
  std::int64_t style_size = 0;  // 0: same as --size
  bool preserve_color = false;
  std::string fuse = "none";
  std::int64_t fuse_levels = 5;
  double fuse_alpha = 0.5;
  double adv_weight = -1, ssim_weight = -1, color_weight = -1, lowpass_weight = -1, edge_weight = -1;
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
    const double w = colon == std::string::npos ? 1.0 : std::stod(item.substr(colon + 1));
    models::Vgg19Features::layer_index(name);  // throws listing the valid names
    layers[name] = w;
    sum += w;
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

std::string size_of(const Tensor& image) {
  return std::to_string(image.size(3)) + "x" + std::to_string(image.size(2));
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
  app.add_option("--style-weight", o.style_weights, "weight of each --style image, in order (default 1 each)");
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
  app.add_option("--content-weight", o.content_weight, "gatys: alpha, weight of the content loss")->capture_default_str();
  app.add_option("--style-loss-weight", o.style_loss_weight, "gatys: beta, weight of the style (Gram) loss")
      ->capture_default_str();
  app.add_option("--tv-weight", o.tv_weight, "weight of the total-variation loss (default: gatys 0, patch-gan 1)");
  app.add_option("--optimizer", o.optimizer, "gatys: adam or lbfgs")
      ->check(CLI::IsMember({"adam", "lbfgs"}))
      ->capture_default_str();
  app.add_option("--init", o.init, "gatys: start from the content, the style or noise")
      ->check(CLI::IsMember({"content", "style", "noise"}))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "gatys with adam: step size on the pixels")->capture_default_str();
  app.add_option("--steps", o.steps, "optimisation steps (default 300)");
  app.add_option("--size", o.size, "longest side of the output in pixels")->capture_default_str();
  app.add_option("--style-size", o.style_size, "longest side the style images are resized to (default: --size)");
  app.add_flag("--preserve-color", o.preserve_color, "keep the content's colours: transfer the luminance only");
  app.add_option("--fuse", o.fuse, "fuse the result with the content: none, pyramid or weighted")
      ->check(CLI::IsMember({"none", "pyramid", "weighted"}))
      ->capture_default_str();
  app.add_option("--fuse-levels", o.fuse_levels, "pyramid fusion levels")->capture_default_str();
  app.add_option("--fuse-alpha", o.fuse_alpha, "weighted fusion: weight of the stylised image")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--adv-weight", o.adv_weight, "patch-gan: weight of the adversarial (texture) loss");
  app.add_option("--ssim-weight", o.ssim_weight, "patch-gan: weight of 1 - SSIM to the content's luminance");
  app.add_option("--lowpass-weight", o.lowpass_weight, "patch-gan: weight of the low-pass luminance loss");
  app.add_option("--edge-weight", o.edge_weight, "patch-gan: weight of the Sobel edge loss");
  app.add_option("--color-weight", o.color_weight, "patch-gan: weight of the colour-statistics loss");
  app.add_option("--seed", o.seed, "random seed (noise init, discriminator, patches)")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N (needs ganforge built with CUDA)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const auto start = std::chrono::steady_clock::now();
    const Device device = Device::parse(o.device);
    GF_CHECK(o.size >= 16, "--size must be at least 16 pixels, got ", o.size);
    GF_CHECK(o.style_weights.empty() || o.style_weights.size() == o.styles.size(), "--style-weight: ",
             o.style_weights.size(), " weights for ", o.styles.size(), " --style images");
    const bool gatys = o.method == "gatys" || (o.method == "auto" && !o.vgg_weights.empty());
    GF_CHECK(!(o.method == "patch-gan" && !o.vgg_weights.empty()),
             "--vgg-weights is only used by --method gatys (or auto)");

    // Read everything (unreadable files fail here, named), then refuse sizes
    // that cannot fit before allocating them or spending minutes on them.
    const Tensor content_file = io::read_image(o.content, 3);  // (3, H, W)
    std::vector<Tensor> style_files;
    for (const auto& path : o.styles) style_files.push_back(io::read_image(path, 3));
    const auto [height, width] = data::size_with_longest_side(content_file.size(1), content_file.size(2), o.size);
    const double need = o.method == "reinhard" ? 0.0
                        : static_cast<double>(height * width) * (gatys ? kGatysBytesPerPixel : kPatchGanBytesPerPixel);
    const double have = available_memory_bytes();
    GF_CHECK(have <= 0 || need < 0.8 * have, "--size ", o.size, ": ", gatys ? "Gatys" : "patch-gan", " at ", width,
             "x", height, " needs about ", need / double(1 << 30), " GiB, only ", have / double(1 << 30),
             " GiB are available; use a smaller --size");

    const Tensor content = resized(content_file, {height, width}).to(device);  // (1, 3, H, W)
    std::vector<models::WeightedStyle> styles;
    for (std::size_t i = 0; i < style_files.size(); ++i)
      styles.push_back(
          {resized(style_files[i], data::size_with_longest_side(style_files[i].size(1), style_files[i].size(2),
                                                                 o.style_size > 0 ? o.style_size : o.size))
               .to(device),
           o.style_weights.empty() ? 1.0 : o.style_weights[i]});

    const std::int64_t steps = o.steps > 0 ? o.steps : (gatys ? kGatysSteps : kPatchGanSteps);
    Tensor result;
    if (o.method == "reinhard") {
      std::cout << "reinhard: " << size_of(content) << ", the colours of " << o.styles.front()
                << " (colour statistics only, no texture)\n";
      NoGradGuard no_grad;
      result = clamp(image::match_color_stats(content, styles.front().image), 0.0, 1.0);
    } else {
      io::ProgressBar bar(steps, gatys ? "gatys" : "patch-gan");
      auto on_step = [&](std::int64_t step, const std::vector<io::Metric>& losses) { bar.update(step, losses); };
      if (gatys) {
        Generator gen(o.seed);
        auto vgg = std::make_shared<models::Vgg19Features>(
            models::Vgg19Config{.pooling = o.pooling == "avg" ? models::VggPooling::kAverage : models::VggPooling::kMax},
            gen);
        if (o.vgg_weights.empty()) {
          std::cout << "feature network: VGG-19 with RANDOM weights (no --vgg-weights): expect the style's palette and "
                       "structureless noise, none of its shapes. Without pretrained weights the default patch-gan "
                       "method is the better choice.\n";
        } else {
          models::load_vgg19_weights(*vgg, o.vgg_weights);
          std::cout << "feature network: pretrained VGG-19 from " << o.vgg_weights
                    << ": expect the classic Gatys look.\n";
        }
        models::GatysOptions g;
        g.content_layers = split(o.content_layers);
        for (const auto& l : g.content_layers) models::Vgg19Features::layer_index(l);
        g.style_layers = parse_style_layers(o.style_layers);
        g.content_weight = o.content_weight;
        g.style_weight = o.style_loss_weight;
        g.tv_weight = o.tv_weight >= 0 ? o.tv_weight : 0.0;
        g.init = models::parse_gatys_init(o.init);
        g.optimizer = models::parse_gatys_optimizer(o.optimizer);
        g.steps = steps;
        g.lr = o.lr;
        g.seed = o.seed;
        std::cout << "gatys: " << size_of(content) << ", " << styles.size() << " style image(s), " << o.optimizer
                  << ", init " << o.init << ", " << steps << " steps\n";
        vgg->to(device);
        result = models::gatys_transfer(*vgg, content, styles, g, on_step);
      } else {
        models::PatchGanStyleOptions p;
        p.steps = steps;
        p.seed = o.seed;
        if (o.tv_weight >= 0) p.tv_weight = o.tv_weight;
        if (o.adv_weight >= 0) p.adversarial_weight = o.adv_weight;
        if (o.ssim_weight >= 0) p.ssim_weight = o.ssim_weight;
        if (o.lowpass_weight >= 0) p.lowpass_weight = o.lowpass_weight;
        if (o.edge_weight >= 0) p.edge_weight = o.edge_weight;
        if (o.color_weight >= 0) p.color_weight = o.color_weight;
        std::cout << "feature network: none (no pretrained weights). Method: patch-gan, the offline default: a "
                  << p.discriminator.scales << "-scale patch discriminator learns the style's texture from the style "
                  << "image itself. Expect its palette and local shapes over a readable photo; pretrained VGG-19 "
                  << "weights (--vgg-weights) give the classic Gatys look.\n";
        std::cout << "patch-gan: " << size_of(content) << ", " << styles.size() << " style image(s), " << steps
                  << " steps\n";
        result = models::patch_gan_transfer(content, styles, p, on_step);
      }
      bar.finish();
    }

    NoGradGuard no_grad;
    if (o.preserve_color) result = clamp(image::transfer_luminance(result, content), 0.0, 1.0);
    result = image::fuse_by_mode(result, content, o.fuse, o.fuse_levels, o.fuse_alpha);
    io::write_image(o.out, result.select(0, 0).to(Device::cpu()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote " << o.out << " (" << size_of(result) << ") in " << seconds << " s\n";
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
