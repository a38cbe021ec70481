#pragma once
// The options that fuse a stylised picture with its photo afterwards, for the
// programs that offer them (stylize, adain_apply), and their use:
//
//   FuseOptions fusion;
//   add_fuse_options(app, fusion, "the photo");
//   result = fuse(result, photo, fusion);      // unchanged with --fuse none
//
// gf::image::fuse_by_mode does the work (pyramid: the photo's finest detail
// bands under the stylised coarse levels; weighted: a plain blend).
//
// The fast stylisers (style_apply, adain_apply) first put the photo's detail
// back where the result is clipped flat, unless --no-clipped-detail, then
// fill the result's smooth regions with the style's own texture, unless
// --style-texture 0:
//
//   add_clipped_detail_flag(app, o.clipped_detail);
//   add_style_texture_option(app, o.style_texture);
//   if (o.clipped_detail) result = image::restore_clipped_detail(result, photo);
//   if (o.style_texture > 0) result = image::transfer_style_texture(result, style, {.strength = o.style_texture});
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <string>

#include "gf/image/clipped_detail.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/image/style_texture.hpp"
#include "option_bounds.hpp"

namespace gf::cli {

struct FuseOptions {
  std::string mode = "none";  // none, pyramid or weighted
  std::int64_t levels = 5;    // pyramid fusion levels
  double alpha = 0.5;         // weighted fusion: weight of the stylised picture
};

/// --fuse, --fuse-levels, --fuse-alpha into `o`; `photo` names what the
/// result is fused with in the help ("the photo", "the content").
inline void add_fuse_options(CLI::App& app, FuseOptions& o, const std::string& photo) {
  app.add_option("--fuse", o.mode, "fuse the result with " + photo + ": none, pyramid or weighted")
      ->check(CLI::IsMember({"none", "pyramid", "weighted"}))
      ->capture_default_str();
  app.add_option("--fuse-levels", o.levels, "pyramid fusion levels (capped at what the image size allows)")
      ->check(in_range(1, 16))
      ->capture_default_str();
  app.add_option("--fuse-alpha", o.alpha, "weighted fusion: weight of the stylised image")
      ->check(in_range(0.0, 1.0))
      ->capture_default_str();
}

/// What image::restore_clipped_detail holds while it works, when a result has
/// blobs (its planes and blurs): measured 216 MB at 1920x1200, 94 bytes per
/// pixel, rounded up.
inline constexpr double kClippedDetailBytesPerPixel = 96;
/// What image::transfer_style_texture holds while it works (its planes, blurs
/// and the pieces' colour descriptions): measured 212 MB at 1920x1200 with a
/// 256-pixel style, 96 bytes per pixel, rounded up.
inline constexpr double kStyleTextureBytesPerPixel = 100;

/// What the finishing steps that are switched on hold per pixel of the result
/// while they run: the larger of the two, since one runs after the other.
/// For the programs' memory checks.
inline double finishing_bytes_per_pixel(bool clipped_detail, double style_texture) {
  return std::max(clipped_detail ? kClippedDetailBytesPerPixel : 0.0,
                  style_texture > 0 ? kStyleTextureBytesPerPixel : 0.0);
}

/// --clipped-detail / --no-clipped-detail into `on` (its value now is the default).
inline void add_clipped_detail_flag(CLI::App& app, bool& on) {
  app.add_flag("--clipped-detail,!--no-clipped-detail", on,
               std::string("put the photo's detail back where the result is clipped flat to black or white "
                           "(gf::image::restore_clipped_detail; default ") +
                   (on ? "on)" : "off)"));
}

/// --style-texture into `strength` (its value now is the default).
inline void add_style_texture_option(CLI::App& app, double& strength) {
  app.add_option("--style-texture", strength,
                 "fill the result's smooth regions with the style picture's own texture, pieces chosen to match the "
                 "result's colour (gf::image::transfer_style_texture): 0 off, 1 the style's full contrast")
      ->check(in_range(0.0, 2.0))
      ->capture_default_str();
}

/// `result` fused with `photo` as the options say.
inline Tensor fuse(const Tensor& result, const Tensor& photo, const FuseOptions& o) {
  return image::fuse_by_mode(result, photo, o.mode, o.levels, o.alpha);
}

}  // namespace gf::cli
