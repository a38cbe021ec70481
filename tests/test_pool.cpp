// max_pool2d, avg_pool2d and upsample2d by hand: window choice, padding,
// gradients, errors. Against naive loops and by gradcheck on many shapes:
// their rows in the op table (tests/op_table_norm_pool.cpp).
#include "helpers.hpp"

using namespace gf;

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

  TEST_CASE("avg_pool2d counts padding in the divisor") {
    Tensor x = ones({1, 1, 2, 2}).requires_grad_();
    Tensor y = avg_pool2d(x, 2, 2, 1);  // each window holds one real 1 and three padded zeros
    CHECK(y.to_vector<float>() == std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});
    sum(y).backward();
    CHECK(x.grad().to_vector<float>() == std::vector<float>{0.25f, 0.25f, 0.25f, 0.25f});
  }

  TEST_CASE("bilinear upsampling by hand (align_corners=false)") {
    Tensor x = from_vector<double>({1, 2, 3, 4}, {1, 1, 2, 2});
    // input pixel centres sit at output coordinates 1.5 and 3.5 (x2); edges clamp
    CHECK(upsample2d(x, 2, UpsampleMode::kBilinear).to_vector<double>() ==
          std::vector<double>{1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0});
    CHECK(upsample2d(x, 2).to_vector<double>() == std::vector<double>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
    GF_CHECK_CLOSE(upsample2d(x, 1, UpsampleMode::kBilinear), x, 0, 0);
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
