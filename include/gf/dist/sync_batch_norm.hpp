#pragma once
// Synchronised batch norm: batch statistics over every rank's batch.
//
// With data parallelism each rank sees only its share of the batch. Plain
// batch norm would normalise each share with its own mean and variance, so a
// discriminator trained on 2 ranks x 32 images would see different
// activations from one trained on 64. Synchronised batch norm all-reduces
// the per-channel sums first (the maths: docs/distributed.md):
//
//   forward:   M = sum_r N_r S,  mean = sum x / M,  var = sum x^2 / M - mean^2
//   backward:  dx = gamma inv_std (dy - sum dy / M - xhat sum(dy xhat) / M)
//              with both sums over every rank; dgamma = sum dy xhat and
//              dbeta = sum dy stay this rank's own (the gradient reducer
//              averages them with the other parameters' gradients).
#include "gf/core/tensor.hpp"
#include "gf/dist/communicator.hpp"

namespace gf::dist {

/// Training-mode batch norm of x (N, C) or (N, C, H, W) with statistics over
/// all ranks of `comm` (one all-reduce of 2C + 1 doubles forward, one of 2C
/// backward). Same arguments and running-statistics update as gf::batch_norm,
/// which it is when comm has one rank. Every rank must call it in the same order,
/// and `comm` must outlive the backward pass through the result.
Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                       const Tensor& running_var, double momentum, double eps, Communicator& comm);

}  // namespace gf::dist
