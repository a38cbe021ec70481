#pragma once
// CPU kernels for the losses that cannot be composed from other ops without
// losing stability: binary cross-entropy on probabilities, whose logs must be
// clamped and whose gradient must stay finite at p = 0 and p = 1.
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// out = -(y max(log p, -100) + (1 - y) max(log(1 - p), -100))
void bce(const Tensor& out, const Tensor& p, const Tensor& y);
/// gp = g (p - y) / max(p (1 - p), 1e-12): d loss / dp, kept finite at p = 0 or 1.
void bce_backward_probs(const Tensor& gp, const Tensor& g, const Tensor& p, const Tensor& y);
/// gy = g (max(log(1 - p), -100) - max(log p, -100)): d loss / dy.
void bce_backward_target(const Tensor& gy, const Tensor& g, const Tensor& p);

}  // namespace gf::cpu
