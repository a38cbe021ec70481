// restore_clipped_detail (gf/image/clipped_detail.hpp): against the formulas
// written out with naive loops in float64, and on pictures whose answer is
// known: no blob leaves the result alone, a black or white square over a
// textured photo takes the photo's texture, a flat photo gives nothing back.
#include <cmath>

#include "helpers.hpp"
#include "image_reference.hpp"
#include "io_helpers.hpp"
#include "gf/image/clipped_detail.hpp"
#include "gf/image/color.hpp"
#include "gf/metrics/flat_regions.hpp"

using namespace gf;
using test::Planes;

namespace {

// A photo with texture everywhere: a smooth gradient plus noise of amplitude
// `noise` (luminance std about noise / 6; 0.5 gives 0.09, well above the
// texture floor 0.02), values in [0, 1], (3, H, W).
Tensor textured_photo(std::int64_t H, std::int64_t W, Rng& g, double noise = 0.5) {
  const Tensor ramp = arange(0, static_cast<double>(W)).reshape({1, 1, W}) / static_cast<double>(2 * W);
  return add(add(mul(rand({3, H, W}, {}, &g), noise), ramp), 0.5 - noise);
}

// A result of flat mid-orange with a size x size square of `value` in every channel.
Tensor result_with_square(std::int64_t H, std::int64_t W, std::int64_t top, std::int64_t left, std::int64_t size,
                          double value) {
  Tensor r = zeros({3, H, W});
  r.select(0, 0).fill_(0.8);
  r.select(0, 1).fill_(0.45);
  r.select(0, 2).fill_(0.3);
  r.narrow(1, top, size).narrow(2, left, size).fill_(value);
  return r;
}

// The header's formulas, pixel by pixel, in float64: the coverage C by the
// window definition (near thresholds, 8/255), the blurs as full 2-D windows
// with reflected reads.
Tensor naive_restore(const Tensor& result, const Tensor& photo, double sigma, double lift, double floor, double ramp) {
  const Planes s = Planes::of(result), p = Planes::of(photo);
  const std::int64_t H = s.h, W = s.w;
  Planes cover{1, H, W, std::vector<double>(static_cast<std::size_t>(H * W), 0.0)};
  for (std::int64_t y = 0; y + 5 <= H; ++y)
    for (std::int64_t x = 0; x + 5 <= W; ++x) {
      bool flat = true, saturated = false;
      for (std::int64_t c = 0; c < 3; ++c) {
        double lo = 1e9, hi = -1e9;
        for (std::int64_t a = 0; a < 5; ++a)
          for (std::int64_t b = 0; b < 5; ++b) {
            lo = std::min(lo, s.at(c, y + a, x + b));
            hi = std::max(hi, s.at(c, y + a, x + b));
          }
        flat = flat && hi - lo <= 8.0 / 255;
        saturated = saturated || hi <= 8.0 / 255 || lo >= 247.0 / 255;
      }
      if (flat && saturated)
        for (std::int64_t a = 0; a < 5; ++a)
          for (std::int64_t b = 0; b < 5; ++b) cover.at(0, y + a, x + b) = 1.0;
    }
  const auto blur = [](const Planes& x, double sd) {
    const auto taps = test::gaussian_taps(sd, static_cast<std::int64_t>(std::ceil(3 * sd)));
    return test::naive_filter(x, taps, taps, /*reflect=*/true);
  };
  const auto luma = [](const Planes& x) {
    Planes y{1, x.h, x.w, std::vector<double>(static_cast<std::size_t>(x.h * x.w))};
    for (std::int64_t i = 0; i < x.h; ++i)
      for (std::int64_t j = 0; j < x.w; ++j)
        y.at(0, i, j) = 0.299 * x.at(0, i, j) + 0.587 * x.at(1, i, j) + 0.114 * x.at(2, i, j);
    return y;
  };
  const Planes Y = luma(p), own = blur(luma(s), 2.0), weight = blur(cover, sigma), inside = blur(cover, ramp);
  Planes cy = cover, detail = cover;
  for (std::size_t i = 0; i < cy.v.size(); ++i) cy.v[i] = cover.v[i] * Y.v[i];
  const Planes weighted_y = blur(cy, sigma);
  Planes cd2 = cover;
  for (std::size_t i = 0; i < detail.v.size(); ++i) {
    detail.v[i] = weight.v[i] > 1e-6 ? Y.v[i] - weighted_y.v[i] / weight.v[i] : 0.0;
    cd2.v[i] = cover.v[i] * detail.v[i] * detail.v[i];
  }
  const Planes spread = blur(cd2, sigma);
  Planes out = s;
  for (std::int64_t i = 0; i < H; ++i)
    for (std::int64_t j = 0; j < W; ++j) {
      const double m = std::clamp(2 * inside.at(0, i, j) - 1, 0.0, 1.0), w = weight.at(0, i, j);
      if (m <= 0) continue;
      const double amplitude = w > 1e-6 ? std::sqrt(std::max(spread.at(0, i, j) / w, 0.0)) : 0.0;
      const double direction = own.at(0, i, j) < 0.5 ? 1.0 : -1.0;
      const double shift = m * (direction * lift * std::max(amplitude - floor, 0.0) + detail.at(0, i, j));
      for (std::int64_t c = 0; c < 3; ++c) out.at(c, i, j) = std::clamp(s.at(c, i, j) + shift, 0.0, 1.0);
    }
  return out.tensor({3, H, W});
}

// Pearson correlation of two equally long lists.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= static_cast<double>(a.size()), mb /= static_cast<double>(b.size());
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += (a[i] - ma) * (b[i] - mb), aa += (a[i] - ma) * (a[i] - ma), bb += (b[i] - mb) * (b[i] - mb);
  }
  return ab / std::sqrt(aa * bb);
}

}  // namespace

