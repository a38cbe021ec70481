#pragma once
// The smallest image a program can work with. Each network has one (its
// downsampling factor, its patch sizes, SSIM's window); an image below it is
// refused by name rather than blown up into a flat picture or failing with a
// shape error deep inside a layer.
//
//   io::check_min_size(photo.size(1), photo.size(2), path, 16, "VGG-19 halves it four times");
//   // throws: cat.png is 1x1, smaller than the 16x16 minimum (VGG-19 halves it four times)
#include <cstdint>
#include <string>

#include "gf/core/tensor.hpp"

namespace gf::io {

/// "640x480" for an image (C, H, W) or a batch (N, C, H, W): width first.
std::string size_text(const Tensor& image);

/// The complaint about an image of height x width smaller than `min_side` on
/// a side: "<name> is WxH, smaller than the MxM minimum (<why>)"; empty when
/// it is large enough.
std::string too_small(std::int64_t height, std::int64_t width, const std::string& name, std::int64_t min_side,
                      const std::string& why);

/// Throws gf::Error with too_small's complaint when there is one.
void check_min_size(std::int64_t height, std::int64_t width, const std::string& name, std::int64_t min_side,
                    const std::string& why);

}  // namespace gf::io
