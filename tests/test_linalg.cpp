// matmul and linear: forward against plain loops (2-D, batched, broadcast,
// non-contiguous operands), gradcheck in float64, and the shape errors.
#include <array>

#include "helpers.hpp"

using namespace gf;

namespace {

/// (B, M, K) @ (B, K, N) by three plain loops over to_vector() copies; a 2-D
/// operand is used for every batch item.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  const std::int64_t batch = a.dim() == 3 ? a.size(0) : (b.dim() == 3 ? b.size(0) : 1);
  const std::int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  std::vector<double> out(static_cast<std::size_t>(batch * m * n), 0.0);
  for (std::int64_t t = 0; t < batch; ++t) {
    const std::int64_t oa = a.dim() == 3 ? t * m * k : 0, ob = b.dim() == 3 ? t * k * n : 0;
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j)
        for (std::int64_t p = 0; p < k; ++p)
          out[static_cast<std::size_t>((t * m + i) * n + j)] +=
              va[static_cast<std::size_t>(oa + i * k + p)] * vb[static_cast<std::size_t>(ob + p * n + j)];
  }
  Shape shape = a.dim() == 2 && b.dim() == 2 ? Shape{m, n} : Shape{batch, m, n};
  return from_vector<double>(out, shape, {a.dtype()});
}

std::vector<Tensor> leaves(std::initializer_list<Tensor> ts) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(t.detach().requires_grad_());
  return out;
}

}  // namespace

