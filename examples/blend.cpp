// blend: fuses a stylised image with its content photo, so the result keeps the
// photo's fine detail (or shows the style only where a mask says).
//
//   weighted:  out = w s + (1 - w) c,  w = alpha (times the mask, if given)
//   pyramid:   Laplacian pyramids Ls, Lc (Burt & Adelson) of the stylised image s
//              and the content c, M the Gaussian pyramid of alpha * mask:
//                level k <  --detail-levels:  Lc_k              (content's finest bands)
//                level k >= --detail-levels:  M_k Ls_k + (1 - M_k) Lc_k
//              collapsed back into one image (gf::image::fuse_with_content).
//              --detail-levels 0 with a mask is the classic seamless pyramid blend.
//   none:      out = s (only the post-processing below)
// Post-processing, after the fusion (gf::image::post_process): --denoise S runs
// an edge-preserving bilateral filter (sigma_space S pixels), --sharpen A an
// unsharp mask of amount A; the result is clamped to [0, 1].
//
// The stylised image is resized to the content's size when they differ; the
// mask (any image, read as grey: white = style, black = content) must have the
// content's size. Prints the luminance SSIM of the result to the content.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <optional>

#include "gf/gf.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/metrics/ssim.hpp"
#include "option_bounds.hpp"

using namespace gf;

namespace {

constexpr double kWeightedAlpha = 0.5;  // default stylised weight of the weighted mode
constexpr double kPyramidAlpha = 1.0;   // default stylised weight of the coarse bands
// The smallest content and stylised image: the luminance SSIM blend reports
// slides an 11x11 window over the images.
const std::int64_t kMinSide = metrics::SsimOptions{}.window;
constexpr const char* kMinSideWhy = "the luminance SSIM it reports slides an 11x11 window";

struct Options {
  std::string content;
  std::string stylised;
  std::string out = "fused.png";
  std::string mode = "pyramid";
  std::optional<double> alpha;
  std::int64_t levels = 5;
  std::int64_t detail_levels = 1;
  std::string mask;
  image::PostProcess post;
  std::string device = "cpu";
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Fuse a stylised image with its content photo: a weighted average, or a Laplacian-pyramid fusion that takes "
      "the finest detail bands from the photo and the coarser ones (colours, shapes) from the stylised image, "
      "optionally only inside a mask. Writes PNG or JPEG (by extension)."};
  app.add_option("--content", o.content, "the content photo")->required();
  app.add_option("--stylised", o.stylised, "the stylised image (resized to the content's size if it differs)")
      ->required();
  app.add_option("--out", o.out, "output image, .png or .jpg")->capture_default_str();
  app.add_option("--mode", o.mode, "weighted, pyramid, or none (post-processing only)")
      ->check(CLI::IsMember({"weighted", "pyramid", "none"}))
      ->capture_default_str();
  app.add_option("--alpha", o.alpha,
                 "weight of the stylised image (default 0.5 for weighted; 1 for pyramid, where it weighs the coarse "
                 "bands)")
      ->check(cli::in_range(0.0, 1.0));
  app.add_option("--levels", o.levels, "pyramid levels (capped at what the image size allows)")
      ->check(cli::in_range(1, 16))
      ->capture_default_str();
  app.add_option("--detail-levels", o.detail_levels, "finest pyramid levels taken from the content (at most --levels)")
      ->check(cli::in_range(0, 16))
      ->capture_default_str();
  app.add_option("--mask", o.mask, "grey image of the content's size: white = style, black = content");
  app.add_option("--denoise", o.post.denoise,
                 "post-processing: edge-preserving bilateral denoise with this spatial sigma in pixels (0: off)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--denoise-range", o.post.denoise_range,
                 "bilateral range sigma in intensity units (pixel values are in [0, 1])")
      ->check(cli::positive())
      ->capture_default_str();
  app.add_option("--sharpen", o.post.sharpen, "post-processing: unsharp-mask amount (0: off)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--sharpen-sigma", o.post.sharpen_sigma, "unsharp-mask blur in pixels")
      ->check(cli::positive())
      ->capture_default_str();
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const auto start = std::chrono::steady_clock::now();
    const Device device = Device::parse(o.device);
    const Tensor content = io::read_image(o.content, 3).to(device);  // (3, H, W)
    io::check_min_size(content.size(1), content.size(2), o.content, kMinSide, kMinSideWhy);
    Tensor stylised = io::read_image(o.stylised, 3);
    io::check_min_size(stylised.size(1), stylised.size(2), o.stylised, kMinSide, kMinSideWhy);
    if (stylised.size(1) != content.size(1) || stylised.size(2) != content.size(2)) {
      std::cout << "resizing the stylised image from " << io::size_text(stylised) << " to " << io::size_text(content)
                << "\n";
      stylised = data::resize(stylised, content.size(1), content.size(2));
    }
    stylised = stylised.to(device);
    Tensor mask;  // (1, H, W) or undefined
    if (!o.mask.empty()) {
      mask = io::read_image(o.mask, 1);
      GF_CHECK(mask.size(1) == content.size(1) && mask.size(2) == content.size(2), "the mask ", o.mask, " is ",
               io::size_text(mask), ", the content image is ", io::size_text(content),
               ": they must have the same size");
      mask = mask.to(device);
    }

    NoGradGuard no_grad;
    Tensor fused;
    if (o.mode == "weighted") {
      const double alpha = o.alpha.value_or(kWeightedAlpha);
      fused = mask.defined() ? mask * alpha * stylised + rsub(1.0, mask * alpha) * content
                             : image::weighted_blend(stylised, content, alpha);
      std::cout << "weighted blend, stylised weight " << alpha << (mask.defined() ? " inside the mask" : "") << "\n";
    } else if (o.mode == "none") {
      fused = stylised;
    } else {
      const double alpha = o.alpha.value_or(kPyramidAlpha);
      const std::int64_t most = image::max_pyramid_levels(content.size(1), content.size(2));
      if (o.levels > most)
        std::cout << "a " << io::size_text(content) << " image has at most " << most << " levels: using " << most
                  << "\n";
      const std::int64_t levels = std::min(o.levels, most);
      GF_CHECK(o.detail_levels >= 0 && o.detail_levels <= levels, "--detail-levels must be in [0, ", levels, "], got ",
               o.detail_levels);
      Tensor weight = mask;  // M before its pyramid: alpha * mask, or alpha everywhere
      if (alpha < 1.0) weight = mask.defined() ? mask * alpha : full({1, content.size(1), content.size(2)}, alpha, {DType::kFloat32, device});
      fused = image::fuse_with_content(stylised, content, levels, weight, o.detail_levels);
      std::cout << "pyramid fusion: " << levels << " levels, the finest " << o.detail_levels
                << " from the content, stylised weight " << alpha << (mask.defined() ? " inside the mask" : "")
                << "\n";
    }
    fused = image::post_process(fused, o.post);  // clamps to [0, 1]
    if (o.post.denoise > 0 || o.post.sharpen > 0)
      std::cout << "post-processing: denoise " << o.post.denoise << ", sharpen " << o.post.sharpen << "\n";
    io::write_image(o.out, fused.to(Device::cpu()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "wrote " << o.out << " (" << io::size_text(content) << ") in " << seconds << " s\n";
    std::cout << "luminance SSIM to the content: " << metrics::ssim_luminance(fused, content).item() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "blend: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
