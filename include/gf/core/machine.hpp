#pragma once
// What this CPU can do at best, to put measured throughput in proportion.
namespace gf {

/// The clock in GHz from the first "cpu MHz" line of /proc/cpuinfo (0 when
/// unreadable). On a VM this is the nominal clock; turbo is not counted.
double cpu_clock_ghz();

/// The FP32 peak in GFLOP/s of `threads` hardware threads:
///   threads x 2 FMA units x 16 float lanes (AVX-512) x 2 flops per FMA x GHz.
/// An upper bound: a core's two hyper-threads share its FMA units.
double cpu_fp32_peak_gflops(int threads);

}  // namespace gf
