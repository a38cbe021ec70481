#pragma once
// The --deterministic switch of the programs.
//
// CPU kernels are reproducible by construction: every output element is
// reduced by one thread in a fixed order (GEMM tiles, per-channel batch-norm
// sums, per-output reductions), so the same seed gives the same bits at any
// thread count. The switch matters where a backend could otherwise pick a
// faster non-deterministic path (the CUDA backend consults it for cuDNN
// algorithms and atomics-based reductions).
namespace gf {

void set_deterministic(bool on);
bool deterministic();

}  // namespace gf
