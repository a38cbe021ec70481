// GAN losses against values computed by hand, saturated logits included.
#include "helpers.hpp"

#include "gf/models/gan/gan_loss.hpp"

using namespace gf;
using namespace gf::models;

namespace {
Tensor logits(std::vector<double> v) { return from_vector<double>(v, {static_cast<std::int64_t>(v.size())}); }
double sp(double x) { return std::log1p(std::exp(-std::abs(x))) + std::max(x, 0.0); }  // softplus, by hand
}  // namespace

TEST_SUITE("gan_loss") {
  TEST_CASE("minimax and non-saturating D loss: -log D(x) - log(1 - D(G(z)))") {
    // real logit 0 -> D = 0.5 -> -log 0.5 = log 2; fake logit 0 -> log 2.
    CHECK(discriminator_loss(GanLoss::kMinimax, logits({0}), logits({0})).item() == doctest::Approx(2 * std::log(2.0)));
    // real 2, fake -1: -log s(2) - log(1 - s(-1)) = sp(-2) + sp(-1)
    const double expected = sp(-2) + sp(-1);
    CHECK(discriminator_loss(GanLoss::kNonSaturating, logits({2}), logits({-1})).item() == doctest::Approx(expected));
    // means over the batch
    CHECK(discriminator_loss(GanLoss::kMinimax, logits({2, 0}), logits({-1, 1})).item() ==
          doctest::Approx((sp(-2) + sp(0)) / 2 + (sp(-1) + sp(1)) / 2));
  }

  TEST_CASE("log losses stay exact at logits of +-50 and +-1000") {
    // D sure and right: loss ~ 2 e^-50, not 0/NaN.
    CHECK(discriminator_loss(GanLoss::kMinimax, logits({50}), logits({-50})).item() ==
          doctest::Approx(2 * std::exp(-50.0)).epsilon(1e-9));
    // D sure and wrong: loss = 50 + 50 (+ tiny), finite.
    CHECK(discriminator_loss(GanLoss::kMinimax, logits({-50}), logits({50})).item() == doctest::Approx(100.0));
    CHECK(discriminator_loss(GanLoss::kMinimax, logits({-1000}), logits({1000})).item() == doctest::Approx(2000.0));
    // G losses when D rejects the fake with logit -50:
    // non-saturating -log D = 50 (big, useful gradient); saturating log(1 - D) ~ -e^-50.
    CHECK(generator_loss(GanLoss::kNonSaturating, logits({-50})).item() == doctest::Approx(50.0));
    CHECK(generator_loss(GanLoss::kMinimax, logits({-50})).item() == doctest::Approx(-std::exp(-50.0)).epsilon(1e-9));
    CHECK(std::isfinite(generator_loss(GanLoss::kNonSaturating, logits({1000})).item()));
  }

  TEST_CASE("why non-saturating: gradients when D confidently rejects the fakes") {
    Tensor l = logits({-8}).requires_grad_();
    generator_loss(GanLoss::kMinimax, l).backward();
    const double saturating = std::abs(l.grad().item());  // = s(-8) ~ 3e-4
    Tensor l2 = logits({-8}).requires_grad_();
    generator_loss(GanLoss::kNonSaturating, l2).backward();
    const double non_saturating = std::abs(l2.grad().item());  // = 1 - s(-8) ~ 1
    CHECK(saturating == doctest::Approx(1.0 / (1.0 + std::exp(8.0))));
    CHECK(non_saturating == doctest::Approx(1.0 - 1.0 / (1.0 + std::exp(8.0))));
    CHECK(non_saturating > 1000 * saturating);
  }

  TEST_CASE("one-sided label smoothing changes only the real term") {
    // real target 0.9: 0.9 sp(-l) + 0.1 sp(l); fake term unchanged.
    const double expected = 0.9 * sp(-3) + 0.1 * sp(3) + sp(-2);
    CHECK(discriminator_loss(GanLoss::kMinimax, logits({3}), logits({-2}), 0.9).item() == doctest::Approx(expected));
    CHECK_THROWS_AS(discriminator_loss(GanLoss::kMinimax, logits({3}), logits({-2}), 1.5), gf::Error);
  }

  TEST_CASE("least squares") {
    // D: 0.5 (2 - 1)^2 + 0.5 (-1)^2 = 1; G: 0.5 (-1 - 1)^2 = 2
    CHECK(discriminator_loss(GanLoss::kLeastSquares, logits({2}), logits({-1})).item() == doctest::Approx(1.0));
    CHECK(generator_loss(GanLoss::kLeastSquares, logits({-1})).item() == doctest::Approx(2.0));
    CHECK(discriminator_loss(GanLoss::kLeastSquares, logits({50}), logits({-50})).item() ==
          doctest::Approx(0.5 * 49 * 49 + 0.5 * 50 * 50));
  }

  TEST_CASE("hinge") {
    // D: max(0, 1 - 0.5) + max(0, 1 + 0.25) = 0.5 + 1.25; margins satisfied -> 0.
    CHECK(discriminator_loss(GanLoss::kHinge, logits({0.5}), logits({0.25})).item() == doctest::Approx(1.75));
    CHECK(discriminator_loss(GanLoss::kHinge, logits({50}), logits({-50})).item() == doctest::Approx(0.0));
    CHECK(generator_loss(GanLoss::kHinge, logits({-50, 10})).item() == doctest::Approx(20.0));
  }

  TEST_CASE("wasserstein") {
    // D: E[l(G(z))] - E[l(x)] = 0.25 - (0.5 + 1.5) / 2 = -0.75; G: -E[l(G(z))].
    CHECK(discriminator_loss(GanLoss::kWasserstein, logits({0.5, 1.5}), logits({0.25})).item() ==
          doctest::Approx(-0.75));
    CHECK(generator_loss(GanLoss::kWasserstein, logits({-50, 10})).item() == doctest::Approx(20.0));
  }

  TEST_CASE("every loss passes gradcheck") {
    Rng g(3);
    Tensor r = randn({5}, {DType::kFloat64}, &g).requires_grad_();
    Tensor f = randn({4}, {DType::kFloat64}, &g).requires_grad_();
    for (GanLoss loss : {GanLoss::kMinimax, GanLoss::kNonSaturating, GanLoss::kLeastSquares, GanLoss::kHinge,
                         GanLoss::kWasserstein}) {
      CAPTURE(gan_loss_name(loss));
      GF_CHECK_GRAD([loss](auto& in) { return discriminator_loss(loss, in[0], in[1], 0.9); },
                    (std::vector<Tensor>{r, f}));
      GF_CHECK_GRAD([loss](auto& in) { return generator_loss(loss, in[0]); }, (std::vector<Tensor>{f}));
    }
  }

  TEST_CASE("names parse both ways") {
    for (GanLoss loss : {GanLoss::kMinimax, GanLoss::kNonSaturating, GanLoss::kLeastSquares, GanLoss::kHinge,
                         GanLoss::kWasserstein})
      CHECK(parse_gan_loss(gan_loss_name(loss)) == loss);
    CHECK_THROWS_WITH_AS(parse_gan_loss("wasserstein"), doctest::Contains("hinge"), gf::Error);
  }
}
