// Style-transfer losses against values worked out by hand, and their
// gradients against finite differences in float64.
#include "gf/image/color.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

#include "gf/models/style/style_losses.hpp"

using namespace gf;
using namespace gf::models;

namespace {
Tensor f64(std::vector<double> v, Shape shape) { return from_vector<double>(v, shape); }
Tensor rand64(Shape shape, std::uint64_t seed) {
  Rng g(seed);
  return randn(shape, {DType::kFloat64}, &g);
}
}  // namespace

TEST_SUITE("style_losses") {
  TEST_CASE("gram_matrix: F F^T / (C H W)") {
    // C = 2 channels, H W = 1 x 2: F = [[1, 2], [3, 4]] -> F F^T = [[5, 11], [11, 25]], / 4.
    const Tensor g = gram_matrix(f64({1, 2, 3, 4}, {1, 2, 1, 2}));
    GF_CHECK_CLOSE(g, f64({1.25, 2.75, 2.75, 6.25}, {1, 2, 2}), 1e-12, 1e-12);
    // Batched: each image its own Gram matrix, against a naive triple loop.
    const Tensor x = rand64({2, 3, 2, 3}, 1);
    const auto v = x.to_vector<double>();
    std::vector<double> expected;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          double s = 0;
          for (int p = 0; p < 6; ++p) s += v[static_cast<std::size_t>(n * 18 + i * 6 + p)] * v[static_cast<std::size_t>(n * 18 + j * 6 + p)];
          expected.push_back(s / 18.0);
        }
    GF_CHECK_CLOSE(gram_matrix(x), f64(expected, {2, 3, 3}), 1e-12, 1e-12);
    GF_CHECK_CONTAINS(test::error_of([] { gram_matrix(zeros({2, 3})); }), "(N, C, H, W)");
  }

  TEST_CASE("content_loss is the mean squared difference") {
    CHECK(content_loss(f64({1, 2, 3, 4}, {1, 1, 2, 2}), f64({1, 0, 3, 0}, {1, 1, 2, 2})).item() ==
          doctest::Approx((4.0 + 16.0) / 4));
    GF_CHECK_CONTAINS(test::error_of([] { content_loss(zeros({1, 1, 2, 2}), zeros({1, 1, 2, 3})); }), "differ");
  }

  TEST_CASE("style_loss sums styles and layers with their weights") {
    // Layer a: F = [[1, 2]] (C = 1, 1 x 2 pixels) -> G_a(x) = 5 / 2 = 2.5.
    // Layer b: F = [[1], [3]] (C = 2, one pixel each) -> G_b(x) = [[1, 3], [3, 9]] / 2.
    const LayerFeatures x{{"a", f64({1, 2}, {1, 1, 1, 2})}, {"b", f64({1, 3}, {1, 2, 1, 1})}};
    const LayerFeatures s1{{"a", f64({0, 1}, {1, 1, 1, 2})}, {"b", f64({1, 1}, {1, 2, 1, 1})}};
    // G_a(s1) = 1 / 2, G_b(s1) = [[1, 1], [1, 1]] / 2.
    const LayerFeatures s2{{"a", f64({2, 2}, {1, 1, 1, 2})}, {"b", f64({0, 0}, {1, 2, 1, 1})}};
    // G_a(s2) = 8 / 2 = 4, G_b(s2) = 0.
    const Tensor img = rand64({1, 3, 12, 13}, 4).requires_grad_();
    const Tensor content = rand64({1, 3, 12, 13}, 5);
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return lowpass_content_loss(in[0], content, 1.0); }, (std::vector<Tensor>{img}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return edge_loss(in[0], content); }, (std::vector<Tensor>{img}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return ssim_loss(in[0], content); }, (std::vector<Tensor>{img}));
    const std::vector<StyleTarget> targets{make_style_target(s1, {"a", "b"}, 2.0),
                                           make_style_target(s2, {"a", "b"}, 0.5)};
    const std::map<std::string, double> layers{{"a", 10.0}, {"b", 1.0}};
    // style 1: a: (2.5 - 0.5)^2 = 4;  b: mean([0, 1, 1, 4]^2 ...) = mean(0, 1, 1, 16) = 4.5
    // style 2: a: (2.5 - 4)^2 = 2.25; b: mean(0.25, 2.25, 2.25, 20.25) = 6.25
    const double expected = 2.0 * (10 * 4.0 + 4.5) + 0.5 * (10 * 2.25 + 6.25);
    CHECK(style_loss(x, targets, layers).item() == doctest::Approx(expected));
    GF_CHECK_CONTAINS(test::error_of([&] { style_loss(x, targets, {{"c", 1.0}}); }), "'c'");
    GF_CHECK_CONTAINS(test::error_of([&] { make_style_target(s1, {"z"}); }), "'z'");
  }

  TEST_CASE("total_variation_loss: squared differences of neighbours") {
    // [[0, 1], [3, 5]]: vertical (3, 4) -> (9 + 16) / 2; horizontal (1, 2) -> (1 + 4) / 2.
    CHECK(total_variation_loss(f64({0, 1, 3, 5}, {1, 1, 2, 2})).item() == doctest::Approx(12.5 + 2.5));
    CHECK(total_variation_loss(full({2, 3, 4, 5}, 0.7)).item() == doctest::Approx(0.0));
    GF_CHECK_CONTAINS(test::error_of([] { total_variation_loss(zeros({1, 1, 1, 4})); }), "H, W > 1");
  }

  TEST_CASE("color_stats_loss matches per-channel mean and standard deviation") {
    // image: channel 0 all 0.5, channel 1 values {0, 1} (mean 0.5, sd 0.5);
    // style: channel 0 {0, 1}, channel 1 all 0.2.
    const Tensor img = f64({0.5, 0.5, 0, 1}, {1, 2, 1, 2});
    const Tensor sty = f64({0, 1, 9, 0.2, 0.2, 9}, {1, 2, 1, 3}).narrow(3, 0, 2);  // a view, not contiguous
    // means (0.5, 0.5) vs (0.5, 0.2): (0^2 + 0.3^2) / 2; sds (0, 0.5) vs (0.5, 0): (0.25 + 0.25) / 2
    // (a constant channel's sd is sqrt(1e-8) = 1e-4, hence the tolerance).
    CHECK(color_stats_loss(img, sty).item() == doctest::Approx(0.09 / 2 + 0.25).epsilon(1e-3));
    GF_CHECK_CONTAINS(test::error_of([] { color_stats_loss(zeros({1, 3, 2, 2}), zeros({1, 1, 2, 2})); }), "same C");
  }

  TEST_CASE("content-structure terms of the offline method on luminance") {
    // Flat images: blur keeps them flat, so L_low is the squared luminance gap;
    // Y(0.5 grey) = 0.5, Y(pure red) = 0.299.
    const Tensor grey = full({1, 3, 12, 12}, 0.5, {DType::kFloat64});
    Tensor red = zeros({1, 3, 12, 12}, {DType::kFloat64});
    red.narrow(1, 0, 1).fill_(1.0);
    CHECK(lowpass_content_loss(grey, red, 2.0).item() == doctest::Approx(0.201 * 0.201));
    // SSIM of two flat images is its luminance term (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1).
    CHECK(ssim_loss(grey, red).item() == doctest::Approx(1.0 - (0.299 + 1e-4) / (0.25 + 0.299 * 0.299 + 1e-4)));
    CHECK(ssim_loss(red, red).item() == doctest::Approx(0.0));
    // A horizontal grey ramp rising 0.1 a column: Sobel magnitude 0.1 inside, 0 on the two
    // reflected border columns (both up to the sqrt(1e-6) floor), against a flat image.
    Tensor ramp = zeros({1, 3, 5, 6}, {DType::kFloat64});
    for (std::int64_t j = 0; j < 6; ++j) ramp.narrow(3, j, 1).fill_(0.1 * static_cast<double>(j));
    const Tensor flat = zeros({1, 3, 5, 6}, {DType::kFloat64});
    CHECK(edge_loss(ramp, flat).item() == doctest::Approx(4.0 / 6.0 * (0.1 - 1e-3) * (0.1 - 1e-3)).epsilon(1e-6));
    CHECK(edge_loss(ramp, ramp).item() == doctest::Approx(0.0));
    GF_CHECK_CONTAINS(test::error_of([&] { edge_loss(ramp, grey); }), "same shape");
  }

  TEST_CASE("offline_style_loss: the six terms, their weighted sum, the SSIM hinge, two styles by weight") {
    Rng g(7);
    const Tensor x = rand({1, 3, 16, 16}, {DType::kFloat64}, &g), c = rand({1, 3, 16, 16}, {DType::kFloat64}, &g);
    const Tensor s1 = rand({1, 3, 12, 20}, {DType::kFloat64}, &g), s2 = mul(rand({1, 3, 8, 8}, {DType::kFloat64}, &g), 0.2);
    const Tensor adv = from_vector<double>({0.7}, {});
    const OfflineStyleWeights w{.adversarial = 2, .color = 3, .lowpass = 5, .lowpass_sigma = 1.5, .ssim = 7,
                                .ssim_target = 0.9, .edge = 11, .tv = 13};
    const OfflineStyleLoss l = offline_style_loss(x, c, adv, {s1, s2}, {1.0, 3.0}, w, from_vector<double>({0.25}, {}));
    const double col = 0.25 * color_stats_loss(x, s1).item() + 0.75 * color_stats_loss(x, s2).item();
    const double ssim = 1.0 - ssim_loss(x, c).item();
    CHECK(ssim < 0.9);  // random pictures: the hinge max(0, 0.9 - SSIM) acts
    CHECK(l.color.item() == doctest::Approx(col).epsilon(1e-12));
    CHECK(l.ssim.item() == doctest::Approx(ssim).epsilon(1e-12));
    CHECK(l.lowpass.item() == doctest::Approx(lowpass_content_loss(x, c, 1.5).item()).epsilon(1e-12));
    CHECK(l.edge.item() == doctest::Approx(edge_loss(x, c).item()).epsilon(1e-12));
    CHECK(l.tv.item() == doctest::Approx(total_variation_loss(x).item()).epsilon(1e-12));
    const double expected = 2 * 0.7 + 3 * col + 5 * l.lowpass.item() + 7 * (0.9 - ssim) + 11 * l.edge.item() +
                            13 * l.tv.item() + 0.25;
    CHECK(l.total.item() == doctest::Approx(expected).epsilon(1e-12));
    // Above the target the SSIM term is 0; at weight 0 the edge term is not computed.
    const OfflineStyleLoss same = offline_style_loss(c, c, adv, {s1}, {1.0}, {.ssim = 7, .ssim_target = 0.5});
    CHECK(same.total.item() == doctest::Approx(0.0));
    CHECK(same.edge.item() == 0.0);
    GF_CHECK_CONTAINS(test::error_of([&] { offline_style_loss(x, c, adv, {s1}, {1.0, 2.0}, w); }),
                      "offline_style_loss: 2 weights for 1 styles");
    GF_CHECK_CONTAINS(test::error_of([&] { offline_style_loss(x, c, adv, {s1}, {0.0}, w); }),
                      "the style weights sum to 0");
  }

  TEST_CASE("range_loss: squared distance outside [0, 1], zero inside") {
    const Tensor z = from_vector<double>({-0.5, 0.0, 0.3, 1.0, 1.2, 3.0}, {6});
    CHECK(range_loss(z).item() == doctest::Approx((0.25 + 0.04 + 4.0) / 6.0));
    CHECK(range_loss(mul(z, 0.0)).item() == 0.0);
    // Away from the kinks at 0 and 1, where the gradient is continuous but the second derivative jumps.
    const Tensor x = from_vector<double>({-0.7, -0.2, 0.4, 0.9, 1.3, 2.1}, {2, 3}).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return range_loss(in[0]); }, (std::vector<Tensor>{x}));
  }

  TEST_CASE("gradcheck: gram, content, style, total variation, colour statistics") {
    const Tensor x = rand64({2, 3, 3, 4}, 2).requires_grad_();
    const Tensor y = rand64({2, 3, 3, 4}, 3);
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return gram_matrix(in[0]); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return content_loss(in[0], y); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return total_variation_loss(in[0]); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return color_stats_loss(in[0], y); }, (std::vector<Tensor>{x}));
    const Tensor img = rand64({1, 3, 12, 13}, 4).requires_grad_();
    const Tensor content = rand64({1, 3, 12, 13}, 5);
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return lowpass_content_loss(in[0], content, 1.0); }, (std::vector<Tensor>{img}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return edge_loss(in[0], content); }, (std::vector<Tensor>{img}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return ssim_loss(in[0], content); }, (std::vector<Tensor>{img}));
    const std::vector<StyleTarget> targets{make_style_target({{"p", y}, {"q", y.narrow(3, 1, 2)}}, {"p", "q"}, 0.7)};
    GF_CHECK_GRAD(
        [&](const std::vector<Tensor>& in) {
          return style_loss({{"p", in[0]}, {"q", in[0].narrow(3, 0, 2)}}, targets, {{"p", 1.0}, {"q", 3.0}});
        },
        (std::vector<Tensor>{x}));
  }

  TEST_CASE("sliced_wasserstein_loss: zero for the same patches in any order, by hand on one direction") {
    Rng g(71);
    const Tensor style = rand({2, 3, 9, 11}, {DType::kFloat64}, &g);
    Rng dirs(1);
    CHECK(sliced_wasserstein_loss(style, style, {.patch = 3, .directions = 8}, dirs).item() == 0.0);
    // Pixels (k = 1) in another order are the same distribution: the batch swapped, the columns rotated.
    const Tensor swapped = cat({style.narrow(0, 1, 1), style.narrow(0, 0, 1)}, 0);
    const Tensor shuffled = cat({swapped.narrow(3, 5, 6), swapped.narrow(3, 0, 5)}, 3);
    CHECK(sliced_wasserstein_loss(shuffled, style, {.patch = 1, .directions = 8}, dirs).item() ==
          doctest::Approx(0.0).epsilon(1e-12));
    // ... but not the same 3 x 3 patches (the seam makes new ones).
    CHECK(sliced_wasserstein_loss(shuffled, style, {.patch = 3, .directions = 8}, dirs).item() > 1e-4);

    // One channel, k = 1, one direction (+1 or -1): the mean squared gap of the sorted values.
    const Tensor a = from_vector<double>({0.1, 0.9, 0.4, 0.2}, {1, 1, 2, 2});
    const Tensor b = from_vector<double>({0.3, 0.0, 0.8, 0.5}, {1, 1, 2, 2});
    // sorted a: 0.1 0.2 0.4 0.9; sorted b: 0.0 0.3 0.5 0.8; either sign of the direction gives
    // the same gaps: (0.01 + 0.01 + 0.01 + 0.01) / 4.
    CHECK(sliced_wasserstein_loss(a, b, {.patch = 1, .directions = 1}, dirs).item() == doctest::Approx(0.01));
    CHECK(test::error_of([&] { sliced_wasserstein_loss(a, style, {}, dirs); }).find("same shape") != std::string::npos);
  }

  TEST_CASE("sliced_wasserstein_loss: gradient by finite differences (float64), and it moves a picture's colours") {
    Rng g(72);
    const Tensor x = rand({1, 3, 6, 7}, {DType::kFloat64}, &g).requires_grad_();
    const Tensor s = rand({1, 3, 6, 7}, {DType::kFloat64}, &g);
    GF_CHECK_GRAD(
        [&](const std::vector<Tensor>& in) {
          Rng same(5);  // the same directions at every evaluation
          return sliced_wasserstein_loss(in[0], s, {.patch = 2, .directions = 4}, same);
        },
        (std::vector<Tensor>{x}));
    // A few descent steps on the pixels pull their colour statistics to the target's.
    Tensor y = mul(rand({1, 3, 16, 16}, {DType::kFloat32}, &g), 0.3).requires_grad_();
    const Tensor target = add(mul(rand({1, 3, 16, 16}, {}, &g), 0.5), 0.5);
    Rng dirs(9);
    const double before = image::color_stats_distance(y, target).item();
    for (int step = 0; step < 60; ++step) {
      const Tensor loss = sliced_wasserstein_loss(y, target, {.patch = 1, .directions = 16}, dirs);
      loss.backward();
      NoGradGuard no_grad;
      y.copy_(sub(y, mul(y.grad(), 40.0)));
      y.grad().zero_();
    }
    CHECK(image::color_stats_distance(y, target).item() < 0.2 * before);
  }
}
