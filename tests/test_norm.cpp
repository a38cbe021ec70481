// batch_norm by hand and against naive loops (running statistics, eval mode,
// float32 accuracy, gradients) and both norms' errors; instance_norm and the
// forward and gradcheck of both on many shapes: the op table (op_table_norm_pool.cpp).
#include <cmath>

#include "helpers.hpp"

using namespace gf;

namespace {

// The naive reference: normalises x viewed as (B, C, S) per channel c over its
// B * S values with mean/var computed in double by two plain passes, then
// gamma * xhat + beta. Statistics come from x unless `mean`/`var` are given.
struct RefNorm {
  std::vector<double> y, mean, var;  // var biased
};

RefNorm ref_norm(const std::vector<double>& x, std::int64_t B, std::int64_t C, std::int64_t S,
                 const std::vector<double>& gamma, const std::vector<double>& beta, double eps,
                 const std::vector<double>& given_mean = {}, const std::vector<double>& given_var = {}) {
  RefNorm r;
  r.y.resize(x.size());
  for (std::int64_t c = 0; c < C; ++c) {
    double m = 0, v = 0;
    if (given_mean.empty()) {
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t s = 0; s < S; ++s) m += x[(b * C + c) * S + s];
      m /= static_cast<double>(B * S);
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t s = 0; s < S; ++s) v += (x[(b * C + c) * S + s] - m) * (x[(b * C + c) * S + s] - m);
      v /= static_cast<double>(B * S);
    } else {
      m = given_mean[c];
      v = given_var[c];
    }
    r.mean.push_back(m);
    r.var.push_back(v);
    const double g = gamma.empty() ? 1.0 : gamma[c], be = beta.empty() ? 0.0 : beta[c];
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t s = 0; s < S; ++s) {
        const std::int64_t i = (b * C + c) * S + s;
        r.y[i] = g * (x[i] - m) / std::sqrt(v + eps) + be;
      }
  }
  return r;
}

Tensor as_tensor(const std::vector<double>& v, const Shape& shape) { return from_vector<double>(v, shape); }

}  // namespace

