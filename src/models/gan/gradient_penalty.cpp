#include "gf/models/gan/gradient_penalty.hpp"

#include "gf/autograd/engine.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::models {
namespace {

void check_logits_and_inputs(const char* op, const Tensor& logits, const Tensor& inputs) {
  GF_CHECK(inputs.defined() && inputs.requires_grad(), op,
           ": the inputs must require grad (call requires_grad_() before running D on them)");
  GF_CHECK(inputs.dim() >= 2, op, ": inputs must be (N, ...), got ", inputs.shape());
  GF_CHECK(logits.dim() == 1 && logits.size(0) == inputs.size(0), op, ": logits must be (N,) = (", inputs.size(0),
           ",) for inputs ", inputs.shape(), ", got ", logits.shape());
}

// d(sum of logits)/d(inputs) with create_graph: sample n's gradient is that of
// its own logit, as no sample's logit depends on another's input (D in
// training mode with batch norm breaks this; the critic of WGAN-GP has none).
Tensor input_gradient(const Tensor& logits, const Tensor& inputs) {
  return autograd::grad({sum(logits)}, {inputs}, {}, /*create_graph=*/true)[0];
}

// Per-sample sum of squares over every dim but the first: (N, ...) -> (N,).
Tensor squared_norms(const Tensor& g) { return sum(square(g.reshape({g.size(0), -1})), {1}); }

}  // namespace

Tensor input_gradient_norms(const Tensor& logits, const Tensor& inputs) {
  check_logits_and_inputs("input_gradient_norms", logits, inputs);
  return sqrt(add(squared_norms(input_gradient(logits, inputs)), kGradientNormEps));
}

Tensor gradient_penalty_interpolates(const Tensor& real, const Tensor& fake, Rng& gen) {
  GF_CHECK(real.shape() == fake.shape() && real.dtype() == fake.dtype() && real.device() == fake.device(),
           "gradient_penalty_interpolates: real ", real.shape(), " ", real.dtype(), " and fake ", fake.shape(), " ",
           fake.dtype(), " must have one shape, dtype and device");
  GF_CHECK(real.dim() >= 2, "gradient_penalty_interpolates: expected (N, ...) samples, got ", real.shape());
  NoGradGuard no_grad;  // x_hat is a new leaf: the penalty's gradient must not reach G
  Shape eps_shape(static_cast<std::size_t>(real.dim()), 1);
  eps_shape[0] = real.size(0);
  const Tensor eps = rand(eps_shape, {real.dtype(), real.device()}, &gen);
  return add(fake, mul(eps, sub(real, fake)));  // eps real + (1 - eps) fake
}

Tensor wgan_gradient_penalty(const Tensor& logits, const Tensor& interpolates, double lambda) {
  GF_CHECK(lambda >= 0.0, "wgan_gradient_penalty: lambda must be >= 0, got ", lambda);
  return mul(mean(square(sub(input_gradient_norms(logits, interpolates), 1.0))), lambda);
}

Tensor r1_penalty(const Tensor& real_logits, const Tensor& real, double gamma) {
  check_logits_and_inputs("r1_penalty", real_logits, real);
  GF_CHECK(gamma >= 0.0, "r1_penalty: gamma must be >= 0, got ", gamma);
  return mul(mean(squared_norms(input_gradient(real_logits, real))), gamma / 2.0);
}

}  // namespace gf::models
