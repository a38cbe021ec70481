#pragma once
// What every benchmark program reports, and its main().
//
// Counters are totals over the timed iterations flagged kIsRate, so Google
// Benchmark divides them by the elapsed (real) time:
//   GFLOP      GFLOP/s of useful arithmetic (a GEMM (M, K) x (K, N) does 2 M N K)
//   peak_frac  that rate over the machine's FP32 peak (gf/core/machine.hpp)
//   GB         GB/s of compulsory memory traffic: every input read once and
//              every output written once (no peak: the bandwidth peak is unknown)
//   images     images per second (whole-model steps)
// (The console prints peak_frac with a "/s": it is a rate counter by
// construction, but the value is a plain fraction.)
//
// Names are fixed ("gemm/1024"); UseRealTime() makes Google Benchmark append
// "/real_time", so the JSON "name" is e.g. "gemm/1024/real_time". Real time,
// because CPU time counts only the calling thread, not the OpenMP workers.
// On a machine that other processes keep busy, OpenMP's spinning workers turn
// every parallel region into a scheduler wait (10 ms steps were seen on 2
// cores); OMP_WAIT_POLICY=passive or a quiet machine gives meaningful numbers.
#include <benchmark/benchmark.h>

#include <string>

#include "gf/core/machine.hpp"
#include "gf/core/parallel.hpp"

namespace gf::bench {

/// The FP32 peak of the threads our kernels use (formula in gf/core/machine.hpp).
inline const CpuPeak& machine_peak() {
  static const CpuPeak peak = cpu_fp32_peak(num_threads());
  return peak;
}

/// Puts the peak and how it was computed into the report's "context" (the
/// JSON output's context object), so every result file explains its peak_frac.
inline void add_machine_context() {
  benchmark::AddCustomContext("fp32_peak_gflops", std::to_string(machine_peak().gflops()));
  benchmark::AddCustomContext("fp32_peak_formula", machine_peak().formula());
}

inline void report_flops(benchmark::State& state, double flops_per_iteration) {
  const double flops = flops_per_iteration * static_cast<double>(state.iterations());
  state.counters["GFLOP"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
  state.counters["peak_frac"] = benchmark::Counter(flops / (machine_peak().gflops() * 1e9), benchmark::Counter::kIsRate);
}

inline void report_bytes(benchmark::State& state, double bytes_per_iteration) {
  const double bytes = bytes_per_iteration * static_cast<double>(state.iterations());
  state.counters["GB"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
}

inline void report_images(benchmark::State& state, double images_per_iteration) {
  state.counters["images"] =
      benchmark::Counter(images_per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// The main() of each program: `register_all` registers its benchmarks
/// (benchmark::RegisterBenchmark, fixed names such as "gemm/1024").
inline int run_benchmarks(int argc, char** argv, void (*register_all)()) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  add_machine_context();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace gf::bench
