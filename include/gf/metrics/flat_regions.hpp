#pragma once
// Flat saturated blobs: the failure a clamped generator falls into when a
// region is pushed past [0, 1] (issue 11). A pixel belongs to one when the
// 5 x 5 window centred on it is flat and at the edge of the gamut:
//   flat       every channel's max - min over the window <= flat_range
//   saturated  some channel is near 0 over the whole window (max <= margin)
//              or near 1 over the whole window (min >= 1 - margin)
// The default thresholds (flat_range 2/255, margin 0.5/255) count exactly
// flat, exactly clipped regions: "blobs" in the docs' tables. The near
// thresholds (8/255 both) also count regions lifted a few levels off the clip
// or given a faint texture, which look the same to the eye: "near blobs".
// The fraction counts the pixels whose window lies fully inside the image,
// over all such pixels, (H - 4) (W - 4). A photo has few: blown highlights,
// black borders; a noisy or textured region has none.
#include "gf/core/tensor.hpp"

namespace gf::metrics {

struct FlatSaturatedThresholds {
  double flat_range = 2.0 / 255.0;  // a window is flat when no channel varies by more
  double margin = 0.5 / 255.0;      // ... and saturated when a channel stays this close to 0 or 1
};

/// The "near blobs" thresholds: 8/255 for both.
inline constexpr FlatSaturatedThresholds kNearFlatSaturated{8.0 / 255.0, 8.0 / 255.0};

/// image (C, H, W) or (1, C, H, W) with values in [0, 1], H, W >= 5 -> the
/// fraction of flat saturated pixels, in [0, 1].
double flat_saturated_fraction(const Tensor& image, const FlatSaturatedThresholds& thresholds = {});

/// The blobs as a picture: (H, W) float32 on the CPU, 1 where the pixel lies in
/// some flat saturated window (the blob with its border of two pixels that the
/// window centres leave out), 0 elsewhere. Same input as above.
Tensor flat_saturated_coverage(const Tensor& image, const FlatSaturatedThresholds& thresholds = {});

}  // namespace gf::metrics
