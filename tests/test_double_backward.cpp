// Double backward: autograd::grad with create_graph, and gradgradcheck (float64)
// for every op a discriminator can contain (docs/autograd.md, "Double backward").
#include <cmath>
#include <functional>
#include <string>

#include "gf/models/gan/gan_loss.hpp"
#include "helpers.hpp"

using namespace gf;

namespace {

const TensorOptions f64{DType::kFloat64};

/// One row of the op table: a function of float64 inputs of the given shapes,
/// all of which require grad. `positive` draws inputs in (0.5, 1.5) (log,
/// sqrt, bce's probabilities) instead of N(0, 1).
struct DoubleBackwardCase {
  std::string name;
  std::vector<Shape> shapes;
  GradcheckFn fn;
  bool positive = false;
};

std::vector<Tensor> random_inputs(const DoubleBackwardCase& c, Rng& gen) {
  std::vector<Tensor> in;
  for (const Shape& s : c.shapes) {
    Tensor t = c.positive ? add(rand(s, f64, &gen), 0.5) : randn(s, f64, &gen);
    in.push_back(t.requires_grad_());
  }
  return in;
}

Tensor targets_in_unit_interval(const Shape& s) {
  Rng gen(7);
  return rand(s, f64, &gen);
}

// Every public op's own cases get gradgradcheck from the op table
// (tests/op_table.hpp, tests/test_op_table.cpp). This list is what a
// discriminator chains: each op of D also inside a small composition, so an
// op whose second derivative is zero (a mask multiply, a linear map) is
// exercised through the chain, plus the views (Tensor methods, not ops) and
// the GAN losses built from ops.
std::vector<DoubleBackwardCase> discriminator_compositions() {
  const Conv2dParams strided_padded = Conv2dParams::make(2, 1);
  const Conv2dParams dilated = Conv2dParams::make(1, 2, 2);
  const Conv2dParams stride_2_1_grouped{2, 1, 1, 0, 1, 1, 2};
  const ConvTranspose2dParams up = ConvTranspose2dParams::make(2, 1, 1);
  const ConvTranspose2dParams up_dilated = ConvTranspose2dParams::make(2, 1, 0, /*dilation=*/2);
  const Tensor labels = from_vector<std::int64_t>({2, 0, 1}, {3});
  return {
      // convolutions, with stride / padding / dilation / groups variants
      {"conv2d", {{2, 2, 5, 5}, {3, 2, 3, 3}, {3}}, [](auto& in) { return conv2d(in[0], in[1], in[2]); }},
      {"conv2d stride 2 pad 1 (DCGAN's D)", {{2, 2, 6, 6}, {3, 2, 4, 4}, {3}},
       [=](auto& in) { return conv2d(in[0], in[1], in[2], strided_padded); }},
      {"conv2d stride 2 pad 1 odd input (output_padding fix-up)", {{1, 2, 7, 5}, {2, 2, 4, 4}},
       [=](auto& in) { return conv2d(in[0], in[1], Tensor(), strided_padded); }},
      {"conv2d dilation 2", {{1, 2, 6, 6}, {2, 2, 3, 3}}, [=](auto& in) { return conv2d(in[0], in[1], Tensor(), dilated); }},
      {"conv2d stride (2, 1) groups 2", {{1, 4, 5, 5}, {4, 2, 3, 3}},
       [=](auto& in) { return conv2d(in[0], in[1], Tensor(), stride_2_1_grouped); }},
      {"conv2d then square (second derivative not zero)", {{1, 2, 5, 5}, {2, 2, 3, 3}},
       [](auto& in) { return square(conv2d(in[0], in[1])); }},
      {"conv_transpose2d stride 2 pad 1 output_padding 1", {{2, 3, 3, 3}, {3, 2, 4, 4}, {2}},
       [=](auto& in) { return conv_transpose2d(in[0], in[1], in[2], up); }},
      {"conv_transpose2d dilation 2", {{1, 2, 3, 3}, {2, 2, 3, 3}},
       [=](auto& in) { return conv_transpose2d(in[0], in[1], Tensor(), up_dilated); }},
      {"conv_transpose2d then tanh", {{1, 2, 3, 3}, {2, 2, 4, 4}},
       [=](auto& in) { return tanh(conv_transpose2d(in[0], in[1], Tensor(), up)); }},
      {"conv2d_weight_grad", {{2, 2, 6, 6}, {2, 3, 3, 3}},
       [=](auto& in) { return square(conv2d_weight_grad(in[0], in[1], 4, 4, strided_padded)); }},
      // dense
      {"linear", {{3, 4}, {2, 4}, {2}}, [](auto& in) { return linear(in[0], in[1], in[2]); }},
      {"linear then sigmoid", {{3, 4}, {2, 4}, {2}}, [](auto& in) { return sigmoid(linear(in[0], in[1], in[2])); }},
      {"matmul", {{3, 4}, {4, 2}}, [](auto& in) { return square(matmul(in[0], in[1])); }},
      // normalisation
      {"batch_norm training", {{3, 2, 2, 2}, {2}, {2}},
       [](auto& in) {
         Tensor rm = zeros({2}, f64), rv = ones({2}, f64);
         return batch_norm(in[0], in[1], in[2], rm, rv, true);
       }},
      {"batch_norm training (N, C) without affine", {{4, 3}},
       [](auto& in) { return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true); }},
      {"batch_norm eval", {{3, 2, 2, 2}, {2}, {2}},
       [](auto& in) {
         Tensor rm = from_vector<double>({0.3, -0.2}, {2}), rv = from_vector<double>({1.5, 0.7}, {2});
         return square(batch_norm(in[0], in[1], in[2], rm, rv, false));
       }},
      {"instance_norm", {{2, 2, 2, 3}, {2}, {2}}, [](auto& in) { return instance_norm(in[0], in[1], in[2]); }},
      // activations
      {"leaky_relu", {{2, 5}}, [](auto& in) { return leaky_relu(in[0], 0.2); }},
      {"leaky_relu of a square", {{2, 5}}, [](auto& in) { return leaky_relu(mul(in[0], in[0]), 0.2); }},
      {"relu", {{2, 5}}, [](auto& in) { return mul(relu(in[0]), in[0]); }},
      {"tanh", {{2, 5}}, [](auto& in) { return tanh(in[0]); }},
      {"sigmoid", {{2, 5}}, [](auto& in) { return sigmoid(in[0]); }},
      {"softplus", {{2, 5}}, [](auto& in) { return softplus(in[0]); }},
      {"clamp", {{2, 5}}, [](auto& in) { return clamp(mul(in[0], in[0]), 0.2, 1.0); }},
      // elementwise arithmetic
      {"add, sub, mul, div with broadcasting", {{2, 3}, {3}},
       [](auto& in) { return div(mul(add(in[0], in[1]), sub(in[0], in[1])), add(square(in[1]), 1.0)); }},
      {"scalar ops: mul, add, rsub, neg, pow", {{2, 3}},
       [](auto& in) { return neg(rsub(1.0, pow(add(mul(in[0], 0.5), 3.0), 3.0))); }},
      {"rdiv", {{2, 3}}, [](auto& in) { return rdiv(2.0, in[0]); }, true},
      {"exp, log", {{2, 3}}, [](auto& in) { return add(exp(in[0]), log(in[0])); }, true},
      {"sqrt", {{2, 3}}, [](auto& in) { return sqrt(in[0]); }, true},
      {"abs", {{2, 3}}, [](auto& in) { return mul(abs(in[0]), in[0]); }},
      // reductions and views
      {"sum, mean over dims", {{2, 3, 4}}, [](auto& in) { return square(add(sum(in[0], {1}, true), mean(in[0], {0, 2}, true))); }},
      {"reshape, view, permute, transpose, expand, flatten", {{2, 3}},
       [](auto& in) {
         Tensor t = in[0].reshape({3, 2}).permute({1, 0}).transpose(0, 1).unsqueeze(0).expand({2, 3, 2});
         return square(t.flatten());
       }},
      {"cat", {{2, 3}, {1, 3}}, [](auto& in) { return square(cat({in[0], in[1]}, 0)); }},
      // losses
      {"bce_with_logits", {{6}}, [](auto& in) { return bce_with_logits(in[0], targets_in_unit_interval({6})); }},
      {"bce (probabilities and targets)", {{6}, {6}}, [](auto& in) { return bce(mul(in[0], 0.5), mul(in[1], 0.5)); },
       true},
      {"mse_loss", {{6}, {6}}, [](auto& in) { return mse_loss(in[0], in[1]); }},
      {"l1_loss", {{6}, {6}}, [](auto& in) { return mul(l1_loss(in[0], in[1]), sum(in[0])); }},
      {"cross_entropy", {{3, 4}}, [labels](auto& in) { return cross_entropy(in[0], labels); }},
      {"GAN losses: non-saturating, lsgan, hinge", {{4}, {4}},
       [](auto& in) {
         using namespace gf::models;
         return add(add(discriminator_loss(GanLoss::kNonSaturating, in[0], in[1]),
                        discriminator_loss(GanLoss::kLeastSquares, in[0], in[1])),
                    add(discriminator_loss(GanLoss::kHinge, mul(in[0], 0.5), mul(in[1], 0.5)),
                        generator_loss(GanLoss::kNonSaturating, in[1])));
       }},
  };
}

}  // namespace

