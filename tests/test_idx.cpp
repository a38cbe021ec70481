// IDX files (plain and gzip), the MNIST-format dataset, class lookup, and the
// real Fashion-MNIST when the Debian package is installed.
#include <filesystem>

#include "gf/data/idx.hpp"
#include "gf/data/mnist.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using namespace gf::data;
using gf::test::error_of;
using gf::test::TempDir;
using gf::test::write_bytes;

namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// An unsigned-byte IDX file: magic, big-endian dims, then `values`.
std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& values) {
  std::string out;
  put_u32(out, 0x0800u | static_cast<std::uint32_t>(dims.size()));
  for (auto d : dims) put_u32(out, d);
  out.append(values.begin(), values.end());
  return out;
}

// CRC-32 as gzip defines it (reflected polynomial 0xEDB88320), bit by bit.
std::uint32_t crc32(const std::string& data) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A gzip file holding `data` in uncompressed ("stored") deflate blocks:
// written by hand so the reader is checked against an independent writer.
std::string gzip_stored(const std::string& data) {
  std::string out{'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', '\0', '\xff'};  // magic, deflate, no flags
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + n == data.size();
    out += static_cast<char>(last ? 1 : 0);  // BFINAL, BTYPE = 00 (stored)
    out += static_cast<char>(n & 0xff);       // LEN, little-endian
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(~n & 0xff);      // NLEN = ~LEN
    out += static_cast<char>((~n >> 8) & 0xff);
    out.append(data, pos, n);
    pos += n;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
  for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((crc >> shift) & 0xff);
  for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((size >> shift) & 0xff);
  return out;
}

// Three 2x3 images whose pixel k of image i is 10 * i + k, and labels 2, 0, 1.
const std::vector<std::uint8_t> kPixels{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 255};
const std::vector<std::uint8_t> kLabels{2, 0, 1};

}  // namespace

