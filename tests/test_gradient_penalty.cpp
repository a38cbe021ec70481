// Gradient penalties (gf/models/gan/gradient_penalty.hpp): a WGAN-GP step's
// penalty and parameter gradients on a tiny critic against a reference derived
// by hand and computed with explicit loops (no autograd), R1 the same way, the
// interpolates, and the errors.
#include <cmath>

#include "gf/models/gan/gradient_penalty.hpp"
#include "helpers.hpp"

using namespace gf;
using namespace gf::models;

namespace {

const TensorOptions f64{DType::kFloat64};
constexpr double kSlope = 0.2;  // LeakyReLU's, as in DCGAN's D

// The tiny critic: one 2x2 convolution (1 -> 2 channels, stride 1, no padding)
// on a 3x3 image, LeakyReLU(0.2), and a linear layer from the 2x2x2 = 8
// activations to one logit.
//   h[n,c,i,j] = b[c] + sum_{k,l} W[c,k,l] x[n,i+k,j+l]      i, j, k, l in {0, 1}
//   a = leaky(h);  D(x)[n] = u + sum_{c,i,j} V[c,i,j] a[n,c,i,j]
struct Critic {
  Tensor W, b, V, u;  // (2, 1, 2, 2), (2,), (1, 8), (1,)
  Tensor operator()(const Tensor& x) const {
    const Tensor a = leaky_relu(conv2d(x, W, b), kSlope);
    return linear(a.reshape({x.size(0), 8}), V, u).reshape({x.size(0)});
  }
};

Critic make_critic() {
  Rng gen(11);
  return {randn({2, 1, 2, 2}, f64, &gen).requires_grad_(), randn({2}, f64, &gen).requires_grad_(),
          randn({1, 8}, f64, &gen).requires_grad_(), randn({1}, f64, &gen).requires_grad_()};
}

// The reference, by hand. With the mask m = 1 where h > 0 and 0.2 elsewhere,
//   g[n,p,q] = dD(x)[n]/dx[n,p,q] = sum_{c,i,j} V[c,i,j] m[n,c,i,j] W[c,p-i,q-j]
// (terms with p-i or q-j outside {0, 1} dropped). The norm is
// G[n] = sqrt(sum_{p,q} g[n,p,q]^2 + eps) (eps = kGradientNormEps) and
//   WGAN-GP:  P = lambda / N sum_n (G[n] - 1)^2
//   R1:       P = gamma / 2 / N sum_n sum_{p,q} g[n,p,q]^2.
// The mask is constant almost everywhere, so g is linear in V and in W and
// does not depend on b or u:
//   dg[n,p,q]/dV[c,i,j] = m[n,c,i,j] W[c,p-i,q-j]
//   dg[n,p,q]/dW[c,k,l] = V[c,p-k,q-l] m[n,c,p-k,q-l]
//   dP/db = dP/du = 0.
// Chain rule through the norm (dG/dg = g / G):
//   WGAN-GP: dP/dtheta = sum_n (2 lambda / N) (G[n] - 1) / G[n] sum_{p,q} g[n,p,q] dg[n,p,q]/dtheta
//   R1:      dP/dtheta = sum_n (gamma / N) sum_{p,q} g[n,p,q] dg[n,p,q]/dtheta
struct Reference {
  double penalty = 0;
  std::vector<double> dW = std::vector<double>(8, 0.0), dV = std::vector<double>(8, 0.0);
};

enum class Penalty { kWganGp, kR1 };

Reference reference(const Critic& d, const std::vector<double>& x, int N, Penalty kind, double weight) {
  const auto W = d.W.to_vector<double>(), b = d.b.to_vector<double>(), V = d.V.to_vector<double>();
  auto w_at = [&](int c, int k, int l) { return W[static_cast<std::size_t>(c * 4 + k * 2 + l)]; };
  auto v_at = [&](int c, int i, int j) { return V[static_cast<std::size_t>(c * 4 + i * 2 + j)]; };
  Reference r;
  for (int n = 0; n < N; ++n) {
    double m[2][2][2];
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          double h = b[static_cast<std::size_t>(c)];
          for (int k = 0; k < 2; ++k)
            for (int l = 0; l < 2; ++l) h += w_at(c, k, l) * x[static_cast<std::size_t>(n * 9 + (i + k) * 3 + j + l)];
          m[c][i][j] = h > 0 ? 1.0 : kSlope;
        }
    double g[3][3] = {};
    for (int p = 0; p < 3; ++p)
      for (int q = 0; q < 3; ++q)
        for (int c = 0; c < 2; ++c)
          for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
              if (p - i >= 0 && p - i < 2 && q - j >= 0 && q - j < 2) g[p][q] += v_at(c, i, j) * m[c][i][j] * w_at(c, p - i, q - j);
    double sq = 0;
    for (auto& row : g)
      for (double v : row) sq += v * v;
    const double G = std::sqrt(sq + kGradientNormEps);
    double chain;  // dP/dg[n,p,q] = chain * g[n,p,q]
    if (kind == Penalty::kWganGp) {
      r.penalty += weight / N * (G - 1) * (G - 1);
      chain = 2 * weight / N * (G - 1) / G;
    } else {
      r.penalty += weight / 2 / N * sq;
      chain = weight / N;
    }
    for (int p = 0; p < 3; ++p)
      for (int q = 0; q < 3; ++q)
        for (int c = 0; c < 2; ++c)
          for (int s = 0; s < 2; ++s)
            for (int t = 0; t < 2; ++t) {
              if (p - s < 0 || p - s > 1 || q - t < 0 || q - t > 1) continue;
              // (s, t) as (i, j) for dV and as (k, l) for dW
              r.dV[static_cast<std::size_t>(c * 4 + s * 2 + t)] += chain * g[p][q] * m[c][s][t] * w_at(c, p - s, q - t);
              r.dW[static_cast<std::size_t>(c * 4 + s * 2 + t)] +=
                  chain * g[p][q] * v_at(c, p - s, q - t) * m[c][p - s][q - t];
            }
  }
  return r;
}

