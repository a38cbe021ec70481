// dropout: seeded masks, scaling, evaluation mode, gradient, argument checks.
#include "helpers.hpp"

using namespace gf;

TEST_SUITE("dropout") {
  TEST_CASE("the same seed drops the same elements; another seed does not") {
    Tensor x = ones({64, 33});
    Rng g1(42), g2(42), g3(43);
    const auto a = dropout(x, 0.5, true, &g1).to_vector<float>();
    const auto b = dropout(x, 0.5, true, &g2).to_vector<float>();
    const auto c = dropout(x, 0.5, true, &g3).to_vector<float>();
    CHECK(a == b);
    CHECK(a != c);
    // the generator advances: a second draw from g1 gives a new mask
    CHECK(dropout(x, 0.5, true, &g1).to_vector<float>() != a);
    // the default generator is used when none is given, and is seedable
    manual_seed(7);
    const auto d = dropout(x, 0.5, true).to_vector<float>();
    manual_seed(7);
    CHECK(dropout(x, 0.5, true).to_vector<float>() == d);
  }

  TEST_CASE("survivors are scaled by 1 / (1 - p) and about a fraction p is dropped") {
    Rng g(1);
    const double p = 0.3;
    Tensor x = randn({100, 100}, {DType::kFloat64}, &g);
    const auto in = x.to_vector<double>();
    const auto out = dropout(x, p, true, &g).to_vector<double>();
    std::int64_t dropped = 0, wrongly_scaled = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (out[i] == 0.0) ++dropped;
      else if (std::abs(out[i] - in[i] / (1 - p)) > 1e-12 * std::abs(in[i])) ++wrongly_scaled;
    }
    CHECK(wrongly_scaled == 0);
    // 10000 Bernoulli(0.3) draws: standard deviation ~46, so +-200 is > 4 sigma
    CHECK(std::abs(static_cast<double>(dropped) - p * 10000) < 200);
  }

  TEST_CASE("evaluation mode and p = 0 return the input itself") {
    Tensor x = randn({3, 4});
    CHECK(dropout(x, 0.5, false).is_same(x));
    CHECK(dropout(x, 0.0, true).is_same(x));
  }

  TEST_CASE("the gradient is the mask: zero where dropped, 1 / (1 - p) where kept") {
    Tensor x = ones({8, 8}, {DType::kFloat64}).requires_grad_();
    Rng g(5);
    Tensor y = dropout(x, 0.25, true, &g);
    sum(y).backward();
    // with x = 1 the output equals the mask, and so must the gradient
    CHECK(x.grad().to_vector<double>() == y.to_vector<double>());
    GF_CHECK_GRAD(
        [](auto& in) {
          Rng fixed(9);  // the same mask on every evaluation
          return dropout(in[0], 0.4, true, &fixed);
        },
        (std::vector<Tensor>{randn({5, 6}, {DType::kFloat64}).requires_grad_()}));
  }

  TEST_CASE("p outside [0, 1) is refused, naming the value") {
    CHECK_THROWS_WITH_AS(dropout(ones({2}), 1.0, true), doctest::Contains("dropout: p must be in [0, 1), got 1"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(dropout(ones({2}), -0.1, true), doctest::Contains("got -0.1"), gf::Error);
    CHECK_THROWS_WITH_AS(dropout(ones({2}, {DType::kInt64}), 0.5, true), doctest::Contains("floating"), gf::Error);
  }
}
