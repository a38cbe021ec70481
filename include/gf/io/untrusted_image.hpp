#pragma once
// Decoding images: every image any program or the web service reads.
//
// Every image is treated as hostile until proven otherwise: an upload, but
// also a file in a downloaded dataset or a picture a user was sent. So:
//   1. only PNG and JPEG are accepted, known by their magic bytes, whatever the
//      file is called or claims to be (other formats are named in the refusal);
//   2. width x height is read from the header and checked against a pixel
//      limit, and the float planes against the memory available, before any
//      pixel buffer is allocated: a 60-byte PNG that claims 60000 x 60000
//      pixels costs nothing; zero sizes are refused;
//   3. the decoders are libpng and libjpeg-turbo from the distribution, fuzzed
//      upstream and patched by security updates, with their own limits set
//      (chunk sizes, progressive scans) and any truncation or corruption an
//      error, never a half-grey picture.
// Errors are UntrustedImageError, whose reason tells a caller which answer
// to give (HTTP 415, 413 or 400) and whose message names the image and why.
// read_image (image.hpp) is this decoder applied to a file's bytes.
//
//   auto decoded = gf::io::decode_untrusted_image(bytes, {.max_pixels = 1 << 24, .min_side = 512}, "image");
//   gf::Tensor rgb = decoded.pixels;   // (3, H, W) float32 in [0, 1]
#include <cstdint>
#include <string>
#include <string_view>

#include "gf/core/error.hpp"
#include "gf/core/tensor.hpp"

namespace gf::io {

enum class ImageFormat { kUnknown, kPng, kJpeg };

/// "png", "jpeg" or "unknown".
const char* to_string(ImageFormat format);

/// The format by the first bytes: PNG's 8-byte signature or JPEG's SOI marker
/// followed by another marker (FF D8 FF).
ImageFormat sniff_image_format(std::string_view bytes);

class UntrustedImageError : public Error {
 public:
  enum class Reason {
    kUnsupportedFormat,  // not PNG or JPEG by its magic bytes
    kTooManyPixels,      // the header claims more than the limit
    kCorrupt,            // truncated, malformed, or an unusable variant (e.g. CMYK)
  };
  UntrustedImageError(Reason reason, const std::string& message) : Error(message), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

/// "unsupported_format", "too_many_pixels" or "corrupt" (metric labels).
const char* to_string(UntrustedImageError::Reason reason);

struct UntrustedImageLimits {
  std::int64_t max_pixels = 16777216;  // width x height as stored, checked before decoding
  /// When > 0 the decoder may return the image shrunk by a whole factor
  /// (JPEG's DCT scaling, or averaging f x f blocks) as long as its longest
  /// side stays >= min_side: large photos meant for a small output then cost
  /// a fraction of the time and memory. 0: always full size.
  std::int64_t min_side = 0;
};

struct DecodedImage {
  Tensor pixels;  // (channels, h, w) float32 in [0, 1]
  ImageFormat format = ImageFormat::kUnknown;
  std::int64_t width = 0, height = 0;  // as stored in the file (before any shrinking)
};

/// Decodes PNG (any bit depth, palette, grey, alpha, interlaced) or baseline /
/// progressive JPEG (grey or YCbCr) as described above. `what` names the image
/// in errors ("field 'image'", a file name). `channels`: 3 gives RGB, alpha
/// composited over white; 1 grey (Rec. 601 luma of that RGB); 4 RGBA; 0 what
/// the file stores (grey 1, RGB 3, anything with alpha 4). 16-bit PNG samples
/// keep their precision.
DecodedImage decode_untrusted_image(std::string_view bytes, const UntrustedImageLimits& limits,
                                    const std::string& what = "image", int channels = 3);

}  // namespace gf::io
