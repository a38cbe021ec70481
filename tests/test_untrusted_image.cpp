// The upload decoder: every PNG and JPEG variant decodes to the right
// pixels; anything else, truncated, corrupt or too large is refused with the
// right reason before memory is sized from it.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "gf/core/allocator.hpp"
#include "gf/io/image.hpp"
#include "gf/io/untrusted_image.hpp"
#include "helpers.hpp"
#include "image_encoders.hpp"

using namespace gf;
using gf::io::UntrustedImageError;
using Reason = UntrustedImageError::Reason;

namespace {

// The reason decode_untrusted_image gives, and its message through `message`.
Reason rejection(const std::string& bytes, std::string* message = nullptr, std::int64_t max_pixels = 1 << 24) {
  try {
    io::decode_untrusted_image(bytes, {.max_pixels = max_pixels}, "upload.png");
  } catch (const UntrustedImageError& e) {
    if (message) *message = e.what();
    return e.reason();
  }
  FAIL("the bytes were accepted");
  return Reason::kCorrupt;
}

// What a PNG of `spec` with samples from `f` must decode to: (3, H, W), grey
// replicated, palette looked up, 16-bit samples at full precision, alpha
// composited over white.
Tensor expected_png(const test::PngSpec& spec, const test::SampleFn& f) {
  const bool gray = spec.color_type == PNG_COLOR_TYPE_GRAY || spec.color_type == PNG_COLOR_TYPE_GRAY_ALPHA;
  const bool alpha = spec.color_type == PNG_COLOR_TYPE_GRAY_ALPHA || spec.color_type == PNG_COLOR_TYPE_RGB_ALPHA;
  const auto quantise = [&](double v) {
    const double levels = spec.bit_depth == 16 ? 65535 : 255;
    return std::round(v * levels) / levels;
  };
  std::vector<float> values;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < spec.height; ++y)
      for (int x = 0; x < spec.width; ++x) {
        double v;
        if (spec.color_type == PNG_COLOR_TYPE_PALETTE) {
          v = test::palette_value(static_cast<int>(f(x, y, 0) * 15 + 0.5), c);
        } else {
          v = quantise(f(x, y, gray ? 0 : c));
        }
        if (alpha) {
          const double a = quantise(f(x, y, gray ? 1 : 3));
          v = a * v + (1 - a);
        }
        values.push_back(static_cast<float>(v));
      }
  return from_vector(values, {3, spec.height, spec.width});
}

}  // namespace

