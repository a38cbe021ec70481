#pragma once
// Putting a photo's detail back where a stylised result is clipped flat.
//
// A style network that meets a style's colour statistics maps the darkest (or
// brightest) part of a photo onto the style's black (or white) and clips it
// there: the photo's structure under it (a cat's eye, the folds of a coat,
// the seeds of a dandelion) is gone and a flat saturated blob is left
// (metrics::flat_saturated_fraction); often the blob keeps a faint texture a
// level or two above the clip, which looks the same, hence the near
// thresholds below. This puts the photo's own luminance
// detail back inside those regions, lifted off the clip so that it survives
// the final clamp, and leaves every other pixel as it was:
//
//   C      pixels of the result covered by a near flat saturated 5 x 5 window
//          (metrics::flat_saturated_coverage with kNearFlatSaturated: flat
//          within 8/255, within 8/255 of 0 or 1), 0 or 1
//   Y      the photo's luminance (Rec. 601); G the Gaussian blur of width sigma
//   mu     = G(C Y) / G(C)                 the photo's mean inside the blobs nearby
//   d      = Y - mu                        its detail there
//   a      = sqrt(G(C d^2) / G(C))         the detail's local amplitude
//   M      = clamp(2 G_ramp(C) - 1, 0, 1)  the blend weight: 0 on the blob's edge and
//                                         outside, rising to 1 a few pixels inside
//   s      = +1 where the result's smoothed luminance is below 1/2 (clipped
//            dark: lift), -1 elsewhere (clipped bright: lower)
//   out    = clamp(result + M (s lift max(0, a - floor) + d), 0, 1), the same
//            shift on every channel
//
// Statistics taken over C alone (normalised convolution) keep the bright
// surroundings of a dark blob out of mu, which would otherwise draw a halo
// along its edge. The shift leaves the blob's hue; the lift of `lift`
// amplitudes keeps most of d above the clamp. Only texture above `floor`
// (0.02, what style_train's --real-min-std calls textured) is lifted: where
// the photo is smooth (a clear sky, an out-of-focus background) a lift would
// only grey the style's white or black and draw its outline, so the blob
// stays what it was and no texture is invented. M being 0 on the blob's edge
// keeps the shift continuous there: no contour. Both images must be
// (3, H, W) or (1, 3, H, W) of one size; the work runs on the CPU (on two
// cores 0.05-0.2 s at 512 x 320 and 1-2 s at 1920 x 1200 when the blobs
// span the picture, 94 bytes per pixel; only the blobs' bounding box and the
// blurs' reach around it are worked on, and nothing when there is no blob)
// and the result comes back on the stylised image's device.
#include "gf/core/tensor.hpp"

namespace gf::image {

struct ClippedDetailOptions {
  double sigma = 6.0;   // pixels: the neighbourhood of the mean and amplitude
  double lift = 2.0;    // amplitudes the detail is lifted off the clip
  double floor = 0.02;  // amplitude below which the photo counts as smooth: no lift
  double ramp = 2.0;    // pixels: the blur that makes the blend weight rise inside a blob
};

Tensor restore_clipped_detail(const Tensor& stylised, const Tensor& content, const ClippedDetailOptions& options = {});

}  // namespace gf::image
