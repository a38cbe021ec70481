// Images as files: reading goes through the checked PNG / JPEG decoder;
// writing turns (C, H, W) float32 planes in [0, 1] into PNG or JPEG bytes
// through stb_image_write, which works on interleaved (H, W, C) pixels.
#include "gf/io/image.hpp"

// Declarations only: Debian's libstb provides the implementation.
#include <stb_image_write.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <filesystem>
#include <vector>

#include "gf/core/factory.hpp"
#include "gf/io/untrusted_image.hpp"
#include "io/file.hpp"

namespace gf::io {
namespace {

// ---- encoding ---------------------------------------------------------------------

// 8-bit interleaved pixels, what stb_image_write takes.
struct Pixels {
  std::vector<unsigned char> data;  // (H, W, C)
  int height, width, channels;
};

// (C, H, W) or (H, W) values -> 8-bit (H, W, C): clamped to [0, 1] (NaN -> 0), rounded.
Pixels pixels_from_planes(const Tensor& image, const char* op) {
  GF_CHECK(image.dim() == 2 || image.dim() == 3, op, ": expected an image (C, H, W) or (H, W), got shape ",
           image.shape());
  const Tensor chw = image.dim() == 2 ? image.unsqueeze(0) : image;  // (C, H, W)
  const std::int64_t c = chw.size(0), h = chw.size(1), w = chw.size(2);
  GF_CHECK(c == 1 || c == 3 || c == 4, op, ": expected 1 (gray), 3 (RGB) or 4 (RGBA) channels, got shape ",
           image.shape());
  GF_CHECK(h > 0 && w > 0 && w <= INT_MAX / c && h <= INT_MAX / (w * c), op, ": cannot encode an image of shape ",
           image.shape());
  const Tensor planes = chw.detach().to(Device::cpu()).to(DType::kFloat32).contiguous();

  Pixels px{std::vector<unsigned char>(static_cast<std::size_t>(c * h * w)), static_cast<int>(h),
            static_cast<int>(w), static_cast<int>(c)};
  const float* src = planes.data<float>();
  const std::int64_t plane_size = h * w;
  for (std::int64_t p = 0; p < plane_size; ++p)
    for (std::int64_t ch = 0; ch < c; ++ch) {
      const float v = src[ch * plane_size + p];
      const float clamped = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
      px.data[static_cast<std::size_t>(p * c + ch)] = static_cast<unsigned char>(std::lround(clamped * 255.0f));
    }
  return px;
}

// stb_image_write's output callback: appends each chunk to a std::string.
void append_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

enum class Format { kPng, kJpeg };

Format format_from_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (ext == ".png") return Format::kPng;
  if (ext == ".jpg" || ext == ".jpeg") return Format::kJpeg;
  throw Error(detail::concat("write_image: cannot tell the format of '", path, "' from its extension '", ext,
                             "' (use .png, .jpg or .jpeg)"));
}

std::string encode(const Pixels& px, Format format, int jpeg_quality, const char* op) {
  std::string bytes;
  const int ok = format == Format::kPng
                     ? stbi_write_png_to_func(append_to_string, &bytes, px.width, px.height, px.channels,
                                              px.data.data(), px.width * px.channels)
                     : stbi_write_jpg_to_func(append_to_string, &bytes, px.width, px.height, px.channels,
                                              px.data.data(), jpeg_quality);
  GF_CHECK(ok, op, ": stb_image_write failed to encode a ", px.channels, "x", px.height, "x", px.width, " image");
  return bytes;
}

}  // namespace

Tensor read_image(const std::string& path, int channels) {
  const std::string bytes = read_file(path, "read_image");
  return decode_untrusted_image(bytes, {.max_pixels = kMaxImagePixels}, detail::concat("read_image: '", path, "'"),
                                channels)
      .pixels;
}

Tensor decode_image(const std::uint8_t* bytes, std::size_t size, int channels, const std::string& what) {
  return decode_untrusted_image({reinterpret_cast<const char*>(bytes), size}, {.max_pixels = kMaxImagePixels},
                                detail::concat("decode_image: '", what, "'"), channels)
      .pixels;
}

void write_image(const std::string& path, const Tensor& image, int jpeg_quality) {
  const Format format = format_from_extension(path);
  GF_CHECK(jpeg_quality >= 1 && jpeg_quality <= 100, "write_image: jpeg_quality must be in 1..100, got ",
           jpeg_quality);
  write_file_atomic(path, encode(pixels_from_planes(image, "write_image"), format, jpeg_quality, "write_image"),
                    "write_image");
}

std::string encode_png(const Tensor& image) {
  return encode(pixels_from_planes(image, "encode_png"), Format::kPng, 0, "encode_png");
}

std::string encode_jpeg(const Tensor& image, int quality) {
  GF_CHECK(quality >= 1 && quality <= 100, "encode_jpeg: quality must be in 1..100, got ", quality);
  return encode(pixels_from_planes(image, "encode_jpeg"), Format::kJpeg, quality, "encode_jpeg");
}

Tensor make_grid(const Tensor& batch, std::int64_t nrow, std::int64_t padding, double pad_value) {
  GF_CHECK(batch.dim() == 4, "make_grid: expected a batch (N, C, H, W), got shape ", batch.shape());
  GF_CHECK(batch.size(0) > 0, "make_grid: the batch ", batch.shape(), " holds no images");
  GF_CHECK(nrow >= 1, "make_grid: nrow must be at least 1, got ", nrow);
  GF_CHECK(padding >= 0, "make_grid: padding must be non-negative, got ", padding);
  const std::int64_t n = batch.size(0), c = batch.size(1), h = batch.size(2), w = batch.size(3);
  const std::int64_t cols = std::min(nrow, n), rows = (n + cols - 1) / cols;

  // Every image sits in a cell with `padding` pixels above and to its left; one
  // more strip closes the bottom and right edges (torchvision's layout).
  const std::int64_t cell_h = h + padding, cell_w = w + padding;
  Tensor grid = full({c, rows * cell_h + padding, cols * cell_w + padding}, pad_value,
                     {batch.dtype(), batch.device()});  // (C, H', W')
  const Tensor images = batch.detach();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t top = (i / cols) * cell_h + padding, left = (i % cols) * cell_w + padding;
    grid.narrow(1, top, h).narrow(2, left, w).copy_(images.select(0, i));
  }
  return grid;
}

void save_image_grid(const std::string& path, const Tensor& batch, std::int64_t nrow, std::int64_t padding,
                     double pad_value) {
  write_image(path, make_grid(batch, nrow, padding, pad_value));
}

}  // namespace gf::io
