// Attention fusion (style_attention.hpp): the module against plain loops, its
// gradients in every input and parameter (float64), and AdainNet with
// attention fusion: shapes, alpha, tiles, training reaching the attention,
// model files.
#include <cmath>

#include "helpers.hpp"
#include "io_helpers.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/style_attention.hpp"

using namespace gf;
using models::StyleAttention;

namespace {

// y = W x + b for one sample's features x (C x P, row-major), W (C x C), b (C).
std::vector<double> ref_pointwise(const std::vector<double>& w, const std::vector<double>& b,
                                  const std::vector<double>& x, std::int64_t C, std::int64_t P) {
  std::vector<double> y(static_cast<std::size_t>(C * P));
  for (std::int64_t o = 0; o < C; ++o)
    for (std::int64_t p = 0; p < P; ++p) {
      double acc = b[o];
      for (std::int64_t i = 0; i < C; ++i) acc += w[o * C + i] * x[i * P + p];
      y[o * P + p] = acc;
    }
  return y;
}

// (x - mean) / sqrt(biased var + 1e-5) per channel of one sample (C x P).
std::vector<double> ref_normalize(std::vector<double> x, std::int64_t C, std::int64_t P) {
  for (std::int64_t c = 0; c < C; ++c) {
    double m = 0, v = 0;
    for (std::int64_t p = 0; p < P; ++p) m += x[c * P + p];
    m /= static_cast<double>(P);
    for (std::int64_t p = 0; p < P; ++p) v += (x[c * P + p] - m) * (x[c * P + p] - m);
    const double sd = std::sqrt(v / static_cast<double>(P) + 1e-5);
    for (std::int64_t p = 0; p < P; ++p) x[c * P + p] = (x[c * P + p] - m) / sd;
  }
  return x;
}

// The module's formula by loops, sample by sample (style batch 1 serves every sample).
std::vector<double> ref_attention(StyleAttention& sa, const Tensor& content, const Tensor& style) {
  const std::int64_t N = content.size(0), C = content.size(1), Pc = content.size(2) * content.size(3);
  const std::int64_t Ps = style.size(2) * style.size(3);
  const auto v = [](const Tensor& t) { return t.to_vector<double>(); };
  const auto xc = v(content), xs = v(style);
  std::vector<double> out;
  for (std::int64_t n = 0; n < N; ++n) {
    const std::vector<double> fc(xc.begin() + n * C * Pc, xc.begin() + (n + 1) * C * Pc);
    const std::int64_t ns = style.size(0) == 1 ? 0 : n;
    const std::vector<double> fs(xs.begin() + ns * C * Ps, xs.begin() + (ns + 1) * C * Ps);
    const auto F = ref_pointwise(v(sa.query_weight), v(sa.query_bias), ref_normalize(fc, C, Pc), C, Pc);
    const auto G = ref_pointwise(v(sa.key_weight), v(sa.key_bias), ref_normalize(fs, C, Ps), C, Ps);
    const auto H = ref_pointwise(v(sa.value_weight), v(sa.value_bias), fs, C, Ps);
    std::vector<double> taken(static_cast<std::size_t>(C * Pc), 0.0);
    for (std::int64_t i = 0; i < Pc; ++i) {
      std::vector<double> score(static_cast<std::size_t>(Ps));
      double top = -INFINITY, total = 0;
      for (std::int64_t j = 0; j < Ps; ++j) {
        double dot = 0;
        for (std::int64_t c = 0; c < C; ++c) dot += F[c * Pc + i] * G[c * Ps + j];
        score[j] = dot / std::sqrt(static_cast<double>(C));
        top = std::max(top, score[j]);
      }
      for (double& s : score) total += s = std::exp(s - top);
      for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t j = 0; j < Ps; ++j) taken[c * Pc + i] += H[c * Ps + j] * score[j] / total;
    }
    const auto O = ref_pointwise(v(sa.out_weight), v(sa.out_bias), taken, C, Pc);
    for (std::int64_t k = 0; k < C * Pc; ++k) out.push_back(O[k] + fc[k]);
  }
  return out;
}

Tensor random_images(const Shape& shape, std::uint64_t seed) {
  Rng gen(seed);
  return rand(shape, {}, &gen);
}

std::shared_ptr<models::AdainNet> attention_net(std::uint64_t seed) {
  Rng gen(seed);
  return std::make_shared<models::AdainNet>(
      models::AdainConfig{.width_divisor = 16, .recolour = true, .fusion = models::FeatureFusion::kAttention}, gen);
}

}  // namespace

