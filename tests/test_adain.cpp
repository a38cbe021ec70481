// AdaIN (Huang & Belongie 2017): the operation against naive loops and hand
// values, its gradients, style interpolation; the network's shapes, frozen
// encoder and alpha; a few training steps; model files; the two programs.
#include <cmath>

#include "helpers.hpp"
#include "io_helpers.hpp"
#include "gf/metrics/flat_regions.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/vgg.hpp"
#include "program_helpers.hpp"

#include <filesystem>

namespace fs = std::filesystem;
using namespace gf;
using models::AdainNet;

namespace {

// Naive per-(n, c) mean and biased standard deviation of x (N, C, S) in double.
struct RefStats {
  std::vector<double> mean, std;
};

RefStats ref_stats(const std::vector<double>& x, std::int64_t N, std::int64_t C, std::int64_t S, double eps) {
  RefStats r;
  for (std::int64_t nc = 0; nc < N * C; ++nc) {
    double m = 0, v = 0;
    for (std::int64_t s = 0; s < S; ++s) m += x[nc * S + s];
    m /= static_cast<double>(S);
    for (std::int64_t s = 0; s < S; ++s) v += (x[nc * S + s] - m) * (x[nc * S + s] - m);
    r.mean.push_back(m);
    r.std.push_back(std::sqrt(v / static_cast<double>(S) + eps));
  }
  return r;
}

// AdaIN by plain loops: style statistics of sample n (or of sample 0 when the style batch is 1).
std::vector<double> ref_adain(const Tensor& content, const Tensor& style, double eps) {
  const std::int64_t N = content.size(0), C = content.size(1), S = content.size(2) * content.size(3);
  const std::int64_t Ns = style.size(0), Ss = style.size(2) * style.size(3);
  const auto x = content.to_vector<double>();
  const RefStats c = ref_stats(x, N, C, S, eps), s = ref_stats(style.to_vector<double>(), Ns, C, Ss, eps);
  std::vector<double> y(x.size());
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t ch = 0; ch < C; ++ch) {
      const std::int64_t i = n * C + ch, j = (Ns == 1 ? 0 : n) * C + ch;
      for (std::int64_t p = 0; p < S; ++p) y[i * S + p] = s.std[j] * (x[i * S + p] - c.mean[i]) / c.std[i] + s.mean[j];
    }
  return y;
}

std::shared_ptr<AdainNet> tiny_net(std::uint64_t seed) {
  Rng gen(seed);
  return std::make_shared<AdainNet>(models::AdainConfig{.width_divisor = 16}, gen);  // widths 4, 8, 16, 32
}

Tensor random_images(const Shape& shape, std::uint64_t seed) {
  Rng gen(seed);
  return rand(shape, {}, &gen);
}

}  // namespace

