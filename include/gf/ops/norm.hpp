#pragma once
// Normalisation over (N, C, H, W) activations.
#include "gf/core/tensor.hpp"

namespace gf {

/// Batch norm. Training: normalises each channel with the batch's mean and
/// biased variance over (N, H, W), and updates running_mean/running_var in
/// place: running = (1 - momentum) running + momentum * batch_stat (the
/// running variance uses the unbiased batch variance, as PyTorch does).
/// Eval: uses the running statistics. weight (gamma) / bias (beta) are (C,)
/// or undefined; x may be (N, C) or (N, C, H, W).
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

/// Instance norm: normalises each (n, c) plane over (H, W) with its own mean
/// and biased variance, then applies the optional per-channel affine.
Tensor instance_norm(const Tensor& x, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                     double eps = 1e-5);

}  // namespace gf