TEST_SUITE("image_clipped_detail") {
  TEST_CASE("matches the formulas written out in float64 (black and white squares, two widths)") {
    Rng g(11);
    for (const double value : {0.0, 1.0})
      for (const double sigma : {2.0, 6.0}) {
        const Tensor photo = textured_photo(26, 30, g);
        const Tensor result = result_with_square(26, 30, 4, 9, 12, value);
        const Tensor ours =
            image::restore_clipped_detail(result, photo, {.sigma = sigma, .lift = 2.0, .floor = 0.02, .ramp = 2.0});
        GF_CHECK_CLOSE(ours, naive_restore(result, photo, sigma, 2.0, 0.02, 2.0), 0, 2e-5);
      }
  }

  TEST_CASE("small blobs in a larger picture: the work confined around them gives the whole picture's answer") {
    Rng g(16);
    const Tensor photo = textured_photo(64, 96, g);
    // A black blob in a corner (its window meets the border) and a white one inside: one bounding box.
    Tensor result = result_with_square(64, 96, 0, 0, 9, 0.0);
    result.narrow(1, 20, 8).narrow(2, 30, 8).fill_(1.0);
    GF_CHECK_CLOSE(image::restore_clipped_detail(result, photo), naive_restore(result, photo, 6.0, 2.0, 0.02, 2.0), 0,
                   2e-5);
    // One blob far inside: the window stops short of every border.
    const Tensor inner = result_with_square(64, 96, 28, 44, 8, 0.0);
    GF_CHECK_CLOSE(image::restore_clipped_detail(inner, photo), naive_restore(inner, photo, 6.0, 2.0, 0.02, 2.0), 0,
                   2e-5);
  }

  TEST_CASE("a black square over a textured photo takes the photo's texture, lifted off black") {
    Rng g(12);
    const Tensor photo = textured_photo(40, 40, g);
    const Tensor result = result_with_square(40, 40, 10, 10, 20, 0.0);
    REQUIRE(metrics::flat_saturated_fraction(result) > 0.1);
    const Tensor restored = image::restore_clipped_detail(result, photo);
    CHECK(metrics::flat_saturated_fraction(restored) == 0.0);
    // Inside the square (4 pixels in from its edge, where the blend weight is near 1) the luminance follows the
    // photo's.
    const auto inner = [](const Tensor& t) {
      return image::rgb_to_luminance(t).narrow(1, 14, 12).narrow(2, 14, 12).contiguous().to_vector<double>();
    };
    CHECK(correlation(inner(restored), inner(photo)) > 0.95);
    // Lifted, every channel by the same amount: the black stays grey, not tinted.
    const Tensor inside = restored.narrow(1, 12, 16).narrow(2, 12, 16);
    CHECK(mean(inside).item() > 0.1);
    GF_CHECK_CLOSE(inside.select(0, 0), inside.select(0, 2), 0, 1e-6);
    // Outside the square nothing moved (the blend weight is 0 from the blob's edge outwards).
    GF_CHECK_CLOSE(restored.narrow(1, 0, 10), result.narrow(1, 0, 10), 0, 0);
    GF_CHECK_CLOSE(restored.narrow(2, 30, 10), result.narrow(2, 30, 10), 0, 0);
  }

  TEST_CASE("a near-black square with a faint texture of its own counts as clipped too") {
    Rng g(15);
    const Tensor photo = textured_photo(40, 40, g);
    Tensor result = result_with_square(40, 40, 10, 10, 20, 0.0);
    result.narrow(1, 10, 20).narrow(2, 10, 20).copy_(add(mul(rand({3, 20, 20}, {}, &g), 4.0 / 255), 1.0 / 255));
    REQUIRE(metrics::flat_saturated_fraction(result) == 0.0);  // not a blob to the exact thresholds
    const Tensor restored = image::restore_clipped_detail(result, photo);
    CHECK(metrics::flat_saturated_fraction(restored, metrics::kNearFlatSaturated) == 0.0);
    CHECK(mean(restored.narrow(1, 14, 12).narrow(2, 14, 12)).item() > 0.1);
  }

  TEST_CASE("a white square is lowered, not lifted; batch form and device kept") {
    Rng g(13);
    const Tensor photo = textured_photo(32, 32, g).unsqueeze(0);
    const Tensor result = result_with_square(32, 32, 8, 8, 16, 1.0).unsqueeze(0);
    const Tensor restored = image::restore_clipped_detail(result, photo);
    REQUIRE(restored.shape() == result.shape());
    CHECK(mean(restored.narrow(2, 10, 12).narrow(3, 10, 12)).item() < 0.9);
    CHECK(metrics::flat_saturated_fraction(restored) == 0.0);
  }

  TEST_CASE("nothing to restore: no blob, or a flat photo under the blob") {
    Rng g(14);
    const Tensor photo = textured_photo(24, 24, g);
    const Tensor no_blob = result_with_square(24, 24, 4, 4, 10, 0.5);
    GF_CHECK_CLOSE(image::restore_clipped_detail(no_blob, photo), no_blob, 0, 0);
    // A flat photo has no detail to give: the blob stays (no texture is invented).
    const Tensor flat_photo = full({3, 24, 24}, 0.4);
    const Tensor blob = result_with_square(24, 24, 4, 4, 12, 0.0);
    GF_CHECK_CLOSE(image::restore_clipped_detail(blob, flat_photo), blob, 0, 1e-6);
    // A smooth photo (texture below the floor) gets no lift: its faint detail alone, mostly clamped away, and the
    // blob stays near black rather than turning grey with an outline.
    // (Luminance std about 0.017, below the floor 0.02.)
    const Tensor square = result_with_square(40, 40, 10, 10, 20, 0.0), smooth = textured_photo(40, 40, g, 0.1);
    const auto inside_mean = [](const Tensor& t) { return mean(t.narrow(1, 10, 20).narrow(2, 10, 20)).item(); };
    const double floored = inside_mean(image::restore_clipped_detail(square, smooth));
    const double lifted = inside_mean(image::restore_clipped_detail(square, smooth, {.floor = 0.0}));
    CHECK(floored < 0.5 * lifted);
    // Too small for a 5 x 5 window: returned as it is.
    GF_CHECK_CLOSE(image::restore_clipped_detail(zeros({3, 4, 4}), zeros({3, 4, 4})), zeros({3, 4, 4}), 0, 0);
  }

  TEST_CASE("bad input is named") {
    GF_CHECK_CONTAINS(test::error_of([] { image::restore_clipped_detail(zeros({3, 9, 9}), zeros({3, 9, 8})); }),
                      "must have the result's shape (3, 9, 9)");
    GF_CHECK_CONTAINS(test::error_of([] { image::restore_clipped_detail(zeros({1, 9, 9}), zeros({1, 9, 9})); }),
                      "expected an RGB result");
    GF_CHECK_CONTAINS(
        test::error_of([] { image::restore_clipped_detail(zeros({3, 9, 9}), zeros({3, 9, 9}), {.sigma = 0}); }),
        "sigma and ramp must be > 0");
  }
}
