// Reductions: var, max, argmax against hand values and naive loops; gradients
// by gradcheck (sum/mean are covered in test_autograd.cpp).
#include <limits>

#include "helpers.hpp"

using namespace gf;

namespace {

// Naive variance of a (A, B, C) tensor over `dims` (sorted subset of {0, 1, 2}),
// reduced dims kept as size 1.
Tensor naive_var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased) {
  const std::int64_t A = x.size(0), B = x.size(1), C = x.size(2);
  const std::vector<double> v = x.to_vector<double>();
  auto reduced = [&](std::int64_t d) { return std::find(dims.begin(), dims.end(), d) != dims.end(); };
  const std::int64_t oa = reduced(0) ? 1 : A, ob = reduced(1) ? 1 : B, oc = reduced(2) ? 1 : C;
  std::vector<double> out;
  for (std::int64_t a = 0; a < oa; ++a)
    for (std::int64_t b = 0; b < ob; ++b)
      for (std::int64_t c = 0; c < oc; ++c) {
        std::vector<double> group;
        for (std::int64_t i = 0; i < A; ++i)
          for (std::int64_t j = 0; j < B; ++j)
            for (std::int64_t k = 0; k < C; ++k)
              if ((reduced(0) || i == a) && (reduced(1) || j == b) && (reduced(2) || k == c))
                group.push_back(v[static_cast<std::size_t>((i * B + j) * C + k)]);
        double m = 0, ss = 0;
        for (double g : group) m += g;
        m /= static_cast<double>(group.size());
        for (double g : group) ss += (g - m) * (g - m);
        out.push_back(ss / static_cast<double>(group.size() - (unbiased ? 1 : 0)));
      }
  return from_vector<double>(out, {oa, ob, oc});
}

// Naive max and first arg-max of a 2-D (R, K) tensor along dim 1.
std::pair<std::vector<double>, std::vector<std::int64_t>> naive_row_max(const Tensor& x) {
  const std::vector<double> v = x.to_vector<double>();
  std::vector<double> values;
  std::vector<std::int64_t> indices;
  for (std::int64_t r = 0; r < x.size(0); ++r) {
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < x.size(1); ++k)
      if (v[static_cast<std::size_t>(r * x.size(1) + k)] > v[static_cast<std::size_t>(r * x.size(1) + best)]) best = k;
    values.push_back(v[static_cast<std::size_t>(r * x.size(1) + best)]);
    indices.push_back(best);
  }
  return {values, indices};
}

}  // namespace

