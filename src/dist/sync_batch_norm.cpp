// Synchronised batch norm, forward and backward side by side, written with
// tensor ops so it runs on any device the communicator reduces on.
//
// Every pass over the activations costs as much as the statistics' message,
// so the element-wise work goes through as few passes as it can: the sums
// with the reduction kernels (which accumulate in double), and each per-channel
// affine map a x + b through gf::batch_norm in eval mode with mean 0, variance
// 1 and eps 0, which is exactly x gamma + beta in one fused pass.
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

// Sums over (N, S) of a (N, C, S) block, as float64: (C,).
Tensor channel_sum(const Tensor& t3) { return sum(t3, {0, 2}).to(DType::kFloat64); }

// x (N, C, S) -> x scale[c] + shift[c], in one fused pass; scale, shift (C,) float64.
Tensor channel_affine(const Tensor& x3, const Tensor& scale, const Tensor& shift) {
  const std::int64_t C = x3.size(1);
  const TensorOptions like{x3.dtype(), x3.device()};
  return batch_norm(x3, scale.to(x3.dtype()), shift.to(x3.dtype()), zeros({C}, like), ones({C}, like),
                    /*training=*/false, 0.0, /*eps=*/0.0);
}

}  // namespace

Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, Communicator& comm) {
  if (comm.size() == 1) return batch_norm(x, weight, bias, running_mean, running_var, true, momentum, eps);
  GF_CHECK(x.dim() >= 2, "sync_batch_norm: input must be (N, C) or (N, C, H, W), got ", x.shape());
  GF_CHECK(is_floating(x.dtype()), "sync_batch_norm: input must be floating, got ", x.dtype());
  const std::int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<std::int64_t>(N * C, 1);
  const TensorOptions f64{DType::kFloat64, x.device()};

  Tensor x3, mean, inv_std, gamma, out;  // x3 (N, C, S) in x's dtype; mean, inv_std, gamma (C,) float64
  double M = 0;                          // values per channel over all ranks
  {
    NoGradGuard no_grad;
    x3 = x.detach().contiguous().view({N, C, S});
    // One message: [sum x (C), sum x^2 (C), count (1)], summed over the ranks.
    Tensor stats = cat({channel_sum(x3), channel_sum(square(x3)), full({1}, static_cast<double>(N * S), f64)}, 0);
    comm.all_reduce({stats}, ReduceOp::kSum);
    M = stats.narrow(0, 2 * C, 1).item<double>();
    GF_CHECK(M > 1, "sync_batch_norm: training needs more than one value per channel over all ranks, got ", M);
    mean = div(stats.narrow(0, 0, C), M);
    // E[x^2] - E[x]^2 in float64, clamped at 0 against rounding.
    const Tensor var = clamp(sub(div(stats.narrow(0, C, C), M), square(mean)), 0.0, 1e300);
    if (running_mean.defined()) {  // as gf::batch_norm: the running variance is unbiased
      Tensor rm = running_mean, rv = running_var;
      rm.copy_(add(mul(running_mean, 1.0 - momentum), mul(mean.to(x.dtype()), momentum)));
      rv.copy_(add(mul(running_var, 1.0 - momentum), mul(var.to(x.dtype()), momentum * M / (M - 1.0))));
    }
    inv_std = rdiv(1.0, sqrt(add(var, eps)));
    gamma = weight.defined() ? weight.detach().to(DType::kFloat64) : full({C}, 1.0, f64);
    const Tensor beta = bias.defined() ? bias.detach().to(DType::kFloat64) : zeros({C}, f64);
    // y = (x - mean) inv_std gamma + beta = x scale + (beta - mean scale)
    const Tensor scale = mul(gamma, inv_std);
    out = channel_affine(x3, scale, sub(beta, mul(mean, scale))).view(x.shape());
  }

  if (autograd::needs_grad({x, weight, bias})) {
    autograd::record(
        "sync_batch_norm", out, {x, weight, bias},
        [x3, mean, inv_std, gamma, M, C, &comm, need_dx = x.requires_grad(), x_shape = x.shape()](const Tensor& g) {
          const Tensor dy = g.contiguous().view(x3.shape());  // (N, C, S)
          // This rank's sums, its own gamma and beta gradients:
          //   sum dy,  sum dy xhat = inv_std (sum dy x - mean sum dy)
          const Tensor sum_dy = channel_sum(dy);
          const Tensor sum_dy_xhat = mul(inv_std, sub(channel_sum(mul(dy, x3)), mul(mean, sum_dy)));
          Tensor dx;
          if (need_dx) {  // the same on every rank, so all of them reduce or none does
            Tensor sums = cat({sum_dy, sum_dy_xhat}, 0);
            comm.all_reduce({sums}, ReduceOp::kSum);
            const Tensor mean_dy = div(sums.narrow(0, 0, C), M), mean_dy_xhat = div(sums.narrow(0, C, C), M);
            // dx = gamma inv_std (dy - mean_dy - xhat mean_dy_xhat), xhat = (x - mean) inv_std:
            //    = dy k + x a + b  with  k = gamma inv_std,  a = -k inv_std mean_dy_xhat,
            //                            b = -k (mean_dy - mean inv_std mean_dy_xhat)
            const Tensor k = mul(gamma, inv_std);
            const Tensor a = neg(mul(mul(k, inv_std), mean_dy_xhat));
            const Tensor b = neg(mul(k, sub(mean_dy, mul(mul(mean, inv_std), mean_dy_xhat))));
            const Tensor k3 = k.to(dy.dtype()).reshape({1, C, 1});
            dx = add(mul(dy, k3), channel_affine(x3, a, b)).view(x_shape);
          }
          return std::vector<Tensor>{dx, sum_dy_xhat.to(x3.dtype()), sum_dy.to(x3.dtype())};
        });
  }
  return out;
}

}  // namespace gf::dist
