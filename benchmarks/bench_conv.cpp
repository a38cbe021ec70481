// Convolution throughput (GFLOP/s) on DCGAN layer shapes, each pass alone:
//   conv2d_fwd         the op gf::conv2d (no grad recorded)
//   conv2d_bwd_data    the input-gradient kernel  gf::cpu::conv2d_backward_input
//   conv2d_bwd_weight  the weight-gradient kernel gf::cpu::conv2d_backward_weight
//   convT_fwd          the op gf::conv_transpose2d (no grad recorded)
//   convT_bwd_data     its input gradient, a convolution: gf::cpu::conv2d_forward
//   convT_bwd_weight   its weight gradient: gf::cpu::conv2d_backward_weight with
//                      the output gradient as input and x as output gradient
// The backward passes call the kernels the autograd lambdas of src/ops/conv.cpp
// call, on preallocated outputs, so nothing else (a bias sum, an unneeded input
// gradient) is timed.
//
// Every pass of a convolution with output (N, C_out, H_out, W_out) and kernel
// (C_in, kH, kW) does 2 N C_out H_out W_out C_in kH kW flops (a transposed
// convolution: the same with its input and output swapped).
//
//   build/benchmarks/bench_conv --benchmark_counters_tabular=true
#include <cstdint>
#include <string>

#include "kernels/kernels.hpp"
#include "gf/gf.hpp"
#include "report.hpp"

namespace {

/// A convolution y = conv2d(x, w) (or, transposed, x = conv_transpose2d(y, w)):
/// x (N, C_in, H, W), w (C_out, C_in, kH, kW), y (N, C_out, H_out, W_out).
struct ConvShape {
  std::string name;
  std::int64_t n, c_in, h, c_out, k, stride, pad;
  std::int64_t h_out() const { return (h + 2 * pad - k) / stride + 1; }
  gf::Shape x() const { return {n, c_in, h, h}; }
  gf::Shape w() const { return {c_out, c_in, k, k}; }
  gf::Shape y() const { return {n, c_out, h_out(), h_out()}; }
  gf::Conv2dParams params() const { return gf::Conv2dParams::make(stride, pad); }
  double flops() const { return 2.0 * static_cast<double>(n * c_out * h_out() * h_out() * c_in * k * k); }
};

// D's Conv(64, 128, k4, s2, p1) at batch 64: x (64, 64, 14, 14) -> (64, 128, 7, 7).
const ConvShape kDcgan28Conv2{"dcgan28_conv2", 64, 64, 14, 128, 4, 2, 1};
// DCGAN-64 D's third Conv(128, 256, k4, s2, p1) at batch 16: x (16, 128, 16, 16) -> (16, 256, 8, 8).
const ConvShape kDcgan64Conv3{"dcgan64_conv3", 16, 128, 16, 256, 4, 2, 1};
// G's ConvT(256, 128, k4, s2, p1) at batch 64, seen as the convolution it is the
// adjoint of: (64, 128, 14, 14) -> (64, 256, 7, 7); the ConvT maps
// x (64, 256, 7, 7) with weight (256, 128, 4, 4) to (64, 128, 14, 14).
const ConvShape kDcgan28ConvT2{"dcgan28_convT2", 64, 128, 14, 256, 4, 2, 1};
// G's first ConvT(100, 256, k7, s1, p0) at batch 64: (64, 100, 1, 1) -> (64, 256, 7, 7);
// its adjoint convolution maps (64, 256, 7, 7) to (64, 100, 1, 1).
const ConvShape kDcgan28ConvT1{"dcgan28_convT1", 64, 256, 7, 100, 7, 1, 0};

gf::Tensor random(const gf::Shape& shape, std::uint64_t seed) {
  gf::Rng g(seed);
  return gf::randn(shape, {}, &g);
}

/// Runs `pass` once to warm up (workspaces, threads), then times it.
template <typename Pass>
void time_pass(benchmark::State& state, const ConvShape& s, Pass pass) {
  gf::NoGradGuard no_grad;
  pass();
  for (auto _ : state) {
    pass();
    benchmark::ClobberMemory();
  }
  gf::bench::report_flops(state, s.flops());
}

void conv2d_fwd(benchmark::State& state, const ConvShape& s) {
  const gf::Tensor x = random(s.x(), 1), w = random(s.w(), 2);
  gf::Tensor y;
  time_pass(state, s, [&] { y = gf::conv2d(x, w, gf::Tensor(), s.params()); });
}

void conv2d_bwd_data(benchmark::State& state, const ConvShape& s) {
  const gf::Tensor gy = random(s.y(), 1), w = random(s.w(), 2), gx = gf::zeros(s.x());
  time_pass(state, s, [&] { gf::cpu::conv2d_backward_input(gx, gy, w, s.params()); });
}

void conv2d_bwd_weight(benchmark::State& state, const ConvShape& s) {
  const gf::Tensor x = random(s.x(), 1), gy = random(s.y(), 2), gw = gf::zeros(s.w());
  time_pass(state, s, [&] { gf::cpu::conv2d_backward_weight(gw, x, gy, s.params()); });
}

// For the transposed convolution, x is s.y() and its output s.x(); its weight
// (C_in of the ConvT, C_out of the ConvT, kH, kW) is s.w().
gf::ConvTranspose2dParams transposed(const ConvShape& s) { return gf::ConvTranspose2dParams::make(s.stride, s.pad); }

void convT_fwd(benchmark::State& state, const ConvShape& s) {
  const gf::Tensor x = random(s.y(), 1), w = random(s.w(), 2);
  gf::Tensor y;
  time_pass(state, s, [&] { y = gf::conv_transpose2d(x, w, gf::Tensor(), transposed(s)); });
}

void convT_bwd_data(benchmark::State& state, const ConvShape& s) {
  const gf::Tensor gy = random(s.x(), 1), w = random(s.w(), 2), gx = gf::zeros(s.y());
  time_pass(state, s, [&] { gf::cpu::conv2d_forward(gx, gy, w, s.params()); });
}

void convT_bwd_weight(benchmark::State& state, const ConvShape& s) {
  const gf::Tensor x = random(s.y(), 1), gy = random(s.x(), 2), gw = gf::zeros(s.w());
  time_pass(state, s, [&] { gf::cpu::conv2d_backward_weight(gw, gy, x, s.params()); });
}

void add(const std::string& pass, void (*fn)(benchmark::State&, const ConvShape&), const ConvShape& s) {
  benchmark::RegisterBenchmark((pass + "/" + s.name).c_str(), fn, s)->Unit(benchmark::kMillisecond)->UseRealTime();
}

void register_all() {
  add("conv2d_fwd", conv2d_fwd, kDcgan28Conv2);
  add("conv2d_bwd_data", conv2d_bwd_data, kDcgan28Conv2);
  add("conv2d_bwd_weight", conv2d_bwd_weight, kDcgan28Conv2);
  add("conv2d_fwd", conv2d_fwd, kDcgan64Conv3);
  add("convT_fwd", convT_fwd, kDcgan28ConvT2);
  add("convT_bwd_data", convT_bwd_data, kDcgan28ConvT2);
  add("convT_bwd_weight", convT_bwd_weight, kDcgan28ConvT2);
  add("convT_fwd", convT_fwd, kDcgan28ConvT1);
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
