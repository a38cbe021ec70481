#pragma once
// PNG and JPEG files of every kind the upload decoder must read (palette,
// grey, alpha, 16-bit, interlaced, progressive), written with libpng and
// libjpeg so the tests need no picture files.
#include <jpeglib.h>
#include <png.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gf::test {

/// sample(x, y, c) in [0, 1] for channel c of the pixel at (x, y).
using SampleFn = std::function<double(int x, int y, int c)>;

struct PngSpec {
  int width = 16, height = 12;
  int color_type = PNG_COLOR_TYPE_RGB;  // GRAY, GRAY_ALPHA, RGB, RGB_ALPHA or PALETTE
  int bit_depth = 8;                    // 8 or 16 (PALETTE: 8)
  bool interlaced = false;              // Adam7
  bool header_only = false;             // stop after IHDR (a file that only claims a size)
};

/// The 16 colours a PALETTE PNG uses; sample(x, y, 0) picks one (x 15, rounded).
inline double palette_value(int index, int c) { return ((index * 37 + c * 91) % 256) / 255.0; }

inline std::string png_bytes(const PngSpec& spec, const SampleFn& sample) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::string out;
  std::vector<png_byte> rows;
  std::vector<png_bytep> row_pointers;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("png_bytes: libpng failed");
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(data), n);
      },
      [](png_structp) {});
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (spec.color_type == PNG_COLOR_TYPE_PALETTE) {
    png_color palette[16];
    for (int i = 0; i < 16; ++i)
      palette[i] = {static_cast<png_byte>(palette_value(i, 0) * 255), static_cast<png_byte>(palette_value(i, 1) * 255),
                    static_cast<png_byte>(palette_value(i, 2) * 255)};
    png_set_PLTE(png, info, palette, 16);
  }
  png_write_info(png, info);
  if (!spec.header_only) {
    const int channels = png_get_channels(png, info);
    const int bytes = spec.bit_depth / 8;
    rows.resize(static_cast<std::size_t>(spec.width * channels * bytes * spec.height));
    for (int y = 0; y < spec.height; ++y) {
      png_bytep row = rows.data() + static_cast<std::size_t>(y * spec.width * channels * bytes);
      row_pointers.push_back(row);
      for (int x = 0; x < spec.width; ++x)
        for (int c = 0; c < channels; ++c) {
          const double v = sample(x, y, c);
          png_bytep at = row + (x * channels + c) * bytes;
          if (spec.color_type == PNG_COLOR_TYPE_PALETTE) {
            at[0] = static_cast<png_byte>(v * 15 + 0.5);
          } else if (bytes == 2) {
            const auto s = static_cast<std::uint16_t>(v * 65535 + 0.5);
            at[0] = static_cast<png_byte>(s >> 8);  // PNG is big-endian
            at[1] = static_cast<png_byte>(s & 0xff);
          } else {
            at[0] = static_cast<png_byte>(v * 255 + 0.5);
          }
        }
    }
    png_write_image(png, row_pointers.data());
    png_write_end(png, nullptr);
  }
  png_destroy_write_struct(&png, &info);
  return out;
}

struct JpegSpec {
  int width = 16, height = 12;
  int components = 3;  // 1 (grey), 3 (YCbCr) or 4 (CMYK)
  bool progressive = false;
  int quality = 95;
};

inline std::string jpeg_bytes(const JpegSpec& spec, const SampleFn& sample) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr errors{};
  cinfo.err = jpeg_std_error(&errors);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(spec.width);
  cinfo.image_height = static_cast<JDIMENSION>(spec.height);
  cinfo.input_components = spec.components;
  cinfo.in_color_space = spec.components == 1 ? JCS_GRAYSCALE : spec.components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, spec.quality, TRUE);
  if (spec.progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<JSAMPLE> row(static_cast<std::size_t>(spec.width * spec.components));
  for (int y = 0; y < spec.height; ++y) {
    for (int x = 0; x < spec.width; ++x)
      for (int c = 0; c < spec.components; ++c)
        row[static_cast<std::size_t>(x * spec.components + c)] = static_cast<JSAMPLE>(sample(x, y, c) * 255 + 0.5);
    JSAMPROW p = row.data();
    jpeg_write_scanlines(&cinfo, &p, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return out;
}

/// A smooth colour pattern, different per channel.
inline double pattern_sample(int x, int y, int c) { return ((x * 13 + y * 7 + c * 50) % 256) / 255.0; }

}  // namespace gf::test
