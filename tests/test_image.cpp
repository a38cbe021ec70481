// Images: PNG/JPEG round trips, channel conversion, 16-bit PNG, refused formats and sizes, grids, bad files.
#include <algorithm>
#include <cmath>

#include "gf/io/image.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using gf::test::error_of;

namespace {

// Values k / 255 for random k: what an 8-bit file stores exactly.
Tensor quantised_image(const Shape& shape, Rng& g) {
  std::vector<float> v;
  for (std::int64_t k : randint(0, 256, shape, {DType::kInt64}, &g).to_vector<std::int64_t>())
    v.push_back(static_cast<float>(k) / 255.0f);
  return from_vector<float>(v, shape);
}

// The 8-bit sample the writer should store for `v`: clamped, NaN -> 0, rounded.
int expected_sample(float v) {
  const float clamped = std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
  return static_cast<int>(std::round(clamped * 255.0f));
}

std::vector<int> samples_8bit(const Tensor& image) {
  std::vector<int> out;
  for (float v : image.to_vector<float>()) out.push_back(static_cast<int>(std::lround(v * 255.0f)));
  return out;
}

// Peak signal-to-noise ratio in dB for values in [0, 1].
double psnr(const Tensor& a, const Tensor& b) {
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double mse = 0;
  for (std::size_t i = 0; i < va.size(); ++i) mse += (va[i] - vb[i]) * (va[i] - vb[i]) / static_cast<double>(va.size());
  return 10 * std::log10(1.0 / mse);
}

// ---- a 16-bit PNG written by hand (stb_image_write only writes 8-bit) -------------

void put_u32_be(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::uint32_t adler32(const std::string& bytes) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char byte : bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  put_u32_be(out, static_cast<std::uint32_t>(data.size()));
  out += type + data;
  put_u32_be(out, crc32(type + data));
  return out;
}

// (H, W, channels) 16-bit samples as a PNG: color type 0 (gray) or 4 (gray + alpha).
// The zlib stream uses one uncompressed "stored" block, so no compressor is needed.
std::string png16(const std::vector<std::uint16_t>& samples, std::uint32_t h, std::uint32_t w, int channels) {
  std::string raw;
  for (std::uint32_t y = 0; y < h; ++y) {
    raw.push_back('\0');  // filter type 0: bytes as they are
    for (std::uint32_t i = 0; i < w * channels; ++i) {
      const std::uint16_t s = samples[y * w * channels + i];
      raw.push_back(static_cast<char>(s >> 8));  // PNG samples are big-endian
      raw.push_back(static_cast<char>(s & 0xff));
    }
  }
  const auto n = static_cast<std::uint16_t>(raw.size());
  std::string zlib = std::string("\x78\x01\x01", 3);  // zlib header, then BFINAL=1 BTYPE=00 (stored)
  for (std::uint16_t v : {n, static_cast<std::uint16_t>(~n)}) {
    zlib.push_back(static_cast<char>(v & 0xff));
    zlib.push_back(static_cast<char>(v >> 8));
  }
  zlib += raw;
  put_u32_be(zlib, adler32(raw));

  std::string ihdr;
  put_u32_be(ihdr, w);
  put_u32_be(ihdr, h);
  ihdr += std::string{16, static_cast<char>(channels == 1 ? 0 : 4), 0, 0, 0};  // depth, type, compression, filter, interlace
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", zlib) + png_chunk("IEND", "");
}

// A 24-bit BMP of 8-bit (H, W, RGB) samples: rows bottom-up, BGR, padded to 4 bytes.
std::string bmp24(const std::vector<std::uint8_t>& rgb, std::uint32_t h, std::uint32_t w) {
  const auto put_le = [](std::string& s, std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  const std::uint32_t row_bytes = (3 * w + 3) / 4 * 4;
  std::string out = "BM";
  put_le(out, 54 + row_bytes * h, 4);  // file size
  put_le(out, 0, 4);                   // reserved
  put_le(out, 54, 4);                  // pixel data offset
  for (std::uint32_t v : {40u, w, h}) put_le(out, v, 4);  // info header size, width, height
  put_le(out, 1, 2);                                      // planes
  put_le(out, 24, 2);                                     // bits per pixel
  for (int i = 0; i < 6; ++i) put_le(out, 0, 4);          // no compression, sizes and palette left to defaults
  for (std::uint32_t y = h; y-- > 0;) {
    for (std::uint32_t x = 0; x < w; ++x)
      for (int c = 2; c >= 0; --c) out.push_back(static_cast<char>(rgb[(y * w + x) * 3 + c]));
    out.append(row_bytes - 3 * w, '\0');
  }
  return out;
}

Tensor decode_string(const std::string& bytes, int channels = 0, const std::string& what = "image") {
  return io::decode_image(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), channels, what);
}

}  // namespace

