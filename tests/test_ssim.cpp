// SSIM and PSNR: identities, closed forms on constant images, a naive
// window-by-window reference, a value from an independent numpy
// implementation, the gradient, and the errors.
#include <limits>

#include "helpers.hpp"
#include "image_reference.hpp"
#include "io_helpers.hpp"
#include "gf/metrics/ssim.hpp"

using namespace gf;
using test::Planes;

namespace {

constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;  // (K L)^2 with L = 1

// SSIM map of every plane, window by window: local means, then the centred
// variances and covariance sum_w w (x - mu_x)(y - mu_y) (the tensor version
// uses E[x^2] - mu^2 instead), valid positions only.
Planes naive_ssim_map(const Planes& x, const Planes& y, double c1 = kC1, double c2 = kC2) {
  const std::vector<double> g = test::gaussian_taps(1.5, 5);
  Planes out{x.planes, x.h - 10, x.w - 10, {}};
  for (std::int64_t p = 0; p < x.planes; ++p)
    for (std::int64_t i = 0; i < out.h; ++i)
      for (std::int64_t j = 0; j < out.w; ++j) {
        auto window_sum = [&](auto f) {
          double total = 0;
          for (std::int64_t a = 0; a < 11; ++a)
            for (std::int64_t b = 0; b < 11; ++b)
              total += g[static_cast<std::size_t>(a)] * g[static_cast<std::size_t>(b)] * f(i + a, j + b);
          return total;
        };
        const double mx = window_sum([&](auto r, auto c) { return x.at(p, r, c); });
        const double my = window_sum([&](auto r, auto c) { return y.at(p, r, c); });
        const double vx = window_sum([&](auto r, auto c) { return (x.at(p, r, c) - mx) * (x.at(p, r, c) - mx); });
        const double vy = window_sum([&](auto r, auto c) { return (y.at(p, r, c) - my) * (y.at(p, r, c) - my); });
        const double cxy = window_sum([&](auto r, auto c) { return (x.at(p, r, c) - mx) * (y.at(p, r, c) - my); });
        out.v.push_back((2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2)));
      }
  return out;
}

double mean_of(const std::vector<double>& v) {
  double total = 0;
  for (double e : v) total += e;
  return total / static_cast<double>(v.size());
}

// The deterministic pair of the numpy reference (see the value's comment).
std::pair<Tensor, Tensor> numpy_pair() {
  std::vector<double> x, y;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 20; ++j) {
      const double v = (std::sin(0.3 * i) * std::cos(0.2 * j) + 1) / 2;
      x.push_back(v);
      y.push_back(0.8 * v * v + 0.1 + 0.05 * std::sin(0.7 * i * j));
    }
  return {from_vector<double>(x, {1, 16, 20}), from_vector<double>(y, {1, 16, 20})};
}

}  // namespace