TEST_SUITE("adain") {
  TEST_CASE("adain matches naive loops on several shapes, style batch 1 included") {
    Rng gen(1);
    const std::vector<std::pair<Shape, Shape>> cases = {{{2, 3, 5, 7}, {2, 3, 4, 6}},
                                                        {{1, 4, 3, 3}, {1, 4, 9, 2}},
                                                        {{3, 2, 1, 5}, {1, 2, 3, 3}},
                                                        {{2, 5, 6, 1}, {2, 5, 1, 7}}};
    for (const auto& [cs, ss] : cases) {
      CAPTURE(cs);
      CAPTURE(ss);
      const Tensor c = randn(cs, {}, &gen) * 1.7 - 0.3, s = randn(ss, {}, &gen) * 0.6 + 2.0;
      GF_CHECK_CLOSE(models::adain(c, s), from_vector<double>(ref_adain(c, s, 1e-5), cs).to(DType::kFloat32), 1e-5,
                     1e-5);
    }
  }

  TEST_CASE("adain output carries the style's per-channel mean and std") {
    Rng gen(2);
    const Tensor c = randn({2, 3, 8, 9}, {}, &gen) * 3.0 + 1.0;
    const Tensor s = randn({2, 3, 5, 6}, {}, &gen) * from_vector<float>({0.5f, 2.0f, 0.1f}, {1, 3, 1, 1}) +
                     from_vector<float>({-1.0f, 0.25f, 4.0f}, {1, 3, 1, 1});
    // eps = 0: then sigma(out) = sigma(s) exactly (in exact arithmetic).
    const Tensor y = models::adain(c, s, 0.0);
    const RefStats ys = ref_stats(y.to_vector<double>(), 2, 3, 72, 0.0);
    const RefStats ss = ref_stats(s.to_vector<double>(), 2, 3, 30, 0.0);
    for (std::size_t i = 0; i < ys.mean.size(); ++i) {
      CHECK(std::abs(ys.mean[i] - ss.mean[i]) < 1e-5 * (1.0 + std::abs(ss.mean[i])));
      CHECK(std::abs(ys.std[i] - ss.std[i]) < 1e-5 * (1.0 + ss.std[i]));
    }
    // channel_stats says the same as the loops.
    const models::ChannelStats cs = models::channel_stats(s, 0.0);
    GF_CHECK_CLOSE(cs.mean.reshape({6}), from_vector<double>(ss.mean, {6}).to(DType::kFloat32), 1e-6, 1e-6);
    GF_CHECK_CLOSE(cs.std.reshape({6}), from_vector<double>(ss.std, {6}).to(DType::kFloat32), 1e-6, 1e-6);
  }

  TEST_CASE("adain by hand on a 2x2 content and a 1x2 style") {
    // content 1 2 3 4: mu 2.5, sigma^2 = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    // style   0 4    : mu 2,   sigma 2
    // out = 2 (x - 2.5) / sqrt(1.25) + 2
    const Tensor c = from_vector<double>({1, 2, 3, 4}, {1, 1, 2, 2});
    const Tensor s = from_vector<double>({0, 4}, {1, 1, 1, 2});
    const double r = std::sqrt(1.25);
    GF_CHECK_CLOSE(models::adain(c, s, 0.0),
                   from_vector<double>({2 * -1.5 / r + 2, 2 * -0.5 / r + 2, 2 * 0.5 / r + 2, 2 * 1.5 / r + 2},
                                       {1, 1, 2, 2}),
                   1e-12, 1e-12);
    // A content that already has the style's statistics comes back unchanged.
    GF_CHECK_CLOSE(models::adain(c, c, 0.0), c, 1e-12, 1e-12);
  }

  TEST_CASE("adain gradients in both inputs (float64 finite differences)") {
    Rng gen(3);
    const Tensor c = randn({2, 3, 3, 4}, {DType::kFloat64}, &gen).requires_grad_();
    const Tensor s = (randn({2, 3, 2, 5}, {DType::kFloat64}, &gen) * 0.7 + 0.4).requires_grad_();
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return models::adain(in[0], in[1]); }, std::vector<Tensor>({c, s}));
    const Tensor s1 = randn({1, 3, 3, 3}, {DType::kFloat64}, &gen).requires_grad_();  // one style for the batch
    GF_CHECK_GRAD([](const std::vector<Tensor>& in) { return models::adain(in[0], in[1]); }, std::vector<Tensor>({c, s1}));
    GF_CHECK_GRAD(
        [](const std::vector<Tensor>& in) {
          const models::ChannelStats st = models::channel_stats(in[0]);
          return cat({st.mean, st.std}, 1);
        },
        std::vector<Tensor>({s}));
  }

  TEST_CASE("style interpolation mixes the styles' statistics by normalised weights") {
    Rng gen(4);
    const Tensor c = randn({2, 3, 4, 5}, {DType::kFloat64}, &gen);
    const Tensor s1 = randn({2, 3, 3, 3}, {DType::kFloat64}, &gen) * 2.0 + 1.0;
    const Tensor s2 = randn({1, 3, 6, 2}, {DType::kFloat64}, &gen) * 0.5 - 1.0;
    GF_CHECK_CLOSE(models::adain_mix(c, {s1, s2}, {1.0, 0.0}), models::adain(c, s1), 1e-12, 1e-12);
    GF_CHECK_CLOSE(models::adain_mix(c, {s1, s2}, {0.0, 2.0}), models::adain(c, s2), 1e-12, 1e-12);

    // Weights 1 : 3 are 0.25 / 0.75; the output is AdaIN with mixed mu and sigma.
    const Tensor mixed = models::adain_mix(c, {s1, s2}, {1.0, 3.0});
    const models::ChannelStats a = models::channel_stats(s1), b = models::channel_stats(s2);
    const Tensor mu = a.mean * 0.25 + b.mean * 0.75, sigma = a.std * 0.25 + b.std * 0.75;
    GF_CHECK_CLOSE(mixed, instance_norm(c) * sigma + mu, 1e-10, 1e-10);
    GF_CHECK_CLOSE(mixed, models::adain(c, s1) * 0.25 + models::adain(c, s2) * 0.75, 1e-10, 1e-10);

    CHECK_THROWS_WITH_AS(models::adain_mix(c, {s1, s2}, {1.0}), "adain_mix: 1 weights for 2 styles", Error);
    CHECK_THROWS_WITH_AS(models::adain_mix(c, {s1}, {-1.0}), "adain_mix: style weights must be finite and >= 0, got -1",
                         Error);
    CHECK_THROWS_WITH_AS(models::adain_mix(c, {s1}, {0.0}),
                         "adain_mix: the style weights sum to 0; at least one must be positive", Error);
  }

  TEST_CASE("adain names the problem with mismatched inputs") {
    CHECK_THROWS_WITH_AS(models::adain(zeros({1, 3, 2, 2}), zeros({1, 4, 2, 2})),
                         "adain: content has 3 channels, style 4; they must come from the same layer", Error);
    CHECK_THROWS_WITH_AS(models::adain(zeros({2, 3, 2, 2}), zeros({3, 3, 2, 2})),
                         "adain: style batch 3 must be 1 or the content's 2", Error);
    CHECK_THROWS_WITH_AS(models::adain(zeros({3, 2, 2}), zeros({1, 3, 2, 2})),
                         "adain: expected content and style features (N, C, H, W), got (3, 2, 2) and (1, 3, 2, 2)",
                         Error);
  }

  TEST_CASE("the network: stage shapes, torchvision names, frozen encoder") {
    auto net = tiny_net(1);
    const auto stages = net->encode_stages(random_images({2, 3, 16, 24}, 5));
    REQUIRE(stages.size() == 4);
    CHECK(stages[0].shape() == Shape{2, 4, 16, 24});   // relu1_1
    CHECK(stages[1].shape() == Shape{2, 8, 8, 12});    // relu2_1
    CHECK(stages[2].shape() == Shape{2, 16, 4, 6});    // relu3_1
    CHECK(stages[3].shape() == Shape{2, 32, 2, 3});    // relu4_1
    CHECK(net->decode(stages[3]).shape() == Shape{2, 3, 16, 24});
    CHECK((*net)(random_images({1, 3, 16, 16}, 6)).shape() == Shape{1, 3, 16, 16});

    // Encoder names follow torchvision's vgg19().features indices, up to conv4_1 (index 19).
    std::vector<std::string> names;
    for (const auto& [name, p] : net->named_parameters()) names.push_back(name);
    CHECK(names.front() == "encoder.0.weight");
    CHECK(std::find(names.begin(), names.end(), "encoder.19.bias") != names.end());
    CHECK(std::find(names.begin(), names.end(), "encoder.21.weight") == names.end());
    CHECK(std::find(names.begin(), names.end(), "decoder.8.conv.weight") != names.end());
    for (const auto& [name, p] : net->named_parameters()) {
      CAPTURE(name);
      CHECK(p.requires_grad() == (name.rfind("decoder.", 0) == 0));
    }
    CHECK_THROWS_WITH_AS(net->decode(zeros({1, 16, 2, 2})), "AdainNet: decode expects (N, 32, h, w) features, got (1, 16, 2, 2)",
                         Error);
    Rng gen(1);
    CHECK_THROWS_WITH_AS(AdainNet(models::AdainConfig{.width_divisor = 3}, gen),
                         "AdainConfig: width_divisor must divide 64, got 3", Error);
  }

  TEST_CASE("load_vgg_weights: the encoder takes the file's first nine convolutions at the network's width") {
    const test::TempDir dir("adain_vgg");
    Rng gen(3);
    models::Vgg19Features vgg(models::Vgg19Config{.width_divisor = 16}, gen);
    models::save_vgg19_weights(dir.file("w16.safetensors"), vgg, {});
    auto net = tiny_net(1);  // width divisor 16
    net->load_vgg_weights(dir.file("w16.safetensors"));
    for (const std::size_t i : {0, 2, 19}) {
      CAPTURE(i);
      GF_CHECK_CLOSE(net->encoder->at<nn::Conv2d>(i)->weight, vgg.features->at<nn::Conv2d>(i)->weight, 0, 0);
      GF_CHECK_CLOSE(net->encoder->at<nn::Conv2d>(i)->bias, vgg.features->at<nn::Conv2d>(i)->bias, 0, 0);
    }
    // Weights of another width are named as such, and change nothing.
    models::Vgg19Features wide(models::Vgg19Config{.width_divisor = 8}, gen);
    models::save_vgg19_weights(dir.file("w8.safetensors"), wide, {});
    const Tensor before = net->encoder->at<nn::Conv2d>(0)->weight.clone();
    const std::string msg = test::error_of([&] { net->load_vgg_weights(dir.file("w8.safetensors")); });
    GF_CHECK_CONTAINS(msg, "w8.safetensors");
    GF_CHECK_CONTAINS(msg, "features.0.weight expects (4, 3, 3, 3), got (8, 3, 3, 3)");
    GF_CHECK_CLOSE(net->encoder->at<nn::Conv2d>(0)->weight, before, 0, 0);
    // From a VGG already in memory: the same copy, and the same refusal of another width.
    auto other = tiny_net(2);
    other->load_vgg_weights(vgg);
    GF_CHECK_CLOSE(other->encoder->at<nn::Conv2d>(19)->weight, vgg.features->at<nn::Conv2d>(19)->weight, 0, 0);
    GF_CHECK_CONTAINS(test::error_of([&] { other->load_vgg_weights(wide); }), "a VGG-19 at width 1/8 for an encoder at width 1/16");
  }

  TEST_CASE("stylize: any size, alpha 0 ignores the style, weights pick styles") {
    auto net = tiny_net(2);
    const Tensor content = random_images({1, 3, 21, 19}, 7);  // not multiples of 8
    const Tensor s1 = random_images({1, 3, 16, 20}, 8), s2 = random_images({1, 3, 24, 16}, 9) * 0.3;
    const Tensor out = net->stylize(content, {s1}, {}, 1.0);
    CHECK(out.shape() == Shape{1, 3, 21, 19});
    CHECK(max(neg(out)).item() <= 0.0);
    CHECK(max(out).item() <= 1.0);

    // alpha = 0 decodes the content's own features: the style plays no part.
    GF_CHECK_CLOSE(net->stylize(content, {s1}, {}, 0.0), net->stylize(content, {s2}, {}, 0.0), 0, 0);
    GF_CHECK_CLOSE(net->stylize(content, {s1, s2}, {1.0, 0.0}), out, 1e-6, 1e-6);
    CHECK(max(abs(net->stylize(content, {s1, s2}, {1.0, 1.0}) - out)).item() > 1e-4);  // the mix differs
    // The same features through encode/adain/decode by hand (a multiple-of-8 content needs no padding).
    const Tensor c16 = random_images({1, 3, 16, 16}, 10);
    Tensor by_hand;
    {
      NoGradGuard no_grad;
      const Tensor fc = net->encode(c16);
      by_hand = clamp(net->decode(models::adain(fc, net->encode(s1)) * 0.6 + fc * 0.4), 0.0, 1.0);
    }
    GF_CHECK_CLOSE(net->stylize(c16, {s1}, {}, 0.6), by_hand, 1e-6, 1e-6);

    CHECK_THROWS_WITH_AS(net->stylize(content, {s1}, {}, 1.5), "adain: alpha must be in [0, 1], got 1.5", Error);
    CHECK_THROWS_WITH_AS(net->stylize(content, {zeros({1, 3, 4, 20})}),
                         "adain: style must be RGB images (N, 3, H, W) with H, W >= 16, got (1, 3, 4, 20)", Error);
  }

  TEST_CASE("tiled pieces: whole-image statistics from tiles, stylize_with_stats agrees with stylize") {
    auto net = tiny_net(6);
    const Tensor content = random_images({1, 3, 45, 37}, 18), style = random_images({1, 3, 24, 24}, 19);
    NoGradGuard no_grad;
    const models::ChannelStats whole = models::channel_stats(net->encode(pad2d(content, 0, 3, 0, 3, PadMode::kReflect)));
    // One tile covering the (padded 48 x 40) image: the same numbers.
    const models::ImageStats one = net->content_stats(content, 48);
    GF_CHECK_CLOSE(one.features.mean, whole.mean, 1e-4, 1e-5);
    GF_CHECK_CLOSE(one.features.std, whole.std, 1e-4, 1e-5);
    // 16 x 16 squares with 32 pixels of context: close, not equal (less of the image around each).
    const models::ImageStats tiled = net->content_stats(content, 16);
    CHECK(max(abs(tiled.features.mean - whole.mean)).item() < 0.05 * max(whole.mean).item());
    CHECK(max(abs(tiled.features.std - whole.std)).item() < 0.05 * max(whole.std).item());
    // The pixels' statistics are exact whatever the tile.
    GF_CHECK_CLOSE(tiled.pixels.std, models::channel_stats(content).std, 0, 0);

    const models::ImageStats s = net->style_stats({style});
    GF_CHECK_CLOSE(s.features.mean, models::channel_stats(net->encode(style)).mean, 0, 0);
    GF_CHECK_CLOSE(net->stylize_with_stats(content, {whole, models::channel_stats(content)}, s, 0.7),
                   net->stylize(content, {style}, {}, 0.7), 1e-6, 1e-6);
    CHECK_THROWS_WITH_AS(net->content_stats(content, 20), "adain: the tile side must be a multiple of 8, >= 16; got 20",
                         Error);
  }

  TEST_CASE("recolour head: alpha 0 is the photo, untrained alpha 1 is Reinhard's transfer; kept in the file") {
    Rng gen(21);
    auto net = std::make_shared<AdainNet>(models::AdainConfig{.width_divisor = 16, .recolour = true}, gen);
    const Tensor content = random_images({1, 3, 29, 35}, 22), style = mul(random_images({1, 3, 24, 24}, 23), 0.4);
    GF_CHECK_CLOSE(net->stylize(content, {style}, {}, 0.0), content, 0, 1e-6);
    GF_CHECK_CLOSE(net->stylize(content, {style}, {}, 1.0),
                   clamp(models::adain_with_stats(content, models::channel_stats(content), models::channel_stats(style)),
                         0.0, 1.0),
                   1e-5, 1e-6);
    // Trained a little: between the two, smoothly in alpha.
    NoGradGuard no_grad;
    for (Tensor& p : net->decoder->parameters()) p.copy_(add(p, mul(randn(p.shape(), {}, &gen), 0.01)));
    const double d_low = max(abs(sub(net->stylize(content, {style}, {}, 0.5), net->stylize(content, {style}, {}, 0.45))))
                             .item();
    const double d_high = max(abs(sub(net->stylize(content, {style}, {}, 1.0), content))).item();
    CHECK(d_low < 0.2 * d_high);
    const test::TempDir dir("adain_recolour");
    models::save_adain(dir.file("m.safetensors"), *net);
    const models::AdainCheckpoint back = models::load_adain(dir.file("m.safetensors"));
    CHECK(back.net->config.recolour);
    CHECK(back.metadata.at("head") == "recolour");
    GF_CHECK_CLOSE(back.net->stylize(content, {style}, {}, 0.8), net->stylize(content, {style}, {}, 0.8), 0, 0);
  }

  TEST_CASE("the losses: terms add up, only the decoder gets gradients, zero style loss on equal statistics") {
    auto net = tiny_net(3);
    const Tensor content = random_images({2, 3, 16, 16}, 11), style = random_images({1, 3, 24, 16}, 12);
    const models::AdainLosses l = models::adain_losses(*net, content, style, 10.0);
    CHECK(l.total.item() == doctest::Approx(l.content.item() + 10.0 * l.style.item()).epsilon(1e-6));
    // The colour term: with a weight it joins the total; the plain decoder's output misses the style's pixel statistics.
    const models::AdainLosses lc = models::adain_losses(*net, content, style, 10.0, 3.0);
    CHECK(lc.colour.item() > 1e-3);
    CHECK(lc.colour.item() == doctest::Approx(l.colour.item()).epsilon(1e-6));
    CHECK(lc.total.item() ==
          doctest::Approx(l.content.item() + 10.0 * l.style.item() + 3.0 * l.colour.item()).epsilon(1e-6));
    {
      // An untrained recolour head outputs R(c), which has each style's pixel statistics: L_col ~ 0.
      Rng gen(14);
      AdainNet recolour(models::AdainConfig{.width_divisor = 16, .recolour = true}, gen);
      const Tensor styles = random_images({2, 3, 16, 16}, 15);  // one style per content image
      CHECK(models::adain_losses(recolour, content, styles, 1.0, 1.0).colour.item() < 1e-8);
    }
    l.total.backward();
    for (const auto& [name, p] : net->named_parameters()) {
      CAPTURE(name);
      CHECK(p.grad().defined() == (name.rfind("decoder.", 0) == 0));
    }
    // L_s by hand for one stage: mean over (n, c) of the squared gaps of mu and of sigma.
    Rng gen(13);
    const Tensor f = randn({2, 2, 3, 3}, {DType::kFloat64}, &gen), g = randn({1, 2, 4, 4}, {DType::kFloat64}, &gen);
    const RefStats a = ref_stats(f.to_vector<double>(), 2, 2, 9, 1e-5), b = ref_stats(g.to_vector<double>(), 1, 2, 16, 1e-5);
    double expected = 0;
    for (int n = 0; n < 2; ++n)
      for (int c = 0; c < 2; ++c)
        expected += (std::pow(a.mean[n * 2 + c] - b.mean[c], 2) + std::pow(a.std[n * 2 + c] - b.std[c], 2)) / 4.0;
    CHECK(models::adain_style_loss({f}, {g}).item() == doctest::Approx(expected).epsilon(1e-12));
    CHECK(models::adain_style_loss({f, g}, {f, g}).item() == doctest::Approx(0.0));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return models::adain_style_loss({in[0]}, {g}); },
                  std::vector<Tensor>({f.clone().requires_grad_()}));
  }

  TEST_CASE("a few Adam steps on one batch lower the training loss") {
    auto net = tiny_net(4);
    const Tensor content = random_images({2, 3, 16, 16}, 14), style = random_images({2, 3, 16, 16}, 15) * 0.5 + 0.4;
    optim::Adam opt(net->decoder->parameters(), {.lr = 2e-3});
    const double first = models::adain_losses(*net, content, style, 1.0).total.item();
    double last = first;
    for (int step = 0; step < 40; ++step) {
      opt.zero_grad();
      const models::AdainLosses l = models::adain_losses(*net, content, style, 1.0);
      l.total.backward();
      opt.step();
      last = l.total.item();
    }
    last = models::adain_losses(*net, content, style, 1.0).total.item();
    CAPTURE(first);
    CAPTURE(last);
    CHECK(last < 0.5 * first);
  }

  TEST_CASE("model files: round trip with optimizer state; clear errors") {
    const test::TempDir dir("adain");
    auto net = tiny_net(5);
    optim::Adam opt(net->decoder->parameters(), {.lr = 1e-3});
    const Tensor content = random_images({1, 3, 16, 16}, 16), style = random_images({1, 3, 16, 16}, 17);
    for (int i = 0; i < 2; ++i) {
      opt.zero_grad();
      models::adain_losses(*net, content, style, 1.0).total.backward();
      opt.step();
    }
    models::save_adain(dir.file("m.safetensors"), *net, &opt, {{"step", "2"}});

    const models::AdainCheckpoint ck = models::load_adain(dir.file("m.safetensors"));
    CHECK(ck.metadata.at("step") == "2");
    CHECK(ck.metadata.at("width_divisor") == "16");
    CHECK(ck.net->config.width_divisor == 16);
    GF_CHECK_CLOSE(ck.net->stylize(content, {style}), net->stylize(content, {style}), 0, 0);
    for (const auto& [name, p] : ck.net->named_parameters()) CHECK(p.requires_grad() == (name.rfind("decoder.", 0) == 0));
    optim::Adam resumed(ck.net->decoder->parameters(), {.lr = 1e-3});
    resumed.load_state_dict(ck.optimizer);
    CHECK(resumed.step_count() == 2);

    // A model without optimizer state loads too.
    models::save_adain(dir.file("model_only.safetensors"), *net);
    CHECK(models::load_adain(dir.file("model_only.safetensors")).optimizer.empty());

    GF_CHECK_CONTAINS(test::error_of([&] { models::load_adain(dir.file("nowhere.safetensors")); }),
                      "no model file '" + dir.file("nowhere.safetensors") + "' (train one with adain_train)");
    test::write_bytes(dir.file("garbage.safetensors"), "definitely not safetensors");
    GF_CHECK_CONTAINS(test::error_of([&] { models::load_adain(dir.file("garbage.safetensors")); }), "garbage.safetensors");
    io::save_safetensors(dir.file("other.safetensors"), {{"w", zeros({2})}}, {{"model", "dcgan"}});
    GF_CHECK_CONTAINS(test::error_of([&] { models::load_adain(dir.file("other.safetensors")); }),
                      "is not an AdaIN model (its metadata 'model' is 'dcgan')");
    // Right tag, wrong widths: the state dict's own error, prefixed with the file.
    auto state = io::load_safetensors(dir.file("model_only.safetensors"));
    state.metadata["width_divisor"] = "8";
    io::save_safetensors(dir.file("wrong_width.safetensors"), state.tensors, state.metadata);
    const std::string wrong = test::error_of([&] { models::load_adain(dir.file("wrong_width.safetensors")); });
    GF_CHECK_CONTAINS(wrong, "does not match an AdaIN network with width_divisor 8");
    GF_CHECK_CONTAINS(wrong, "encoder.0.weight");
    state.metadata["adain_version"] = "7";
    io::save_safetensors(dir.file("future.safetensors"), state.tensors, state.metadata);
    GF_CHECK_CONTAINS(test::error_of([&] { models::load_adain(dir.file("future.safetensors")); }),
                      "is AdaIN format version 7; this build reads versions 1 to 1");
  }

  TEST_CASE("pretrained VGG-19 weights land in the encoder by torchvision index") {
    const test::TempDir dir("adain_vgg");
    Rng gen(21);
    models::Vgg19Features vgg(models::Vgg19Config{}, gen);
    io::NamedTensors tensors;
    for (const auto& [name, t] : vgg.state_dict()) tensors.push_back({name, t});
    io::save_safetensors(dir.file("vgg19.safetensors"), tensors);

    Rng other(22);
    AdainNet net(models::AdainConfig{}, other);
    net.load_vgg_weights(dir.file("vgg19.safetensors"));
    GF_CHECK_CLOSE(net.encoder->at<nn::Conv2d>(0)->weight, vgg.features->at<nn::Conv2d>(0)->weight, 0, 0);
    GF_CHECK_CLOSE(net.encoder->at<nn::Conv2d>(19)->bias, vgg.features->at<nn::Conv2d>(19)->bias, 0, 0);
    for (const auto& p : net.encoder->parameters()) CHECK_FALSE(p.requires_grad());
    GF_CHECK_CONTAINS(test::error_of([&] { net.load_vgg_weights(dir.file("nowhere.safetensors")); }), "no weights file");
  }
}

