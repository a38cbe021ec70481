// Colour spaces, colour-statistics transfer and the colour distance against
// naive per-pixel loops and hand-computed values; gradients by gradcheck.
#include "helpers.hpp"
#include "image_reference.hpp"
#include "io_helpers.hpp"
#include "gf/image/color.hpp"

using namespace gf;
using test::Planes;

namespace {

// Per-channel mean and population std of (N, C, H, W) over (N, H, W), by loops.
std::pair<std::vector<double>, std::vector<double>> naive_stats(const Tensor& x) {
  const std::int64_t n = x.size(0), c = x.size(1);
  const Planes p = Planes::of(x);
  std::vector<double> mu(static_cast<std::size_t>(c), 0.0), sd(static_cast<std::size_t>(c), 0.0);
  const auto count = static_cast<double>(n * p.h * p.w);
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double total = 0, squares = 0;
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < p.h; ++i)
        for (std::int64_t j = 0; j < p.w; ++j) total += p.at(b * c + ch, i, j);
    const double m = total / count;
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t i = 0; i < p.h; ++i)
        for (std::int64_t j = 0; j < p.w; ++j) squares += (p.at(b * c + ch, i, j) - m) * (p.at(b * c + ch, i, j) - m);
    mu[static_cast<std::size_t>(ch)] = m;
    sd[static_cast<std::size_t>(ch)] = std::sqrt(squares / count);
  }
  return {mu, sd};
}

// out[o] = sum_i m[o][i] x[i] at every pixel of (N, 3, H, W), by loops.
Tensor naive_mix(const Tensor& x, const std::vector<std::vector<double>>& m) {
  const Planes p = Planes::of(x);
  const auto rows = static_cast<std::int64_t>(m.size());
  Planes out{x.size(0) * rows, p.h, p.w, std::vector<double>(static_cast<std::size_t>(x.size(0) * rows * p.h * p.w))};
  for (std::int64_t b = 0; b < x.size(0); ++b)
    for (std::int64_t o = 0; o < rows; ++o)
      for (std::int64_t i = 0; i < p.h; ++i)
        for (std::int64_t j = 0; j < p.w; ++j) {
          double v = 0;
          for (std::int64_t k = 0; k < 3; ++k) v += m[static_cast<std::size_t>(o)][static_cast<std::size_t>(k)] * p.at(b * 3 + k, i, j);
          out.at(b * rows + o, i, j) = v;
        }
  return out.tensor({x.size(0), rows, p.h, p.w});
}

const std::vector<std::vector<double>> kYiq = {
    {0.299, 0.587, 0.114}, {0.595716, -0.274453, -0.321263}, {0.211456, -0.522591, 0.311135}};

}  // namespace