TEST_SUITE("ssim") {
  TEST_CASE("SSIM of an image with itself is 1") {
    Rng g(31);
    const Tensor x = rand({2, 3, 17, 23}, {}, &g);
    CHECK(metrics::ssim(x, x).item() == doctest::Approx(1.0).epsilon(1e-5));
    GF_CHECK_CLOSE(metrics::ssim_map(x, x), ones({2, 3, 7, 13}), 0, 1e-4);
    GF_CHECK_CLOSE(metrics::ssim_per_channel(x.select(0, 0), x.select(0, 0)), ones({3}), 0, 1e-5);
    CHECK(metrics::ssim_luminance(x, x).item() == doctest::Approx(1.0).epsilon(1e-5));
  }

  TEST_CASE("constant images: SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)") {
    // No variance anywhere: the structure factor is C2 / C2 = 1.
    for (auto [a, b] : {std::pair{0.2, 0.7}, std::pair{0.5, 0.5}, std::pair{0.0, 1.0}, std::pair{0.9, 0.85}}) {
      const Tensor x = full({1, 12, 14}, a, {DType::kFloat64}), y = full({1, 12, 14}, b, {DType::kFloat64});
      const double expected = (2 * a * b + kC1) / (a * a + b * b + kC1);
      CHECK(metrics::ssim(x, y).item() == doctest::Approx(expected).epsilon(1e-12));
    }
    // A data range of 255: C1 = (0.01 * 255)^2.
    const double c1 = (0.01 * 255) * (0.01 * 255);
    const Tensor x = full({1, 11, 11}, 50.0, {DType::kFloat64}), y = full({1, 11, 11}, 200.0, {DType::kFloat64});
    CHECK(metrics::ssim(x, y, {.data_range = 255}).item() ==
          doctest::Approx((2 * 50.0 * 200 + c1) / (50.0 * 50 + 200.0 * 200 + c1)).epsilon(1e-12));
  }

  TEST_CASE("ssim_map and its means match a naive window-by-window reference") {
    Rng g(32);
    for (const Shape& shape : {Shape{1, 11, 11}, Shape{3, 13, 16}, Shape{2, 3, 15, 12}, Shape{1, 2, 20, 11}}) {
      CAPTURE(shape);
      const Tensor x = rand(shape, {DType::kFloat64}, &g);
      const Tensor y = clamp(x + randn(shape, {DType::kFloat64}, &g) * 0.2, 0, 1);  // a related image
      const Planes ref = naive_ssim_map(Planes::of(x), Planes::of(y));
      Shape map_shape = shape;
      map_shape[shape.dim() - 2] -= 10;
      map_shape[shape.dim() - 1] -= 10;
      GF_CHECK_CLOSE(metrics::ssim_map(x, y), ref.tensor(map_shape), 1e-9, 1e-11);
      CHECK(metrics::ssim(x, y).item() == doctest::Approx(mean_of(ref.v)).epsilon(1e-10));
    }
    // float32 agrees with the double reference to float accuracy.
    const Tensor x = rand({3, 14, 18}, {}, &g), y = rand({3, 14, 18}, {}, &g);
    const Planes ref = naive_ssim_map(Planes::of(x), Planes::of(y));
    GF_CHECK_CLOSE(metrics::ssim_map(x, y), ref.tensor({3, 4, 8}).to(DType::kFloat32), 1e-4, 1e-4);
  }

  TEST_CASE("per-channel SSIM averages each channel; luminance SSIM is SSIM of Rec. 601 Y") {
    Rng g(33);
    const Tensor x = rand({2, 3, 13, 12}, {DType::kFloat64}, &g), y = rand({2, 3, 13, 12}, {DType::kFloat64}, &g);
    const Planes map = naive_ssim_map(Planes::of(x), Planes::of(y));  // planes ordered (n, c)
    std::vector<double> per_channel(3, 0.0);
    for (std::int64_t p = 0; p < map.planes; ++p)
      for (std::int64_t k = 0; k < map.h * map.w; ++k)
        per_channel[static_cast<std::size_t>(p % 3)] += map.v[static_cast<std::size_t>(p * map.h * map.w + k)];
    for (double& s : per_channel) s /= static_cast<double>(2 * map.h * map.w);
    GF_CHECK_CLOSE(metrics::ssim_per_channel(x, y), from_vector<double>(per_channel, {3}), 1e-10, 1e-12);

    auto luma = [](const Tensor& rgb) {
      const Planes p = Planes::of(rgb);
      Planes out{p.planes / 3, p.h, p.w, {}};
      for (std::int64_t n = 0; n < out.planes; ++n)
        for (std::int64_t i = 0; i < p.h; ++i)
          for (std::int64_t j = 0; j < p.w; ++j)
            out.v.push_back(0.299 * p.at(3 * n, i, j) + 0.587 * p.at(3 * n + 1, i, j) + 0.114 * p.at(3 * n + 2, i, j));
      return out;
    };
    CHECK(metrics::ssim_luminance(x, y).item() ==
          doctest::Approx(mean_of(naive_ssim_map(luma(x), luma(y)).v)).epsilon(1e-10));
  }

  TEST_CASE("SSIM matches an independent numpy implementation") {
    // Produced with /usr/bin/python3 and numpy: the 11x11 window
    // exp(-(a^2 + b^2) / (2 1.5^2)) normalised in 2-D, 'valid' correlation by
    // summing the 121 shifted slices, the Wang et al. formula with K = 0.01,
    // 0.03, mean of the map; on x[i][j] = (sin(0.3 i) cos(0.2 j) + 1) / 2,
    // y = 0.8 x^2 + 0.1 + 0.05 sin(0.7 i j), i < 16, j < 20:
    //   L = 1: 0.758178643224362,  L = 2: 0.780355750268907.
    const auto [x, y] = numpy_pair();
    CHECK(metrics::ssim(x, y).item() == doctest::Approx(0.758178643224362).epsilon(1e-12));
    CHECK(metrics::ssim(x, y, {.data_range = 2.0}).item() == doctest::Approx(0.780355750268907).epsilon(1e-12));
  }

  TEST_CASE("SSIM is differentiable (gradcheck in float64), and 1 - SSIM trains towards the target") {
    Rng g(34);
    const Tensor x = rand({1, 1, 12, 13}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor y = rand({1, 1, 12, 13}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return metrics::ssim(in[0], in[1]); }, (std::vector<Tensor>{x, y}));
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return metrics::ssim_map(in[0], in[1]); }, (std::vector<Tensor>{x, y}));
    const Tensor rgb = rand({3, 11, 12}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor target = rand({3, 11, 12}, {DType::kFloat64}, &g);
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return metrics::ssim_luminance(in[0], target); }, (std::vector<Tensor>{rgb}));

    // A few gradient steps on 1 - SSIM raise SSIM.
    Tensor z = rand({1, 16, 16}, {}, &g).requires_grad_();
    const Tensor goal = rand({1, 16, 16}, {}, &g);
    const double before = metrics::ssim(z, goal).item();
    for (int step = 0; step < 20; ++step) {
      z.zero_grad();
      rsub(1.0, metrics::ssim(z, goal)).backward();
      NoGradGuard no_grad;
      z.copy_(z - z.grad() * 50.0);
    }
    CHECK(metrics::ssim(z, goal).item() > before + 0.2);
  }

  TEST_CASE("PSNR: 10 log10(L^2 / MSE)") {
    Rng g(35);
    const Tensor x = rand({3, 9, 7}, {DType::kFloat64}, &g);
    // A constant offset of 0.1: MSE = 0.01 -> 20 dB, and 10 log10(4 / 0.01) with L = 2.
    CHECK(metrics::psnr(x, x + 0.1).item() == doctest::Approx(20.0).epsilon(1e-10));
    CHECK(metrics::psnr(x, x - 0.1, 2.0).item() == doctest::Approx(10 * std::log10(400.0)).epsilon(1e-10));
    // Random pair against the MSE summed by hand.
    const Tensor y = rand({3, 9, 7}, {DType::kFloat64}, &g);
    const auto vx = x.to_vector<double>(), vy = y.to_vector<double>();
    double se = 0;
    for (std::size_t i = 0; i < vx.size(); ++i) se += (vx[i] - vy[i]) * (vx[i] - vy[i]);
    CHECK(metrics::psnr(x, y).item() ==
          doctest::Approx(10 * std::log10(1.0 / (se / static_cast<double>(vx.size())))).epsilon(1e-10));
    CHECK(metrics::psnr(x, x).item() == std::numeric_limits<double>::infinity());
  }

  TEST_CASE("SSIM and PSNR errors name the problem") {
    GF_CHECK_CONTAINS(test::error_of([] { metrics::ssim(zeros({3, 12, 12}), zeros({3, 12, 13})); }),
                      "ssim: images must have the same shape, got (3, 12, 12) and (3, 12, 13)");
    GF_CHECK_CONTAINS(test::error_of([] { metrics::ssim(zeros({1, 8, 30}), zeros({1, 8, 30})); }),
                      "images of 8x30 are smaller than the 11x11 window");
    GF_CHECK_CONTAINS(test::error_of([] { metrics::psnr(zeros({3}), zeros({4})); }), "psnr: images must have");
  }
}
