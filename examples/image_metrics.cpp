// image_metrics: how alike two images are, as numbers.
//
//   SSIM (Wang et al. 2004) on the Rec. 601 luminance and per RGB channel:
//     1 = identical structure; a stylised image that keeps its content reads
//     roughly 0.4-0.8 against the content photo.
//   PSNR = 10 log10(1 / MSE) in dB over all RGB values in [0, 1] (inf if equal).
//   colour statistics distance: the Euclidean norm of the difference of the two
//     images' (mean R, G, B, std R, G, B), values in [0, 1]
//     (gf::image::color_stats_distance); 0 = same palette statistics. It is
//     defined for images of different sizes, the others need equal sizes.
//   flat saturated fraction of each image: the share of pixels whose 5x5
//     window is flat (every channel within 2/255) and black or white in some
//     channel (gf::metrics::flat_saturated_fraction): the blobs a clamped
//     generator leaves; a photo has few. The near flat saturated fraction
//     loosens both thresholds to 8/255 (gf::metrics::kNearFlatSaturated): it
//     also counts a blob lifted a few levels off the clip or given a faint
//     texture, which looks no different.
//   perceptual distance (with --vgg-weights): unit-normalised VGG-19 features
//     at relu1_1..relu4_1, mean squared difference averaged over the layers
//     (gf::models::perceptual_distance); 0 = same features, up to 4.
//
// Every metric is one row of a table, printed as text or as one JSON object
// (--json), so a new metric is one more row.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "gf/gf.hpp"
#include "gf/image/color.hpp"
#include "gf/metrics/flat_regions.hpp"
#include "gf/metrics/ssim.hpp"
#include "gf/models/style/vgg.hpp"

using namespace gf;

namespace {

struct Options {
  std::string first;
  std::string second;
  bool json = false;
  std::string vgg_weights;
  std::string device = "cpu";
};

/// One line of the report: a JSON key, a label for people, one or more values.
struct Metric {
  std::string key;
  std::string label;
  std::vector<double> values;
  std::string unit;
};

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) continue;  // paths have no control characters worth keeping
    out += ch;
  }
  return out + "\"";
}

/// JSON has no infinity: an infinite PSNR (identical images) is written null.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream os;
  os << std::setprecision(10) << v;
  return os.str();
}

void print_json(const Options& o, const Tensor& a, const std::vector<Metric>& metrics) {
  std::cout << "{\"image_a\": " << json_string(o.first) << ", \"image_b\": " << json_string(o.second)
            << ", \"height\": " << a.size(1) << ", \"width\": " << a.size(2);
  for (const Metric& m : metrics) {
    std::cout << ", " << json_string(m.key) << ": ";
    if (m.values.size() == 1) {
      std::cout << json_number(m.values[0]);
      continue;
    }
    std::cout << "[";
    for (std::size_t i = 0; i < m.values.size(); ++i) std::cout << (i ? ", " : "") << json_number(m.values[i]);
    std::cout << "]";
  }
  std::cout << "}\n";
}

void print_text(const Options& o, const Tensor& a, const std::vector<Metric>& metrics) {
  std::cout << o.first << " vs " << o.second << " (" << a.size(2) << "x" << a.size(1) << ")\n";
  for (const Metric& m : metrics) {
    std::cout << "  " << std::left << std::setw(32) << m.label << std::fixed << std::setprecision(4);
    for (double v : m.values) std::cout << " " << v;
    std::cout << (m.unit.empty() ? "" : " " + m.unit) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Compare two images: SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, valid windows; "
      "on the Rec. 601 luminance and per RGB channel), PSNR, and the colour distance (the Euclidean norm of the "
      "difference of the images' mean R, G, B and std R, G, B, values in [0, 1]). Both are read as RGB in [0, 1]; "
      "images of different sizes (a result and its style picture) get the colour distance only. "
      "With --vgg-weights (pretrained VGG-19, torchvision names) it also prints a perceptual distance on the VGG "
      "features; without pretrained weights that distance would be meaningless, so it is left out."};
  app.add_option("image_a", o.first, "first image (e.g. the content photo)")->required();
  app.add_option("image_b", o.second, "second image (e.g. the stylised result)")->required();
  app.add_flag("--json", o.json, "print one JSON object instead of text");
  app.add_option("--vgg-weights", o.vgg_weights, "pretrained VGG-19 features (safetensors) for the perceptual distance");
  app.add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const Device device = Device::parse(o.device);
    const Tensor a = io::read_image(o.first, 3).to(device), b = io::read_image(o.second, 3).to(device);  // (3, H, W)
    NoGradGuard no_grad;
    std::vector<Metric> metrics = {{"color_stats_distance", "colour distance (L2 of RGB means and stds)",
                                    {image::color_stats_distance(a, b).item()}, ""}};
    if (std::min({a.size(1), a.size(2), b.size(1), b.size(2)}) >= 5) {
      metrics.push_back({"flat_saturated_fraction", "flat saturated fraction (a, b)",
                         {metrics::flat_saturated_fraction(a), metrics::flat_saturated_fraction(b)}, ""});
      metrics.push_back({"near_flat_saturated_fraction", "near flat saturated fraction, 8/255 (a, b)",
                         {metrics::flat_saturated_fraction(a, metrics::kNearFlatSaturated),
                          metrics::flat_saturated_fraction(b, metrics::kNearFlatSaturated)},
                         ""});
    }
    // A result against its style picture: only the colour distance is defined.
    if (a.shape() != b.shape()) {
      std::cerr << "image_metrics: " << o.first << " is " << a.size(2) << "x" << a.size(1) << ", " << o.second
                << " is " << b.size(2) << "x" << b.size(1)
                << ": SSIM and PSNR compare images of the same size; only the colour distance is given\n";
      GF_CHECK(o.vgg_weights.empty(), "--vgg-weights: the perceptual distance compares images of the same size");
    } else {
      io::check_min_size(a.size(1), a.size(2), o.first, metrics::SsimOptions{}.window, "SSIM slides an 11x11 window");
      metrics.insert(metrics.begin(),
                     {{"ssim_luminance", "SSIM luminance (Rec. 601 Y)", {metrics::ssim_luminance(a, b).item()}, ""},
                      {"ssim_rgb", "SSIM per channel (R G B)", metrics::ssim_per_channel(a, b).to_vector<double>(), ""},
                      {"psnr_db", "PSNR", {metrics::psnr(a, b).item()}, "dB"}});
    }
    if (!o.vgg_weights.empty()) {
      const auto vgg = models::load_vgg19(o.vgg_weights).vgg;
      vgg->to(device);
      vgg->eval();
      metrics.push_back({"perceptual_distance", "perceptual distance (VGG-19)",
                         {models::perceptual_distance(*vgg, a.unsqueeze(0), b.unsqueeze(0)).item()}, ""});
    }
    if (o.json)
      print_json(o, a, metrics);
    else
      print_text(o, a, metrics);
  } catch (const std::exception& e) {
    std::cerr << "image_metrics: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
