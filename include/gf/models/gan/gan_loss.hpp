#pragma once
// The GAN objectives, all computed from the discriminator's logits.
//
// With D(x) = sigmoid(l(x)) and the identities
//   -log D(x)       = softplus(-l(x))
//   -log(1 - D(x))  = softplus( l(x))
// every log-loss below is a softplus of a logit, which never overflows: a
// logit of +-50 (D saturated at 1 - 2e-22) still gives exact finite values.
//
//   minimax (Goodfellow et al. 2014)
//     L_D = -E[log D(x)] - E[log(1 - D(G(z)))]
//     L_G =  E[log(1 - D(G(z)))]            (saturating: tiny gradient when D wins)
//   non-saturating (the default)
//     L_D = as minimax
//     L_G = -E[log D(G(z))]                 (same fixed point, strong early gradient)
//   least squares (LSGAN, Mao et al. 2017), on the raw logit l
//     L_D = 1/2 E[(l(x) - 1)^2] + 1/2 E[l(G(z))^2]
//     L_G = 1/2 E[(l(G(z)) - 1)^2]
//   hinge (Lim & Ye 2017; used with spectral norm by Miyato et al. 2018)
//     L_D = E[max(0, 1 - l(x))] + E[max(0, 1 + l(G(z)))]
//     L_G = -E[l(G(z))]
//   Wasserstein (Arjovsky et al. 2017), l the critic's score; WGAN-GP
//   (Gulrajani et al. 2017) adds a gradient penalty (gradient_penalty.hpp)
//     L_D = E[l(G(z))] - E[l(x)]
//     L_G = -E[l(G(z))]
//
// One-sided label smoothing (Salimans et al. 2016) replaces the real target 1
// by `real_label` (e.g. 0.9) in D's loss only; fakes keep target 0.
#include <string>

#include "gf/core/tensor.hpp"

namespace gf::models {

enum class GanLoss { kMinimax, kNonSaturating, kLeastSquares, kHinge, kWasserstein };

/// "minimax", "nonsaturating" (or "ns"), "lsgan", "hinge", "wgan"; throws naming the choices.
GanLoss parse_gan_loss(const std::string& name);
std::string gan_loss_name(GanLoss loss);

/// Discriminator loss from logits on real (N, ...) and fake (M, ...) samples.
/// `real_label` < 1 applies one-sided label smoothing (log losses and LSGAN).
Tensor discriminator_loss(GanLoss loss, const Tensor& real_logits, const Tensor& fake_logits,
                          double real_label = 1.0);

/// Generator loss from D's logits on generated samples.
Tensor generator_loss(GanLoss loss, const Tensor& fake_logits);

}  // namespace gf::models