TEST_SUITE("style attention") {
  TEST_CASE("the module matches plain loops: style batch 1 and N, content and style of different sizes") {
    Rng gen(1);
    StyleAttention sa(4, gen);
    sa.to(DType::kFloat64);
    const Tensor content = randn({2, 4, 3, 5}, {DType::kFloat64}, &gen);
    for (const Shape& style_shape : {Shape{1, 4, 2, 3}, Shape{2, 4, 4, 4}}) {
      CAPTURE(style_shape);
      const Tensor style = randn(style_shape, {DType::kFloat64}, &gen);
      const Tensor out = sa.fuse(content, style);
      CHECK(out.shape() == content.shape());
      const std::vector<double> got = out.to_vector<double>(), want = ref_attention(sa, content, style);
      for (std::size_t k = 0; k < want.size(); ++k) CHECK(got[k] == doctest::Approx(want[k]).epsilon(1e-10));
    }
    // fuse_with_stats with the content's own statistics is fuse.
    const Tensor style = randn({1, 4, 2, 2}, {DType::kFloat64}, &gen);
    GF_CHECK_CLOSE(sa.fuse_with_stats(content, models::channel_stats(content), style), sa.fuse(content, style), 0, 0);
    CHECK_THROWS_WITH_AS(sa.fuse(content, randn({1, 3, 2, 2}, {DType::kFloat64}, &gen)),
                         "StyleAttention: style features must be (1 or 2, 4, H, W), got (1, 3, 2, 2)", Error);
  }

  TEST_CASE("one style position: every content position takes it (softmax of one score is 1)") {
    Rng gen(2);
    StyleAttention sa(3, gen);
    const Tensor content = randn({1, 3, 2, 2}, {}, &gen), style = randn({1, 3, 1, 1}, {}, &gen);
    // out = W_o (W_h f_s + b_h) + b_o + F_c at every position.
    const Tensor value = add(matmul(sa.value_weight, style.reshape({3, 1})), sa.value_bias);
    const Tensor expected = add(add(matmul(sa.out_weight, value), sa.out_bias).reshape({1, 3, 1, 1}), content);
    GF_CHECK_CLOSE(sa.fuse(content, style), expected, 1e-5, 1e-6);
  }

  TEST_CASE("gradients in content, style and every parameter (float64 finite differences)") {
    Rng gen(3);
    StyleAttention sa(3, gen);
    sa.to(DType::kFloat64);
    const Tensor content = randn({2, 3, 2, 3}, {DType::kFloat64}, &gen).requires_grad_();
    const Tensor style = randn({1, 3, 3, 2}, {DType::kFloat64}, &gen).requires_grad_();
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return sa.fuse(in[0], in[1]); },
                  std::vector<Tensor>({content, style}));
    // Each parameter in turn: the module reads its member slot, so the check puts its input there.
    for (Tensor* slot : {&sa.query_weight, &sa.query_bias, &sa.key_weight, &sa.key_bias, &sa.value_weight,
                         &sa.value_bias, &sa.out_weight, &sa.out_bias}) {
      const Tensor original = *slot;
      GF_CHECK_GRAD(
          [&](const std::vector<Tensor>& in) {
            *slot = in[0];
            return sa.fuse(content.detach(), style.detach());
          },
          std::vector<Tensor>({original.detach().clone().requires_grad_()}));
      *slot = original;
    }
  }

  TEST_CASE("AdainNet with attention fusion: alpha 0 is the photo, tiles agree, weights pick styles") {
    auto net = attention_net(4);
    CHECK(net->attention != nullptr);
    CHECK(net->named_parameters().back().first == "attention.out_bias");
    const Tensor content = random_images({1, 3, 37, 29}, 5), s1 = random_images({1, 3, 24, 24}, 6);
    const Tensor s2 = mul(random_images({1, 3, 16, 24}, 7), 0.3);
    GF_CHECK_CLOSE(net->stylize(content, {s1}, {}, 0.0), content, 0, 1e-6);
    const Tensor out = net->stylize(content, {s1}, {}, 1.0);
    CHECK(out.shape() == content.shape());
    GF_CHECK_CLOSE(net->stylize(content, {s1, s2}, {1.0, 0.0}), out, 1e-6, 1e-6);
    CHECK(max(abs(net->stylize(content, {s1, s2}, {1.0, 1.0}) - out)).item() > 1e-4);
    // The pieces of tiled stylisation give the same picture as one pass.
    NoGradGuard no_grad;
    const models::ImageStats whole = net->content_stats(content, 40);
    GF_CHECK_CLOSE(net->stylize_with_stats(content, whole, net->style_stats({s1}), 0.7),
                   net->stylize(content, {s1}, {}, 0.7), 1e-5, 1e-5);
    // Without the styles' features there is nothing to attend to.
    models::ImageStats stats_only = net->style_stats({s1});
    stats_only.feature_maps.clear();
    CHECK_THROWS_WITH_AS(net->stylize_with_stats(content, whole, stats_only, 1.0),
                         "adain: attention fusion needs the styles' features (ImageStats from style_stats())", Error);
  }

  TEST_CASE("training reaches the attention; the content term compares normalised features") {
    auto net = attention_net(8);
    const Tensor content = random_images({2, 3, 16, 16}, 9), style = random_images({1, 3, 24, 16}, 10);
    const models::AdainLosses l = models::adain_losses(*net, content, style, 1.0, 1.0);
    l.total.backward();
    for (const auto& [name, p] : net->named_parameters()) {
      CAPTURE(name);
      const bool trained = name.rfind("decoder.", 0) == 0 || name.rfind("attention.", 0) == 0;
      CHECK(p.grad().defined() == trained);
    }
    CHECK(net->trainable_parameters().size() == net->decoder->parameters().size() + 8);
    // L_c by its definition: the mean squared gap of the normalised relu4_1 features.
    NoGradGuard no_grad;
    const Tensor fc = net->encode(content);
    const Tensor t = net->attention->fuse(fc, net->encode(style));
    const Tensor recoloured =
        models::adain_with_stats(content, models::channel_stats(content), models::channel_stats(style));
    const Tensor out = add(recoloured, net->decode(t));
    const Tensor fo = net->encode(out);
    const Tensor expected = mse_loss(models::normalize_channels(fo, models::channel_stats(fo)),
                                     models::normalize_channels(fc, models::channel_stats(fc)));
    CHECK(l.content.item() == doctest::Approx(expected.item()).epsilon(1e-5));
  }

  TEST_CASE("model files keep the fusion; a bad fusion name is named") {
    const test::TempDir dir("style_attention");
    auto net = attention_net(11);
    {
      NoGradGuard no_grad;  // move the attention away from its initial values, so a lost tensor would show
      Rng gen(12);
      for (Tensor& p : net->attention->parameters()) p.copy_(add(p, mul(randn(p.shape(), {}, &gen), 0.1)));
    }
    models::save_adain(dir.file("m.safetensors"), *net);
    const models::AdainCheckpoint back = models::load_adain(dir.file("m.safetensors"));
    CHECK(back.net->config.fusion == models::FeatureFusion::kAttention);
    CHECK(back.metadata.at("fusion") == "attention");
    const Tensor content = random_images({1, 3, 16, 24}, 13), style = random_images({1, 3, 16, 16}, 14);
    GF_CHECK_CLOSE(back.net->stylize(content, {style}, {}, 0.8), net->stylize(content, {style}, {}, 0.8), 0, 0);

    // A file whose fusion is unknown, or that lost its fusion key (then read as AdaIN), is named.
    io::SafetensorsFile file = io::load_safetensors(dir.file("m.safetensors"));
    file.metadata["fusion"] = "cross";
    io::save_safetensors(dir.file("cross.safetensors"), file.tensors, file.metadata);
    CHECK_THROWS_WITH_AS(models::load_adain(dir.file("cross.safetensors")),
                         ("load_adain: '" + dir.file("cross.safetensors") +
                          "' metadata 'fusion': unknown feature fusion 'cross' (adain or attention)").c_str(),
                         Error);
    file.metadata.erase("fusion");
    io::save_safetensors(dir.file("no_fusion.safetensors"), file.tensors, file.metadata);
    try {
      models::load_adain(dir.file("no_fusion.safetensors"));
      FAIL("a model with attention weights loaded as AdaIN");
    } catch (const Error& e) {
      const std::string what = e.what();
      CHECK(what.find("width_divisor 16 and adain fusion") != std::string::npos);
      CHECK(what.find("attention.query_weight") != std::string::npos);
    }
  }
}
