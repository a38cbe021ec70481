// cat, stack and pad2d against naive loops; gradients by gradcheck and by hand.
#include "helpers.hpp"

using namespace gf;

namespace {

// Naive cat of 3-D tensors along `dim`: walks the output and asks which
// input, and which element of it, each position comes from.
Tensor naive_cat3(const std::vector<Tensor>& ts, std::int64_t dim) {
  Shape s = ts[0].shape();
  s[static_cast<std::size_t>(dim)] = 0;
  for (const Tensor& t : ts) s[static_cast<std::size_t>(dim)] += t.size(dim);
  std::vector<std::vector<double>> values;
  for (const Tensor& t : ts) values.push_back(t.to_vector<double>());
  std::vector<double> out;
  for (std::int64_t i = 0; i < s[0]; ++i)
    for (std::int64_t j = 0; j < s[1]; ++j)
      for (std::int64_t k = 0; k < s[2]; ++k) {
        std::int64_t idx[3] = {i, j, k};
        std::size_t which = 0;
        while (idx[dim] >= ts[which].size(dim)) idx[dim] -= ts[which++].size(dim);
        const Tensor& t = ts[which];
        out.push_back(values[which][static_cast<std::size_t>((idx[0] * t.size(1) + idx[1]) * t.size(2) + idx[2])]);
      }
  return from_vector<double>(out, s);
}

// Naive pad2d over the last two dims: out[p][i][j] reads x[p][i - top][j - left],
// with zero or mirrored indices outside.
Tensor naive_pad2d(const Tensor& x, std::int64_t l, std::int64_t r, std::int64_t t, std::int64_t b, PadMode mode) {
  const std::int64_t H = x.size(-2), W = x.size(-1), Ho = H + t + b, Wo = W + l + r;
  const std::int64_t planes = x.numel() / (H * W);
  const std::vector<double> v = x.to_vector<double>();
  auto mirror = [](std::int64_t i, std::int64_t n) { return i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i); };
  std::vector<double> out;
  for (std::int64_t p = 0; p < planes; ++p)
    for (std::int64_t i = 0; i < Ho; ++i)
      for (std::int64_t j = 0; j < Wo; ++j) {
        std::int64_t si = i - t, sj = j - l;
        if (mode == PadMode::kReflect) {
          si = mirror(si, H);
          sj = mirror(sj, W);
        }
        const bool inside = si >= 0 && si < H && sj >= 0 && sj < W;
        out.push_back(inside ? v[static_cast<std::size_t>((p * H + si) * W + sj)] : 0.0);
      }
  Shape s = x.shape();
  s[s.size() - 2] = Ho;
  s[s.size() - 1] = Wo;
  return from_vector<double>(out, s);
}

}  // namespace

