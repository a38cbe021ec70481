// Batch norm and instance norm: forward and backward side by side.
//
// Both reduce to one picture: a contiguous (B, C, S) block whose channels are
// normalised one by one, y = gamma (x - mean) inv_std + beta with
// inv_std = 1 / sqrt(var + eps). Batch norm takes its statistics over (N, H, W)
// (B = N, S = H W); instance norm over each plane (B = 1, C = N C, S = H W).
#include "gf/ops/norm.hpp"

#include <algorithm>
#include <functional>
#include <tuple>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf {
namespace {

using Grads = std::vector<Tensor>;

// Checks a per-channel tensor (gamma, beta, a running statistic): (C,), same
// dtype and device as x. Undefined is allowed; the caller decides if it must exist.
void check_channel_tensor(const char* op, const char* what, const Tensor& t, const Tensor& x, std::int64_t C) {
  if (!t.defined()) return;
  GF_CHECK(t.shape() == Shape{C}, op, ": ", what, " must have shape (", C, ",) for input ", x.shape(), ", got ",
           t.shape());
  GF_CHECK(t.dtype() == x.dtype(), op, ": ", what, " is ", t.dtype(), " but the input is ", x.dtype());
  GF_CHECK(t.device() == x.device(), op, ": ", what, " is on ", t.device(), " but the input is on ", x.device());
}

// x (B, C, S) contiguous -> per-channel mean and biased variance (C,).
std::pair<Tensor, Tensor> moments(const Tensor& x3) {
  Tensor mean = Tensor::empty({x3.size(1)}, {x3.dtype(), x3.device()});
  Tensor var = Tensor::empty({x3.size(1)}, {x3.dtype(), x3.device()});
  kernels_on(x3.device()).channel_moments(x3, mean, var);
  return {mean, var};
}

// 1 / sqrt(var + eps), per channel (C,).
Tensor inverse_std(const Tensor& var, double eps) { return rdiv(1.0, sqrt(add(var, eps))); }

// (C,) gamma or beta, or `fill` when the op has no affine part.
Tensor affine_or(const Tensor& t, double fill, std::int64_t C, const Tensor& x) {
  return t.defined() ? t.detach().contiguous() : full({C}, fill, {x.dtype(), x.device()});
}

// The forward pass: y = (x - mean) (gamma inv_std) + beta in one fused pass.
// x (B, C, S); mean, inv_std, gamma, beta (C,) -> y (B, C, S).
Tensor normalize(const Tensor& x3, const Tensor& mean, const Tensor& inv_std, const Tensor& gamma, const Tensor& beta) {
  Tensor y = Tensor::empty(x3.shape(), {x3.dtype(), x3.device()});
  kernels_on(x3.device()).channel_normalize(y, x3, mean, mul(gamma, inv_std), beta);
  return y;
}

// What backward needs from a forward pass, all detached.
struct NormSaved {
  Tensor x3;             // (B, C, S) contiguous input
  Tensor mean, inv_std;  // (C,) statistics used
  Tensor gamma;          // (C,) (ones without affine)
  bool batch_stats;      // statistics computed from x itself (training) or constants (eval)
};

struct NormGrads {
  Tensor dx;      // (B, C, S), undefined when not asked for
  Tensor dgamma;  // (C,) sum dy xhat
  Tensor dbeta;   // (C,) sum dy
};

// The backward pass. With batch statistics, mean and inv_std depend on x and
// the classic fused formula applies; with constant (running) statistics y is
// an affine map of x and dx = gamma inv_std dy.
NormGrads normalize_backward(const NormSaved& s, const Tensor& dy3, bool need_dx) {
  const std::int64_t C = s.x3.size(1);
  NormGrads g;
  g.dbeta = Tensor::empty({C}, {s.x3.dtype(), s.x3.device()});
  g.dgamma = Tensor::empty({C}, {s.x3.dtype(), s.x3.device()});
  if (need_dx && s.batch_stats) g.dx = Tensor::empty(s.x3.shape(), {s.x3.dtype(), s.x3.device()});
  kernels_on(s.x3.device()).norm_backward(g.dx, g.dbeta, g.dgamma, dy3, s.x3, s.mean, s.inv_std, s.gamma);
  if (need_dx && !s.batch_stats) {
    g.dx = Tensor::empty(s.x3.shape(), {s.x3.dtype(), s.x3.device()});
    const Tensor zero = zeros({C}, {s.x3.dtype(), s.x3.device()});
    kernels_on(s.x3.device()).channel_normalize(g.dx, dy3, zero, mul(s.gamma, s.inv_std), zero);
  }
  return g;
}

// The same backward in differentiable ops, for create_graph. x3 (B, C, S) and
// gamma (C,) are the recorded tensors (gamma undefined without affine), so the
// gradients' dependence on them is recorded too. With batch statistics these
// are recomputed from x3 as ops (they depend on x), and
//   xhat = (x - mean) inv_std,  dx = gamma inv_std (dy - mean(dy) - xhat mean(dy xhat)),
// means over (B, S) per channel; with constant statistics dx = gamma inv_std dy.
NormGrads normalize_backward_as_ops(const NormSaved& s, double eps, const Tensor& x3, const Tensor& gamma,
                                    const Tensor& dy3, bool need_dx) {
  const std::int64_t C = x3.size(1);
  const std::vector<std::int64_t> per_channel{0, 2};
  Tensor xhat, inv_std;
  if (s.batch_stats) {
    const Tensor centred = sub(x3, mean(x3, per_channel, /*keepdim=*/true));
    inv_std = pow(add(mean(square(centred), per_channel, /*keepdim=*/true), eps), -0.5);
    xhat = mul(centred, inv_std);
  } else {
    inv_std = s.inv_std.view({1, C, 1});
    xhat = mul(sub(x3, s.mean.view({1, C, 1})), inv_std);
  }
  NormGrads g;
  g.dbeta = sum(dy3, per_channel);
  g.dgamma = sum(mul(dy3, xhat), per_channel);
  if (need_dx) {
    const Tensor scale = gamma.defined() ? mul(gamma.view({1, C, 1}), inv_std) : inv_std;
    Tensor inner = dy3;
    if (s.batch_stats)
      inner = sub(sub(dy3, mean(dy3, per_channel, true)), mul(xhat, mean(mul(dy3, xhat), per_channel, true)));
    g.dx = mul(scale, inner);
  }
  return g;
}

}  // namespace

