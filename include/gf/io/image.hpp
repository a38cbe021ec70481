#pragma once
// Reading images (PNG and JPEG, through the checked decoder of
// untrusted_image.hpp) and writing them (through stb_image_write).
//
// Images in memory are float tensors (C, H, W) with values in [0, 1];
// C is 1 (gray), 3 (RGB) or 4 (RGBA).
#include <cstdint>
#include <string>

#include "gf/core/tensor.hpp"

namespace gf::io {

/// The most pixels (width x height, as the header claims) read_image accepts:
/// 16384 x 16384, 3.2 GB as float RGB. Larger claims are refused before any
/// pixel is decoded.
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 28;

/// Reads a PNG or JPEG file into (C, H, W) float32 in [0, 1]. `channels` 0
/// keeps the file's channel count; 1, 3 or 4 converts (see
/// decode_untrusted_image). Throws gf::Error naming the file and the reason
/// when it cannot (missing, not PNG/JPEG, too many pixels, corrupt).
Tensor read_image(const std::string& path, int channels = 0);

/// The same for an image held in memory; `what` names it in errors.
Tensor decode_image(const std::uint8_t* bytes, std::size_t size, int channels = 0,
                    const std::string& what = "image");

/// Writes (C, H, W) or (H, W) values in [0, 1] (clamped) as PNG or JPEG,
/// chosen by the extension (.png, .jpg/.jpeg); `jpeg_quality` 1..100.
void write_image(const std::string& path, const Tensor& image, int jpeg_quality = 95);

/// Encodes (C, H, W) in [0, 1] as PNG bytes in memory (for the web service).
std::string encode_png(const Tensor& image);
/// The same as JPEG bytes; `quality` 1..100.
std::string encode_jpeg(const Tensor& image, int quality = 90);

/// Tiles a batch (N, C, H, W) in [0, 1] into one (C, H', W') grid with `nrow`
/// images per row and `padding` pixels of `pad_value` between them.
Tensor make_grid(const Tensor& batch, std::int64_t nrow = 8, std::int64_t padding = 2, double pad_value = 1.0);

/// make_grid + write_image.
void save_image_grid(const std::string& path, const Tensor& batch, std::int64_t nrow = 8, std::int64_t padding = 2,
                     double pad_value = 1.0);

}  // namespace gf::io
