// max_pool2d, avg_pool2d and upsample2d against naive loops; gradients by
// gradcheck and by hand.
#include <limits>

#include "helpers.hpp"

using namespace gf;

namespace {

// Naive pooling of (N, C, H, W): every window visited pixel by pixel, padded
// positions skipped (max) or counted as zeros (average).
Tensor naive_pool(const Tensor& x, std::int64_t k, std::int64_t s, std::int64_t pad, bool take_max) {
  const std::int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const std::int64_t Ho = (H + 2 * pad - k) / s + 1, Wo = (W + 2 * pad - k) / s + 1;
  const std::vector<double> v = x.to_vector<double>();
  std::vector<double> out;
  for (std::int64_t p = 0; p < P; ++p)
    for (std::int64_t i = 0; i < Ho; ++i)
      for (std::int64_t j = 0; j < Wo; ++j) {
        double best = -std::numeric_limits<double>::infinity(), total = 0;
        for (std::int64_t di = 0; di < k; ++di)
          for (std::int64_t dj = 0; dj < k; ++dj) {
            const std::int64_t r = i * s - pad + di, c = j * s - pad + dj;
            if (r < 0 || r >= H || c < 0 || c >= W) continue;
            const double value = v[static_cast<std::size_t>((p * H + r) * W + c)];
            best = std::max(best, value);
            total += value;
          }
        out.push_back(take_max ? best : total / static_cast<double>(k * k));
      }
  return from_vector<double>(out, {x.size(0), x.size(1), Ho, Wo});
}

// Naive upsampling: nearest copies pixel (i / s, j / s); bilinear samples the
// input at ((i + 0.5) / s - 0.5, (j + 0.5) / s - 0.5), clamped to the image.
Tensor naive_upsample(const Tensor& x, std::int64_t s, UpsampleMode mode) {
  const std::int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const std::vector<double> v = x.to_vector<double>();
  auto at = [&](std::int64_t p, std::int64_t r, std::int64_t c) {
    return v[static_cast<std::size_t>((p * H + r) * W + c)];
  };
  std::vector<double> out;
  for (std::int64_t p = 0; p < P; ++p)
    for (std::int64_t i = 0; i < H * s; ++i)
      for (std::int64_t j = 0; j < W * s; ++j) {
        if (mode == UpsampleMode::kNearest) {
          out.push_back(at(p, i / s, j / s));
          continue;
        }
        const double y = std::max((i + 0.5) / static_cast<double>(s) - 0.5, 0.0);
        const double x_ = std::max((j + 0.5) / static_cast<double>(s) - 0.5, 0.0);
        const auto r0 = static_cast<std::int64_t>(std::floor(y)), c0 = static_cast<std::int64_t>(std::floor(x_));
        const std::int64_t r1 = std::min(r0 + 1, H - 1), c1 = std::min(c0 + 1, W - 1);
        const double fy = y - static_cast<double>(r0), fx = x_ - static_cast<double>(c0);
        out.push_back((1 - fy) * ((1 - fx) * at(p, r0, c0) + fx * at(p, r0, c1)) +
                      fy * ((1 - fx) * at(p, r1, c0) + fx * at(p, r1, c1)));
      }
  return from_vector<double>(out, {x.size(0), x.size(1), H * s, W * s});
}

struct PoolCase {
  Shape shape;
  std::int64_t kernel, stride, padding;
};

const std::vector<PoolCase> kPoolCases = {
    {{2, 3, 6, 6}, 2, 0, 0}, {{1, 2, 7, 5}, 3, 2, 1}, {{2, 1, 5, 9}, 3, 1, 0},
    {{1, 1, 4, 4}, 4, 0, 2}, {{3, 2, 9, 7}, 2, 3, 1}, {{4, 8, 24, 23}, 3, 2, 1},  // the last spreads over threads
};

}  // namespace