TEST_SUITE("norm") {
  TEST_CASE("batch_norm training matches the naive reference on several shapes") {
    Rng gen(1);
    for (const Shape& shape : {Shape{4, 3, 5, 7}, Shape{2, 5}, Shape{5, 3, 3, 2}, Shape{3, 2, 1, 1}, Shape{1, 4, 3, 3}}) {
      CAPTURE(shape);
      const std::int64_t N = shape[0], C = shape[1], S = shape.numel() / (N * C);
      Tensor x = randn(shape, {}, &gen) * 2.0 + 0.5;
      Tensor w = randn({C}, {}, &gen), b = randn({C}, {}, &gen);
      Tensor rm = zeros({C}), rv = ones({C});
      Tensor y = batch_norm(x, w, b, rm, rv, /*training=*/true, 0.1, 1e-5);
      const RefNorm r = ref_norm(x.to_vector<double>(), N, C, S, w.to_vector<double>(), b.to_vector<double>(), 1e-5);
      GF_CHECK_CLOSE(y, as_tensor(r.y, shape).to(DType::kFloat32), 1e-4, 1e-4);
      // running = 0.9 running + 0.1 batch, variance unbiased
      std::vector<double> want_rm, want_rv;
      for (std::int64_t c = 0; c < C; ++c) {
        want_rm.push_back(0.1 * r.mean[c]);
        want_rv.push_back(0.9 + 0.1 * r.var[c] * static_cast<double>(N * S) / static_cast<double>(N * S - 1));
      }
      GF_CHECK_CLOSE(rm, as_tensor(want_rm, {C}).to(DType::kFloat32), 1e-5, 1e-6);
      GF_CHECK_CLOSE(rv, as_tensor(want_rv, {C}).to(DType::kFloat32), 1e-5, 1e-6);
    }
  }

  TEST_CASE("batch_norm running statistics by hand") {
    // Channel 0 holds {1, 3}, channel 1 holds {2, 6}:
    // mean (2, 4), biased var (1, 4), unbiased var (2, 8).
    Tensor x = from_vector<float>({1, 2, 3, 6}, {2, 2});
    Tensor rm = from_vector<float>({0.5f, -1.0f}, {2}), rv = ones({2});
    Tensor y = batch_norm(x, Tensor(), Tensor(), rm, rv, /*training=*/true, /*momentum=*/0.1, /*eps=*/0.0);
    CHECK(y.to_vector<float>() == std::vector<float>{-1, -1, 1, 1});
    // running_mean = 0.9 (0.5, -1) + 0.1 (2, 4) = (0.65, -0.5)
    // running_var  = 0.9 (1, 1) + 0.1 (2, 8)    = (1.1, 1.7)
    CHECK(rm.to_vector<double>()[0] == doctest::Approx(0.65));
    CHECK(rm.to_vector<double>()[1] == doctest::Approx(-0.5));
    CHECK(rv.to_vector<double>()[0] == doctest::Approx(1.1));
    CHECK(rv.to_vector<double>()[1] == doctest::Approx(1.7));
    // A second step moves them again: running_mean = 0.9 (0.65, -0.5) + 0.1 (2, 4)
    batch_norm(x, Tensor(), Tensor(), rm, rv, true, 0.1, 0.0);
    CHECK(rm.to_vector<double>()[0] == doctest::Approx(0.785));
    CHECK(rm.to_vector<double>()[1] == doctest::Approx(-0.05));
  }

  TEST_CASE("batch_norm eval uses the running statistics and leaves them alone") {
    Rng gen(2);
    Tensor x = randn({3, 4, 2, 5}, {}, &gen);
    Tensor w = randn({4}, {}, &gen), b = randn({4}, {}, &gen);
    Tensor rm = randn({4}, {}, &gen), rv = rand({4}, {}, &gen) + 0.5;
    const auto rm_before = rm.to_vector<double>(), rv_before = rv.to_vector<double>();
    Tensor y = batch_norm(x, w, b, rm, rv, /*training=*/false, 0.1, 1e-3);
    const RefNorm r = ref_norm(x.to_vector<double>(), 3, 4, 10, w.to_vector<double>(), b.to_vector<double>(), 1e-3,
                               rm_before, rv_before);
    GF_CHECK_CLOSE(y, as_tensor(r.y, x.shape()).to(DType::kFloat32), 1e-5, 1e-5);
    CHECK(rm.to_vector<double>() == rm_before);
    CHECK(rv.to_vector<double>() == rv_before);
  }

  TEST_CASE("batch_norm statistics stay accurate for a large mean in float32") {
    // Values 1000 + noise of std 0.01: E[x^2] - E[x]^2 accumulated in float32
    // would lose the variance entirely (1000^2 carries ~0.06 of rounding, the
    // variance is 1e-4). What remains is the float32 rounding of the mean itself
    // (half an ulp of 1000 is 3e-5, i.e. 0.003 standard deviations).
    Rng gen(3);
    Tensor x = randn({64, 2, 4, 4}, {}, &gen) * 0.01 + 1000.0;
    Tensor y = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 0.0);
    const RefNorm r = ref_norm(x.to_vector<double>(), 64, 2, 16, {}, {}, 0.0);
    GF_CHECK_CLOSE(y, as_tensor(r.y, x.shape()).to(DType::kFloat32), 1e-2, 1e-2);
  }

  TEST_CASE("batch_norm gradients in training mode (x, weight, bias)") {
    Rng gen(4);
    for (const Shape& shape : {Shape{3, 2, 3, 2}, Shape{4, 3}, Shape{2, 3, 1, 5}}) {
      CAPTURE(shape);
      const std::int64_t C = shape[1];
      Tensor x = randn(shape, {DType::kFloat64}, &gen).requires_grad_();
      Tensor w = randn({C}, {DType::kFloat64}, &gen).requires_grad_();
      Tensor b = randn({C}, {DType::kFloat64}, &gen).requires_grad_();
      Tensor rm = zeros({C}, {DType::kFloat64}), rv = ones({C}, {DType::kFloat64});
      GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], rm, rv, true); },
                    (std::vector<Tensor>{x, w, b}));
      // without affine parameters
      GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return batch_norm(in[0], Tensor(), Tensor(), rm, rv, true); },
                    (std::vector<Tensor>{x}));
    }
  }

  TEST_CASE("batch_norm gradients in eval mode") {
    Rng gen(5);
    Tensor x = randn({2, 3, 2, 2}, {DType::kFloat64}, &gen).requires_grad_();
    Tensor w = randn({3}, {DType::kFloat64}, &gen).requires_grad_();
    Tensor b = randn({3}, {DType::kFloat64}, &gen).requires_grad_();
    Tensor rm = randn({3}, {DType::kFloat64}, &gen), rv = rand({3}, {DType::kFloat64}, &gen) + 0.5;
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], rm, rv, false); },
                  (std::vector<Tensor>{x, w, b}));
  }

  TEST_CASE("batch_norm backward on a non-contiguous input and gradient") {
    Rng gen(6);
    Tensor x = randn({3, 4, 2, 5}, {DType::kFloat64}, &gen).permute({0, 1, 3, 2}).requires_grad_();
    Tensor w = randn({4}, {DType::kFloat64}, &gen).requires_grad_();
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) {
      return batch_norm(in[0], in[1], Tensor(), Tensor(), Tensor(), true).transpose(0, 3);
    }, (std::vector<Tensor>{x, w}));
  }

  TEST_CASE("errors name the op and the shapes") {
    Tensor x = zeros({2, 3, 4, 4});
    CHECK_THROWS_WITH_AS(batch_norm(x, ones({4}), Tensor(), Tensor(), Tensor(), true),
                         "batch_norm: weight must have shape (3,) for input (2, 3, 4, 4), got (4,)", gf::Error);
    CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false),
                         doctest::Contains("eval mode needs running_mean"), gf::Error);
    CHECK_THROWS_WITH_AS(batch_norm(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                         doctest::Contains("more than one value per channel"), gf::Error);
    CHECK_THROWS_WITH_AS(instance_norm(zeros({2, 3})), doctest::Contains("instance_norm: input must be"), gf::Error);
  }
}
