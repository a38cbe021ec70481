#pragma once
// A stylise request: from the untrusted multipart body a client sent to a
// validated StylizeRequest a worker can run without further checks.
//
// Fields (multipart/form-data):
//   image        the photo, PNG or JPEG (required)
//   style        a style id from GET /api/v1/styles
//   style_image  a style picture, PNG or JPEG: the per-image optimisation, or
//                the picture an AdaIN style takes its style from
//   alpha        0..1 (default 1): how much style; AdaIN mixes features, the
//                other methods blend the result with the photo
//   texture      0..1 (default 1): how strongly the style picture's texture
//                fills the result's smooth regions (network and AdaIN styles;
//                the optimisation makes its own texture and ignores it)
//   fuse         none | pyramid | weighted (default none): pyramid keeps the
//                photo's finest detail, weighted averages the two evenly
//   size         longest side of the result in pixels (default: the photo's,
//                at most 1024, or 256 for the optimisation)
//   format       png | jpeg (default png)
//
// Everything is checked in the order a person would fix it, and the first
// problem is an ApiError naming the field: 400 for a bad value, 413 when a
// picture's header claims more than max_pixels (decided before decoding),
// 415 when a picture is not PNG or JPEG by its magic bytes. Pictures are
// decoded with io::decode_untrusted_image, shrunk while decoding when they
// are far larger than the result, then resized to the exact result size.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gf/core/tensor.hpp"
#include "gf/io/untrusted_image.hpp"
#include "gf/serve/style_registry.hpp"

namespace gf::serve {

struct StylizeRequest {
  Tensor photo;                        // (1, 3, h, w) in [0, 1] at the result's size
  std::shared_ptr<const Style> style;  // null: optimise with style_image
  Tensor style_image;                  // (1, 3, h', w') for optimise without a style, and adain; else undefined
  double alpha = 1.0;
  double texture = 1.0;                // strength of image::transfer_style_texture (network, AdaIN)
  std::string fuse = "none";           // none, pyramid or weighted (image::fuse_by_mode's names)
  io::ImageFormat format = io::ImageFormat::kPng;
  std::int64_t source_width = 0, source_height = 0;  // the photo as uploaded

  /// How it will be stylised.
  StyleKind method() const { return style ? style->kind : StyleKind::kOptimise; }
};

struct RequestLimits {
  std::int64_t max_pixels = 16777216;  // of an upload as stored, and of the result
};

/// Longest side of a result by default: one pass of a network or AdaIN at
/// 1024 px takes about a second; the optimisation's time grows with the
/// pixels (47 s at 256 x 170 px on one core).
inline constexpr std::int64_t kDefaultSide = 1024;
inline constexpr std::int64_t kDefaultOptimiseSide = 256;
/// Largest `size` accepted: any method but the optimisation / the optimisation.
inline constexpr std::int64_t kMaxSide = 4096;
inline constexpr std::int64_t kMaxOptimiseSide = 384;  // about two minutes on one core: the job time limit
/// Smallest side of a result (AdaIN's encoder needs 16 pixels).
inline constexpr std::int64_t kMinSide = 16;

/// Parses and validates a request body; throws ApiError as described above.
StylizeRequest parse_stylize_request(std::string_view content_type, std::string_view body,
                                     const StyleRegistry& styles, const RequestLimits& limits);

}  // namespace gf::serve
