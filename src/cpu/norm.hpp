#pragma once
// CPU kernels for batch norm and instance norm.
//
// Both normalisations see the activations as a contiguous (B, C, S) block and
// normalise each channel c over its B * S values:
//   batch norm     (N, C, H, W) -> B = N, C = C,     S = H W
//   instance norm  (N, C, H, W) -> B = 1, C = N C,   S = H W   (one "channel" per plane)
// Channel c's values sit in B rows of S at x[b C S + c S + s]. Every kernel
// runs its channels in parallel.
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// Per-channel mean and biased variance in one pass over the data.
/// x (B, C, S) contiguous -> mean (C,), var (C,), both contiguous, x's dtype.
void channel_moments(const Tensor& x, const Tensor& mean, const Tensor& var);

/// The fused normalise + affine pass: y = (x - mean[c]) scale[c] + shift[c],
/// where the op folded 1/std, gamma and beta into scale = gamma / std and
/// shift = beta. Subtracting the mean first (rather than folding it into the
/// shift) keeps float32 exact when the mean is large next to the spread.
/// y, x (B, C, S) contiguous; mean, scale, shift (C,) contiguous.
void channel_normalize(const Tensor& y, const Tensor& x, const Tensor& mean, const Tensor& scale,
                       const Tensor& shift);

/// The fused backward of y = gamma xhat + beta, xhat = (x - mean) inv_std,
/// when mean and inv_std are the statistics of x itself (M = B S values each):
///   sum_dy[c]      = sum dy                   (the gradient of beta)
///   sum_dy_xhat[c] = sum dy xhat              (the gradient of gamma)
///   dx = gamma inv_std / M (M dy - sum_dy - xhat sum_dy_xhat)
/// One pass per channel computes the two sums, a second writes dx while the
/// channel is still in cache. `dx` undefined skips the second pass (what eval
/// mode wants, where the statistics are constants and dx = gamma inv_std dy).
/// dx, dy, x (B, C, S) contiguous; mean, inv_std, gamma, sum_dy, sum_dy_xhat (C,).
void norm_backward(const Tensor& dx, const Tensor& sum_dy, const Tensor& sum_dy_xhat, const Tensor& dy,
                   const Tensor& x, const Tensor& mean, const Tensor& inv_std, const Tensor& gamma);

}  // namespace gf::cpu