TEST_SUITE("untrusted images") {
  TEST_CASE("the format is told by the magic bytes only") {
    CHECK(io::sniff_image_format(test::png_bytes({}, test::pattern_sample)) == io::ImageFormat::kPng);
    CHECK(io::sniff_image_format(test::jpeg_bytes({}, test::pattern_sample)) == io::ImageFormat::kJpeg);
    CHECK(io::sniff_image_format("GIF89a...") == io::ImageFormat::kUnknown);
    CHECK(io::sniff_image_format("\xFF\xD8") == io::ImageFormat::kUnknown);
    CHECK(io::sniff_image_format("") == io::ImageFormat::kUnknown);
    std::string message;
    CHECK(rejection("this is a text file named photo.png\n", &message) == Reason::kUnsupportedFormat);
    CHECK(message.find("upload.png") != std::string::npos);
    CHECK(message.find("not a PNG or JPEG") != std::string::npos);
    CHECK(rejection("") == Reason::kUnsupportedFormat);
  }

  TEST_CASE("other formats are named, and their magic bytes cut short are refused the same way") {
    std::string message;
    CHECK(rejection(std::string("RIFF\0\0\0\0WEBPVP8 ", 16), &message) == Reason::kUnsupportedFormat);
    CHECK(message.find("a WebP image") != std::string::npos);
    // Found by fuzzing (tests/fuzz/fuzz_image.cpp): "RIFF" and up to 3 more
    // bytes threw std::out_of_range from the WebP check instead of a refusal.
    for (const std::string_view cut : {"RIFF", "RIFFI", "RIFFI\xFF", "RIFFWEB"})
      CHECK(rejection(std::string(cut)) == Reason::kUnsupportedFormat);
  }

  TEST_CASE("every PNG kind decodes to the exact RGB pixels") {
    struct Case {
      const char* name;
      test::PngSpec spec;
    };
    const Case cases[] = {
        {"RGB 8", {.width = 17, .height = 9}},
        {"RGBA 8 (over white)", {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_RGB_ALPHA}},
        {"grey 8", {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_GRAY}},
        {"grey + alpha 8", {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA}},
        {"palette", {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_PALETTE}},
        {"RGB 16", {.width = 17, .height = 9, .bit_depth = 16}},
        {"RGBA 16", {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_RGB_ALPHA, .bit_depth = 16}},
        {"grey 16", {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 16}},
        {"RGB 8 interlaced", {.width = 17, .height = 9, .interlaced = true}},
        {"RGBA 16 interlaced",
         {.width = 17, .height = 9, .color_type = PNG_COLOR_TYPE_RGB_ALPHA, .bit_depth = 16, .interlaced = true}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      const auto f = [](int x, int y, int ch) { return ((x * 29 + y * 53 + ch * 71) % 101) / 100.0; };
      const io::DecodedImage d = io::decode_untrusted_image(test::png_bytes(c.spec, f), {});
      CHECK(d.format == io::ImageFormat::kPng);
      CHECK(d.width == c.spec.width);
      CHECK(d.height == c.spec.height);
      GF_CHECK_CLOSE(d.pixels, expected_png(c.spec, f), 0.0, 1e-6);
    }
  }

  TEST_CASE("baseline, progressive and grey JPEGs decode like stb_image decodes them") {
    for (const test::JpegSpec spec : {test::JpegSpec{.width = 33, .height = 21},
                                      test::JpegSpec{.width = 33, .height = 21, .progressive = true},
                                      test::JpegSpec{.width = 33, .height = 21, .components = 1}}) {
      CAPTURE(spec.components);
      CAPTURE(spec.progressive);
      const std::string bytes = test::jpeg_bytes(spec, test::pattern_sample);
      const io::DecodedImage d = io::decode_untrusted_image(bytes, {});
      CHECK(d.format == io::ImageFormat::kJpeg);
      CHECK(d.width == 33);
      CHECK(d.height == 21);
      const Tensor reference = io::decode_image(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), 3);
      // Two decoders of one file differ by their upsampling and rounding: a few levels.
      GF_CHECK_CLOSE(d.pixels, reference, 0.0, 6.0 / 255);
    }
  }

  TEST_CASE("a header claiming too many pixels is refused before any pixel buffer exists") {
    // 60000 x 60000 = 3.6 G pixels: 43 GB as float planes.
    const std::string png = test::png_bytes({.width = 60000, .height = 60000, .header_only = true}, test::pattern_sample);
    CHECK(png.size() < 100);
    const AllocatorStats before = cpu_allocator_stats();
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    CHECK(rejection(png, &message) == Reason::kTooManyPixels);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100));
    CHECK(cpu_allocator_stats().allocated_bytes == before.allocated_bytes);
    CHECK(message.find("60000x60000") != std::string::npos);
    CHECK(message.find("limit") != std::string::npos);

    // JPEG: a real 16 x 16 file whose frame header is patched to 60000 x 60000.
    std::string jpeg = test::jpeg_bytes({.width = 16, .height = 16}, test::pattern_sample);
    const std::size_t sof = jpeg.find("\xFF\xC0");
    REQUIRE(sof != std::string::npos);
    for (const std::size_t at : {sof + 5, sof + 7}) {  // height, then width: 0xEA60 = 60000
      jpeg[at] = static_cast<char>(0xEA);
      jpeg[at + 1] = static_cast<char>(0x60);
    }
    CHECK(rejection(jpeg, &message) == Reason::kTooManyPixels);
    // The limit is the caller's.
    CHECK(rejection(test::png_bytes({.width = 100, .height = 100}, test::pattern_sample), nullptr, 9999) ==
          Reason::kTooManyPixels);
    CHECK_NOTHROW(io::decode_untrusted_image(test::png_bytes({.width = 100, .height = 100}, test::pattern_sample),
                                             {.max_pixels = 10000}));
  }

  TEST_CASE("truncated files are refused, at every length") {
    const std::string png = test::png_bytes({.width = 40, .height = 30}, test::pattern_sample);
    const std::string jpeg = test::jpeg_bytes({.width = 40, .height = 30}, test::pattern_sample);
    const std::string progressive = test::jpeg_bytes({.width = 40, .height = 30, .progressive = true},
                                                     test::pattern_sample);
    for (const std::string* file : {&png, &jpeg, &progressive}) {
      for (std::size_t n = 3; n < file->size(); n += 1 + n / 16) {
        CAPTURE(n);
        const Reason r = rejection(file->substr(0, n));
        CHECK((r == Reason::kCorrupt || (n < 8 && r == Reason::kUnsupportedFormat)));
      }
    }
    std::string message;
    rejection(png.substr(0, png.size() / 2), &message);
    CHECK(message.find("not a valid PNG") != std::string::npos);
    rejection(jpeg.substr(0, jpeg.size() / 2), &message);
    CHECK(message.find("not a valid JPEG") != std::string::npos);
  }

  TEST_CASE("corrupt data is refused: flipped bytes, CMYK, endless progressive scans") {
    const std::string png = test::png_bytes({.width = 40, .height = 30}, test::pattern_sample);
    int refused = 0;
    for (std::size_t at = 8; at < png.size(); at += 7) {
      std::string bad = png;
      bad[at] = static_cast<char>(bad[at] ^ 0x5a);
      try {
        io::decode_untrusted_image(bad, {});
      } catch (const UntrustedImageError& e) {
        CHECK(e.reason() == Reason::kCorrupt);
        ++refused;
      }
    }
    CHECK(refused > 0);  // every chunk has a CRC: most flips are caught

    std::string message;
    CHECK(rejection(test::jpeg_bytes({.components = 4}, test::pattern_sample), &message) == Reason::kCorrupt);
    CHECK(message.find("CMYK") != std::string::npos);
  }

  TEST_CASE("large pictures shrink by a whole factor while decoding, keeping the longest side >= min_side") {
    // PNG: f x f block means.
    const test::PngSpec spec{.width = 64, .height = 40};
    const io::DecodedImage full = io::decode_untrusted_image(test::png_bytes(spec, test::pattern_sample), {});
    const io::DecodedImage small =
        io::decode_untrusted_image(test::png_bytes(spec, test::pattern_sample), {.min_side = 20});
    CHECK(small.width == 64);  // as stored
    CHECK(small.pixels.shape() == Shape{3, 13, 21});  // factor 64 / 20 = 3: 40 / 3, 64 / 3
    const Tensor blocks = mean(full.pixels.narrow(1, 0, 39).narrow(2, 0, 63).contiguous().reshape({3, 13, 3, 21, 3}), {2, 4});
    GF_CHECK_CLOSE(small.pixels, blocks, 0.0, 1e-6);
    // A long thin picture shrinks no further than its short side allows.
    const io::DecodedImage thin =
        io::decode_untrusted_image(test::png_bytes({.width = 400, .height = 2}, test::pattern_sample), {.min_side = 10});
    CHECK(thin.pixels.shape() == Shape{3, 1, 200});
    // JPEG: DCT scaling, then blocks.
    const std::string jpeg = test::jpeg_bytes({.width = 256, .height = 128}, test::pattern_sample);
    const io::DecodedImage j = io::decode_untrusted_image(jpeg, {.min_side = 60});
    CHECK(j.pixels.size(2) >= 60);
    CHECK(j.pixels.size(2) < 120);
    CHECK(j.pixels.size(1) * 2 == j.pixels.size(2));
  }
}