TEST_SUITE("pool") {
  TEST_CASE("max_pool2d by hand: overlapping windows and padding") {
    Tensor x = from_vector<double>({1, 5, 2, 0, 3, 4, 7, 1, 6}, {1, 1, 3, 3}).requires_grad_();
    Tensor y = max_pool2d(x, 2, 1);  // windows [1 5 0 3] [5 2 3 4] [0 3 7 1] [3 4 1 6]
    CHECK(y.to_vector<double>() == std::vector<double>{5, 5, 7, 6});
    sum(y).backward();
    // 5 wins two windows, so it collects two gradients
    CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 2, 0, 0, 0, 0, 1, 0, 1});
    // padding is never chosen, even when every real value is negative
    Tensor neg = full({1, 1, 2, 2}, -3.0);
    CHECK(max_pool2d(neg, 2, 2, 1).to_vector<float>() == std::vector<float>{-3, -3, -3, -3});
  }

  TEST_CASE("max_pool2d and avg_pool2d match naive loops") {
    Rng g(21);
    for (const PoolCase& c : kPoolCases) {
      CAPTURE(c.shape);
      Tensor x = randn(c.shape, {}, &g);
      const std::int64_t s = c.stride == 0 ? c.kernel : c.stride;
      GF_CHECK_CLOSE(max_pool2d(x, c.kernel, c.stride, c.padding), naive_pool(x, c.kernel, s, c.padding, true), 0, 0);
      GF_CHECK_CLOSE(avg_pool2d(x, c.kernel, c.stride, c.padding), naive_pool(x, c.kernel, s, c.padding, false), 1e-5,
                     1e-6);
    }
    Tensor xt = randn({2, 3, 5, 6}, {}, &g).transpose(2, 3);  // (2, 3, 6, 5) strided
    GF_CHECK_CLOSE(max_pool2d(xt, 3, 2, 1), naive_pool(xt.contiguous(), 3, 2, 1, true), 0, 0);
  }

  TEST_CASE("avg_pool2d counts padding in the divisor") {
    Tensor x = ones({1, 1, 2, 2}).requires_grad_();
    Tensor y = avg_pool2d(x, 2, 2, 1);  // each window holds one real 1 and three padded zeros
    CHECK(y.to_vector<float>() == std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});
    sum(y).backward();
    CHECK(x.grad().to_vector<float>() == std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});
  }

  TEST_CASE("pooling passes gradcheck") {
    Rng g(22);
    for (const PoolCase& c : {kPoolCases[0], kPoolCases[1], kPoolCases[3], kPoolCases[4]}) {
      CAPTURE(c.shape);
      Tensor x = randn(c.shape, {DType::kFloat64}, &g).requires_grad_();
      GF_CHECK_GRAD([&c](auto& in) { return max_pool2d(in[0], c.kernel, c.stride, c.padding); },
                    (std::vector<Tensor>{x}));
      GF_CHECK_GRAD([&c](auto& in) { return avg_pool2d(in[0], c.kernel, c.stride, c.padding); },
                    (std::vector<Tensor>{x}));
    }
  }

  TEST_CASE("bilinear upsampling by hand (align_corners=false)") {
    Tensor x = from_vector<double>({1, 2, 3, 4}, {1, 1, 2, 2});
    // input pixel centres sit at output coordinates 1.5 and 3.5 (x2); edges clamp
    CHECK(upsample2d(x, 2, UpsampleMode::kBilinear).to_vector<double>() ==
          std::vector<double>{1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0});
    CHECK(upsample2d(x, 2).to_vector<double>() ==
          std::vector<double>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
    GF_CHECK_CLOSE(upsample2d(x, 1, UpsampleMode::kBilinear), x, 0, 0);
  }

  TEST_CASE("upsample2d matches naive loops for both modes and several factors") {
    Rng g(23);
    for (const Shape& s : {Shape{2, 3, 4, 5}, Shape{1, 1, 1, 3}, Shape{1, 2, 5, 1}, Shape{4, 8, 12, 11}})
      for (std::int64_t f : {1, 2, 3}) {
        CAPTURE(s);
        CAPTURE(f);
        Tensor x = randn(s, {}, &g);
        GF_CHECK_CLOSE(upsample2d(x, f), naive_upsample(x, f, UpsampleMode::kNearest), 0, 0);
        GF_CHECK_CLOSE(upsample2d(x, f, UpsampleMode::kBilinear), naive_upsample(x, f, UpsampleMode::kBilinear), 1e-5,
                       1e-6);
      }
  }

  TEST_CASE("upsampling backward: nearest sums blocks, bilinear scatters its weights") {
    Tensor x = from_vector<double>({1, 2}, {1, 1, 1, 2}).requires_grad_();
    sum(upsample2d(x, 3)).backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{9, 9});
    x.zero_grad();
    // along W (x2): outputs read [x0, 0.75 x0 + 0.25 x1, 0.25 x0 + 0.75 x1, x1]; rows just repeat
    Tensor w = from_vector<double>({1, 10, 100, 1000, 1, 10, 100, 1000}, {1, 1, 2, 4});
    sum(upsample2d(x, 2, UpsampleMode::kBilinear) * w).backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{2 * (1 + 7.5 + 25), 2 * (2.5 + 75 + 1000)});
    Rng g(24);
    Tensor r = randn({2, 2, 3, 4}, {DType::kFloat64}, &g).requires_grad_();
    for (std::int64_t f : {1, 2, 3}) {
      GF_CHECK_GRAD([f](auto& in) { return upsample2d(in[0], f); }, (std::vector<Tensor>{r}));
      GF_CHECK_GRAD([f](auto& in) { return upsample2d(in[0], f, UpsampleMode::kBilinear); }, (std::vector<Tensor>{r}));
    }
  }

  TEST_CASE("pooling and upsampling errors name the op and the shapes") {
    CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 2, 2}), 3),
                         doctest::Contains("max_pool2d: kernel 3 does not fit the padded input 2x2"), gf::Error);
    CHECK_THROWS_WITH_AS(avg_pool2d(zeros({1, 4, 4}), 2), doctest::Contains("avg_pool2d: expected a 4-D input"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 4, 4}), 2, 2, 2), doctest::Contains("padding 2"), gf::Error);
    CHECK_THROWS_WITH_AS(upsample2d(zeros({1, 1, 2, 2}), 0), doctest::Contains("scale_factor"), gf::Error);
    CHECK_THROWS_WITH_AS(upsample2d(zeros({2, 2}), 2), doctest::Contains("got shape (2, 2)"), gf::Error);
  }
}