void check_against_reference(Penalty kind, double weight) {
  Critic d = make_critic();
  Rng gen(12);
  const int N = 3;
  Tensor x = randn({N, 1, 3, 3}, f64, &gen).requires_grad_();
  const Tensor P = kind == Penalty::kWganGp ? wgan_gradient_penalty(d(x), x, weight) : r1_penalty(d(x), x, weight);
  P.backward();
  const Reference r = reference(d, x.detach().to_vector<double>(), N, kind, weight);
  CHECK(P.item() == doctest::Approx(r.penalty).epsilon(1e-12));
  GF_CHECK_CLOSE(d.W.grad().reshape({8}), from_vector<double>(r.dW, {8}), 1e-10, 1e-12);
  GF_CHECK_CLOSE(d.V.grad().reshape({8}), from_vector<double>(r.dV, {8}), 1e-10, 1e-12);
  // b and u move D's output but not its input gradient (the mask is constant
  // a.e.): the gradient's graph does not reach them, so they get none at all.
  CHECK_FALSE(d.b.grad().defined());
  CHECK_FALSE(d.u.grad().defined());
}

}  // namespace

TEST_SUITE("gradient penalty") {
  TEST_CASE("WGAN-GP penalty and parameter gradients match the hand-derived float64 reference") {
    check_against_reference(Penalty::kWganGp, 10.0);
  }

  TEST_CASE("WGAN-GP on the tiny critic gives PyTorch's value") {
    // Cross-checked once (2026-12-07, PyTorch 1.13, torch.autograd.grad with
    // create_graph=True on the same weights and inputs): penalty
    // 1.1911569523462706, and dW, dV equal to ours within 2.3e-16.
    Critic d = make_critic();
    Rng gen(12);
    Tensor x = randn({3, 1, 3, 3}, f64, &gen).requires_grad_();
    CHECK(wgan_gradient_penalty(d(x), x, 10.0).item() == doctest::Approx(1.1911569523462706).epsilon(1e-14));
  }

  TEST_CASE("R1 penalty and parameter gradients match the hand-derived float64 reference") {
    check_against_reference(Penalty::kR1, 5.0);
  }

  TEST_CASE("input_gradient_norms is the per-sample norm of dD/dx and keeps a graph") {
    // D(x) = sum(1.5 x^2) per sample on 2 values: the gradient 3 x is 3 at x = 1, norm sqrt(18).
    Tensor x = ones({2, 2}, f64).requires_grad_();
    const Tensor norms = input_gradient_norms(sum(mul(square(x), 1.5), {1}), x);
    CHECK(norms.to_vector<double>()[1] == doctest::Approx(std::sqrt(18.0)).epsilon(1e-12));
    CHECK(norms.requires_grad());
    CHECK_FALSE(x.grad().defined());  // the gradient was returned, not accumulated
  }

  TEST_CASE("interpolates lie on the segment from fake to real, one eps per sample") {
    Rng data(4), gen(5);
    const Tensor real = randn({4, 1, 2, 2}, f64, &data), fake = randn({4, 1, 2, 2}, f64, &data);
    const Tensor x_hat = gradient_penalty_interpolates(real, fake, gen);
    CHECK_FALSE(x_hat.requires_grad());
    const auto r = real.to_vector<double>(), f = fake.to_vector<double>(), h = x_hat.to_vector<double>();
    for (std::size_t n = 0; n < 4; ++n) {
      const double eps = (h[n * 4] - f[n * 4]) / (r[n * 4] - f[n * 4]);
      CHECK(eps >= 0.0);
      CHECK(eps <= 1.0);
      for (std::size_t k = 1; k < 4; ++k)
        CHECK(h[n * 4 + k] == doctest::Approx(f[n * 4 + k] + eps * (r[n * 4 + k] - f[n * 4 + k])).epsilon(1e-12));
    }
  }

  TEST_CASE("penalties name what is wrong with their inputs") {
    Tensor x = ones({2, 3}, f64);
    CHECK_THROWS_WITH_AS(r1_penalty(sum(x, {1}), x, 1.0), doctest::Contains("must require grad"), gf::Error);
    x.requires_grad_();
    CHECK_THROWS_WITH_AS(r1_penalty(sum(x, {1}), x, -1.0), doctest::Contains("gamma must be >= 0"), gf::Error);
    CHECK_THROWS_WITH_AS(wgan_gradient_penalty(sum(x), x, 10.0), doctest::Contains("logits must be (N,)"), gf::Error);
    Rng gen(1);
    CHECK_THROWS_WITH_AS(gradient_penalty_interpolates(ones({2, 3}), ones({3, 3}), gen),
                         doctest::Contains("must have one shape"), gf::Error);
  }
}
