// Patch discriminators: logit-map shapes, receptive field, pyramid levels,
// the multi-scale losses and differentiable random patches.
#include "helpers.hpp"
#include "io_helpers.hpp"

#include "gf/models/style/patch_discriminator.hpp"

using namespace gf;
using namespace gf::models;

TEST_SUITE("patch_discriminator") {
  TEST_CASE("one scale maps (N, 3, H, W) to a (N, 1, H/4, W/4) logit map") {
    Rng gen(1);
    PatchDiscriminator D({.width = 8}, gen);
    CHECK(D((randn({2, 3, 32, 20}, {}, &gen))).shape() == Shape{2, 1, 8, 5});
    CHECK(D.receptive_field() == 20);
    PatchDiscriminator D3({.width = 4, .downsamplings = 3, .spectral_norm = false}, gen);
    CHECK(D3.receptive_field() == 40);
    CHECK(D3(randn({1, 3, 32, 32}, {}, &gen)).shape() == Shape{1, 1, 4, 4});
    GF_CHECK_CONTAINS(test::error_of([&] { D(zeros({1, 1, 16, 16})); }), "(N, 3, H, W)");
    GF_CHECK_CONTAINS(test::error_of([&] { PatchDiscriminator({.width = 0}, gen); }), "width");
  }

  TEST_CASE("receptive field: one logit depends on exactly that many input pixels") {
    // The gradient of one output logit w.r.t. the input is non-zero only inside its patch.
    Rng gen(2);
    PatchDiscriminator D({.width = 4, .spectral_norm = false}, gen);
    const Tensor x = randn({1, 3, 64, 64}, {}, &gen).requires_grad_();
    const Tensor logits = D(x);                      // (1, 1, 16, 16)
    gf::sum(logits.select(3, 8).select(2, 8)).backward();  // the logit at (8, 8)
    const auto g = gf::sum(abs(x.grad()), {0, 1}).to_vector<float>();  // (64, 64) flattened
    std::int64_t top = 64, bottom = -1;
    for (std::int64_t i = 0; i < 64; ++i)
      for (std::int64_t j = 0; j < 64; ++j)
        if (g[static_cast<std::size_t>(i * 64 + j)] != 0.0f) top = std::min(top, i), bottom = std::max(bottom, i);
    CHECK(bottom - top + 1 <= D.receptive_field());
    CHECK(bottom - top + 1 >= D.receptive_field() - 4);  // zero-padding and LeakyReLU never silence a whole row
  }

  TEST_CASE("multi-scale: one map per pyramid level, small levels skipped") {
    Rng gen(3);
    MultiScalePatchDiscriminator D({.width = 4, .scales = 3}, gen);
    CHECK(D.levels.size() == 3);
    CHECK(D.named_parameters().front().first.rfind("scale0.", 0) == 0);
    auto maps = D.forward_scales(randn({2, 3, 32, 32}, {}, &gen));
    REQUIRE(maps.size() == 3);
    CHECK(maps[0].shape() == Shape{2, 1, 8, 8});
    CHECK(maps[1].shape() == Shape{2, 1, 4, 4});
    CHECK(maps[2].shape() == Shape{2, 1, 2, 2});
    CHECK(D(randn({2, 3, 32, 32}, {}, &gen)).shape() == Shape{2, 64 + 16 + 4});
    CHECK(D.forward_scales(randn({1, 3, 12, 12}, {}, &gen)).size() == 1);  // 6 x 6 is below 8 pixels
    GF_CHECK_CONTAINS(test::error_of([&] { D.forward_scales(zeros({1, 3, 4, 4})); }), "smaller than 8");
  }

  TEST_CASE("losses average the per-level GAN losses") {
    Rng gen(4);
    MultiScalePatchDiscriminator D({.width = 4, .scales = 2}, gen);
    D.eval();  // spectral norm's power iteration frozen, so every forward below sees the same weights
    const Tensor real = randn({2, 3, 16, 16}, {}, &gen), fake = randn({2, 3, 16, 16}, {}, &gen);
    const auto r = D.forward_scales(real), f = D.forward_scales(fake);
    const double d_expected = (discriminator_loss(GanLoss::kHinge, r[0], f[0]).item() +
                               discriminator_loss(GanLoss::kHinge, r[1], f[1]).item()) / 2;
    CHECK(patch_discriminator_loss(D, real, fake).item() == doctest::Approx(d_expected));
    const double g_expected = (generator_loss(GanLoss::kNonSaturating, f[0]).item() +
                               generator_loss(GanLoss::kNonSaturating, f[1]).item()) / 2;
    CHECK(patch_generator_loss(D, fake, GanLoss::kNonSaturating).item() == doctest::Approx(g_expected));
  }

  TEST_CASE("random_patches cuts (and sometimes mirrors) windows of the image, differentiably") {
    Rng gen(5);
    // Each pixel holds its own index, so every patch can be located in the image.
    const Tensor img = arange(0, 2 * 6 * 7, 1, {DType::kFloat64}).reshape({1, 2, 6, 7}).requires_grad_();
    const Tensor p = random_patches(img, 20, 3, gen);  // (20, 2, 3, 3)
    CHECK(p.shape() == Shape{20, 2, 3, 3});
    const auto v = p.to_vector<double>();
    int mirrored = 0;
    for (int i = 0; i < 20; ++i) {
      const double* q = &v[static_cast<std::size_t>(i * 18)];
      const double step = q[1] - q[0];  // +1 along a row, or -1 when mirrored
      CHECK(std::abs(step) == 1.0);
      mirrored += step < 0;
      CHECK(q[3] - q[0] == 7.0);   // next row of the image
      CHECK(q[9] - q[0] == 42.0);  // same place in the next channel
    }
    CHECK(mirrored > 0);
    CHECK(mirrored < 20);
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) {
      Rng same(9);  // the same windows at every evaluation
      return random_patches(in[0], 4, 3, same);
    }, (std::vector<Tensor>{img}));
    GF_CHECK_CONTAINS(test::error_of([&] { random_patches(img, 2, 8, gen); }), "from a 6x7 image");
  }
  TEST_CASE("textured_patch_corners keeps the windows whose luminance varies enough; patches are cut only there") {
    Rng gen(8);
    // Left half flat grey, right half noise: only windows reaching into the noise vary.
    Tensor img = full({3, 12, 16}, 0.5);
    img.narrow(2, 8, 8).copy_(rand({3, 12, 8}, {}, &gen));
    const std::int64_t size = 4;
    const double min_std = 0.05;
    const std::vector<PatchCorner> corners = textured_patch_corners(img, size, min_std);
    // The definition, window by window.
    const auto v = img.to_vector<double>();
    std::vector<PatchCorner> expected;
    for (std::int64_t y = 0; y + size <= 12; ++y)
      for (std::int64_t x = 0; x + size <= 16; ++x) {
        double s = 0, s2 = 0;
        for (std::int64_t a = 0; a < size; ++a)
          for (std::int64_t b = 0; b < size; ++b) {
            const auto i = static_cast<std::size_t>((y + a) * 16 + x + b);
            const double Y = 0.299 * v[i] + 0.587 * v[192 + i] + 0.114 * v[384 + i];
            s += Y;
            s2 += Y * Y;
          }
        const double mean = s / 16;
        if (std::sqrt(std::max(0.0, s2 / 16 - mean * mean)) >= min_std) expected.push_back({y, x});
      }
    REQUIRE(corners.size() == expected.size());
    for (std::size_t i = 0; i < corners.size(); ++i) {
      CHECK(corners[i].top == expected[i].top);
      CHECK(corners[i].left == expected[i].left);
    }
    CHECK(corners.size() < static_cast<std::size_t>(9 * 13));  // the flat windows were left out
    for (const PatchCorner& c : corners) CHECK(c.left > 8 - size);

    // Patches only at the given corners: here one, so every patch is that window or its mirror.
    const Tensor p = random_patches(img, 8, size, gen, {{3, 10}});
    const auto w = img.narrow(1, 3, size).narrow(2, 10, size).contiguous().to_vector<double>();
    const auto cut = p.to_vector<double>();
    for (std::int64_t i = 0; i < 8; ++i) {
      bool same = true, mirror = true;
      for (std::int64_t c = 0; c < 3; ++c)
        for (std::int64_t r = 0; r < size; ++r)
          for (std::int64_t j = 0; j < size; ++j) {
            const double got = cut[static_cast<std::size_t>(((i * 3 + c) * size + r) * size + j)];
            same = same && got == w[static_cast<std::size_t>((c * size + r) * size + j)];
            mirror = mirror && got == w[static_cast<std::size_t>((c * size + r) * size + size - 1 - j)];
          }
      CHECK((same || mirror));
    }
    GF_CHECK_CONTAINS(test::error_of([&] { random_patches(img, 2, size, gen, {{9, 0}}); }), "leaves the 12x16 image");
    GF_CHECK_CONTAINS(test::error_of([&] { random_patches(img, 2, size, gen, {}); }), "no corners");
  }
}
