#include "gf/models/gan/gan_loss.hpp"

#include <algorithm>

#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::models {

GanLoss parse_gan_loss(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n == "minimax") return GanLoss::kMinimax;
  if (n == "nonsaturating" || n == "non-saturating" || n == "ns") return GanLoss::kNonSaturating;
  if (n == "lsgan" || n == "least-squares") return GanLoss::kLeastSquares;
  if (n == "hinge") return GanLoss::kHinge;
  if (n == "wgan") return GanLoss::kWasserstein;
  throw Error("gan loss: unknown '" + name + "'; choose minimax, nonsaturating, lsgan, hinge or wgan");
}

std::string gan_loss_name(GanLoss loss) {
  switch (loss) {
    case GanLoss::kMinimax: return "minimax";
    case GanLoss::kNonSaturating: return "nonsaturating";
    case GanLoss::kLeastSquares: return "lsgan";
    case GanLoss::kHinge: return "hinge";
    case GanLoss::kWasserstein: return "wgan";
  }
  return "?";
}

Tensor discriminator_loss(GanLoss loss, const Tensor& real_logits, const Tensor& fake_logits, double real_label) {
  GF_CHECK(real_label > 0.0 && real_label <= 1.0, "discriminator_loss: real_label must be in (0, 1], got ",
           real_label);
  switch (loss) {
    case GanLoss::kMinimax:
    case GanLoss::kNonSaturating: {
      // BCE with target y on real logits: y softplus(-l) + (1 - y) softplus(l).
      Tensor real_term = mul(softplus(neg(real_logits)), real_label);
      if (real_label < 1.0) real_term = add(real_term, mul(softplus(real_logits), 1.0 - real_label));
      return add(mean(real_term), mean(softplus(fake_logits)));
    }
    case GanLoss::kLeastSquares:
      return add(mul(mean(square(sub(real_logits, real_label))), 0.5), mul(mean(square(fake_logits)), 0.5));
    case GanLoss::kHinge:
      return add(mean(relu(rsub(1.0, real_logits))), mean(relu(add(fake_logits, 1.0))));
    case GanLoss::kWasserstein:
      return sub(mean(fake_logits), mean(real_logits));
  }
  throw Error("discriminator_loss: unknown loss");
}

Tensor generator_loss(GanLoss loss, const Tensor& fake_logits) {
  switch (loss) {
    case GanLoss::kMinimax: return neg(mean(softplus(fake_logits)));  // E[log(1 - D)] = -E[softplus(l)]
    case GanLoss::kNonSaturating: return mean(softplus(neg(fake_logits)));
    case GanLoss::kLeastSquares: return mul(mean(square(sub(fake_logits, 1.0))), 0.5);
    case GanLoss::kHinge:
    case GanLoss::kWasserstein: return neg(mean(fake_logits));
  }
  throw Error("generator_loss: unknown loss");
}

}  // namespace gf::models
