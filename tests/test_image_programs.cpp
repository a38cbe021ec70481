// The image programs end to end on small images the test writes: blend
// (weighted and pyramid fusion, resizing, masks, post-processing, errors) and image_metrics
// (text and JSON output agreeing with the library, errors).
#include "helpers.hpp"
#include "io_helpers.hpp"
#include "program_helpers.hpp"
#include "gf/data/transforms.hpp"
#include "gf/image/color.hpp"
#include "gf/metrics/ssim.hpp"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;
using namespace gf;

namespace {

// A smooth colour pattern (3, h, w) with some structure for SSIM to see.
Tensor pattern(std::int64_t h, std::int64_t w, double phase) {
  std::vector<float> v;
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = 0; i < h; ++i)
      for (std::int64_t j = 0; j < w; ++j)
        v.push_back(static_cast<float>(0.5 + 0.4 * std::sin(phase + 0.35 * static_cast<double>(i) * (c + 1)) *
                                                 std::cos(0.25 * static_cast<double>(j) - phase)));
  return from_vector<float>(v, {3, h, w});
}

// The number after "key": in a one-line JSON object ("null" reads as NaN).
double json_value(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\": ");
  REQUIRE_MESSAGE(at != std::string::npos, key, " not in ", json);
  const std::string rest = json.substr(at + key.size() + 4);
  if (rest.rfind("null", 0) == 0) return std::nan("");
  return std::strtod(rest.c_str(), nullptr);
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(a - b)).item(); }

}  // namespace

