#pragma once
// Flat saturated blobs: the failure a clamped generator falls into when a
// region is pushed past [0, 1] (issue 11). A pixel belongs to one when the
// 5 x 5 window centred on it is flat and at the edge of the gamut:
//   flat       every channel's max - min over the window <= 2/255
//   saturated  some channel is 0 over the whole window (max <= 0.5/255) or 1
//              over the whole window (min >= 254.5/255)
// The fraction counts the pixels whose window lies fully inside the image,
// over all such pixels, (H - 4) (W - 4). A photo has few: blown highlights,
// black borders; a noisy or textured region has none.
#include "gf/core/tensor.hpp"

namespace gf::metrics {

/// image (C, H, W) or (1, C, H, W) with values in [0, 1], H, W >= 5 -> the
/// fraction of flat saturated pixels, in [0, 1].
double flat_saturated_fraction(const Tensor& image);

}  // namespace gf::metrics
