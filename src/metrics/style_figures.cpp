#include "gf/metrics/style_figures.hpp"

#include "gf/image/color.hpp"
#include "gf/metrics/ssim.hpp"

namespace gf::metrics {

void print_style_figures(std::ostream& os, const Tensor& result, const Tensor& content, const Tensor& style) {
  if (content.size(-2) >= 11 && content.size(-1) >= 11)
    os << "luminance SSIM to the content: " << ssim_luminance(result, content).item() << "\n";
  os << "colour distance to the style (L2 of RGB means and stds): " << image::color_stats_distance(result, style).item() << "\n";
}

}  // namespace gf::metrics