namespace {
/// batch_norm's backward: g shaped like x to the gradients of x, gamma and beta.
Grads batch_norm_backward(const NormSaved& s, bool need_dx, const Shape& x_shape, const Tensor& g) {
  const NormGrads d = normalize_backward(s, g.contiguous().view(s.x3.shape()), need_dx);
  return Grads{d.dx.defined() ? d.dx.view(x_shape) : Tensor(), d.dgamma, d.dbeta};
}

/// batch_norm's backward in differentiable ops (create_graph), on x and gamma as recorded.
Grads batch_norm_backward_as_ops(const NormSaved& s, double eps, const Tensor& x, const Tensor& weight, bool need_dx,
                                 const Tensor& g) {
  const NormGrads d = normalize_backward_as_ops(s, eps, x.contiguous().view(s.x3.shape()), weight,
                                                g.contiguous().view(s.x3.shape()), need_dx);
  return Grads{d.dx.defined() ? d.dx.view(x.shape()) : Tensor(), d.dgamma, d.dbeta};
}
}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  GF_CHECK(x.dim() >= 2, "batch_norm: input must be (N, C) or (N, C, H, W), got ", x.shape());
  GF_CHECK(is_floating(x.dtype()), "batch_norm: input must be floating, got ", x.dtype());
  const std::int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<std::int64_t>(N * C, 1);
  check_channel_tensor("batch_norm", "weight", weight, x, C);
  check_channel_tensor("batch_norm", "bias", bias, x, C);
  check_channel_tensor("batch_norm", "running_mean", running_mean, x, C);
  check_channel_tensor("batch_norm", "running_var", running_var, x, C);
  GF_CHECK(running_mean.defined() == running_var.defined(),
           "batch_norm: pass both running_mean and running_var, or neither");
  GF_CHECK(training || running_mean.defined(), "batch_norm: eval mode needs running_mean and running_var");
  GF_CHECK(!training || N * S > 1, "batch_norm: training needs more than one value per channel, input ", x.shape());

  NormSaved s;
  s.x3 = x.detach().contiguous().view({N, C, S});
  s.batch_stats = training;
  Tensor out;
  {
    NoGradGuard no_grad;  // statistics, running updates and the fused pass are not recorded
    Tensor var;
    if (training) {
      std::tie(s.mean, var) = moments(s.x3);
      if (running_mean.defined()) {
        // running = (1 - momentum) running + momentum batch; the variance
        // enters unbiased (times M / (M - 1)), as in PyTorch.
        const double M = static_cast<double>(N * S);
        Tensor rm = running_mean, rv = running_var;  // handles onto the caller's buffers
        rm.copy_(add(mul(running_mean, 1.0 - momentum), mul(s.mean, momentum)));
        rv.copy_(add(mul(running_var, 1.0 - momentum), mul(var, momentum * M / (M - 1.0))));
      }
    } else {
      s.mean = running_mean.detach().contiguous();
      var = running_var.detach();
    }
    s.inv_std = inverse_std(var, eps);
    s.gamma = affine_or(weight, 1.0, C, x);
    out = normalize(s.x3, s.mean, s.inv_std, s.gamma, affine_or(bias, 0.0, C, x)).view(x.shape());
  }

  if (autograd::needs_grad({x, weight, bias})) {
    autograd::record("batch_norm", out, {x, weight, bias},
                     std::bind_front(batch_norm_backward, s, x.requires_grad(), x.shape()),
                     std::bind_front(batch_norm_backward_as_ops, s, eps, x, weight, x.requires_grad()));
  }
  return out;
}

