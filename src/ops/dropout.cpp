// Dropout (Srivastava et al. 2014), "inverted": survivors are scaled by
// 1 / (1 - p) during training so that evaluation needs no rescaling.
#include "gf/ops/dropout.hpp"

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf {

Tensor dropout(const Tensor& x, double p, bool training, Rng* gen) {
  GF_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got ", p, " (input ", x.shape(), ")");
  GF_CHECK(is_floating(x.dtype()), "dropout: expected a floating input, got ", x.dtype());
  if (!training || p == 0.0) return x;
  // The mask comes from the generator's Philox stream (rand), so a given seed
  // always drops the same elements.
  const Tensor uniform = rand(x.shape(), {x.dtype(), x.device()}, gen);
  Tensor mask = Tensor::empty(x.shape(), {x.dtype(), x.device()});
  kernels_on(mask.device()).dropout_mask(mask, uniform, p);
  // out = x * mask; mul's backward gives d out / dx = mask, zero where dropped.
  return mul(x, mask);
}

}  // namespace gf
