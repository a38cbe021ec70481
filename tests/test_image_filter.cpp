// Image filters against naive loops (full 2-D windows, reflected reads), their
// invariants (constants stay constant, tiny range sigma is the identity) and
// their gradients.
#include "helpers.hpp"
#include "image_reference.hpp"
#include "io_helpers.hpp"
#include "gf/image/filter.hpp"

using namespace gf;
using test::Planes;

namespace {

// The bilateral filter pixel by pixel: neighbours within the square of radius
// ceil(2 sigma_space), reflected at the border, colour distance over all channels.
Tensor naive_bilateral(const Tensor& x, double sigma_space, double sigma_range) {
  const std::int64_t n = x.size(0), c = x.size(1);
  const Planes p = Planes::of(x);
  const auto r = static_cast<std::int64_t>(std::ceil(2 * sigma_space));
  Planes out = p;
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t i = 0; i < p.h; ++i)
      for (std::int64_t j = 0; j < p.w; ++j) {
        std::vector<double> num(static_cast<std::size_t>(c), 0.0);
        double den = 0;
        for (std::int64_t dy = -r; dy <= r; ++dy)
          for (std::int64_t dx = -r; dx <= r; ++dx) {
            double d2 = 0;
            for (std::int64_t ch = 0; ch < c; ++ch) {
              const double d = p.reflected(b * c + ch, i + dy, j + dx) - p.at(b * c + ch, i, j);
              d2 += d * d;
            }
            const double w = std::exp(-static_cast<double>(dy * dy + dx * dx) / (2 * sigma_space * sigma_space)) *
                             std::exp(-d2 / (2 * sigma_range * sigma_range));
            for (std::int64_t ch = 0; ch < c; ++ch)
              num[static_cast<std::size_t>(ch)] += w * p.reflected(b * c + ch, i + dy, j + dx);
            den += w;
          }
        for (std::int64_t ch = 0; ch < c; ++ch) out.at(b * c + ch, i, j) = num[static_cast<std::size_t>(ch)] / den;
      }
  return out.tensor(x.shape());
}

}  // namespace

