// ImageFolder: recursive sorted scan, class sub-folders, broken files skipped
// and counted, and a loader on top.
#include <filesystem>

#include "gf/data/image_folder.hpp"
#include "gf/data/loader.hpp"
#include "gf/io/image.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using namespace gf::data;
using gf::test::error_of;
using gf::test::TempDir;
using gf::test::write_bytes;

namespace {

// A (C, H, W) image whose values are multiples of 1/255 (exact through PNG),
// different for each `tag`.
Tensor pattern(std::int64_t c, std::int64_t h, std::int64_t w, int tag) {
  std::vector<float> v(static_cast<std::size_t>(c * h * w));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7 + tag * 40) % 256) / 255.0f;
  return from_vector<float>(v, {c, h, w});
}

// pets/cat/{1.png, 2.PNG}, pets/dog/deep/a.png, pets/dog/b.jpg, a broken
// file, a text file, and an image directly in pets/.
void make_pets(const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "cat");
  std::filesystem::create_directories(root / "dog" / "deep");
  io::write_image((root / "cat" / "1.png").string(), pattern(3, 4, 5, 1));
  io::write_image((root / "cat" / "2.PNG").string(), pattern(3, 4, 5, 2));
  io::write_image((root / "dog" / "deep" / "a.png").string(), pattern(1, 4, 5, 3));
  io::write_image((root / "dog" / "b.jpg").string(), pattern(3, 4, 5, 4));
  write_bytes((root / "dog" / "broken.png").string(), "\x89PNG\r\n\x1a\n this is not really a png");
  write_bytes((root / "cat" / "notes.txt").string(), "not an image at all");
  io::write_image((root / "loose.png").string(), pattern(3, 4, 5, 5));
}


}  // namespace

TEST_SUITE("image_folder") {
  TEST_CASE("every image below the root, sorted; broken files skipped and counted") {
    TempDir dir("folder");
    make_pets(dir.path());
    const ImageFolder folder(dir.path().string());
    CHECK(folder.size() == 5);
    const auto root = dir.path();
    CHECK(folder.paths() == std::vector<std::string>{(root / "cat/1.png").string(), (root / "cat/2.PNG").string(),
                                                     (root / "dog/b.jpg").string(), (root / "dog/deep/a.png").string(),
                                                     (root / "loose.png").string()});
    REQUIRE(folder.skipped().size() == 1);
    CHECK(folder.skipped()[0].path == (root / "dog/broken.png").string());
    GF_CHECK_CONTAINS(folder.skipped()[0].reason, "broken.png");
    CHECK(folder.class_names().empty());

    const Example first = folder.get(0);
    CHECK(first.label == -1);
    GF_CHECK_CLOSE(first.image, pattern(3, 4, 5, 1), 0, 1e-6);
    // The gray PNG comes back with the 3 channels asked for.
    const Example gray = folder.get(3);
    CHECK(gray.image.shape() == Shape{3, 4, 5});
    GF_CHECK_CLOSE(gray.image.select(0, 2), pattern(1, 4, 5, 3).select(0, 0), 0, 1e-6);
    // JPEG is lossy: close, not equal.
    GF_CHECK_CLOSE(folder.get(2).image, pattern(3, 4, 5, 4), 0, 0.25);
    GF_CHECK_CONTAINS(error_of([&] { folder.get(5); }), "index 5 out of range for 5 images");

    const ImageFolder gray_folder(dir.path().string(), {.channels = 1});
    CHECK(gray_folder.get(0).image.shape() == Shape{1, 4, 5});
  }

  TEST_CASE("classes from the immediate sub-folders, sorted") {
    TempDir dir("folder_classes");
    make_pets(dir.path());
    const ImageFolder folder(dir.path().string(), {.classes = true});
    CHECK(folder.class_names() == std::vector<std::string>{"cat", "dog"});
    CHECK(folder.size() == 4);
    std::vector<std::int64_t> labels;
    for (std::int64_t i = 0; i < folder.size(); ++i) labels.push_back(folder.get(i).label);
    CHECK(labels == std::vector<std::int64_t>{0, 0, 1, 1});
    // The loose file has no class; it is skipped, like the broken one.
    REQUIRE(folder.skipped().size() == 2);
    CHECK(folder.skipped()[1].path == (dir.path() / "loose.png").string());
    CHECK(folder.skipped()[1].reason == "not inside a class folder");
    CHECK(find_class(folder.class_names(), "Dogs") == 1);
  }

  TEST_CASE("a loader over a folder with a resize transform") {
    TempDir dir("folder_loader");
    io::write_image(dir.file("a.png"), pattern(3, 6, 9, 1));
    io::write_image(dir.file("b.png"), pattern(3, 10, 4, 2));
    io::write_image(dir.file("c.png"), pattern(3, 5, 7, 3));
    write_bytes(dir.file("d.bmp"), "BM: not read, only PNG and JPEG are");
    auto folder = std::make_shared<ImageFolder>(dir.path().string());
    CHECK(folder->size() == 3);
    CHECK(folder->skipped().empty());
    GF_CHECK_CLOSE(folder->get(2).image, pattern(3, 5, 7, 3), 0, 1e-6);
    const DataLoader loader(folder, {.batch_size = 2, .seed = 1, .transform = transforms::resize_center_crop(4)});
    const auto batch = loader.epoch(0).next();
    REQUIRE(batch.has_value());
    CHECK(batch->images.shape() == Shape{2, 3, 4, 4});
    CHECK(batch->labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{-1, -1});
  }

  TEST_CASE("images smaller than min_side are skipped with the size, the minimum and why") {
    TempDir dir("folder_small");
    io::write_image(dir.file("big.png"), pattern(3, 16, 20, 1));
    io::write_image(dir.file("tall.png"), pattern(3, 20, 15, 2));
    const ImageFolder folder(dir.path().string(), {.channels = 3, .min_side = 16, .min_side_why = "four halvings"});
    CHECK(folder.size() == 1);
    GF_CHECK_CONTAINS(folder.paths()[0], "big.png");
    REQUIRE(folder.skipped().size() == 1);
    GF_CHECK_CONTAINS(folder.skipped()[0].path, "tall.png");
    CHECK(folder.skipped()[0].reason == "the image is 15x20, smaller than the 16x16 minimum (four halvings)");
  }

  TEST_CASE("a folder with nothing readable, or no folder, is an error") {
    TempDir dir("folder_empty");
    std::string msg = error_of([&] { ImageFolder(dir.path().string()); });
    GF_CHECK_CONTAINS(msg, "no readable image");
    GF_CHECK_CONTAINS(msg, dir.path().string());
    write_bytes(dir.file("x.jpg"), "garbage");
    msg = error_of([&] { ImageFolder(dir.path().string()); });
    GF_CHECK_CONTAINS(msg, "no readable image");
    GF_CHECK_CONTAINS(msg, "1 files skipped");
    GF_CHECK_CONTAINS(error_of([&] { ImageFolder(dir.file("missing")); }), "is not a directory");
    GF_CHECK_CONTAINS(error_of([&] { ImageFolder(dir.path().string(), {.channels = 2}); }),
                      "channels must be 1, 3 or 4");
  }
}