TEST_SUITE("shape") {
  TEST_CASE("cat along each dim matches a naive loop, strided inputs included") {
    Rng g(11);
    for (std::int64_t dim = 0; dim < 3; ++dim) {
      Shape sa{2, 3, 4}, sb{2, 3, 4}, sc{2, 3, 4};
      sa[static_cast<std::size_t>(dim)] = 1;
      sb[static_cast<std::size_t>(dim)] = 5;
      Tensor a = randn(sa, {}, &g), b = randn(sb, {}, &g);
      Tensor c = randn({sc[2], sc[1], sc[0]}, {}, &g).permute({2, 1, 0});  // non-contiguous view
      Tensor out = cat({a, b, c}, dim);
      GF_CHECK_CLOSE(out, naive_cat3({a, b, c}, dim), 0, 0);
      GF_CHECK_CLOSE(cat({a, b, c}, dim - 3), out, 0, 0);  // negative dim
    }
    Tensor one = randn({3}, {}, &g);
    GF_CHECK_CLOSE(cat({one}), one, 0, 0);
  }

  TEST_CASE("cat passes gradcheck and slices the gradient back to each input") {
    Rng g(12);
    Tensor a = randn({2, 3}, {DType::kFloat64}, &g).requires_grad_();
    Tensor b = randn({2, 1}, {DType::kFloat64}, &g);  // takes no gradient
    Tensor c = randn({2, 2}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](auto& in) { return cat({in[0], in[1], in[2]}, 1); }, (std::vector<Tensor>{a, b, c}));
    sum(cat({a, b, c}, 1) * arange(0, 6, 1, {DType::kFloat64})).backward();
    CHECK(a.grad().to_vector<double>() == std::vector<double>{0, 1, 2, 0, 1, 2});
    CHECK(c.grad().to_vector<double>() == std::vector<double>{4, 5, 4, 5});
    CHECK_FALSE(b.grad().defined());
  }

  TEST_CASE("cat errors name the shapes") {
    CHECK_THROWS_WITH_AS(cat({zeros({2, 3}), zeros({3, 3})}, 1),
                         doctest::Contains("cat: tensor 1 has shape (3, 3), tensor 0 has shape (2, 3)"), gf::Error);
    CHECK_THROWS_WITH_AS(cat({zeros({2, 3}), zeros({2})}), doctest::Contains("same number of dims"), gf::Error);
    CHECK_THROWS_WITH_AS(cat({zeros({2}), zeros({2}, {DType::kFloat64})}), doctest::Contains("float64"), gf::Error);
    CHECK_THROWS_WITH_AS(cat({}), doctest::Contains("at least one tensor"), gf::Error);
  }

  TEST_CASE("stack adds a new dim, forward and backward") {
    Tensor a = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
    Tensor b = from_vector<double>({4, 5, 6}, {3}).requires_grad_();
    Tensor s0 = stack({a, b});
    CHECK(s0.shape() == Shape{2, 3});
    CHECK(s0.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
    Tensor s1 = stack({a, b}, -1);
    CHECK(s1.shape() == Shape{3, 2});
    CHECK(s1.to_vector<double>() == std::vector<double>{1, 4, 2, 5, 3, 6});
    sum(s1 * from_vector<double>({1, 10, 2, 20, 3, 30}, {3, 2})).backward();
    CHECK(a.grad().to_vector<double>() == std::vector<double>{1, 2, 3});
    CHECK(b.grad().to_vector<double>() == std::vector<double>{10, 20, 30});
    Rng g(13);
    Tensor x = randn({2, 3}, {DType::kFloat64}, &g).requires_grad_();
    Tensor y = randn({2, 3}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](auto& in) { return stack({in[0], in[1], in[0]}, 1); }, (std::vector<Tensor>{x, y}));
    CHECK_THROWS_WITH_AS(stack({zeros({2, 3}), zeros({3, 2})}),
                         doctest::Contains("stack: tensor 1 has shape (3, 2), tensor 0 has shape (2, 3)"), gf::Error);
  }

  TEST_CASE("reflect pad by hand: mirrors without repeating the edge; backward adds the mirrors") {
    Tensor x = from_vector<double>({1, 2, 3}, {1, 1, 1, 3}).requires_grad_();
    Tensor y = pad2d(x, 2, 2, 0, 0, PadMode::kReflect);
    CHECK(y.to_vector<double>() == std::vector<double>{3, 2, 1, 2, 3, 2, 1});
    sum(y).backward();
    // 1 appears at output 2 and 6, 2 at 1, 3 and 5, 3 at 0 and 4
    CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 3, 2});
    Tensor z = pad2d(from_vector<double>({1, 2}, {1, 1, 2}), 1, 0, 0, 0);
    CHECK(z.to_vector<double>() == std::vector<double>{0, 1, 2});
  }

  TEST_CASE("pad2d matches a naive loop for both modes, 3-D and 4-D, odd sizes") {
    Rng g(14);
    struct Case {
      Shape shape;
      std::int64_t l, r, t, b;
    };
    for (const Case& c : {Case{{2, 3, 5, 4}, 1, 2, 3, 0}, Case{{3, 1, 7}, 0, 6, 0, 0}, Case{{1, 2, 3, 3}, 2, 2, 2, 2},
                          Case{{2, 5, 6}, 3, 1, 4, 2}}) {
      Tensor x = randn(c.shape, {}, &g);
      for (PadMode mode : {PadMode::kZero, PadMode::kReflect})
        GF_CHECK_CLOSE(pad2d(x, c.l, c.r, c.t, c.b, mode), naive_pad2d(x, c.l, c.r, c.t, c.b, mode), 0, 0);
    }
    // zero padding may exceed the input size; inputs may be strided views
    Tensor x = randn({2, 4, 3}, {}, &g).transpose(1, 2);  // (2, 3, 4) non-contiguous
    GF_CHECK_CLOSE(pad2d(x, 5, 0, 4, 6), naive_pad2d(x.contiguous(), 5, 0, 4, 6, PadMode::kZero), 0, 0);
    GF_CHECK_CLOSE(pad2d(x, 3, 2, 1, 2, PadMode::kReflect),
                   naive_pad2d(x.contiguous(), 3, 2, 1, 2, PadMode::kReflect), 0, 0);
  }

  TEST_CASE("pad2d passes gradcheck in both modes") {
    Rng g(15);
    Tensor x = randn({2, 2, 3, 4}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](auto& in) { return pad2d(in[0], 1, 2, 3, 0); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](auto& in) { return pad2d(in[0], 3, 2, 2, 1, PadMode::kReflect); }, (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([](auto& in) { return pad2d(in[0].select(0, 1), 1, 1, 1, 1, PadMode::kReflect); },
                  (std::vector<Tensor>{x}));
  }

  TEST_CASE("pad2d errors: reflect pad must be smaller than the dim, shapes and pads checked") {
    CHECK_THROWS_WITH_AS(pad2d(zeros({1, 1, 3, 4}), 4, 0, 0, 0, PadMode::kReflect),
                         doctest::Contains("must each be smaller than the padded dim (H = 3, W = 4)"), gf::Error);
    CHECK_THROWS_WITH_AS(pad2d(zeros({1, 1, 3, 4}), 0, 0, 0, 3, PadMode::kReflect), doctest::Contains("reflect"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(pad2d(zeros({3, 4}), 1, 1, 1, 1), doctest::Contains("got shape (3, 4)"), gf::Error);
    CHECK_THROWS_WITH_AS(pad2d(zeros({1, 3, 4}), -1, 0, 0, 0), doctest::Contains("must be >= 0"), gf::Error);
  }
}