TEST_SUITE("idx") {
  TEST_CASE("plain and gzipped IDX files read the same images and labels") {
    TempDir dir("idx");
    const std::string images = idx_bytes({3, 2, 3}, kPixels), labels = idx_bytes({3}, kLabels);
    write_bytes(dir.file("images"), images);
    write_bytes(dir.file("labels"), labels);
    write_bytes(dir.file("images.gz"), gzip_stored(images));
    write_bytes(dir.file("labels.gz"), gzip_stored(labels));

    for (const std::string suffix : {"", ".gz"}) {
      CAPTURE(suffix);
      const IdxArray raw = read_idx_images_u8(dir.file("images" + suffix));
      CHECK(raw.dims == std::vector<std::int64_t>{3, 2, 3});
      CHECK(raw.bytes == kPixels);

      const Tensor x = read_idx_images(dir.file("images" + suffix));
      CHECK(x.shape() == Shape{3, 1, 2, 3});
      CHECK(x.dtype() == DType::kFloat32);
      const auto v = x.to_vector<float>();
      for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == static_cast<float>(kPixels[i]) / 255.0f);

      const Tensor y = read_idx_labels(dir.file("labels" + suffix));
      CHECK(y.shape() == Shape{3});
      CHECK(y.dtype() == DType::kInt64);
      CHECK(y.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 0, 1});
    }
  }

  TEST_CASE("a gzip file larger than one stored block") {
    TempDir dir("idx_big");
    std::vector<std::uint8_t> pixels(5 * 100 * 200);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7 % 251);
    write_bytes(dir.file("big.gz"), gzip_stored(idx_bytes({5, 100, 200}, pixels)));
    CHECK(read_idx_images_u8(dir.file("big.gz")).bytes == pixels);
  }

  TEST_CASE("damaged files give errors that name the file") {
    TempDir dir("idx_bad");
    const std::string images = idx_bytes({3, 2, 3}, kPixels);

    const std::string missing = dir.file("nope-idx3-ubyte");
    std::string msg = error_of([&] { read_idx_images(missing); });
    GF_CHECK_CONTAINS(msg, missing);
    GF_CHECK_CONTAINS(msg, "no such file");

    // Truncated: the header promises 18 pixel bytes, the file holds 10.
    write_bytes(dir.file("short"), images.substr(0, 16 + 10));
    msg = error_of([&] { read_idx_images(dir.file("short")); });
    GF_CHECK_CONTAINS(msg, dir.file("short"));
    GF_CHECK_CONTAINS(msg, "truncated");
    GF_CHECK_CONTAINS(msg, "3 x 2 x 3 = 18 bytes");
    GF_CHECK_CONTAINS(msg, "holds 10");

    write_bytes(dir.file("header_only"), images.substr(0, 6));
    GF_CHECK_CONTAINS(error_of([&] { read_idx_images(dir.file("header_only")); }), "truncated inside the header");
    write_bytes(dir.file("empty"), "");
    GF_CHECK_CONTAINS(error_of([&] { read_idx_labels(dir.file("empty")); }), "truncated");

    // A gzip stream cut short is truncated too.
    const std::string gz = gzip_stored(images);
    write_bytes(dir.file("short.gz"), gz.substr(0, gz.size() - 14));
    msg = error_of([&] { read_idx_images(dir.file("short.gz")); });
    GF_CHECK_CONTAINS(msg, dir.file("short.gz"));
    GF_CHECK_CONTAINS(msg, "truncated");

    // Bad magic: a labels file where images are expected, and the reverse.
    write_bytes(dir.file("labels"), idx_bytes({3}, kLabels));
    msg = error_of([&] { read_idx_images(dir.file("labels")); });
    GF_CHECK_CONTAINS(msg, dir.file("labels"));
    GF_CHECK_CONTAINS(msg, "bad magic number 0x00000801, expected 0x00000803");
    write_bytes(dir.file("images"), images);
    GF_CHECK_CONTAINS(error_of([&] { read_idx_labels(dir.file("images")); }), "bad magic number 0x00000803");
    write_bytes(dir.file("text"), "hello, world, not an IDX file");
    GF_CHECK_CONTAINS(error_of([&] { read_idx_images(dir.file("text")); }), "bad magic");

    // Corrupt gzip: one changed payload byte fails the CRC; a broken block
    // header fails inflate itself.
    std::string flipped = gz;
    flipped[gz.size() - 8 - 3] ^= 0x40;
    write_bytes(dir.file("crc.gz"), flipped);
    msg = error_of([&] { read_idx_images(dir.file("crc.gz")); });
    GF_CHECK_CONTAINS(msg, dir.file("crc.gz"));
    GF_CHECK_CONTAINS(msg, "corrupt gzip data");
    std::string bad_block = gz;
    bad_block[13] ^= 0x01;  // NLEN no longer complements LEN
    write_bytes(dir.file("block.gz"), bad_block);
    GF_CHECK_CONTAINS(error_of([&] { read_idx_images(dir.file("block.gz")); }), "corrupt gzip data");

    // More data than the header describes.
    write_bytes(dir.file("long"), images + "xyz");
    GF_CHECK_CONTAINS(error_of([&] { read_idx_images(dir.file("long")); }), "longer than its header");

    // Issue 12: 4 x 2^31 x 2^31 wrapped to 0 bytes in int64, the 16-byte file
    // was accepted and MnistDataset::get wrote into a 0-byte buffer.
    write_bytes(dir.file("wrap"), idx_bytes({4, 0x80000000u, 0x80000000u}, {}));
    msg = error_of([&] { read_idx_images(dir.file("wrap")); });
    GF_CHECK_CONTAINS(msg, dir.file("wrap"));
    GF_CHECK_CONTAINS(msg, "4 x 2147483648 x 2147483648");
    GF_CHECK_CONTAINS(msg, "overflows a 64-bit size");
  }

  TEST_CASE("MnistDataset finds gzipped or plain files and checks the counts") {
    TempDir dir("mnist");
    write_bytes(dir.file("train-images-idx3-ubyte.gz"), gzip_stored(idx_bytes({3, 2, 3}, kPixels)));
    write_bytes(dir.file("train-labels-idx1-ubyte"), idx_bytes({3}, kLabels));

    const MnistDataset train(dir.path().string(), Split::kTrain);
    CHECK(train.size() == 3);
    CHECK(train.rows() == 2);
    CHECK(train.cols() == 3);
    CHECK(train.images_path() == dir.file("train-images-idx3-ubyte.gz"));
    CHECK(train.labels() == std::vector<std::int64_t>{2, 0, 1});
    CHECK(train.class_names() == mnist_classes());
    const Example ex = train.get(2);
    CHECK(ex.image.shape() == Shape{1, 2, 3});
    CHECK(ex.label == 1);
    CHECK(ex.image.to_vector<float>()[5] == 1.0f);
    CHECK(ex.image.to_vector<float>()[1] == 21.0f / 255.0f);
    GF_CHECK_CONTAINS(error_of([&] { train.get(3); }), "index 3 out of range for 3");

    // The test split is missing: the error names the file it looked for.
    std::string msg = error_of([&] { MnistDataset(dir.path().string(), Split::kTest); });
    GF_CHECK_CONTAINS(msg, dir.file("t10k-images-idx3-ubyte.gz"));
    GF_CHECK_CONTAINS(msg, "missing file");

    // Four labels for three images.
    write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({3, 2, 3}, kPixels));
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({4}, {0, 1, 2, 3}));
    msg = error_of([&] { MnistDataset(dir.path().string(), Split::kTest); });
    GF_CHECK_CONTAINS(msg, "holds 3 images but");
    GF_CHECK_CONTAINS(msg, dir.file("t10k-labels-idx1-ubyte"));
    GF_CHECK_CONTAINS(msg, "holds 4 labels");

    // A label beyond the class list.
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({3}, {0, 1, 12}));
    GF_CHECK_CONTAINS(error_of([&] { MnistDataset(dir.path().string(), Split::kTest); }), "label 12 at index 2");

    // Images of zero width, and no images at all.
    write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({3, 2, 0}, {}));
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({3}, kLabels));
    msg = error_of([&] { MnistDataset(dir.path().string(), Split::kTest); });
    GF_CHECK_CONTAINS(msg, "holds 3 images of 2 x 0 pixels");
    write_bytes(dir.file("t10k-images-idx3-ubyte"), idx_bytes({0, 2, 3}, {}));
    write_bytes(dir.file("t10k-labels-idx1-ubyte"), idx_bytes({0}, {}));
    GF_CHECK_CONTAINS(error_of([&] { MnistDataset(dir.path().string(), Split::kTest); }), "holds 0 images");

    GF_CHECK_CONTAINS(error_of([&] { FashionMnist(Split::kTrain, dir.file("no_such_dir")); }), "does not exist");
  }

  TEST_CASE("class lookup forgives case, spaces, plurals and '/' alternatives") {
    const auto& names = fashion_mnist_classes();
    REQUIRE(names.size() == 10);
    CHECK(names[0] == "T-shirt/top");
    CHECK(names[9] == "Ankle boot");
    CHECK(find_class(names, "sneaker") == 7);
    CHECK(find_class(names, "Sneakers") == 7);
    CHECK(find_class(names, "SNEAKER") == 7);
    CHECK(find_class(names, "ankle boots") == 9);
    CHECK(find_class(names, "ankle-boot") == 9);
    CHECK(find_class(names, "t-shirt") == 0);
    CHECK(find_class(names, "tshirts") == 0);
    CHECK(find_class(names, "top") == 0);
    CHECK(find_class(names, "T-shirt/top") == 0);
    CHECK(find_class(names, "dresses") == 3);
    CHECK(find_class(names, "dress") == 3);
    CHECK(find_class(names, "trousers") == 1);
    CHECK(find_class(names, "bags") == 8);
    CHECK(find_class(names, "4") == 4);
    CHECK(find_class(mnist_classes(), "7") == 7);
    const std::string msg = error_of([&] { find_class(names, "hat"); });
    GF_CHECK_CONTAINS(msg, "no class named \"hat\"");
    GF_CHECK_CONTAINS(msg, "7 Sneaker");
    CHECK_THROWS_AS(find_class(names, "10"), gf::Error);
    CHECK_THROWS_AS(find_class(names, ""), gf::Error);
  }

  TEST_CASE("the real Fashion-MNIST (Debian package dataset-fashion-mnist)") {
    if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
      MESSAGE("skipped: ", kFashionMnistDir, " not found (apt-get install dataset-fashion-mnist)");
      return;
    }
    const FashionMnist train(Split::kTrain);
    CHECK(train.size() == 60000);
    CHECK(train.rows() == 28);
    CHECK(train.cols() == 28);
    CHECK(train.labels()[0] == 9);  // the first training image is an ankle boot
    CHECK(train.class_names()[static_cast<std::size_t>(train.labels()[0])] == "Ankle boot");
    std::vector<std::int64_t> per_class(10, 0);
    for (auto l : train.labels()) ++per_class[static_cast<std::size_t>(l)];
    CHECK(per_class == std::vector<std::int64_t>(10, 6000));

    const auto pixels = train.get(0).image.to_vector<float>();
    const auto [lo, hi] = std::minmax_element(pixels.begin(), pixels.end());
    CHECK(*lo == 0.0f);
    CHECK(*hi == 1.0f);

    const FashionMnist test(Split::kTest);
    CHECK(test.size() == 10000);
  }
}