TEST_SUITE("linalg") {
  TEST_CASE("matmul 2-D matches plain loops on odd shapes") {
    Rng g(10);
    const std::vector<std::array<std::int64_t, 3>> shapes{{1, 1, 1}, {3, 17, 5}, {65, 63, 129}, {7, 1, 9}};
    for (auto [m, k, n] : shapes) {
      Tensor a = randn({m, k}, {}, &g), b = randn({k, n}, {}, &g);
      GF_CHECK_CLOSE(matmul(a, b), naive_matmul(a, b), 1e-4, 1e-4);
    }
  }

  TEST_CASE("batched matmul, with a 2-D operand broadcast on either side") {
    Rng g(11);
    Tensor a = randn({4, 5, 6}, {DType::kFloat64}, &g), b = randn({4, 6, 3}, {DType::kFloat64}, &g);
    Tensor a2 = randn({5, 6}, {DType::kFloat64}, &g), b2 = randn({6, 3}, {DType::kFloat64}, &g);
    GF_CHECK_CLOSE(matmul(a, b), naive_matmul(a, b), 1e-12, 1e-12);
    GF_CHECK_CLOSE(matmul(a, b2), naive_matmul(a, b2), 1e-12, 1e-12);  // folded into one (B M, K) GEMM
    GF_CHECK_CLOSE(matmul(a2, b), naive_matmul(a2, b), 1e-12, 1e-12);
    CHECK(matmul(a2, b).shape() == Shape{4, 5, 3});
  }

  TEST_CASE("non-contiguous operands: transposed, strided slices, expanded") {
    Rng g(12);
    Tensor at = randn({9, 7}, {}, &g).t();                        // (7, 9), read as A^T in place
    Tensor bs = randn({9, 12}, {}, &g).slice(1, 0, 12, 2);        // (9, 6), column stride 2: copied
    Tensor row = randn({1, 9}, {}, &g).expand({7, 9});            // rows of stride 0
    Tensor batch_t = randn({3, 6, 9}, {}, &g).transpose(1, 2);    // (3, 9, 6)
    GF_CHECK_CLOSE(matmul(at, bs), naive_matmul(at.contiguous(), bs.contiguous()), 1e-4, 1e-4);
    GF_CHECK_CLOSE(matmul(row, bs), naive_matmul(row.contiguous(), bs.contiguous()), 1e-4, 1e-4);
    GF_CHECK_CLOSE(matmul(at, batch_t), naive_matmul(at.contiguous(), batch_t.contiguous()), 1e-4, 1e-4);
    Tensor w = randn({6, 5}, {}, &g);  // shared by a batch of transposed matrices: one GEMM per item
    GF_CHECK_CLOSE(matmul(batch_t, w), naive_matmul(batch_t.contiguous(), w), 1e-4, 1e-4);
  }

  TEST_CASE("linear = x W^T + b against plain loops") {
    Rng g(13);
    Tensor x = randn({5, 7}, {}, &g), w = randn({3, 7}, {}, &g), b = randn({3}, {}, &g);
    Tensor expected = naive_matmul(x, w.t().contiguous()) + b.view({1, 3});
    GF_CHECK_CLOSE(linear(x, w, b), expected, 1e-5, 1e-5);
    GF_CHECK_CLOSE(linear(x, w), naive_matmul(x, w.t().contiguous()), 1e-5, 1e-5);
  }

  TEST_CASE("matmul and linear pass gradcheck in float64") {
    Rng g(14);
    const TensorOptions f64{DType::kFloat64};
    GF_CHECK_GRAD([](auto& in) { return matmul(in[0], in[1]); },
                  leaves({randn({3, 4}, f64, &g), randn({4, 5}, f64, &g)}));
    GF_CHECK_GRAD([](auto& in) { return matmul(in[0], in[1]); },
                  leaves({randn({2, 3, 4}, f64, &g), randn({2, 4, 5}, f64, &g)}));
    GF_CHECK_GRAD([](auto& in) { return matmul(in[0], in[1]); },  // 2-D B broadcast over the batch
                  leaves({randn({2, 3, 4}, f64, &g), randn({4, 5}, f64, &g)}));
    GF_CHECK_GRAD([](auto& in) { return matmul(in[0], in[1]); },  // 2-D A broadcast over the batch
                  leaves({randn({3, 4}, f64, &g), randn({2, 4, 5}, f64, &g)}));
    GF_CHECK_GRAD([](auto& in) { return matmul(in[0].t(), in[1]); },  // gradient through a transposed view
                  leaves({randn({4, 3}, f64, &g), randn({4, 5}, f64, &g)}));
    GF_CHECK_GRAD([](auto& in) { return linear(in[0], in[1], in[2]); },
                  leaves({randn({5, 4}, f64, &g), randn({3, 4}, f64, &g), randn({3}, f64, &g)}));
    GF_CHECK_GRAD([](auto& in) { return linear(in[0], in[1]); },
                  leaves({randn({1, 4}, f64, &g), randn({3, 4}, f64, &g)}));
  }

  TEST_CASE("linear gradients accumulate and skip inputs that need none") {
    Tensor x = ones({2, 3});  // no gradient wanted
    Tensor w = ones({4, 3}).requires_grad_(), b = zeros({4}).requires_grad_();
    sum(linear(x, w, b)).backward();
    sum(linear(x, w, b)).backward();
    CHECK(w.grad().to_vector<float>() == std::vector<float>(12, 4.0f));  // 2 rows of ones, twice
    CHECK(b.grad().to_vector<float>() == std::vector<float>(4, 4.0f));
    CHECK_FALSE(x.grad().defined());
  }

  TEST_CASE("shape errors name the op and both shapes") {
    CHECK_THROWS_WITH_AS(matmul(zeros({2, 3}), zeros({4, 5})),
                         "matmul: (2, 3) @ (4, 5): inner dimensions 3 and 4 differ", gf::Error);
    CHECK_THROWS_WITH_AS(matmul(zeros({2, 3, 4}), zeros({5, 4, 6})),
                         "matmul: (2, 3, 4) @ (5, 4, 6): batch sizes 2 and 5 differ", gf::Error);
    CHECK_THROWS_WITH_AS(matmul(zeros({3}), zeros({3, 2})), doctest::Contains("expected 2-D"), gf::Error);
    CHECK_THROWS_WITH_AS(linear(zeros({2, 5}), zeros({3, 4})),
                         "linear: x (2, 5) has 5 features, weight (3, 4) expects 4", gf::Error);
    CHECK_THROWS_WITH_AS(linear(zeros({2, 4}), zeros({3, 4}), zeros({4})), doctest::Contains("bias (4,)"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(matmul(zeros({2, 2}), zeros({2, 2}, {DType::kFloat64})),
                         doctest::Contains("different dtypes"), gf::Error);
  }
}