TEST_SUITE("double backward") {
  TEST_CASE("grad returns d/dx without touching .grad(); create_graph gives the second derivative") {
    // y = sum(x^3): dy/dx = 3 x^2, d(sum dy/dx)/dx = 6 x.
    Tensor x = from_vector<double>({1, -2}, {2}).requires_grad_();
    const Tensor y = sum(mul(square(x), x));
    const Tensor g = autograd::grad({y}, {x}, {}, /*create_graph=*/true)[0];
    CHECK(g.to_vector<double>() == std::vector<double>{3, 12});
    CHECK(g.requires_grad());
    CHECK_FALSE(x.grad().defined());
    const Tensor gg = autograd::grad({sum(g)}, {x})[0];
    CHECK(gg.to_vector<double>() == std::vector<double>{6, -12});
    CHECK_FALSE(gg.requires_grad());  // no create_graph: a plain tensor
    CHECK_FALSE(x.grad().defined());
  }

  TEST_CASE("backward(create_graph) leaves a .grad() with a graph of its own") {
    Tensor x = from_vector<double>({2}, {1}).requires_grad_();
    sum(mul(square(x), x)).backward(Tensor(), false, /*create_graph=*/true);
    const Tensor g = x.grad();  // 3 x^2 = 12
    CHECK(g.item() == 12.0);
    REQUIRE(g.grad_fn() != nullptr);
    x.zero_grad();
    sum(g).backward();  // d(3 x^2)/dx = 6 x
    CHECK(x.grad().item() == 12.0);
  }

  TEST_CASE("grad with several outputs and inputs, a non-leaf input, and explicit grad_outputs") {
    Tensor a = from_vector<double>({1, 2}, {2}).requires_grad_();
    Tensor b = from_vector<double>({3}, {1}).requires_grad_();
    const Tensor h = mul(a, b);  // non-leaf input: [3, 6]
    const Tensor y1 = sum(square(h));
    const Tensor y2 = mul(h, 2.0);
    const auto g = autograd::grad({y1, y2}, {h, a}, {Tensor(), from_vector<double>({1, 10}, {2})});
    // d/dh = 2 h + 2 [1, 10] = [8, 32]; d/da = d/dh * b = [24, 96]
    CHECK(g[0].to_vector<double>() == std::vector<double>{8, 32});
    CHECK(g[1].to_vector<double>() == std::vector<double>{24, 96});
    CHECK_FALSE(a.grad().defined());
    CHECK_FALSE(b.grad().defined());
  }

  TEST_CASE("grad's errors name what is wrong") {
    Tensor x = ones({2}, f64).requires_grad_();
    Tensor unused = ones({2}, f64).requires_grad_();
    Tensor constant = ones({2}, f64);
    CHECK_THROWS_WITH_AS(autograd::grad({sum(x)}, {unused}), doctest::Contains("does not influence the outputs"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(autograd::grad({sum(x)}, {constant}), doctest::Contains("input 0 does not require grad"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(autograd::grad({mul(x, 2.0)}, {x}), doctest::Contains("implicit gradient"), gf::Error);
    CHECK_THROWS_WITH_AS(autograd::grad({sum(x)}, {x}, {ones({2}, f64), ones({2}, f64)}),
                         doctest::Contains("2 grad_outputs for 1 outputs"), gf::Error);
  }

  TEST_CASE("create_graph through an op without a differentiable backward throws naming the op") {
    Tensor a = from_vector<double>({1, 4}, {2}).requires_grad_();
    Tensor b = from_vector<double>({3, 2}, {2}).requires_grad_();
    CHECK_THROWS_WITH_AS(autograd::grad({sum(maximum(a, b))}, {a}, {}, true), doctest::Contains("'maximum'"),
                         gf::Error);
    Tensor x = ones({1, 1, 2, 2}, f64).requires_grad_();
    CHECK_THROWS_WITH_AS(sum(pad2d(x, 1, 1, 1, 1)).backward(Tensor(), false, true),
                         doctest::Contains("'pad2d' has no differentiable backward"), gf::Error);
  }

  TEST_CASE("first-order gradients are the same with and without create_graph") {
    Rng gen(3);
    Tensor x = randn({2, 2, 6, 6}, f64, &gen).requires_grad_();
    Tensor w = randn({3, 2, 4, 4}, f64, &gen).requires_grad_();
    auto d = [&] { return sum(leaky_relu(conv2d(x, w, Tensor(), Conv2dParams::make(2, 1)), 0.2)); };
    const auto fast = autograd::grad({d()}, {x, w});
    const auto as_ops = autograd::grad({d()}, {x, w}, {}, true);
    GF_CHECK_CLOSE(as_ops[0], fast[0], 1e-12, 1e-12);
    GF_CHECK_CLOSE(as_ops[1], fast[1], 1e-12, 1e-12);
  }

  TEST_CASE("gradgradcheck passes for every op a discriminator can contain") {
    Rng gen(2026);
    for (const DoubleBackwardCase& c : discriminator_compositions()) {
      CAPTURE(c.name);
      const GradcheckResult r = gradgradcheck(c.fn, random_inputs(c, gen));
      CHECK_MESSAGE(r.ok, c.name << ": " << r.report);
    }
  }

  TEST_CASE("gradgradcheck fails when the gradient's graph misses a dependence") {
    // f(x) = x * detach(x): its recorded gradient v * detach(x) is a constant
    // for the graph, though it changes with x -- the error a backward makes
    // when it captures a detached input. Finite differences of the gradient see
    // v; the double backward sees 0.
    Rng gen(5);
    const auto r = gradgradcheck([](auto& in) { return mul(in[0], in[0].detach()); },
                                 {randn({3}, f64, &gen).requires_grad_()});
    CHECK_FALSE(r.ok);
    CHECK(r.report.find("input 0") != std::string::npos);
  }
}
