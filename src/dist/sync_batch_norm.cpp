// Synchronised batch norm, forward and backward side by side, written with
// tensor ops so it runs on any device the communicator reduces on.
#include "gf/dist/sync_batch_norm.hpp"

#include <algorithm>

#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/norm.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"

namespace gf::dist {
namespace {

// (C,) -> (1, C, 1), to broadcast over a (N, C, S) block.
Tensor per_channel(const Tensor& c) { return c.reshape({1, c.numel(), 1}); }

// Sums over (N, S) of a (N, C, S) block, in float64: (C,).
Tensor channel_sum(const Tensor& t3) { return sum(t3.to(DType::kFloat64), {0, 2}); }

}  // namespace

Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, Communicator& comm) {
  if (comm.size() == 1) return batch_norm(x, weight, bias, running_mean, running_var, true, momentum, eps);
  GF_CHECK(x.dim() >= 2, "sync_batch_norm: input must be (N, C) or (N, C, H, W), got ", x.shape());
  GF_CHECK(is_floating(x.dtype()), "sync_batch_norm: input must be floating, got ", x.dtype());
  const std::int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<std::int64_t>(N * C, 1);
  const TensorOptions like{x.dtype(), x.device()};

  Tensor x3, mean, inv_std, gamma, out;  // x3 (N, C, S); the rest (C,) in x's dtype
  double M = 0;                          // values per channel over all ranks
  {
    NoGradGuard no_grad;
    x3 = x.detach().contiguous().view({N, C, S});
    // One message: [sum x (C), sum x^2 (C), count (1)], summed over the ranks.
    Tensor stats = cat({channel_sum(x3), channel_sum(square(x3)), full({1}, static_cast<double>(N * S),
                                                                       {DType::kFloat64, x.device()})},
                       0);
    comm.all_reduce({stats}, ReduceOp::kSum);
    M = stats.narrow(0, 2 * C, 1).item<double>();
    GF_CHECK(M > 1, "sync_batch_norm: training needs more than one value per channel over all ranks, got ", M);
    const Tensor mean64 = div(stats.narrow(0, 0, C), M);
    // E[x^2] - E[x]^2 in float64, clamped at 0 against rounding.
    const Tensor var64 = clamp(sub(div(stats.narrow(0, C, C), M), square(mean64)), 0.0, 1e300);
    if (running_mean.defined()) {  // as gf::batch_norm: the running variance is unbiased
      Tensor rm = running_mean, rv = running_var;
      rm.copy_(add(mul(running_mean, 1.0 - momentum), mul(mean64.to(x.dtype()), momentum)));
      rv.copy_(add(mul(running_var, 1.0 - momentum), mul(var64.to(x.dtype()), momentum * M / (M - 1.0))));
    }
    mean = mean64.to(x.dtype());
    inv_std = rdiv(1.0, sqrt(add(var64, eps))).to(x.dtype());
    gamma = weight.defined() ? weight.detach() : full({C}, 1.0, like);
    const Tensor beta = bias.defined() ? bias.detach() : zeros({C}, like);
    const Tensor xhat = mul(sub(x3, per_channel(mean)), per_channel(inv_std));
    out = add(mul(xhat, per_channel(gamma)), per_channel(beta)).view(x.shape());
  }

  if (autograd::needs_grad({x, weight, bias})) {
    autograd::record(
        "sync_batch_norm", out, {x, weight, bias},
        [x3, mean, inv_std, gamma, M, C, &comm, need_dx = x.requires_grad(), x_shape = x.shape()](const Tensor& g) {
          const Tensor dy = g.contiguous().view(x3.shape());
          const Tensor xhat = mul(sub(x3, per_channel(mean)), per_channel(inv_std));
          // This rank's sums: its own gamma and beta gradients.
          const Tensor sum_dy = channel_sum(dy), sum_dy_xhat = channel_sum(mul(dy, xhat));
          Tensor dx;
          if (need_dx) {  // the same on every rank, so all of them reduce or none does
            Tensor sums = cat({sum_dy, sum_dy_xhat}, 0);
            comm.all_reduce({sums}, ReduceOp::kSum);
            const Tensor mean_dy = div(sums.narrow(0, 0, C), M).to(x3.dtype());
            const Tensor mean_dy_xhat = div(sums.narrow(0, C, C), M).to(x3.dtype());
            dx = mul(sub(sub(dy, per_channel(mean_dy)), mul(xhat, per_channel(mean_dy_xhat))),
                     per_channel(mul(gamma, inv_std)))
                     .view(x_shape);
          }
          return std::vector<Tensor>{dx, sum_dy_xhat.to(x3.dtype()), sum_dy.to(x3.dtype())};
        });
  }
  return out;
}

}  // namespace gf::dist