namespace {
/// instance_norm's backward: as batch norm over the (1, N C, S) view; gamma and
/// beta are shared by the N planes of a channel, so their gradients sum over n.
Grads instance_norm_backward(const NormSaved& s, std::int64_t N, std::int64_t C, bool need_dx, const Shape& x_shape,
                             const Tensor& g) {
  const NormGrads d = normalize_backward(s, g.contiguous().view(s.x3.shape()), need_dx);
  return Grads{d.dx.defined() ? d.dx.view(x_shape) : Tensor(), sum(d.dgamma.view({N, C}), {0}),
               sum(d.dbeta.view({N, C}), {0})};
}

/// instance_norm's backward in differentiable ops (create_graph); gamma is
/// repeated per plane as recorded ops, so its gradient sums back over n.
Grads instance_norm_backward_as_ops(const NormSaved& s, double eps, const Tensor& x, const Tensor& weight, bool need_dx,
                                    const Tensor& g) {
  const std::int64_t N = x.size(0), C = x.size(1);
  const Tensor gamma_planes = weight.defined() ? weight.view({1, C}).expand({N, C}).reshape({N * C}) : Tensor();
  const NormGrads d = normalize_backward_as_ops(s, eps, x.contiguous().view(s.x3.shape()), gamma_planes,
                                                g.contiguous().view(s.x3.shape()), need_dx);
  return Grads{d.dx.defined() ? d.dx.view(x.shape()) : Tensor(), sum(d.dgamma.view({N, C}), {0}),
               sum(d.dbeta.view({N, C}), {0})};
}
}  // namespace

Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  GF_CHECK(x.dim() >= 3, "instance_norm: input must be (N, C, H, W) or (N, C, L), got ", x.shape());
  GF_CHECK(is_floating(x.dtype()), "instance_norm: input must be floating, got ", x.dtype());
  const std::int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<std::int64_t>(N * C, 1);
  check_channel_tensor("instance_norm", "weight", weight, x, C);
  check_channel_tensor("instance_norm", "bias", bias, x, C);
  GF_CHECK(S > 1, "instance_norm: needs more than one value per plane, input ", x.shape());

  // Every (n, c) plane is its own channel: (1, N C, S), with gamma and beta
  // repeated for each sample.
  auto per_plane = [&](const Tensor& t, double fill) {
    return affine_or(t, fill, C, x).expand({N, C}).reshape({N * C});
  };
  NormSaved s;
  s.x3 = x.detach().contiguous().view({1, N * C, S});
  s.batch_stats = true;
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor var;
    std::tie(s.mean, var) = moments(s.x3);
    s.inv_std = inverse_std(var, eps);
    s.gamma = per_plane(weight, 1.0);
    out = normalize(s.x3, s.mean, s.inv_std, s.gamma, per_plane(bias, 0.0)).view(x.shape());
  }

  if (autograd::needs_grad({x, weight, bias})) {
    autograd::record("instance_norm", out, {x, weight, bias},
                     std::bind_front(instance_norm_backward, s, N, C, x.requires_grad(), x.shape()),
                     std::bind_front(instance_norm_backward_as_ops, s, eps, x, weight, x.requires_grad()));
  }
  return out;
}

}  // namespace gf
