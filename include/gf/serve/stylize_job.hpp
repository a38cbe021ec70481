#pragma once
// Running a validated StylizeRequest on a worker: the method, then the
// content/style trade-off and fusion, then the figures and the encoding.
//
//   network   tiled_apply of the StyleNet (one tile up to kTile x kTile, so a
//             small image is one pass; bigger ones go tile by tile, which
//             bounds memory and lets a cancel take effect between tiles),
//             then the photo's detail put back where the network clipped a
//             region flat (image::restore_clipped_detail) and the style's
//             texture in its smooth regions, at strength `texture`, when the
//             style has a picture (image::transfer_style_texture), as
//             style_apply does by default; alpha blends the result with the
//             photo;
//   adain     the AdaIN net with the style picture's statistics, the photo's
//             statistics taken over the whole image, tiles as above, then the
//             photo's detail in clipped regions and the style picture's
//             texture, at strength alpha x texture, in smooth ones (as
//             adain_apply does by default); alpha mixes the features (the
//             paper's trade-off);
//   optimise  patch_gan_transfer (stylize's offline method) for
//             kOptimiseSteps steps, progress and cancellation at every step;
//             alpha blends with the photo.
// Then fuse (none / pyramid / weighted, image::fuse_by_mode), the luminance
// SSIM to the photo (metrics::ssim_luminance), and PNG or JPEG bytes.
#include <cstdint>

#include "gf/core/device.hpp"
#include "gf/serve/job_queue.hpp"
#include "gf/serve/stylize_request.hpp"

namespace gf::serve {

inline constexpr std::int64_t kTile = 1024;
inline constexpr std::int64_t kTileOverlap = 64;
inline constexpr std::int64_t kOptimiseSteps = 200;
inline constexpr std::int64_t kFuseLevels = 4;
inline constexpr double kWeightedFuseAlpha = 0.5;
inline constexpr int kJpegQuality = 90;

/// Stylises on `device` (models must already be there). Result figures:
/// "ssim" (luminance SSIM of the result to the photo at the result's size),
/// "width", "height".
JobResult run_stylize(const StylizeRequest& request, JobContext& context, Device device = Device::cpu());

}  // namespace gf::serve