TEST_SUITE("image") {
  TEST_CASE("PNG round trips exactly at 8 bits for gray, RGB and RGBA") {
    test::TempDir dir("image");
    Rng g(5);
    for (std::int64_t c : {1, 3, 4}) {
      for (const auto& [h, w] : {std::pair{5, 7}, std::pair{1, 9}, std::pair{16, 3}}) {
        CAPTURE(c);
        CAPTURE(h);
        const Tensor image = quantised_image({c, h, w}, g);
        const std::string path = dir.file("round.png");
        io::write_image(path, image);
        const Tensor back = io::read_image(path);
        CHECK(back.dtype() == DType::kFloat32);
        GF_CHECK_CLOSE(back, image, 0.0, 1e-7);
        CHECK(io::encode_png(image) == test::read_bytes(path));
      }
    }
    // A (H, W) tensor is a gray image.
    const Tensor gray = quantised_image({4, 6}, g);
    io::write_image(dir.file("gray.png"), gray);
    GF_CHECK_CLOSE(io::read_image(dir.file("gray.png")), gray.unsqueeze(0), 0.0, 1e-7);
  }

  TEST_CASE("values are clamped to [0, 1] and rounded to the nearest 8-bit level") {
    const std::vector<float> v = {-0.5f, 0.0f, 0.2f, 0.5f, 0.998f, 0.9981f, 1.0f, 1.7f, std::nanf(""), 3.0f / 255};
    const Tensor image = from_vector<float>(v, {1, 2, 5});
    const Tensor back = decode_string(io::encode_png(image), 0, "clamp.png");
    std::vector<int> expected;
    for (float x : v) expected.push_back(expected_sample(x));
    CHECK(samples_8bit(back) == expected);
    // float64 input and a non-contiguous view encode the same way.
    CHECK(io::encode_png(image.to(DType::kFloat64)) == io::encode_png(image));
    const Tensor wide = from_vector<float>(v, {5, 2}).t().unsqueeze(0);  // (1, 2, 5) view
    CHECK(samples_8bit(decode_string(io::encode_png(wide))) ==
          samples_8bit(decode_string(io::encode_png(wide.contiguous()))));
  }

  TEST_CASE("JPEG round trip is close") {
    test::TempDir dir("image");
    const std::int64_t h = 24, w = 32;
    std::vector<float> v;
    for (std::int64_t c = 0; c < 3; ++c)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          v.push_back(c == 0 ? x / float(w - 1) : c == 1 ? y / float(h - 1) : 0.5f + 0.3f * std::sin(0.3f * (x + y)));
    const Tensor image = from_vector<float>(v, {3, h, w});
    for (const char* name : {"smooth.jpg", "smooth.jpeg", "SMOOTH.JPG"}) {
      CAPTURE(name);
      io::write_image(dir.file(name), image, 95);
      const Tensor back = io::read_image(dir.file(name));
      REQUIRE(back.shape() == image.shape());
      CHECK(psnr(back, image) > 35.0);
    }
    // stb_image_write stores every JPEG in colour; read as gray, a gray image comes back.
    const Tensor gray = image.narrow(0, 0, 1);
    io::write_image(dir.file("gray.jpg"), gray, 90);
    const Tensor gray_back = io::read_image(dir.file("gray.jpg"), 1);
    REQUIRE(gray_back.shape() == Shape{1, h, w});
    CHECK(psnr(gray_back, gray) > 35.0);
  }

  TEST_CASE("channel conversion on read") {
    Rng g(9);
    const Tensor rgb = quantised_image({3, 3, 4}, g);
    const std::string png = io::encode_png(rgb);

    // Rec. 601 luma: 0.299 R + 0.587 G + 0.114 B.
    const auto v = rgb.to_vector<float>();
    std::vector<float> luma;
    for (std::size_t p = 0; p < 12; ++p) luma.push_back(0.299f * v[p] + 0.587f * v[12 + p] + 0.114f * v[24 + p]);
    GF_CHECK_CLOSE(decode_string(png, 1), from_vector<float>(luma, {1, 3, 4}), 1e-6, 1e-6);

    const Tensor rgba = decode_string(png, 4);
    REQUIRE(rgba.shape() == Shape{4, 3, 4});
    GF_CHECK_CLOSE(rgba.narrow(0, 0, 3), rgb, 0.0, 1e-7);
    GF_CHECK_CLOSE(rgba.select(0, 3), ones({3, 4}), 0.0, 0.0);
    GF_CHECK_CLOSE(decode_string(io::encode_png(rgba), 3), rgb, 0.0, 1e-7);  // opaque: alpha changes nothing

    // Translucent pixels are composited over white for RGB and grey.
    const Tensor half_red = from_vector<float>({1, 0, 0, 102.0f / 255}, {4, 1, 1});  // red at alpha 0.4
    const float a = 102.0f / 255;
    GF_CHECK_CLOSE(decode_string(io::encode_png(half_red), 3), from_vector<float>({1, 1 - a, 1 - a}, {3, 1, 1}),
                   1e-6, 0.0);
    GF_CHECK_CLOSE(decode_string(io::encode_png(half_red), 1),
                   from_vector<float>({0.299f + 0.701f * (1 - a)}, {1, 1, 1}), 1e-6, 0.0);
    GF_CHECK_CLOSE(decode_string(io::encode_png(half_red), 4), half_red, 1e-6, 0.0);

    const Tensor gray = quantised_image({1, 3, 4}, g);
    GF_CHECK_CLOSE(decode_string(io::encode_png(gray), 3), gray.expand({3, 3, 4}), 0.0, 1e-7);
    GF_CHECK_CONTAINS(error_of([&] { decode_string(png, 2); }), "channels must be 0 (as stored), 1, 3 or 4, got 2");
  }

  TEST_CASE("16-bit PNGs keep their precision; gray + alpha reads as RGBA") {
    const std::vector<std::uint16_t> gray = {0, 1000, 32768, 65535, 12345, 7};
    const Tensor g16 = decode_string(png16(gray, 2, 3, 1), 0, "deep.png");
    std::vector<float> expected;
    for (std::uint16_t s : gray) expected.push_back(s / 65535.0f);
    GF_CHECK_CLOSE(g16, from_vector<float>(expected, {1, 2, 3}), 1e-6, 0.0);

    const std::vector<std::uint16_t> gray_alpha = {65535, 0, 1000, 65535};  // (1, 2, 2): (gray, alpha) pairs
    const Tensor rgba = decode_string(png16(gray_alpha, 1, 2, 2));
    const std::vector<float> want = {1, 1000 / 65535.0f, 1, 1000 / 65535.0f, 1, 1000 / 65535.0f, 0, 1};
    GF_CHECK_CLOSE(rgba, from_vector<float>(want, {4, 1, 2}), 1e-6, 0.0);
  }

  TEST_CASE("other formats are refused by name, whatever the file is called") {
    // stb_image would have read this BMP, and a 16-bit PNM with an 8-bit
    // converter (a heap over-read, issue 12): only PNG and JPEG are decoded.
    const std::vector<std::uint8_t> rgb = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};
    const std::string bmp_refusal = error_of([&] { decode_string(bmp24(rgb, 2, 3), 0, "tiny.png"); });
    GF_CHECK_CONTAINS(bmp_refusal, "decode_image: 'tiny.png': a BMP image; only PNG and JPEG are read");
    const std::string pnm16 = std::string("P6\n2 1\n65535\n") + std::string(12, '\x7f');
    GF_CHECK_CONTAINS(error_of([&] { decode_string(pnm16, 3, "photo.png"); }), "a PNM image");
    GF_CHECK_CONTAINS(error_of([&] { decode_string("GIF89a" + std::string(20, '\0')); }), "a GIF image");
    // A TGA has no magic bytes: an 18-byte header claiming 20000 x 20000.
    std::string tga(18, '\0');
    tga[2] = 2, tga[12] = '\x20', tga[13] = '\x4e', tga[14] = '\x20', tga[15] = '\x4e', tga[16] = 24;
    GF_CHECK_CONTAINS(error_of([&] { decode_string(tga, 3, "big.tga"); }), "not a PNG or JPEG image");
  }

  TEST_CASE("zero sizes and pixel counts beyond the limit are refused before decoding") {
    // A PNG header of width 0 (BMP width 0 once became a (3, H, 0) tensor).
    std::string zero_width = png16({}, 4, 0, 1);
    GF_CHECK_CONTAINS(error_of([&] { decode_string(zero_width, 3, "flat.png"); }), "size of 0x4");
    // 20000 x 20000 claimed by the header alone, no pixel data behind it.
    std::string huge = png16({0, 0, 0, 0}, 2, 2, 1);
    for (int i = 0; i < 2; ++i) {  // width and height fields of IHDR, big-endian 20000
      huge[16 + 4 * i] = 0, huge[17 + 4 * i] = 0, huge[18 + 4 * i] = '\x4e', huge[19 + 4 * i] = '\x20';
    }
    const std::string message = error_of([&] { decode_string(huge.substr(0, 33), 3, "huge.png"); });
    GF_CHECK_CONTAINS(message, "claims 20000x20000 = 4e+08 pixels, more than the limit of 268435456");
  }

  TEST_CASE("make_grid tiles a batch like torchvision, pad pixels included") {
    Rng g(2);
    struct Case {
      std::int64_t n, c, h, w, nrow, padding;
      double pad_value;
      Shape expected;
    };
    for (const Case& k : {Case{5, 3, 4, 3, 2, 1, 0.5, {3, 16, 9}}, Case{3, 1, 2, 5, 8, 2, 1.0, {1, 6, 23}},
                          Case{4, 2, 3, 3, 2, 0, 0.0, {2, 6, 6}}, Case{1, 4, 2, 2, 3, 3, 0.25, {4, 8, 8}}}) {
      CAPTURE(k.n);
      const Tensor batch = rand({k.n, k.c, k.h, k.w}, {}, &g);
      const Tensor grid = io::make_grid(batch, k.nrow, k.padding, k.pad_value);
      REQUIRE(grid.shape() == k.expected);

      // Naive reference: pad everywhere, then paste image i at row i / cols, column i % cols.
      const std::int64_t cols = std::min(k.nrow, k.n), gh = grid.size(1), gw = grid.size(2);
      std::vector<float> ref(static_cast<std::size_t>(grid.numel()), static_cast<float>(k.pad_value));
      const auto b = batch.to_vector<float>();
      for (std::int64_t i = 0; i < k.n; ++i)
        for (std::int64_t c = 0; c < k.c; ++c)
          for (std::int64_t y = 0; y < k.h; ++y)
            for (std::int64_t x = 0; x < k.w; ++x) {
              const std::int64_t gy = k.padding + (i / cols) * (k.h + k.padding) + y;
              const std::int64_t gx = k.padding + (i % cols) * (k.w + k.padding) + x;
              ref[static_cast<std::size_t>((c * gh + gy) * gw + gx)] = b[static_cast<std::size_t>(((i * k.c + c) * k.h + y) * k.w + x)];
            }
      CHECK(grid.to_vector<float>() == ref);
    }
    GF_CHECK_CONTAINS(error_of([] { io::make_grid(zeros({3, 4, 4})); }), "expected a batch (N, C, H, W), got shape (3, 4, 4)");
    GF_CHECK_CONTAINS(error_of([] { io::make_grid(zeros({2, 1, 4, 4}), 0); }), "nrow must be at least 1");
    GF_CHECK_CONTAINS(error_of([] { io::make_grid(zeros({0, 1, 4, 4})); }), "holds no images");
  }

  TEST_CASE("save_image_grid writes the grid as an image") {
    test::TempDir dir("image");
    Rng g(4);
    const Tensor batch = quantised_image({6, 3, 5, 4}, g);
    io::save_image_grid(dir.file("grid.png"), batch, 4, 2, 1.0);
    GF_CHECK_CLOSE(io::read_image(dir.file("grid.png")), io::make_grid(batch, 4, 2, 1.0), 0.0, 1e-7);
  }

  TEST_CASE("unreadable files are gf::Errors naming the file and the reason") {
    test::TempDir dir("image");
    const std::string missing = error_of([&] { io::read_image(dir.file("nope.png")); });
    GF_CHECK_CONTAINS(missing, "read_image: cannot read '" + dir.file("nope.png") + "'");
    GF_CHECK_CONTAINS(missing, "No such file or directory");

    test::write_bytes(dir.file("empty.png"), "");
    GF_CHECK_CONTAINS(error_of([&] { io::read_image(dir.file("empty.png")); }),
                      "read_image: '" + dir.file("empty.png") + "': empty (0 bytes)");

    test::write_bytes(dir.file("notes.png"), "these are not the pixels you are looking for");
    GF_CHECK_CONTAINS(error_of([&] { io::read_image(dir.file("notes.png")); }),
                      "'" + dir.file("notes.png") + "': not a PNG or JPEG image");

    const std::string png = io::encode_png(rand({3, 16, 16}));
    test::write_bytes(dir.file("half.png"), png.substr(0, png.size() / 2));
    const std::string half = error_of([&] { io::read_image(dir.file("half.png")); });
    GF_CHECK_CONTAINS(half, "read_image: '" + dir.file("half.png") + "': not a valid PNG");

    // Without its IEND chunk the file is truncated too.
    GF_CHECK_CONTAINS(error_of([&] { decode_string(png.substr(0, png.size() - 12), 0, "upload.png"); }),
                      "decode_image: 'upload.png': not a valid PNG");
    std::string damaged = png;
    for (std::size_t i = 40; i < damaged.size(); i += 7) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    GF_CHECK_CONTAINS(error_of([&] { decode_string(damaged, 0, "upload.png"); }), "'upload.png': not a valid PNG");
  }

  TEST_CASE("writing refuses unknown formats and shapes, and never leaves a partial file") {
    test::TempDir dir("image");
    const Tensor image = rand({3, 4, 4});
    GF_CHECK_CONTAINS(error_of([&] { io::write_image(dir.file("x.gif"), image); }), "extension '.gif'");
    GF_CHECK_CONTAINS(error_of([&] { io::write_image(dir.file("x"), image); }), "use .png, .jpg or .jpeg");
    GF_CHECK_CONTAINS(error_of([&] { io::write_image(dir.file("x.jpg"), image, 0); }), "jpeg_quality must be in 1..100, got 0");
    GF_CHECK_CONTAINS(error_of([&] { io::write_image(dir.file("x.png"), rand({2, 4, 4})); }),
                      "expected 1 (gray), 3 (RGB) or 4 (RGBA) channels, got shape (2, 4, 4)");
    GF_CHECK_CONTAINS(error_of([&] { io::encode_png(rand({1, 3, 4, 4})); }), "encode_png: expected an image (C, H, W) or (H, W)");
    GF_CHECK_CONTAINS(error_of([&] { io::encode_png(rand({3, 0, 4})); }), "cannot encode an image of shape (3, 0, 4)");
    const std::string nowhere = dir.file("no_dir/x.png");
    GF_CHECK_CONTAINS(error_of([&] { io::write_image(nowhere, image); }), "write_image");
    CHECK(std::filesystem::is_empty(dir.path()));
  }
}
