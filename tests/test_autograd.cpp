// The autograd engine: recording, topological backward, accumulation,
// retain_graph, no-grad, detach, DOT export, gradcheck itself.
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;

TEST_SUITE("autograd") {
  TEST_CASE("worked example of docs/autograd.md: y = (a * b + a) summed") {
    // a = [1, 2], b = [3, 4]: y = sum(a*b + a) = (3 + 1) + (8 + 2) = 14
    Tensor a = from_vector<double>({1, 2}, {2}).requires_grad_();
    Tensor b = from_vector<double>({3, 4}, {2}).requires_grad_();
    Tensor y = sum(a * b + a);
    CHECK(y.item() == 14.0);
    CHECK(y.grad_fn()->name() == "sum");
    y.backward();
    // dy/da = b + 1, dy/db = a
    CHECK(a.grad().to_vector<double>() == std::vector<double>{4, 5});
    CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 2});
  }

  TEST_CASE("worked example of docs/autograd.md, double backward: a one-layer D and its R1 penalty") {
    // D(x) = tanh(x w^T), x = [1, 2], w = [0.5, 0.25]: s = x.w = 1, t = tanh(1).
    // g = dD/dx = (1 - t^2) w;  P = |g|^2 = (1 - t^2)^2 |w|^2 (R1 with gamma = 2 on one sample).
    // By hand, with |w|^2 = 0.3125 and d(1 - t^2)/ds = -2 t (1 - t^2):
    //   dP/dw = 2 (1 - t^2)^2 w - 4 |w|^2 t (1 - t^2)^2 x
    //   dP/dx = -4 |w|^2 t (1 - t^2)^2 w
    // The printed values were also reproduced with torch.autograd.grad(create_graph=True).
    Tensor x = from_vector<double>({1, 2}, {1, 2}).requires_grad_();
    Tensor w = from_vector<double>({0.5, 0.25}, {1, 2}).requires_grad_();
    x.set_name("x");
    w.set_name("w");
    const Tensor D = tanh(linear(x, w));
    CHECK(D.item() == doctest::Approx(0.7615941559557649).epsilon(1e-15));
    const Tensor g = autograd::grad({D}, {x}, {}, /*create_graph=*/true)[0];
    const auto gv = g.to_vector<double>();
    CHECK(gv[0] == doctest::Approx(0.20998717080701307).epsilon(1e-15));
    CHECK(gv[1] == doctest::Approx(0.10499358540350653).epsilon(1e-15));
    const Tensor P = sum(square(g));
    CHECK(P.item() == doctest::Approx(0.05511826487941711).epsilon(1e-15));
    P.backward();
    const auto dw = w.grad().to_vector<double>(), dx = x.grad().to_vector<double>();
    CHECK(dw[0] == doctest::Approx(0.008467453939790953).epsilon(1e-13));
    CHECK(dw[1] == doctest::Approx(-0.2476327635416202).epsilon(1e-13));
    CHECK(dx[0] == doctest::Approx(-0.08395549683717189).epsilon(1e-13));
    CHECK(dx[1] == doctest::Approx(-0.041977748418585946).epsilon(1e-13));
    // The graph of the graph, as the page shows it.
    CHECK(autograd::to_dot(P) == test::read_bytes(GF_SOURCE_DIR "/docs/images/double_backward_graph.dot"));
  }

  TEST_CASE("a shared subexpression receives the sum of both paths") {
    Tensor x = from_vector<double>({3}, {1}).requires_grad_();
    Tensor s = x * x;      // used twice below
    Tensor y = sum(s * s + s);  // x^4 + x^2 -> dy/dx = 4x^3 + 2x = 114
    y.backward();
    CHECK(x.grad().item() == doctest::Approx(114.0));
  }

  TEST_CASE("gradients accumulate across backward calls until zero_grad") {
    Tensor x = from_vector<double>({1, 2}, {2}).requires_grad_();
    sum(x * 3.0).backward();
    sum(x * 3.0).backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{6, 6});
    x.zero_grad();
    CHECK_FALSE(x.grad().defined());
    sum(x).backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{1, 1});
  }

  TEST_CASE("retain_graph allows a second backward; without it the graph is freed") {
    Tensor x = from_vector<double>({2}, {1}).requires_grad_();
    Tensor y = sum(exp(x));
    y.backward(Tensor(), /*retain_graph=*/true);
    y.backward();
    CHECK(x.grad().item() == doctest::Approx(2 * std::exp(2.0)));
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("retain_graph"), gf::Error);
  }

  TEST_CASE("NoGradGuard records nothing; detach cuts the graph") {
    Tensor x = ones({2}).requires_grad_();
    {
      NoGradGuard guard;
      Tensor y = x * 2.0;
      CHECK_FALSE(y.requires_grad());
      CHECK(y.grad_fn() == nullptr);
    }
    Tensor d = (x * 2.0).detach();
    CHECK_FALSE(d.requires_grad());
    Tensor z = sum(d * x);  // gradient flows only through the second factor
    z.backward();
    CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 2});
    CHECK_THROWS_WITH_AS(sum(d).backward(), doctest::Contains("does not require grad"), gf::Error);
  }

  TEST_CASE("non-scalar backward needs an explicit gradient of the right shape") {
    Tensor x = ones({2, 2}).requires_grad_();
    Tensor y = x * 3.0;
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("one-element"), gf::Error);
    CHECK_THROWS_WITH_AS(y.backward(ones({3})), doctest::Contains("(3,)"), gf::Error);
    y.backward(full({2, 2}, 2.0));
    CHECK(x.grad().to_vector<float>() == std::vector<float>{6, 6, 6, 6});
  }

  TEST_CASE("views carry gradients back to their base") {
    Tensor x = arange(0, 6, 1, {DType::kFloat64}).requires_grad_();
    Tensor y = sum(x.view({2, 3}).transpose(0, 1).slice(0, 1, 3) * 2.0);
    y.backward();
    CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 2, 2, 0, 2, 2});
  }

  TEST_CASE("in-place writes to tensors that need grad are refused") {
    Tensor x = ones({2}).requires_grad_();
    CHECK_THROWS_WITH_AS(x.fill_(0), doctest::Contains("NoGradGuard"), gf::Error);
    NoGradGuard guard;
    x.fill_(0);
    CHECK(x.to_vector<float>() == std::vector<float>{0, 0});
  }

  TEST_CASE("DOT export lists the ops and the named leaves") {
    Tensor w = ones({2}, {DType::kFloat64}).requires_grad_();
    w.set_name("weight");
    Tensor y = sum(tanh(w * 2.0));
    const std::string dot = autograd::to_dot(y);
    CHECK(dot.find("digraph") != std::string::npos);
    CHECK(dot.find("tanh") != std::string::npos);
    CHECK(dot.find("mul_scalar") != std::string::npos);
    CHECK(dot.find("weight") != std::string::npos);
    CHECK(dot.find("->") != std::string::npos);
  }

  TEST_CASE("gradcheck accepts a right gradient and rejects a wrong one") {
    Tensor x = randn({3, 4}, {DType::kFloat64}).requires_grad_();
    CHECK(gradcheck([](const std::vector<Tensor>& in) { return tanh(in[0]) * in[0]; }, {x}).ok);
    // detach() hides the dependence from backward, so the analytic gradient is wrong.
    const auto bad = gradcheck([](const std::vector<Tensor>& in) { return in[0] * in[0].detach(); }, {x});
    CHECK_FALSE(bad.ok);
    CHECK(bad.report.find("input 0") != std::string::npos);
    CHECK_THROWS_AS(gradcheck([](const std::vector<Tensor>& in) { return in[0]; }, {ones({2}).requires_grad_()}),
                    gf::Error);
  }

  TEST_CASE("elementwise ops pass gradcheck, broadcasting included") {
    Rng g(1);
    Tensor a = randn({3, 1, 4}, {DType::kFloat64}, &g).requires_grad_();
    Tensor b = randn({5, 1}, {DType::kFloat64}, &g).requires_grad_();
    Tensor p = add(rand({3, 4}, {DType::kFloat64}, &g), 0.5).requires_grad_();  // positive for log/sqrt/pow
    GF_CHECK_GRAD([](auto& in) { return in[0] + in[1]; }, (std::vector<Tensor>{a, b}));
    GF_CHECK_GRAD([](auto& in) { return in[0] - in[1]; }, (std::vector<Tensor>{a, b}));
    GF_CHECK_GRAD([](auto& in) { return in[0] * in[1]; }, (std::vector<Tensor>{a, b}));
    GF_CHECK_GRAD([](auto& in) { return in[0] / (in[1] * in[1] + 1.0); }, (std::vector<Tensor>{a, b}));
    Tensor q = randn({1, 4}, {DType::kFloat64}, &g).requires_grad_();
    GF_CHECK_GRAD([](auto& in) { return pow(in[0], in[1] * 0.1 + 1.0); }, (std::vector<Tensor>{p, q}));
    GF_CHECK_GRAD([](auto& in) { return maximum(in[0], in[1]) + minimum(in[0], in[1]) * 2.0; },
                  (std::vector<Tensor>{a, b}));
    GF_CHECK_GRAD([](auto& in) { return log(in[0]) + sqrt(in[0]) + pow(in[0], 2.5) + rdiv(2.0, in[0]); },
                  (std::vector<Tensor>{p}));
    GF_CHECK_GRAD([](auto& in) { return exp(in[0]) - rsub(1.0, in[0]) + neg(in[0]) + square(in[0]) + abs(in[0]); },
                  (std::vector<Tensor>{a}));
    GF_CHECK_GRAD([](auto& in) { return tanh(in[0]) + sigmoid(in[0]) + softplus(in[0]); }, (std::vector<Tensor>{a}));
    GF_CHECK_GRAD([](auto& in) { return relu(in[0]) + leaky_relu(in[0], 0.2) + clamp(in[0], -0.5, 0.5); },
                  (std::vector<Tensor>{a}));
    GF_CHECK_GRAD([](auto& in) { return sum(in[0], {0, 2}, true) + mean(in[0], {1}); }, (std::vector<Tensor>{a}));
  }
}