TEST_SUITE("programs") {
  TEST_CASE("blend fuses by weight or pyramid, resizes the stylised image, honours a mask" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("blend");
    const fs::path& dir = scratch.path();
    const std::string content = (dir / "content.png").string(), stylised = (dir / "stylised.png").string();
    io::write_image(content, pattern(24, 32, 0.0));
    io::write_image(stylised, pattern(20, 28, 1.3));  // a different size: blend resizes it
    Tensor half = zeros({1, 24, 32});
    half.narrow(2, 0, 16).fill_(1.0);
    io::write_image((dir / "mask.png").string(), half);
    io::write_image((dir / "small_mask.png").string(), zeros({1, 10, 10}));
    const std::string both = "--content " + content + " --stylised " + stylised;
    const Tensor c = io::read_image(content, 3);

    REQUIRE(test::run_program("blend", both + " --out " + (dir / "fused.png").string(), dir / "log1.txt") == 0);
    const std::string log1 = test::read_bytes((dir / "log1.txt").string());
    GF_CHECK_CONTAINS(log1, "resizing the stylised image from 28x20 to 32x24");
    GF_CHECK_CONTAINS(log1, "luminance SSIM to the content");
    const Tensor fused = io::read_image((dir / "fused.png").string());
    CHECK(fused.shape() == Shape{3, 24, 32});
    CHECK(max_abs_diff(fused, c) > 0.05);  // the style's coarse bands changed it

    // alpha 0 keeps the content (weighted) and a black mask keeps it too (pyramid).
    REQUIRE(test::run_program("blend", both + " --mode weighted --alpha 0 --out " + (dir / "w0.jpg").string(),
                              dir / "log2.txt") == 0);
    CHECK(io::read_image((dir / "w0.jpg").string()).shape() == Shape{3, 24, 32});
    REQUIRE(test::run_program("blend", both + " --mode weighted --alpha 0 --out " + (dir / "w0.png").string(),
                              dir / "log3.txt") == 0);
    CHECK(max_abs_diff(io::read_image((dir / "w0.png").string()), c) < 1e-6);
    io::write_image((dir / "black.png").string(), zeros({1, 24, 32}));
    REQUIRE(test::run_program("blend",
                              both + " --levels 9 --mask " + (dir / "black.png").string() + " --out " +
                                  (dir / "p0.png").string(),
                              dir / "log4.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "log4.txt").string()), "has at most 5 levels: using 5");
    CHECK(max_abs_diff(io::read_image((dir / "p0.png").string()), c) < 1.5 / 255);

    // A half mask: the content survives on the black side, far from the seam.
    REQUIRE(test::run_program("blend",
                              both + " --detail-levels 0 --levels 3 --mask " + (dir / "mask.png").string() +
                                  " --out " + (dir / "half.png").string(),
                              dir / "log5.txt") == 0);
    const Tensor half_out = io::read_image((dir / "half.png").string());
    CHECK(max_abs_diff(half_out.narrow(2, 28, 4), c.narrow(2, 28, 4)) < 0.03);
    CHECK(max_abs_diff(half_out.narrow(2, 0, 4), c.narrow(2, 0, 4)) > 0.05);

    // Errors: a clear message and exit code 1.
    CHECK(test::run_program("blend", both + " --mask " + (dir / "small_mask.png").string(), dir / "log6.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "log6.txt").string()),
                      "small_mask.png is 10x10, the content image is 32x24");
    CHECK(test::run_program("blend", "--content " + (dir / "nowhere.png").string() + " --stylised " + stylised,
                            dir / "log7.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "log7.txt").string()), "nowhere.png");
    CHECK(test::run_program("blend", both + " --detail-levels 7", dir / "log8.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "log8.txt").string()), "--detail-levels must be in [0, 5], got 7");

    // Post-processing only: --mode none leaves the (resized) stylised image,
    // --denoise and --sharpen change it and say so.
    REQUIRE(test::run_program("blend", both + " --mode none --out " + (dir / "none.png").string(), dir / "log9.txt") ==
            0);
    const Tensor resized = data::resize(io::read_image(stylised, 3), 24, 32);
    CHECK(max_abs_diff(io::read_image((dir / "none.png").string()), resized) < 1.5 / 255);
    REQUIRE(test::run_program("blend",
                              both + " --mode none --denoise 1 --sharpen 1.5 --out " + (dir / "post.png").string(),
                              dir / "log10.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "log10.txt").string()), "post-processing: denoise 1, sharpen 1.5");
    CHECK(max_abs_diff(io::read_image((dir / "post.png").string()), resized) > 0.01);
  }

  TEST_CASE("image_metrics prints SSIM, PSNR and the colour distance, as text or JSON" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("metrics");
    const fs::path& dir = scratch.path();
    const std::string a = (dir / "a.png").string(), b = (dir / "b.png").string();
    io::write_image(a, pattern(20, 26, 0.0));
    io::write_image(b, pattern(20, 26, 0.4));
    io::write_image((dir / "other_size.png").string(), pattern(21, 26, 0.0));

    REQUIRE(test::run_program("image_metrics", a + " " + b + " --json", dir / "json.txt") == 0);
    const std::string json = test::read_bytes((dir / "json.txt").string());
    const Tensor ta = io::read_image(a, 3), tb = io::read_image(b, 3);
    CHECK(json_value(json, "ssim_luminance") == doctest::Approx(metrics::ssim_luminance(ta, tb).item()).epsilon(1e-6));
    CHECK(json_value(json, "psnr_db") == doctest::Approx(metrics::psnr(ta, tb).item()).epsilon(1e-6));
    CHECK(json_value(json, "color_stats_distance") ==
          doctest::Approx(image::color_stats_distance(ta, tb).item()).epsilon(1e-6));
    GF_CHECK_CONTAINS(json, "\"ssim_rgb\": [");
    // b with a black 9x9 square: 5x5 = 25 of its 16 x 22 window centres are a flat saturated blob.
    Tensor blob = pattern(20, 26, 0.4);
    blob.narrow(1, 3, 9).narrow(2, 4, 9).fill_(0.0);
    const std::string c = (dir / "blob.png").string();
    io::write_image(c, blob);
    REQUIRE(test::run_program("image_metrics", a + " " + c + " --json", dir / "blob.txt") == 0);
    const std::string blob_json = test::read_bytes((dir / "blob.txt").string());
    const std::string pair = "\"flat_saturated_fraction\": [";
    const std::size_t at = blob_json.find(pair);
    REQUIRE(at != std::string::npos);
    char* rest = nullptr;
    CHECK(std::strtod(blob_json.c_str() + at + pair.size(), &rest) == 0.0);  // the smooth pattern a has none
    CHECK(std::strtod(rest + 1, nullptr) == doctest::Approx(25.0 / (16 * 22)).epsilon(1e-6));
    GF_CHECK_CONTAINS(json, "\"width\": 26");

    REQUIRE(test::run_program("image_metrics", a + " " + a, dir / "text.txt") == 0);
    const std::string text = test::read_bytes((dir / "text.txt").string());
    GF_CHECK_CONTAINS(text, "SSIM luminance (Rec. 601 Y)      1.0000");
    GF_CHECK_CONTAINS(text, "SSIM per channel (R G B)         1.0000 1.0000 1.0000");
    GF_CHECK_CONTAINS(text, "inf dB");
    REQUIRE(test::run_program("image_metrics", a + " " + a + " --json", dir / "same.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "same.txt").string()), "\"psnr_db\": null");

    // Different sizes (a result against its style picture): the colour distance only.
    REQUIRE(test::run_program("image_metrics", a + " " + (dir / "other_size.png").string() + " --json",
                              dir / "sizes.txt") == 0);
    const std::string sizes = test::read_bytes((dir / "sizes.txt").string());
    GF_CHECK_CONTAINS(sizes, "a.png is 26x20");
    GF_CHECK_CONTAINS(sizes, "only the colour distance");
    CHECK(json_value(sizes, "color_stats_distance") ==
          doctest::Approx(image::color_stats_distance(ta, io::read_image((dir / "other_size.png").string(), 3)).item())
              .epsilon(1e-6));
    CHECK(sizes.find("ssim_luminance") == std::string::npos);
    CHECK(test::run_program("image_metrics", a + " " + (dir / "missing.png").string(), dir / "err2.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "err2.txt").string()), "missing.png");
  }
}