TEST_SUITE("image") {
  TEST_CASE("gaussian_kernel1d: normalised, symmetric, exp(-k^2 / 2 sigma^2)") {
    const auto g = image::gaussian_kernel1d(1.5, 5).to_vector<double>();
    REQUIRE(g.size() == 11);
    double total = 0;
    for (double v : g) total += v;
    CHECK(total == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(g[0] == doctest::Approx(g[10]).epsilon(1e-15));
    CHECK(g[5] / g[7] == doctest::Approx(std::exp(4.0 / (2 * 2.25))).epsilon(1e-12));
    CHECK(image::gaussian_radius(1.5) == 5);
    CHECK(image::gaussian_radius(0.5) == 2);
  }

  TEST_CASE("gaussian_blur and separable_filter match a naive 2-D window") {
    Rng g(41);
    for (const Shape& shape : {Shape{1, 5, 7}, Shape{2, 3, 9, 8}, Shape{3, 13, 10}}) {
      for (double sigma : {0.6, 1.3}) {
        CAPTURE(shape);
        CAPTURE(sigma);
        const Tensor x = rand(shape, {DType::kFloat64}, &g);
        const auto taps = test::gaussian_taps(sigma, image::gaussian_radius(sigma));
        const Planes ref = test::naive_filter(Planes::of(x), taps, taps, /*reflect=*/true);
        GF_CHECK_CLOSE(image::gaussian_blur(x, sigma), ref.tensor(shape), 1e-12, 1e-12);
      }
    }
    // Valid border: the output shrinks by K - 1; float32 input.
    const Tensor x = rand({2, 9, 12}, {}, &g);
    const std::vector<double> taps{0.1, 0.2, 0.4, 0.2, 0.1};
    const Planes ref = test::naive_filter(Planes::of(x), taps, taps, /*reflect=*/false);
    GF_CHECK_CLOSE(image::separable_filter(x, from_vector<double>(taps, {5}), image::FilterBorder::kValid),
                   ref.tensor({2, 5, 8}).to(DType::kFloat32), 1e-5, 1e-6);
  }

  TEST_CASE("widest_gaussian_sigma: the widest blur a picture takes, and no wider") {
    const Tensor x = full({3, 8, 13}, 0.5);
    const double widest = image::widest_gaussian_sigma(8, 13);
    CHECK(widest == doctest::Approx(7.0 / 3.0));
    CHECK(image::gaussian_radius(widest) == 7);
    GF_CHECK_CLOSE(image::gaussian_blur(x, widest), x, 0, 1e-6);
    CHECK_THROWS_AS(image::gaussian_blur(x, widest + 0.01), Error);
    CHECK(image::widest_gaussian_sigma(40, 5) == doctest::Approx(4.0 / 3.0));
  }

  TEST_CASE("gaussian_blur keeps a constant image and is differentiable") {
    const Tensor c = full({3, 6, 9}, 0.37);
    GF_CHECK_CLOSE(image::gaussian_blur(c, 1.2), c, 0, 1e-6);
    Rng g(42);
    const Tensor x = rand({1, 2, 6, 7}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return image::gaussian_blur(in[0], 0.8); }, (std::vector<Tensor>{x}));
  }

  TEST_CASE("unsharp_mask: x + amount (x - blur), constants unchanged") {
    const Tensor c = full({1, 3, 8, 8}, 0.6);
    GF_CHECK_CLOSE(image::unsharp_mask(c, 1.0, 1.5), c, 0, 1e-6);
    Rng g(43);
    const Tensor x = rand({3, 7, 9}, {DType::kFloat64}, &g);
    const auto taps = test::gaussian_taps(1.0, 3);
    Planes ref = Planes::of(x);
    const Planes blur = test::naive_filter(ref, taps, taps, true);
    for (std::size_t i = 0; i < ref.v.size(); ++i) ref.v[i] += 0.7 * (ref.v[i] - blur.v[i]);
    GF_CHECK_CLOSE(image::unsharp_mask(x, 1.0, 0.7), ref.tensor(x.shape()), 1e-12, 1e-12);
    GF_CHECK_CLOSE(image::unsharp_mask(x, 1.0, 0.0), x, 0, 0);
  }

  TEST_CASE("bilateral_filter matches a naive loop; tiny range sigma is the identity") {
    Rng g(44);
    for (const Shape& shape : {Shape{1, 3, 7, 9}, Shape{2, 1, 6, 5}}) {
      CAPTURE(shape);
      const Tensor x = rand(shape, {DType::kFloat64}, &g);
      GF_CHECK_CLOSE(image::bilateral_filter(x, 1.2, 0.3), naive_bilateral(x, 1.2, 0.3), 1e-12, 1e-12);
    }
    const Tensor x = rand({3, 8, 11}, {}, &g);
    GF_CHECK_CLOSE(image::bilateral_filter(x, 1.5, 1e-4), x, 0, 1e-6);
    // It smooths noise on a flat patch but keeps a step edge (range sigma below the step).
    Tensor step = zeros({1, 10, 10});
    step.narrow(2, 5, 5).fill_(1.0);
    const Tensor noisy = step + randn({1, 10, 10}, {}, &g) * 0.02;
    const Tensor out = image::bilateral_filter(noisy, 1.5, 0.2);
    CHECK(mean(abs(out - step)).item() < 0.5 * mean(abs(noisy - step)).item());
    CHECK(max(out.narrow(2, 4, 1)).item() < 0.1);  // left of the edge stays dark

    const Tensor xg = rand({1, 2, 5, 6}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return image::bilateral_filter(in[0], 0.9, 0.4); }, (std::vector<Tensor>{xg}));
  }

  TEST_CASE("post_process: bilateral denoise, then unsharp mask, then clamp; zero strengths skip") {
    Rng g(47);
    const Tensor x = rand({3, 12, 13}, {DType::kFloat64}, &g);
    GF_CHECK_CLOSE(image::post_process(x, {}), x, 0, 0);
    image::PostProcess p;
    p.denoise = 1.0;
    p.denoise_range = 0.2;
    p.sharpen = 0.8;
    p.sharpen_sigma = 1.5;
    const Tensor expected = clamp(image::unsharp_mask(image::bilateral_filter(x, 1.0, 0.2), 1.5, 0.8), 0.0, 1.0);
    GF_CHECK_CLOSE(image::post_process(x, p), expected, 0, 0);
    for (double v : image::post_process(x, p).to_vector<double>()) CHECK((v >= 0.0 && v <= 1.0));
    p.sharpen = -1;
    GF_CHECK_CONTAINS(test::error_of([&] { image::post_process(x, p); }), "sharpen must be >= 0");
  }

  TEST_CASE("sobel: derivative per pixel, zero on constants, naive 3x3 reference") {
    // A ramp rising 0.1 per column: gx = 0.1 inside, 0 on the reflected first and last columns.
    std::vector<float> ramp;
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 6; ++j) ramp.push_back(0.1f * static_cast<float>(j));
    const image::SobelGradients s = image::sobel(from_vector<float>(ramp, {1, 5, 6}));
    GF_CHECK_CLOSE(s.gy, zeros({1, 5, 6}), 0, 1e-7);
    GF_CHECK_CLOSE(s.gx.narrow(2, 1, 4), full({1, 5, 4}, 0.1), 1e-5, 1e-7);
    GF_CHECK_CLOSE(s.gx.narrow(2, 0, 1), zeros({1, 5, 1}), 0, 1e-7);

    Rng g(45);
    const Tensor x = rand({2, 2, 5, 7}, {DType::kFloat64}, &g);
    const std::vector<double> smooth{1.0 / 8, 2.0 / 8, 1.0 / 8}, derivative{-1, 0, 1};
    const Planes p = Planes::of(x);
    GF_CHECK_CLOSE(image::sobel(x).gx, test::naive_filter(p, smooth, derivative, true).tensor(x.shape()), 1e-12, 1e-12);
    GF_CHECK_CLOSE(image::sobel(x).gy, test::naive_filter(p, derivative, smooth, true).tensor(x.shape()), 1e-12, 1e-12);
    Planes mag = test::naive_filter(p, smooth, derivative, true);
    const Planes gy = test::naive_filter(p, derivative, smooth, true);
    for (std::size_t i = 0; i < mag.v.size(); ++i) mag.v[i] = std::sqrt(mag.v[i] * mag.v[i] + gy.v[i] * gy.v[i] + 1e-12);
    GF_CHECK_CLOSE(image::sobel_magnitude(x), mag.tensor(x.shape()), 1e-12, 1e-12);

    const Tensor xg = rand({1, 5, 6}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return image::sobel_magnitude(in[0]); }, (std::vector<Tensor>{xg}));
  }

  TEST_CASE("filter errors name the filter and the sizes") {
    GF_CHECK_CONTAINS(test::error_of([] { image::gaussian_blur(zeros({3, 8, 20}), 3.0); }),
                      "gaussian_blur: a filter of radius 9 needs an image larger than 9 pixels on each side for its "
                      "reflect border, got 8x20");
    GF_CHECK_CONTAINS(test::error_of([] { image::gaussian_blur(zeros({8, 20}), 1.0); }),
                      "gaussian_blur: expected an image (C, H, W) or a batch (N, C, H, W), got shape (8, 20)");
    GF_CHECK_CONTAINS(test::error_of([] { image::bilateral_filter(zeros({1, 8, 8}), 1.0, 0.0); }),
                      "bilateral_filter: sigma_space and sigma_range must be > 0");
  }
}
