// Gaussian/Laplacian pyramids and the blends: reduce and expand against naive
// loops, exact reconstruction, the all-ones / all-zeros mask cases, the
// linearity of the blend, the fusion rule, gradients and errors.
#include "helpers.hpp"
#include "image_reference.hpp"
#include "io_helpers.hpp"
#include "gf/image/pyramid.hpp"

using namespace gf;
using test::Planes;

namespace {

const std::vector<double> kBinomial{1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16};

// reduce by loops: the full 5x5 binomial window with reflected reads, kept at even pixels.
Planes naive_down(const Planes& x) {
  const Planes blurred = test::naive_filter(x, kBinomial, kBinomial, /*reflect=*/true);
  Planes out{x.planes, (x.h + 1) / 2, (x.w + 1) / 2, {}};
  for (std::int64_t p = 0; p < x.planes; ++p)
    for (std::int64_t i = 0; i < out.h; ++i)
      for (std::int64_t j = 0; j < out.w; ++j) out.v.push_back(blurred.at(p, 2 * i, 2 * j));
  return out;
}

// expand by loops: x at the even pixels of a zero (h, w) grid, then 2 b along both axes.
Planes naive_up(const Planes& x, std::int64_t h, std::int64_t w) {
  Planes sparse{x.planes, h, w, std::vector<double>(static_cast<std::size_t>(x.planes * h * w), 0.0)};
  for (std::int64_t p = 0; p < x.planes; ++p)
    for (std::int64_t i = 0; i < x.h; ++i)
      for (std::int64_t j = 0; j < x.w; ++j)
        if (2 * i < h && 2 * j < w) sparse.at(p, 2 * i, 2 * j) = x.at(p, i, j);
  std::vector<double> twice;
  for (double t : kBinomial) twice.push_back(2 * t);
  return test::naive_filter(sparse, twice, twice, /*reflect=*/true);
}

Shape with_hw(const Shape& s, std::int64_t h, std::int64_t w) {
  Shape out = s;
  out[s.dim() - 2] = h;
  out[s.dim() - 1] = w;
  return out;
}

}  // namespace

