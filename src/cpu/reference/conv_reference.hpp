#pragma once
// Naive twins of the CPU convolution kernels (kernels/twins.inc), same signatures
// and meaning: direct loops over every (output pixel, kernel tap) pair, with
// double accumulators. Slow and obviously right; tests compare against them.
#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"

namespace gf::cpu::reference {

void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p);
void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p);
void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p);

}  // namespace gf::cpu::reference
