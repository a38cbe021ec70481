// tiled_apply: tile placement, agreement with the one-pass output for a local
// network, and no seam for the style network (whose instance norm makes every
// tile a little different) where a hard cut leaves one.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gf/models/style/style_net.hpp"
#include "gf/models/style/tiled_apply.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;

namespace {

/// Mean |out[..., x] - out[..., x - 1]| over N, C and rows, for each column x >= 1.
std::vector<double> column_steps(const Tensor& out) {
  const Tensor d = abs(sub(out.narrow(3, 1, out.size(3) - 1), out.narrow(3, 0, out.size(3) - 1)));
  const std::vector<double> v = mean(d, {0, 1, 2}).to_vector<double>();
  std::vector<double> steps{0.0};
  steps.insert(steps.end(), v.begin(), v.end());
  return steps;
}

/// A smooth test picture (1, 3, H, W): gradients and slow waves, no edges.
Tensor smooth_picture(std::int64_t H, std::int64_t W) {
  std::vector<float> v;
  for (int c = 0; c < 3; ++c)
    for (std::int64_t y = 0; y < H; ++y)
      for (std::int64_t x = 0; x < W; ++x)
        v.push_back(static_cast<float>(0.5 + 0.3 * std::sin(0.11 * x + c) * std::cos(0.07 * y) + 0.002 * x));
  return from_vector<float>(v, {1, 3, H, W});
}

}  // namespace

TEST_SUITE("tiled_apply") {
  TEST_CASE("tile_starts covers the length with the asked overlap") {
    CHECK(models::tile_starts(100, 128, 16) == std::vector<std::int64_t>{0});
    CHECK(models::tile_starts(100, 40, 10) == std::vector<std::int64_t>{0, 30, 60});
    for (std::int64_t length : {41, 97, 300, 1001})
      for (std::int64_t overlap : {0, 7, 16}) {
        const auto s = models::tile_starts(length, 40, overlap);
        INFO("length ", length, " overlap ", overlap);
        CHECK(s.front() == 0);
        CHECK(s.back() + 40 == length);
        for (std::size_t k = 1; k < s.size(); ++k) CHECK(s[k - 1] + 40 - s[k] >= overlap);
      }
    CHECK(test::error_of([] { models::tile_starts(100, 32, 32); }).find("overlap < tile") != std::string::npos);
  }

  TEST_CASE("a local network: tiled output equals the one-pass output") {
    Rng g(5);
    const Tensor w1 = mul(randn({4, 3, 3, 3}, {}, &g), 0.3), w2 = mul(randn({3, 4, 3, 3}, {}, &g), 0.3);
    // Receptive field 5x5 (radius 2): only pixels within 2 of a tile's cut see its padding.
    const models::ImageFn net = [&](const Tensor& x) {
      return conv2d(relu(conv2d(x, w1, {}, Conv2dParams::make(1, 1))), w2, {}, Conv2dParams::make(1, 1));
    };
    const Tensor image = rand({2, 3, 45, 70}, {}, &g);
    const Tensor one_pass = net(image);
    std::int64_t calls = 0;
    const Tensor tiled = models::tiled_apply(net, image, {24, 12}, [&](std::int64_t done, std::int64_t total) {
      calls = done;
      CHECK(total == 3 * 5);
    });
    CHECK(calls == 15);
    // Near a cut the blend weights of the padded pixels are tiny (< 0.06): close everywhere ...
    GF_CHECK_CLOSE(tiled, one_pass, 0.0, 0.06 * max(abs(one_pass)).item());
    // ... and exact away from the cuts: rows 0..9 and columns 0..9 lie in one tile only.
    GF_CHECK_CLOSE(tiled.narrow(2, 0, 10).narrow(3, 0, 10), one_pass.narrow(2, 0, 10).narrow(3, 0, 10), 1e-5, 1e-6);
    // A wider overlap shrinks the padded pixels' weights, and with them the difference.
    const Tensor wide = models::tiled_apply(net, image, {40, 30});
    GF_CHECK_CLOSE(wide, one_pass, 0.0, 0.01 * max(abs(one_pass)).item());
  }

  TEST_CASE("a network with per-tile statistics: blended tiles leave no seam, hard cuts do") {
    // Like instance norm, this "network" depends on its whole input: it
    // subtracts each channel's mean. On a left-to-right ramp every tile gets a
    // different offset, so abutting tiles leave a step at each cut.
    const models::ImageFn centre = [](const Tensor& x) { return add(sub(x, mean(x, {2, 3}, true)), 0.5); };
    const Tensor image = smooth_picture(40, 200);
    const auto largest_step = [](const Tensor& out) {
      const std::vector<double> steps = column_steps(out);
      return *std::max_element(steps.begin(), steps.end());
    };
    const double image_step = largest_step(image);                                 // ~0.035 per column
    const double blended = largest_step(models::tiled_apply(centre, image, {64, 32}));  // 6 tiles, overlaps >= 32
    const double hard = largest_step(models::tiled_apply(centre, image, {50, 0}));      // 4 tiles that abut
    INFO("largest column step: image ", image_step, ", blended tiles ", blended, ", hard cuts ", hard);
    CHECK(blended < 1.5 * image_step);
    CHECK(hard > 3.0 * image_step);
  }

  TEST_CASE("the style network by tiles: same size, close to one pass") {
    Rng g(6);
    models::StyleNet net({8, 1}, &g);
    const Tensor image = smooth_picture(64, 150);
    NoGradGuard no_grad;
    const Tensor one_pass = net.forward(image);
    const Tensor tiled = models::tiled_apply([&](const Tensor& x) { return net.forward(x); }, image, {96, 48});
    CHECK(tiled.shape() == one_pass.shape());
    // Random weights and tiles smaller than the receptive field: close, not equal.
    const double diff = mean(abs(sub(tiled, one_pass))).item(), spread = mean(abs(sub(one_pass, mean(one_pass)))).item();
    INFO("mean |tiled - one pass| ", diff, ", mean deviation of the image ", spread);
    CHECK(diff < 0.75 * spread);  // misplaced tiles would give about 1.4 x spread
  }
}
