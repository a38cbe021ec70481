// The stylize program end to end on tiny generated images: the offline
// default, Gatys on a random VGG, fusion and colour preservation, and its
// error messages.
#include "gf/image/color.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"
#include "program_helpers.hpp"

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace gf;

namespace {

// content.png: a 40x30 colour gradient; style.png: 32x32 stripes.
void write_inputs(const test::TempDir& dir) {
  Tensor c = zeros({3, 30, 40});
  for (std::int64_t j = 0; j < 40; ++j) c.narrow(2, j, 1).narrow(0, 0, 1).fill_(static_cast<double>(j) / 40.0);
  for (std::int64_t i = 0; i < 30; ++i) c.narrow(1, i, 1).narrow(0, 1, 1).fill_(static_cast<double>(i) / 30.0);
  io::write_image(dir.file("content.png"), c);
  Tensor s = full({3, 32, 32}, 0.15);
  for (std::int64_t j = 0; j + 3 <= 32; j += 6) s.narrow(2, j, 3).narrow(0, 0, 1).fill_(0.95);
  io::write_image(dir.file("style.png"), s);
  std::ofstream(dir.file("broken.png")) << "not an image";
}

}  // namespace

TEST_SUITE("programs") {
  TEST_CASE("stylize: offline patch-GAN default, with fusion and colour preservation" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir dir("stylize");
    write_inputs(dir);
    const std::string common = "--content " + dir.file("content.png") + " --style " + dir.file("style.png") +
                               " --size 40 --steps 3";
    REQUIRE(test::run_program("stylize", common + " --out " + dir.file("out.png"), dir.path() / "log1.txt") == 0);
    const std::string log = test::read_bytes(dir.file("log1.txt"));
    GF_CHECK_CONTAINS(log, "feature network: none");
    GF_CHECK_CONTAINS(log, "luminance SSIM to the content");
    const Tensor out = io::read_image(dir.file("out.png"));
    CHECK(out.shape() == Shape{3, 30, 40});

    REQUIRE(test::run_program("stylize", common + " --fuse pyramid --preserve-color --out " + dir.file("fused.jpg"),
                              dir.path() / "log2.txt") == 0);
    CHECK(io::read_image(dir.file("fused.jpg")).shape() == Shape{3, 30, 40});
  }

  TEST_CASE("stylize --method reinhard: the style's colour statistics, the photo's structure" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir dir("stylize_reinhard");
    write_inputs(dir);
    REQUIRE(test::run_program("stylize",
                              "--method reinhard --size 40 --content " + dir.file("content.png") + " --style " +
                                  dir.file("style.png") + " --out " + dir.file("r.png"),
                              dir.path() / "log.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes(dir.file("log.txt")), "colour statistics only");
    const Tensor out = io::read_image(dir.file("r.png"), 3), content = io::read_image(dir.file("content.png"), 3);
    const Tensor style = io::read_image(dir.file("style.png"), 3);
    CHECK(out.shape() == content.shape());
    // Exact but for 8-bit rounding and the clamp to [0, 1] (the stripes' wide
    // spread pushes the gradient's ends out of range): far closer than the photo.
    CHECK(image::color_stats_distance(out, style).item() < 0.08);
    CHECK(image::color_stats_distance(content, style).item() > 0.3);
  }

  TEST_CASE("stylize: Gatys on a random VGG-19 says what to expect" * doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir dir("stylize_gatys");
    write_inputs(dir);
    REQUIRE(test::run_program("stylize",
                              "--method gatys --optimizer adam --steps 2 --size 32 --content " + dir.file("content.png") +
                                  " --style " + dir.file("style.png") + " --style " + dir.file("style.png") +
                                  " --style-weight 1 --style-weight 2 --out " + dir.file("g.png"),
                              dir.path() / "log.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes(dir.file("log.txt")), "RANDOM weights");
    CHECK(fs::exists(dir.file("g.png")));
  }

  TEST_CASE("stylize: clear errors, exit code 1" * doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir dir("stylize_errors");
    write_inputs(dir);
    const std::string style = " --style " + dir.file("style.png");
    auto fails_with = [&](const std::string& args, const std::string& part) {
      const fs::path log = dir.path() / "err.txt";
      CHECK(test::run_program("stylize", args, log) == 1);
      GF_CHECK_CONTAINS(test::read_bytes(log.string()), part);
    };
    fails_with("--content " + dir.file("broken.png") + style, "broken.png");
    fails_with("--content " + dir.file("nowhere.png") + style, "nowhere.png");
    fails_with("--content " + dir.file("content.png") + style + " --vgg-weights " + dir.file("missing.safetensors"),
               "no weights file");
    fails_with("--content " + dir.file("content.png") + style + " --vgg-weights " + dir.file("style.png"),
               "style.png");
    fails_with("--content " + dir.file("content.png") + style + " --size 16384", "use a smaller --size");
    fails_with("--content " + dir.file("content.png") + style + " --style-weight 1 --style-weight 2", "--style-weight");
    // Asking for a GPU where there is none names the device.
    if (!cuda_is_available()) fails_with("--content " + dir.file("content.png") + style + " --device cuda", "cuda:0");
  }
}