TEST_SUITE("reduce") {
  TEST_CASE("var by hand: unbiased divides by n - 1, biased by n") {
    Tensor x = from_vector<double>({1, 2, 3, 4}, {2, 2});
    // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
    CHECK(var(x).item() == doctest::Approx(5.0 / 3.0));
    CHECK(var(x, false).item() == doctest::Approx(1.25));
    CHECK(var(x).dim() == 0);
    // rows [1, 2] and [3, 4]: each has deviations 0.25 + 0.25
    CHECK(var(x, {1}, true).to_vector<double>() == std::vector<double>{0.5, 0.5});
    CHECK(var(x, {0}, false, true).shape() == Shape{1, 2});
    CHECK(var(x, {0}, false, true).to_vector<double>() == std::vector<double>{1.0, 1.0});
  }

  TEST_CASE("var matches a naive loop over several dims, shapes and strides") {
    Rng g(3);
    for (const Shape& s : {Shape{3, 4, 5}, Shape{1, 7, 2}, Shape{5, 1, 3}}) {
      Tensor x = randn(s, {}, &g);
      for (const std::vector<std::int64_t>& dims :
           std::vector<std::vector<std::int64_t>>{{0}, {1}, {2}, {0, 2}, {0, 1, 2}}) {
        Shape kept = s;
        std::int64_t n = 1;
        for (auto d : dims) {
          n *= s[static_cast<std::size_t>(d)];
          kept[static_cast<std::size_t>(d)] = 1;
        }
        if (n < 2) continue;  // unbiased variance needs two elements
        for (bool unbiased : {true, false}) {
          GF_CHECK_CLOSE(var(x, dims, unbiased, true), naive_var(x, dims, unbiased), 1e-5, 1e-6);
          GF_CHECK_CLOSE(var(x, dims, unbiased, false).reshape(kept), naive_var(x, dims, unbiased), 1e-5, 1e-6);
        }
      }
    }
    // A transposed (non-contiguous) view and a negative dim.
    Tensor x = randn({4, 3, 6}, {DType::kFloat64}, &g);
    Tensor xt = x.transpose(0, 2);  // (6, 3, 4)
    GF_CHECK_CLOSE(var(xt, {-1}, true, true), naive_var(xt.contiguous(), {2}, true), 1e-10, 1e-12);
  }

  TEST_CASE("var of a single element is unbiased-undefined and says so") {
    CHECK_THROWS_WITH_AS(var(ones({1, 3}), {0}), doctest::Contains("unbiased variance of 1 element"), gf::Error);
    CHECK(var(ones({1, 3}), {0}, false).to_vector<float>() == std::vector<float>{0, 0, 0});
  }

  TEST_CASE("var passes gradcheck, all elements and along dims") {
    Rng g(4);
    Tensor x = randn({3, 4, 2}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](auto& in) { return var(in[0]); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](auto& in) { return var(in[0], false); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](auto& in) { return var(in[0], {0, 2}, true, true); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](auto& in) { return var(in[0], {1}, false, false); }, (std::vector<Tensor>{x}));
  }

  TEST_CASE("max along a dim: values, keepdim, and the gradient goes to the first arg-max") {
    Tensor x = from_vector<double>({1, 3, 3, 5, 2, 5}, {2, 3}).requires_grad_();
    Tensor m = max(x, 1);
    CHECK(m.shape() == Shape{2});
    CHECK(m.to_vector<double>() == std::vector<double>{3, 5});
    CHECK(max(x, 1, true).shape() == Shape{2, 1});
    CHECK(max(x, 0).to_vector<double>() == std::vector<double>{5, 3, 5});
    sum(m * from_vector<double>({2, 10}, {2})).backward();
    // ties: only the first maximum of each row receives the gradient
    CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 2, 0, 10, 0, 0});
  }

  TEST_CASE("max over all elements and its gradient") {
    Tensor x = from_vector<double>({-1, 7, 2, 7}, {2, 2}).requires_grad_();
    Tensor m = max(x);
    CHECK(m.dim() == 0);
    CHECK(m.item() == 7.0);
    m.backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 1, 0, 0});
  }

  TEST_CASE("max and argmax match a naive loop on random and strided inputs") {
    Rng g(5);
    for (const Shape& s : {Shape{4, 7}, Shape{1, 1}, Shape{9, 3}, Shape{5, 1}}) {
      Tensor x = randn(s, {}, &g);
      const auto [values, indices] = naive_row_max(x);
      CHECK(max(x, 1).to_vector<double>() == values);
      CHECK(max(x, -1).to_vector<double>() == values);
      CHECK(argmax(x, 1).to_vector<std::int64_t>() == indices);
      // the same reduction read through a transposed view, along dim 0
      Tensor xt = x.t();  // (K, R) view with strides (1, K)
      CHECK(max(xt, 0).to_vector<double>() == values);
      CHECK(argmax(xt, 0, true).shape() == Shape{1, s[0]});
      CHECK(argmax(xt, 0, true).to_vector<std::int64_t>() == indices);
    }
  }

  TEST_CASE("argmax is int64, flattened when no dim is given, and not differentiable") {
    Tensor x = from_vector<float>({0, 4, 9, 9, -1, 3}, {2, 3}).requires_grad_();
    Tensor i = argmax(x);
    CHECK(i.dtype() == DType::kInt64);
    CHECK(i.dim() == 0);
    CHECK(i.item<std::int64_t>() == 2);
    CHECK_FALSE(i.requires_grad());
    CHECK(argmax(x, 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0});
    CHECK_FALSE(argmax(x, 0).requires_grad());
    // NaN counts as the maximum, like torch
    Tensor n = from_vector<double>({1, std::numeric_limits<double>::quiet_NaN(), 5}, {3});
    CHECK(argmax(n).item<std::int64_t>() == 1);
  }

  TEST_CASE("max passes gradcheck along each dim and over all elements") {
    Rng g(6);
    Tensor x = randn({3, 4, 5}, {DType::kFloat64}, &g).requires_grad_();
    for (std::int64_t d = 0; d < 3; ++d) {
      GF_CHECK_GRAD([d](auto& in) { return max(in[0], d); }, (std::vector<Tensor>{x}));
      GF_CHECK_GRAD([d](auto& in) { return max(in[0], d, true); }, (std::vector<Tensor>{x}));
    }
    GF_CHECK_GRAD([](auto& in) { return max(in[0]); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](auto& in) { return max(in[0].transpose(0, 2), 1); }, (std::vector<Tensor>{x}));
  }

  TEST_CASE("max and argmax errors name the op and the shape") {
    CHECK_THROWS_WITH_AS(max(Tensor::empty({2, 0}), 1),
                         doctest::Contains("max: cannot take the maximum over dim 1 of size 0"), gf::Error);
    CHECK_THROWS_WITH_AS(argmax(zeros({2, 3}), 2), doctest::Contains("argmax: dim 2 out of range"), gf::Error);
    CHECK_THROWS_WITH_AS(max(Tensor::empty({0})), doctest::Contains("(0,)"), gf::Error);
  }
}