namespace {

// A smooth colour pattern (3, h, w) with some structure for SSIM to see.
Tensor pattern(std::int64_t h, std::int64_t w, double phase) {
  std::vector<float> v;
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t i = 0; i < h; ++i)
      for (std::int64_t j = 0; j < w; ++j)
        v.push_back(static_cast<float>(0.5 + 0.4 * std::sin(phase + 0.3 * static_cast<double>(i + 2 * c)) *
                                                 std::cos(0.2 * static_cast<double>(j) - phase)));
  return from_vector<float>(v, {3, h, w});
}

}  // namespace

TEST_SUITE("programs") {
  TEST_CASE("adain_train trains, resumes and hands its model to adain_apply; errors are clear" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("adain_programs");
    const fs::path& dir = scratch.path();
    fs::create_directories(dir / "photos");
    fs::create_directories(dir / "styles");
    for (int i = 0; i < 5; ++i) io::write_image((dir / "photos" / ("p" + std::to_string(i) + ".png")).string(), pattern(40, 48, i));
    test::write_bytes((dir / "photos" / "broken.png").string(), "not a png");
    io::write_image((dir / "styles" / "a.png").string(), pattern(32, 32, 2.5) * 0.5);
    const std::string style_b = (dir / "b.jpg").string();
    io::write_image(style_b, rsub(1.0, pattern(36, 30, 4.0)));
    const fs::path out = dir / "run";
    const std::string common = "--content " + (dir / "photos").string() + " --style " + (dir / "styles").string() +
                               " --style " + style_b + " --batch-size 2 --image-size 16 --width-divisor 16 --out " +
                               out.string() + " --sample-every 2 --checkpoint-every 2 --threads 1";

    REQUIRE(test::run_program("adain_train", common + " --steps 3", dir / "train1.txt") == 0);
    const std::string log1 = test::read_bytes((dir / "train1.txt").string());
    GF_CHECK_CONTAINS(log1, "skipped 1 unreadable");
    GF_CHECK_CONTAINS(log1, "random encoder: expect the style's palette");
    CHECK(fs::exists(out / "samples" / "step_000002.png"));
    CHECK(fs::exists(out / "samples" / "step_000003.png"));
    const std::string model = (out / "checkpoint.safetensors").string();
    CHECK(models::load_adain(model).metadata.at("step") == "3");

    REQUIRE(test::run_program("adain_train", common + " --steps 5 --resume " + model, dir / "train2.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "train2.txt").string()), "resuming from " + model + " at step 3");
    const models::AdainCheckpoint ck = models::load_adain(model);
    CHECK(ck.metadata.at("step") == "5");
    CHECK(!ck.optimizer.empty());
    test::check_refuses_to_replace("adain_train", common + " --steps 5", out / "checkpoint.safetensors",
                                   dir / "refused.txt");

    // Two styles mixed, alpha, a size: the output has the content's aspect at --size.
    const std::string content = (dir / "photos" / "p1.png").string(), style_a = (dir / "styles" / "a.png").string();
    const std::string both = "--model " + model + " --content " + content + " --style " + style_a + " --style " + style_b;
    REQUIRE(test::run_program("adain_apply", both + " --style-weight 1 --style-weight 3 --alpha 0.7 --size 32 --out " +
                                                 (dir / "mixed.png").string(),
                              dir / "apply1.txt") == 0);
    const std::string log3 = test::read_bytes((dir / "apply1.txt").string());
    GF_CHECK_CONTAINS(log3, "luminance SSIM to the content");
    GF_CHECK_CONTAINS(log3, "colour distance to the style");
    CHECK(io::read_image((dir / "mixed.png").string()).shape() == Shape{3, 27, 32});

    // Tiles with fusion, JPEG out.
    REQUIRE(test::run_program("adain_apply", both + " --size 48 --tile 24 --overlap 8 --fuse pyramid --out " +
                                                 (dir / "tiled.jpg").string(),
                              dir / "apply2.txt") == 0);
    CHECK(io::read_image((dir / "tiled.jpg").string()).shape() == Shape{3, 40, 48});

    // A black style: the recolour head makes the result mostly black, clipped flat. By default the photo's
    // detail comes back (image::restore_clipped_detail); --no-clipped-detail keeps the black.
    const std::string black_style = (dir / "black.png").string();
    io::write_image(black_style, zeros({3, 32, 32}));
    const std::string on_black = "--model " + model + " --content " + content + " --style " + black_style + " --size 48";
    REQUIRE(test::run_program("adain_apply", on_black + " --no-clipped-detail --out " + (dir / "black_out.png").string(),
                              dir / "apply3.txt") == 0);
    REQUIRE(test::run_program("adain_apply", on_black + " --out " + (dir / "restored.png").string(), dir / "apply4.txt") ==
            0);
    const Tensor black_out = io::read_image((dir / "black_out.png").string());
    const Tensor restored = io::read_image((dir / "restored.png").string());
    CHECK(metrics::flat_saturated_fraction(black_out) > 0.5);
    CHECK(metrics::flat_saturated_fraction(restored) < 0.5 * metrics::flat_saturated_fraction(black_out));

    // The style's texture in the result's smooth regions (image::transfer_style_texture) comes from the most
    // heavily weighted style at strength alpha: a flat photo takes a checkered style's checks by default, and
    // neither with --style-texture 0, nor at --alpha 0, nor when a flat style outweighs the checkered one.
    const std::string flat_photo = (dir / "flat.png").string(), checks = (dir / "checks.png").string(),
                      grey = (dir / "grey.png").string();
    io::write_image(flat_photo, full({3, 40, 40}, 0.5));
    std::vector<float> squares(3 * 32 * 32);
    for (std::size_t i = 0; i < squares.size(); ++i) squares[i] = ((i % 32) / 4 + (i / 32 % 32) / 4) % 2 ? 0.3F : 0.7F;
    io::write_image(checks, from_vector<float>(squares, {3, 32, 32}));
    io::write_image(grey, full({3, 32, 32}, 0.5));
    const auto apply = [&](const std::string& args, const std::string& name) {
      REQUIRE(test::run_program("adain_apply", "--model " + model + " --content " + flat_photo +
                                                   " --size 40 --style-size 32 --no-clipped-detail " + args + " --out " +
                                                   (dir / name).string(),
                                dir / "apply5.txt") == 0);
      return io::read_image((dir / name).string());
    };
    const auto differ = [](const Tensor& a, const Tensor& b) { return max(abs(sub(a, b))).item() > 0.05; };
    CHECK(differ(apply("--style " + checks, "tex.png"), apply("--style " + checks + " --style-texture 0", "no.png")));
    GF_CHECK_CLOSE(apply("--style " + checks + " --alpha 0", "a0.png"),
                   apply("--style " + checks + " --alpha 0 --style-texture 0", "a0no.png"), 0, 0);
    const std::string pair = "--style " + grey + " --style " + checks;
    GF_CHECK_CLOSE(apply(pair + " --style-weight 3 --style-weight 1", "grey_heavy.png"),
                   apply(pair + " --style-weight 3 --style-weight 1 --style-texture 0", "grey_heavy_no.png"), 0, 0);
    CHECK(differ(apply(pair + " --style-weight 1 --style-weight 3", "checks_heavy.png"),
                 apply(pair + " --style-weight 1 --style-weight 3 --style-texture 0", "checks_heavy_no.png")));

    // Errors: exit code 1 and a message that names the problem.
    auto fails_with = [&](const std::string& args, const std::string& expected) {
      CAPTURE(args);
      CHECK(test::run_program("adain_apply", args, dir / "err.txt") == 1);
      GF_CHECK_CONTAINS(test::read_bytes((dir / "err.txt").string()), expected);
    };
    fails_with("--model " + model + " --content " + (dir / "photos" / "broken.png").string() + " --style " + style_a,
               "broken.png");
    fails_with("--model " + (dir / "none.safetensors").string() + " --content " + content + " --style " + style_a,
               "no model file");
    fails_with("--model " + content + " --content " + content + " --style " + style_a, "p1.png");
    fails_with(both + " --size 65536", "use --tile 512");
    fails_with(both + " --style-weight 1", "--style-weight: 1 weights for 2 --style images");

    // --overwrite starts a new run over the checkpoint.
    REQUIRE(test::run_program("adain_train", common + " --steps 1 --overwrite", dir / "train3.txt") == 0);
    CHECK(models::load_adain(model).metadata.at("step") == "1");
  }
}
