// The flat saturated fraction (gf/metrics/flat_regions.hpp): counted by hand
// on pictures whose blobs are known, against a naive window-by-window count.
#include <array>

#include "helpers.hpp"
#include "io_helpers.hpp"
#include "gf/metrics/flat_regions.hpp"
#include "gf/ops/elementwise.hpp"

using namespace gf;

namespace {

// Noise in [0.2, 0.8] (never flat, never saturated) with a size x size square
// of `value` in every channel at (top, left): (3, H, W).
Tensor noise_with_square(std::int64_t H, std::int64_t W, std::int64_t top, std::int64_t left, std::int64_t size,
                         double value, Rng& g) {
  Tensor img = add(mul(rand({3, H, W}, {}, &g), 0.6), 0.2);
  img.narrow(1, top, size).narrow(2, left, size).fill_(value);
  return img;
}

// The definition, window by window.
double naive_fraction(const Tensor& img) {
  const std::int64_t C = img.size(0), H = img.size(1), W = img.size(2);
  const std::vector<double> v = img.contiguous().to_vector<double>();
  std::int64_t count = 0;
  for (std::int64_t y = 2; y < H - 2; ++y)
    for (std::int64_t x = 2; x < W - 2; ++x) {
      bool flat = true, saturated = false;
      for (std::int64_t c = 0; c < C; ++c) {
        double lo = 1e9, hi = -1e9;
        for (std::int64_t a = -2; a <= 2; ++a)
          for (std::int64_t b = -2; b <= 2; ++b) {
            const double p = v[static_cast<std::size_t>((c * H + y + a) * W + x + b)];
            lo = std::min(lo, p);
            hi = std::max(hi, p);
          }
        flat = flat && hi - lo <= 2.0 / 255;
        saturated = saturated || hi <= 0.5 / 255 || lo >= 254.5 / 255;
      }
      count += flat && saturated;
    }
  return static_cast<double>(count) / static_cast<double>((H - 4) * (W - 4));
}

}  // namespace

TEST_SUITE("flat_regions") {
  TEST_CASE("a black or white square counts the pixels whose 5x5 window lies inside it") {
    Rng g(3);
    for (const double value : {0.0, 1.0}) {
      const Tensor img = noise_with_square(20, 24, 5, 7, 10, value, g);
      // A 10x10 square holds 6x6 centres of 5x5 windows; 16 x 20 valid centres in all.
      CHECK(metrics::flat_saturated_fraction(img) == doctest::Approx(36.0 / (16 * 20)));
      CHECK(metrics::flat_saturated_fraction(img.unsqueeze(0)) == doctest::Approx(36.0 / (16 * 20)));
    }
  }

  TEST_CASE("flat but mid-grey, or saturated but textured, is not a blob") {
    Rng g(4);
    CHECK(metrics::flat_saturated_fraction(noise_with_square(20, 20, 2, 2, 12, 0.5, g)) == 0.0);
    Tensor textured_black = noise_with_square(20, 20, 0, 0, 20, 0.0, g);
    textured_black.select(0, 1).copy_(rand({20, 20}, {}, &g));  // red all 0, green noisy
    CHECK(metrics::flat_saturated_fraction(textured_black) == 0.0);
    // One saturated channel in a flat window is enough: a flat pure blue.
    Tensor blue = noise_with_square(20, 20, 0, 0, 20, 0.3, g);
    blue.select(0, 2).fill_(1.0);
    CHECK(metrics::flat_saturated_fraction(blue) == 1.0);
  }

  TEST_CASE("matches the window-by-window definition on random blocky pictures") {
    Rng g(5);
    double total = 0;
    for (int trial = 0; trial < 5; ++trial) {
      // 6 x 6 blocks, each channel of each block 0, 1 or 0.5 at random, some
      // blocks noisy: flat saturated windows inside blocks, mixed ones across.
      const std::int64_t C = 3, H = 19, W = 25;
      std::vector<double> block(C * 4 * 5);
      for (double& b : block) b = std::array<double, 6>{0.0, 0.0, 1.0, 1.0, 0.5, -1.0}[g.below(6)];
      std::vector<double> v(C * H * W);
      for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t y = 0; y < H; ++y)
          for (std::int64_t x = 0; x < W; ++x) {
            const double b = block[static_cast<std::size_t>((c * 4 + y / 6) * 5 + x / 6)];
            v[static_cast<std::size_t>((c * H + y) * W + x)] = b >= 0 ? b : g.uniform();  // -1: a noisy block
          }
      const Tensor img = from_vector<double>(v, {C, H, W});
      const double expected = naive_fraction(img);
      CHECK(metrics::flat_saturated_fraction(img) == doctest::Approx(expected));
      total += expected;
    }
    CHECK(total > 0);  // the pictures did hold blobs
  }

  TEST_CASE("coverage marks the blob's pixels, edges included, and nothing else") {
    Rng g(6);
    const Tensor img = noise_with_square(20, 24, 5, 7, 10, 0.0, g);
    Tensor expected = zeros({20, 24});
    expected.narrow(0, 5, 10).narrow(1, 7, 10).fill_(1.0);
    GF_CHECK_CLOSE(metrics::flat_saturated_coverage(img), expected, 0, 0);
    GF_CHECK_CLOSE(metrics::flat_saturated_coverage(img.unsqueeze(0)), expected, 0, 0);
    // The fraction is the share of window centres, the coverage the pixels those windows hold.
    CHECK(sum(metrics::flat_saturated_coverage(img)).item() == 100.0);
  }

  TEST_CASE("the near thresholds also count a blob lifted a few levels and given a faint texture") {
    Rng g(7);
    Tensor img = noise_with_square(20, 20, 4, 4, 12, 0.0, g);
    // The square at 2..6 / 255: off the clip and not flat to 2/255, yet black to the eye.
    img.narrow(1, 4, 12).narrow(2, 4, 12).copy_(add(mul(rand({3, 12, 12}, {}, &g), 4.0 / 255), 2.0 / 255));
    CHECK(metrics::flat_saturated_fraction(img) == 0.0);
    CHECK(metrics::flat_saturated_fraction(img, metrics::kNearFlatSaturated) == doctest::Approx(64.0 / (16 * 16)));
  }

  TEST_CASE("bad shapes are named") {
    GF_CHECK_CONTAINS(test::error_of([] { metrics::flat_saturated_fraction(zeros({3, 4, 9})); }), "H, W >= 5");
    GF_CHECK_CONTAINS(test::error_of([] { metrics::flat_saturated_fraction(zeros({2, 3, 9, 9})); }), "(2, 3, 9, 9)");
  }
}
