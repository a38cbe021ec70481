#pragma once
// The two figures every stylise program prints for its result, the ones the
// quality bars of docs/style-transfer.md are stated in.
#include <ostream>

#include "gf/core/tensor.hpp"

namespace gf::metrics {

/// Writes "luminance SSIM to the content: s" (when both sides are at least
/// 11 pixels, SSIM's window) and "colour distance to the style (L2 of RGB
/// means and stds): d",
/// one per line. result, content (1, 3, H, W) or (3, H, W); style any size.
void print_style_figures(std::ostream& os, const Tensor& result, const Tensor& content, const Tensor& style);

}  // namespace gf::metrics
