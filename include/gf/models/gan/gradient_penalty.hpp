#pragma once
// Gradient penalties on the discriminator: functions of dD/dx, so training
// differentiates through D's backward pass (double backward; docs/autograd.md).
//
//   WGAN-GP (Gulrajani et al. 2017), on points between real and fake samples:
//     x_hat = eps x + (1 - eps) x_fake,   eps ~ U[0, 1] per sample
//     penalty = lambda E[(||grad_x D(x_hat)||_2 - 1)^2]
//   R1 (Mescheder et al. 2018), on real samples only:
//     penalty = gamma / 2 E[||grad_x D(x)||^2]
//   Lazy R1 (Karras et al. 2020, StyleGAN2): the R1 term every k-th D step
//   only, multiplied by k so that its average weight stays gamma.
//
// Each penalty takes D's logits computed from an input that requires grad and
// returns a scalar whose backward reaches D's parameters through the gradient:
//
//   Tensor x_hat = gradient_penalty_interpolates(real, fake.detach(), rng).requires_grad_();
//   Tensor gp = wgan_gradient_penalty(D(x_hat), x_hat, 10.0);
//   (critic_loss + gp).backward();
#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"

namespace gf::models {

/// The norm added under the square root of ||grad||: keeps the derivative of
/// the norm finite where the gradient is exactly zero.
inline constexpr double kGradientNormEps = 1e-12;

/// Per-sample L2 norms of d(sum of logits)/d(inputs), (N,), computed with
/// create_graph so that they can be differentiated again. `inputs` (N, ...)
/// must require grad and `logits` (N,) must depend on it.
Tensor input_gradient_norms(const Tensor& logits, const Tensor& inputs);

/// x_hat = eps real + (1 - eps) fake with one eps ~ U[0, 1] per sample, drawn
/// from `gen`; real and fake (N, ...) of one shape; not recorded (a new leaf).
Tensor gradient_penalty_interpolates(const Tensor& real, const Tensor& fake, Rng& gen);

/// lambda E[(||grad D(x_hat)||_2 - 1)^2] from D's logits at `interpolates`.
Tensor wgan_gradient_penalty(const Tensor& logits, const Tensor& interpolates, double lambda);

/// gamma / 2 E[||grad D(x)||^2] from D's logits at the real batch `real`.
Tensor r1_penalty(const Tensor& real_logits, const Tensor& real, double gamma);

}  // namespace gf::models
