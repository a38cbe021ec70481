// Losses: hand-computed values (logits up to +-1000 included), naive
// references on random inputs, gradcheck for every input that takes a gradient.
#include <cmath>

#include "helpers.hpp"

using namespace gf;

namespace {

// Naive cross-entropy per row of (N, K) logits, straight from the definition.
std::vector<double> naive_cross_entropy(const Tensor& logits, const std::vector<std::int64_t>& labels) {
  const std::int64_t N = logits.size(0), K = logits.size(1);
  const std::vector<double> z = logits.to_vector<double>();
  std::vector<double> out;
  for (std::int64_t n = 0; n < N; ++n) {
    double total = 0;
    for (std::int64_t k = 0; k < K; ++k) total += std::exp(z[static_cast<std::size_t>(n * K + k)]);
    out.push_back(std::log(total) - z[static_cast<std::size_t>(n * K + labels[static_cast<std::size_t>(n)])]);
  }
  return out;
}

}  // namespace

TEST_SUITE("loss") {
  TEST_CASE("bce_with_logits by hand, finite and exact for logits of +-50 and +-1000") {
    for (DType dt : {DType::kFloat32, DType::kFloat64}) {
      CAPTURE(dt);
      Tensor z = from_vector<double>({0, 50, -50, 1000, -1000, 2}, {6}, {dt}).requires_grad_();
      Tensor y = from_vector<double>({1, 1, 1, 0, 1, 0.5}, {6}, {dt}).requires_grad_();
      Tensor l = bce_with_logits(z, y, Reduction::kNone);
      // log 2; ~1.9e-22; 50; 1000; 1000; softplus(2) - 1
      GF_CHECK_CLOSE(l, from_vector<double>({std::log(2.0), 0, 50, 1000, 1000, 1.1269280110429727}, {6}), 1e-6, 1e-12);
      CHECK(l.to_vector<double>()[3] == 1000.0);
      CHECK(l.to_vector<double>()[4] == 1000.0);
      // d/dz = sigmoid(z) - y, d/dy = -z
      sum(l).backward();
      GF_CHECK_CLOSE(z.grad(), from_vector<double>({-0.5, 0, -1, 1, -1, 0.3807970779778823}, {6}), 1e-6, 1e-12);
      CHECK(z.grad().to_vector<double>()[3] == 1.0);
      CHECK(z.grad().to_vector<double>()[4] == -1.0);
      GF_CHECK_CLOSE(y.grad(), from_vector<double>({0, -50, 50, -1000, 1000, -2}, {6}), 0, 0);
    }
    Tensor z = from_vector<float>({1000, -1000}, {2});
    Tensor y = from_vector<float>({0, 1}, {2});
    CHECK(bce_with_logits(z, y).item() == 1000.0);
    CHECK(bce_with_logits(z, y, Reduction::kSum).item() == 2000.0);
  }

  TEST_CASE("bce_with_logits matches -[y log s + (1 - y) log(1 - s)] and passes gradcheck") {
    Rng g(31);
    Tensor z = mul(randn({4, 5}, {DType::kFloat64}, &g), 3.0).requires_grad_();
    Tensor y = rand({4, 5}, {DType::kFloat64}, &g).requires_grad_();
    const std::vector<double> zv = z.to_vector<double>(), yv = y.to_vector<double>();
    std::vector<double> expected;
    for (std::size_t i = 0; i < zv.size(); ++i) {
      const double s = 1 / (1 + std::exp(-zv[i]));
      expected.push_back(-(yv[i] * std::log(s) + (1 - yv[i]) * std::log(1 - s)));
    }
    GF_CHECK_CLOSE(bce_with_logits(z, y, Reduction::kNone), from_vector<double>(expected, {4, 5}), 1e-10, 1e-12);
    for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone})
      GF_CHECK_GRAD([r](auto& in) { return bce_with_logits(in[0], in[1], r); }, (std::vector<Tensor>{z, y}));
  }

  TEST_CASE("bce on probabilities by hand: logs clamped at -100, gradients finite at 0 and 1") {
    Tensor p = from_vector<double>({0, 1, 0.5, 0.9, 0, 1, 0.25}, {7}).requires_grad_();
    Tensor y = from_vector<double>({0, 0, 1, 1, 1, 1, 0.3}, {7}).requires_grad_();
    Tensor l = bce(p, y, Reduction::kNone);
    GF_CHECK_CLOSE(l, from_vector<double>({0, 100, std::log(2.0), -std::log(0.9), 100, 0, 0.6172657590522138}, {7}),
                   1e-12, 1e-12);
    sum(l).backward();
    // d/dp = (p - y) / max(p (1 - p), 1e-12); d/dy = log(1 - p) - log p, both logs clamped
    GF_CHECK_CLOSE(p.grad(), from_vector<double>({0, 1e12, -2, -0.1 / 0.09, -1e12, 0, -0.05 / 0.1875}, {7}), 1e-9, 0);
    GF_CHECK_CLOSE(y.grad(), from_vector<double>({100, -100, 0, std::log(0.1 / 0.9), 100, -100, std::log(3.0)}, {7}),
                   1e-9, 1e-12);
    const double total = 200 + std::log(2.0) - std::log(0.9) + 0.6172657590522138;
    CHECK(bce(p.detach(), y.detach()).item() == doctest::Approx(total / 7));
  }

  TEST_CASE("bce on probabilities passes gradcheck for both inputs") {
    Rng g(32);
    Tensor p = add(mul(rand({3, 4}, {DType::kFloat64}, &g), 0.8), 0.1).requires_grad_();  // away from 0 and 1
    Tensor y = rand({3, 4}, {DType::kFloat64}, &g).requires_grad_();
    for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone})
      GF_CHECK_GRAD([r](auto& in) { return bce(in[0], in[1], r); }, (std::vector<Tensor>{p, y}));
  }

  TEST_CASE("mse_loss and l1_loss by hand, each reduction, and gradcheck") {
    Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
    Tensor y = from_vector<double>({0, 4, 3}, {3});
    CHECK(mse_loss(x, y).item() == doctest::Approx(5.0 / 3.0));
    CHECK(mse_loss(x, y, Reduction::kSum).item() == 5.0);
    CHECK(mse_loss(x, y, Reduction::kNone).to_vector<double>() == std::vector<double>{1, 4, 0});
    CHECK(l1_loss(x, y).item() == 1.0);
    CHECK(l1_loss(x, y, Reduction::kNone).to_vector<double>() == std::vector<double>{1, 2, 0});
    mse_loss(x, y).backward();  // 2 (x - y) / 3
    GF_CHECK_CLOSE(x.grad(), from_vector<double>({2.0 / 3, -4.0 / 3, 0}, {3}), 1e-12, 0);
    x.zero_grad();
    l1_loss(x, y, Reduction::kSum).backward();  // sign(x - y)
    CHECK(x.grad().to_vector<double>() == std::vector<double>{1, -1, 0});
    Rng g(33);
    Tensor a = randn({2, 3, 2}, {DType::kFloat64}, &g).requires_grad_();
    Tensor b = randn({2, 3, 2}, {DType::kFloat64}, &g).requires_grad_();
    for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone}) {
      GF_CHECK_GRAD([r](auto& in) { return mse_loss(in[0], in[1], r); }, (std::vector<Tensor>{a, b}));
      GF_CHECK_GRAD([r](auto& in) { return l1_loss(in[0], in[1], r); }, (std::vector<Tensor>{a, b}));
    }
  }

  TEST_CASE("elementwise losses refuse mismatched inputs, naming both shapes") {
    CHECK_THROWS_WITH_AS(mse_loss(zeros({2, 3}), zeros({3, 2})),
                         doctest::Contains("mse_loss: input (2, 3) and target (3, 2) must have the same shape"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(bce_with_logits(zeros({4, 1}), zeros({4})), doctest::Contains("bce_with_logits"), gf::Error);
    CHECK_THROWS_WITH_AS(bce(zeros({2}), zeros({2}, {DType::kFloat64})), doctest::Contains("float64"), gf::Error);
  }

  TEST_CASE("log_softmax is exact for +-1000, matches a naive loop, and passes gradcheck") {
    Tensor big = from_vector<float>({1000, -1000, 0}, {1, 3});
    CHECK(log_softmax(big, 1).to_vector<float>() == std::vector<float>{0, -2000, -1000});
    const double lse = 3.4076059644443806;  // log(e + e^2 + e^3)
    GF_CHECK_CLOSE(log_softmax(from_vector<double>({1, 2, 3}, {3}), 0),
                   from_vector<double>({1 - lse, 2 - lse, 3 - lse}, {3}), 1e-14, 1e-14);
    Rng g(34);
    Tensor x = randn({4, 5}, {DType::kFloat64}, &g).requires_grad_();
    const std::vector<double> v = x.to_vector<double>();
    for (std::int64_t dim : {0, 1}) {
      std::vector<double> expected(v.size());
      for (std::int64_t i = 0; i < 4; ++i)
        for (std::int64_t j = 0; j < 5; ++j) {
          double total = 0;
          for (std::int64_t k = 0; k < (dim == 0 ? 4 : 5); ++k)
            total += std::exp(v[static_cast<std::size_t>(dim == 0 ? k * 5 + j : i * 5 + k)]);
          expected[static_cast<std::size_t>(i * 5 + j)] = v[static_cast<std::size_t>(i * 5 + j)] - std::log(total);
        }
      GF_CHECK_CLOSE(log_softmax(x, dim), from_vector<double>(expected, {4, 5}), 1e-12, 1e-12);
      GF_CHECK_GRAD([dim](auto& in) { return log_softmax(in[0], dim); }, (std::vector<Tensor>{x}));
    }
  }

  TEST_CASE("cross_entropy by hand with logits of +-50 and +-1000; gradient is softmax - onehot") {
    Tensor z = from_vector<double>({0, 0, 1000, -1000, -1000, 1000, 50, -50}, {4, 2}).requires_grad_();
    Tensor labels = from_vector<std::int64_t>({0, 0, 0, 1}, {4});
    Tensor l = cross_entropy(z, labels, Reduction::kNone);
    GF_CHECK_CLOSE(l, from_vector<double>({std::log(2.0), 0, 2000, 100}, {4}), 1e-12, 1e-12);
    cross_entropy(z, labels).backward();  // mean over the 4 rows
    GF_CHECK_CLOSE(z.grad(), from_vector<double>({-0.125, 0.125, 0, 0, -0.25, 0.25, 0.25, -0.25}, {4, 2}), 1e-12,
                   1e-12);
    CHECK(cross_entropy(z.detach(), labels, Reduction::kSum).item() == doctest::Approx(std::log(2.0) + 2100));
  }

  TEST_CASE("cross_entropy matches a naive loop and passes gradcheck") {
    Rng g(35);
    Tensor z = randn({6, 5}, {DType::kFloat64}, &g).requires_grad_();
    Tensor labels = randint(0, 5, {6}, {DType::kInt64}, &g);
    GF_CHECK_CLOSE(cross_entropy(z, labels, Reduction::kNone),
                   from_vector<double>(naive_cross_entropy(z, labels.to_vector<std::int64_t>()), {6}), 1e-12, 1e-12);
    for (Reduction r : {Reduction::kMean, Reduction::kSum, Reduction::kNone})
      GF_CHECK_GRAD(([r, labels](auto& in) { return cross_entropy(in[0], labels, r); }), (std::vector<Tensor>{z}));
    // a transposed (non-contiguous) view of logits
    Tensor zt = randn({5, 6}, {DType::kFloat64}, &g).t();
    GF_CHECK_CLOSE(cross_entropy(zt, labels, Reduction::kNone),
                   from_vector<double>(naive_cross_entropy(zt, labels.to_vector<std::int64_t>()), {6}), 1e-12, 1e-12);
  }

  TEST_CASE("cross_entropy checks labels: range, dtype and shape") {
    Tensor z = zeros({2, 3});
    CHECK_THROWS_WITH_AS(cross_entropy(z, from_vector<std::int64_t>({0, 3}, {2})),
                         doctest::Contains("cross_entropy: label 3 at position 1 is out of range [0, 3)"), gf::Error);
    CHECK_THROWS_WITH_AS(cross_entropy(z, from_vector<std::int64_t>({-1, 0}, {2})), doctest::Contains("label -1"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(cross_entropy(z, from_vector<float>({0, 1}, {2})), doctest::Contains("int64"), gf::Error);
    CHECK_THROWS_WITH_AS(cross_entropy(z, from_vector<std::int64_t>({0, 1, 2}, {3})), doctest::Contains("(3,)"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3, 1}), from_vector<std::int64_t>({0, 1}, {2})),
                         doctest::Contains("(N, K)"), gf::Error);
  }
}