TEST_SUITE("image") {
  TEST_CASE("rgb_to_luminance is Rec. 601 Y; rgb_to_yiq is the NTSC matrix; yiq_to_rgb inverts it") {
    Rng g(51);
    const Tensor x = rand({2, 3, 5, 7}, {DType::kFloat64}, &g);
    GF_CHECK_CLOSE(image::rgb_to_luminance(x), naive_mix(x, {kYiq[0]}), 1e-14, 1e-14);
    GF_CHECK_CLOSE(image::rgb_to_luminance(x.select(0, 1)), naive_mix(x, {kYiq[0]}).select(0, 1), 1e-14, 1e-14);
    GF_CHECK_CLOSE(image::rgb_to_yiq(x), naive_mix(x, kYiq), 1e-14, 1e-14);
    GF_CHECK_CLOSE(image::yiq_to_rgb(image::rgb_to_yiq(x)), x, 1e-12, 1e-13);
    const Tensor grey = rand({1, 4, 4}, {}, &g);
    CHECK(image::rgb_to_luminance(grey).is_same(grey));
    // White has luma 1 and no chroma.
    GF_CHECK_CLOSE(image::rgb_to_yiq(ones({3, 1, 1})).flatten(), from_vector<float>({1, 0, 0}, {3}), 0, 1e-6);
  }

  TEST_CASE("transfer_luminance keeps the stylised Y and the content's I and Q") {
    Rng g(52);
    const Tensor stylised = rand({3, 6, 5}, {DType::kFloat64}, &g), content = rand({3, 6, 5}, {DType::kFloat64}, &g);
    const Tensor out_yiq = image::rgb_to_yiq(image::transfer_luminance(stylised, content));
    GF_CHECK_CLOSE(out_yiq.narrow(0, 0, 1), image::rgb_to_luminance(stylised), 1e-12, 1e-12);
    GF_CHECK_CLOSE(out_yiq.narrow(0, 1, 2), image::rgb_to_yiq(content).narrow(0, 1, 2), 1e-12, 1e-12);
    // A grey stylised image on a grey content is itself.
    const Tensor grey = rand({1, 1, 4, 4}, {DType::kFloat64}, &g).expand({1, 3, 4, 4});
    GF_CHECK_CLOSE(image::transfer_luminance(grey, full({1, 3, 4, 4}, 0.5, {DType::kFloat64})), grey, 1e-12, 1e-12);
    const Tensor s = rand({3, 4, 5}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor c = rand({3, 4, 5}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return image::transfer_luminance(in[0], in[1]); }, (std::vector<Tensor>{s, c}));
  }

  TEST_CASE("color_stats and color_stats_distance against loops and hand values") {
    Rng g(53);
    const Tensor x = rand({2, 3, 5, 6}, {DType::kFloat64}, &g);
    const auto [mu, sd] = naive_stats(x);
    const image::ColorStats s = image::color_stats(x);
    GF_CHECK_CLOSE(s.mean, from_vector<double>(mu, {3}), 1e-13, 1e-14);
    GF_CHECK_CLOSE(s.std, from_vector<double>(sd, {3}), 1e-10, 1e-12);

    // Flat colours: only the means differ, by 0.1, 0 and 0.3 -> sqrt(0.01 + 0 + 0.09).
    Tensor a = empty({3, 4, 4}, {DType::kFloat64}), b = empty({3, 5, 3}, {DType::kFloat64});
    a.select(0, 0).fill_(0.2), a.select(0, 1).fill_(0.5), a.select(0, 2).fill_(0.9);
    b.select(0, 0).fill_(0.3), b.select(0, 1).fill_(0.5), b.select(0, 2).fill_(0.6);
    CHECK(image::color_stats_distance(a, b).item() == doctest::Approx(std::sqrt(0.1)).epsilon(1e-9));

    // Random pair (different sizes): the norm of the six differences.
    const Tensor y = rand({1, 3, 7, 4}, {DType::kFloat64}, &g) * 0.5;
    const auto [mu_y, sd_y] = naive_stats(y);
    double d2 = 0;
    for (std::size_t ch = 0; ch < 3; ++ch) d2 += std::pow(mu[ch] - mu_y[ch], 2) + std::pow(sd[ch] - sd_y[ch], 2);
    CHECK(image::color_stats_distance(x, y).item() == doctest::Approx(std::sqrt(d2)).epsilon(1e-9));
    CHECK(image::color_stats_distance(x, x).item() == 0.0);

    const Tensor xg = rand({3, 4, 3}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return image::color_stats_distance(in[0], y); }, (std::vector<Tensor>{xg}));
  }

  TEST_CASE("match_color_stats gives each image the reference's channel means and stds") {
    Rng g(54);
    const Tensor image = rand({2, 3, 6, 7}, {DType::kFloat64}, &g);
    const Tensor reference = rand({3, 9, 5}, {DType::kFloat64}, &g) * 0.4 + 0.3;
    const auto [mu_r, sd_r] = naive_stats(reference.unsqueeze(0));

    const Tensor out = image::match_color_stats(image, reference);
    for (std::int64_t n = 0; n < 2; ++n) {
      const auto [mu, sd] = naive_stats(out.narrow(0, n, 1));
      GF_CHECK_CLOSE(from_vector<double>(mu, {3}), from_vector<double>(mu_r, {3}), 1e-12, 1e-12);
      GF_CHECK_CLOSE(from_vector<double>(sd, {3}), from_vector<double>(sd_r, {3}), 1e-6, 1e-9);
    }
    // Pixel by pixel: (x - mu_x) / sigma_x * sigma_r + mu_r for image 0, channel 1.
    const auto [mu0, sd0] = naive_stats(image.narrow(0, 0, 1));
    const double v = image.select(0, 0).select(0, 1).select(0, 2).select(0, 3).item();
    CHECK(out.select(0, 0).select(0, 1).select(0, 2).select(0, 3).item() ==
          doctest::Approx((v - mu0[1]) / std::sqrt(sd0[1] * sd0[1] + 1e-12) * std::sqrt(sd_r[1] * sd_r[1] + 1e-12) +
                          mu_r[1])
              .epsilon(1e-12));
    CHECK(image::color_stats_distance(out.select(0, 1), reference).item() < 1e-9);

    // In YIQ, the statistics match on the Y, I and Q axes instead.
    const Tensor out_yiq = image::match_color_stats(image.select(0, 0), reference, image::ColorSpace::kYiq);
    CHECK(image::color_stats_distance(image::rgb_to_yiq(out_yiq), image::rgb_to_yiq(reference)).item() < 1e-9);

    const Tensor xg = rand({3, 4, 3}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor rg = rand({3, 3, 5}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return image::match_color_stats(in[0], in[1]); }, (std::vector<Tensor>{xg, rg}));
  }

  TEST_CASE("colour errors name the function and the shapes") {
    GF_CHECK_CONTAINS(test::error_of([] { image::rgb_to_yiq(zeros({4, 3, 3})); }),
                      "rgb_to_yiq: expected 3 channels (RGB), got shape (4, 3, 3)");
    GF_CHECK_CONTAINS(test::error_of([] { image::transfer_luminance(zeros({3, 3, 3}), zeros({3, 3, 4})); }),
                      "transfer_luminance: stylised image (3, 3, 3) and content image (3, 3, 4) must have the same");
    GF_CHECK_CONTAINS(test::error_of([] { image::match_color_stats(zeros({3, 3, 3}), zeros({1, 3, 4})); }),
                      "have different channel counts");
  }
}
