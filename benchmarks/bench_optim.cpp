// The fused Adam update (GB/s), through gf::optim::Adam::step on one parameter
// tensor as large as all of DCGAN-28 G's parameters (1,781,504 floats).
// Compulsory traffic per step: read param, grad, exp_avg, exp_avg_sq and
// write param, exp_avg, exp_avg_sq: 7 floats per element.
//
//   build/benchmarks/bench_optim --benchmark_counters_tabular=true
#include <cstdint>
#include <string>

#include "gf/gf.hpp"
#include "report.hpp"

namespace {

constexpr std::int64_t kDcgan28GeneratorParams = 1781504;

void adam(benchmark::State& state, std::int64_t numel) {
  gf::Rng g(1);
  const gf::Tensor param = gf::randn({numel}, {}, &g);
  param.set_grad(gf::randn({numel}, {}, &g));
  gf::optim::Adam opt({param}, {.lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999});
  opt.step();  // warm-up: the first step allocates the moment buffers
  for (auto _ : state) {
    opt.step();
    benchmark::ClobberMemory();
  }
  gf::bench::report_bytes(state, 7.0 * static_cast<double>(numel) * sizeof(float));
}

void register_all() {
  benchmark::RegisterBenchmark(("adam/" + std::to_string(kDcgan28GeneratorParams)).c_str(), adam,
                               kDcgan28GeneratorParams)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