TEST_SUITE("image") {
  TEST_CASE("pyramid_down and pyramid_up match naive loops, odd sizes included") {
    Rng g(61);
    for (const Shape& shape : {Shape{1, 3, 3}, Shape{2, 7, 10}, Shape{2, 3, 9, 8}, Shape{1, 1, 5, 13}}) {
      CAPTURE(shape);
      const Tensor x = rand(shape, {DType::kFloat64}, &g);
      const std::int64_t h = shape[shape.dim() - 2], w = shape[shape.dim() - 1];
      const Planes down = naive_down(Planes::of(x));
      GF_CHECK_CLOSE(image::pyramid_down(x), down.tensor(with_hw(shape, down.h, down.w)), 1e-13, 1e-14);
      for (auto [uh, uw] : {std::pair{2 * h, 2 * w}, std::pair{2 * h - 1, 2 * w}, std::pair{2 * h - 1, 2 * w - 1}}) {
        CAPTURE(uh);
        CAPTURE(uw);
        GF_CHECK_CLOSE(image::pyramid_up(x, uh, uw), naive_up(Planes::of(x), uh, uw).tensor(with_hw(shape, uh, uw)),
                       1e-13, 1e-14);
      }
    }
    // Every expanded pixel gets total weight exactly 1: a constant stays that constant.
    const Tensor c = full({3, 4, 5}, 0.3);
    GF_CHECK_CLOSE(image::pyramid_up(c, 7, 10), full({3, 7, 10}, 0.3), 0, 1e-7);
    GF_CHECK_CLOSE(image::pyramid_up(c, 8, 9), full({3, 8, 9}, 0.3), 0, 1e-7);
  }

  TEST_CASE("max_pyramid_levels halves until a side is below 3") {
    CHECK(image::max_pyramid_levels(2, 40) == 1);
    CHECK(image::max_pyramid_levels(3, 3) == 2);    // 3x3 -> 2x2
    CHECK(image::max_pyramid_levels(5, 9) == 3);    // 5x9 -> 3x5 -> 2x3
    CHECK(image::max_pyramid_levels(64, 64) == 6);  // 64 32 16 8 4 2
    const auto levels = image::gaussian_pyramid(zeros({1, 13, 7}), 3);
    CHECK(levels[1].shape() == Shape{1, 7, 4});
    CHECK(levels[2].shape() == Shape{1, 4, 2});
  }

  TEST_CASE("laplacian_pyramid + collapse reconstructs the image exactly") {
    Rng g(62);
    for (const Shape& shape : {Shape{3, 13, 10}, Shape{2, 1, 17, 9}, Shape{1, 1, 5, 4}, Shape{3, 32, 33}}) {
      CAPTURE(shape);
      const Tensor x = rand(shape, {}, &g);
      const std::int64_t most = image::max_pyramid_levels(shape[shape.dim() - 2], shape[shape.dim() - 1]);
      for (std::int64_t levels = 1; levels <= most; ++levels) {
        const auto lap = image::laplacian_pyramid(x, levels);
        REQUIRE(lap.size() == static_cast<std::size_t>(levels));
        GF_CHECK_CLOSE(image::collapse(lap), x, 0, 1e-6);
      }
      // The bands are what is left after removing the next level's expansion.
      const auto gauss = image::gaussian_pyramid(x, 2);
      const auto lap = image::laplacian_pyramid(x, 2);
      GF_CHECK_CLOSE(lap[0], x - image::pyramid_up(gauss[1], x.size(-2), x.size(-1)), 0, 1e-7);
      GF_CHECK_CLOSE(lap[1], gauss[1], 0, 0);
    }
  }

  TEST_CASE("pyramid_blend: ones mask gives a, zeros mask gives b, a constant mask is a weighted blend") {
    Rng g(63);
    const Tensor a = rand({3, 15, 12}, {}, &g), b = rand({3, 15, 12}, {}, &g);
    GF_CHECK_CLOSE(image::pyramid_blend(a, b, ones({15, 12}), 4), a, 0, 1e-6);
    GF_CHECK_CLOSE(image::pyramid_blend(a, b, zeros({1, 15, 12}), 4), b, 0, 1e-6);
    // Pyramids and collapse are linear, so a constant mask m blends m a + (1 - m) b.
    GF_CHECK_CLOSE(image::pyramid_blend(a, b, full({15, 12}, 0.3), 3), image::weighted_blend(a, b, 0.3), 0, 1e-6);
    // Batches with a per-image mask.
    const Tensor ab = stack({a, b}), ba = stack({b, a});
    Tensor mask = zeros({2, 1, 15, 12});
    mask.select(0, 0).fill_(1.0);
    GF_CHECK_CLOSE(image::pyramid_blend(ab, ba, mask, 3), stack({a, a}), 0, 1e-6);
    // A left/right mask: far from the seam each side is its own image.
    Tensor half = zeros({15, 12});
    half.narrow(1, 0, 6).fill_(1.0);
    const Tensor out = image::pyramid_blend(full({3, 15, 12}, 0.9), full({3, 15, 12}, 0.1), half, 2);
    CHECK(out.select(2, 0).to_vector<float>()[0] == doctest::Approx(0.9).epsilon(1e-5));
    CHECK(out.select(2, 11).to_vector<float>()[0] == doctest::Approx(0.1).epsilon(1e-5));
  }

  TEST_CASE("weighted_blend is alpha a + (1 - alpha) b") {
    const Tensor a = full({3, 2, 2}, 1.0), b = full({3, 2, 2}, 0.0);
    GF_CHECK_CLOSE(image::weighted_blend(a, b, 0.25), full({3, 2, 2}, 0.25), 0, 1e-7);
    GF_CHECK_CONTAINS(test::error_of([&] { image::weighted_blend(a, b, 1.5); }), "alpha must be in [0, 1], got 1.5");
  }

  TEST_CASE("fuse_with_content: fine bands from the content, coarse ones from the stylised image") {
    Rng g(64);
    const Tensor s = rand({2, 3, 11, 14}, {DType::kFloat64}, &g), c = rand({2, 3, 11, 14}, {DType::kFloat64}, &g);
    // Two levels, one content band: L_c0 + expand(G_s1) = c - up(down(c)) + up(down(s)).
    const Tensor expected =
        c - image::pyramid_up(image::pyramid_down(c), 11, 14) + image::pyramid_up(image::pyramid_down(s), 11, 14);
    GF_CHECK_CLOSE(image::fuse_with_content(s, c, 2), expected, 1e-12, 1e-12);
    GF_CHECK_CLOSE(image::fuse_with_content(s, c, 3, Tensor(), 0), s, 0, 1e-12);
    GF_CHECK_CLOSE(image::fuse_with_content(s, c, 3, Tensor(), 3), c, 0, 1e-12);
    // With a mask, the stylised bands show only inside it: a zero mask returns the content.
    GF_CHECK_CLOSE(image::fuse_with_content(s, c, 3, zeros({11, 14}), 1), c, 0, 1e-12);
    // Its finest band is much closer to the content's than the stylised image's is.
    // (Not equal: the bands of a Laplacian pyramid overlap in frequency, so the
    // fused image's own pyramid mixes a little of the coarse stylised levels in.)
    const Tensor fused = image::fuse_with_content(s, c, 3, Tensor(), 1);
    const auto detail_gap = [&](const Tensor& x) {
      return mean(square(image::laplacian_pyramid(x, 3)[0] - image::laplacian_pyramid(c, 3)[0])).item();
    };
    CHECK(detail_gap(fused) < 0.5 * detail_gap(s));

    const Tensor sg = rand({1, 1, 7, 6}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor cg = rand({1, 1, 7, 6}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor mg = rand({7, 6}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return image::fuse_with_content(in[0], in[1], 3, in[2], 1); },
                  (std::vector<Tensor>{sg, cg, mg}));
  }

  TEST_CASE("fuse_by_mode: the programs' --fuse none / weighted / pyramid (levels capped)") {
    Rng g(61);
    const Tensor s = rand({3, 20, 24}, {DType::kFloat64}, &g), c = rand({3, 20, 24}, {DType::kFloat64}, &g);
    GF_CHECK_CLOSE(image::fuse_by_mode(s, c, "none", 4, 0.5), s, 0, 0);
    GF_CHECK_CLOSE(image::fuse_by_mode(s, c, "weighted", 4, 0.3), image::weighted_blend(s, c, 0.3), 0, 0);
    const std::int64_t most = image::max_pyramid_levels(20, 24);
    GF_CHECK_CLOSE(image::fuse_by_mode(s, c, "pyramid", most + 5, 0.5),
                   clamp(image::fuse_with_content(s, c, most), 0.0, 1.0), 0, 0);
    GF_CHECK_CONTAINS(test::error_of([&] { image::fuse_by_mode(s, c, "median", 4, 0.5); }), "unknown mode 'median'");
  }

  TEST_CASE("pyramid errors name the sizes") {
    GF_CHECK_CONTAINS(test::error_of([] { image::gaussian_pyramid(zeros({3, 8, 8}), 5); }),
                      "gaussian_pyramid: a 8x8 image has 1 to 3 levels, asked for 5");
    GF_CHECK_CONTAINS(test::error_of([] { image::pyramid_blend(zeros({3, 8, 8}), zeros({3, 8, 8}), zeros({8, 9}), 2); }),
                      "pyramid_blend: mask is 8x9, the images are 8x8");
    GF_CHECK_CONTAINS(test::error_of([] { image::pyramid_up(zeros({1, 4, 4}), 10, 8); }),
                      "pyramid_up: a 4x4 level expands to (2h - 1 or 2h) x (2w - 1 or 2w), asked for 10x8");
    GF_CHECK_CONTAINS(test::error_of([] { image::fuse_with_content(zeros({3, 8, 8}), zeros({3, 8, 9}), 2); }),
                      "fuse_with_content: images must have the same shape, got (3, 8, 8) and (3, 8, 9)");
  }
}
