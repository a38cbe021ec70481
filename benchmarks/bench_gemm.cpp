// GEMM and convolution throughput of the CPU backend (counter GFLOP, per second).
//
//   build-bench/benchmarks/bench_gemm --benchmark_counters_tabular=true
//
// A GEMM of (M, K) x (K, N) does 2 M N K floating-point operations; a
// convolution does 2 N C_out H_out W_out (C_in / groups) kH kW.
#include <benchmark/benchmark.h>

#include "cpu/gemm.hpp"
#include "gf/gf.hpp"

namespace {

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP"] =
      benchmark::Counter(flops_per_iteration * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void BM_sgemm_square(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  gf::Generator g(1);
  const gf::Tensor a = gf::randn({n, n}, {}, &g), b = gf::randn({n, n}, {}, &g);
  gf::Tensor c = gf::zeros({n, n});
  for (auto _ : state) {
    gf::cpu::gemm<float>(false, false, n, n, n, 1.0f, a.data<float>(), n, b.data<float>(), n, 0.0f, c.data<float>(), n);
    benchmark::DoNotOptimize(c.data<float>());
  }
  set_flops(state, 2.0 * static_cast<double>(n * n * n));
}
BENCHMARK(BM_sgemm_square)->RangeMultiplier(2)->Range(256, 2048)->Unit(benchmark::kMillisecond)->UseRealTime();

// The convolutions of a DCGAN-28 training step at batch 64 (forward only).
void BM_dcgan28_conv(benchmark::State& state) {
  gf::Generator g(2);
  gf::NoGradGuard no_grad;
  gf::Tensor x, w, y;
  double flops = 0;
  switch (state.range(0)) {
    case 0:  // G: ConvT(256, 128, k4, s2, p1), 7x7 -> 14x14
      x = gf::randn({64, 256, 7, 7}, {}, &g), w = gf::randn({256, 128, 4, 4}, {}, &g);
      flops = 2.0 * 64 * 256 * 128 * 16 * 49;
      state.SetLabel("convT 256->128 7->14");
      break;
    case 1:  // D: Conv(64, 128, k4, s2, p1), 14x14 -> 7x7
      x = gf::randn({64, 64, 14, 14}, {}, &g), w = gf::randn({128, 64, 4, 4}, {}, &g);
      flops = 2.0 * 64 * 128 * 49 * 64 * 16;
      state.SetLabel("conv 64->128 14->7");
      break;
  }
  for (auto _ : state) {
    y = state.range(0) == 0 ? gf::conv_transpose2d(x, w, gf::Tensor(), gf::ConvTranspose2dParams::make(2, 1))
                            : gf::conv2d(x, w, gf::Tensor(), gf::Conv2dParams::make(2, 1));
    benchmark::DoNotOptimize(y.raw_data());
  }
  set_flops(state, flops);
}
BENCHMARK(BM_dcgan28_conv)->DenseRange(0, 1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
