#pragma once
// What this CPU can do at best, to put measured throughput in proportion.
//
//   peak = threads x FMA units per core x float lanes per FMA x 2 flops (an
//          FMA is a multiply and an add) x clock
//
// with 2 FMA units (AVX-512 and AVX2 server cores), 16 float lanes with
// AVX-512 or 8 with AVX2 (from the "flags" line of /proc/cpuinfo), and the
// clock from its "cpu MHz" line. That is the nominal clock (on a VM, what the
// hypervisor reports): turbo can run above it, so a kernel can show a little
// over 100% of this peak. With hyper-threads sharing a core's FMA units the
// figure is an upper bound.
#include <string>

namespace gf {

struct CpuPeak {
  int threads = 1;
  int fma_units = 2;
  int lanes = 1;
  double ghz = 0.0;
  /// FP32 GFLOP/s at the stated clock.
  double gflops() const { return threads * fma_units * lanes * 2.0 * ghz; }
  /// "2 threads x 2 FMA units x 16 lanes x 2 flops x 2.30 GHz"
  std::string formula() const;
};

/// The peak of `threads` hardware threads, read from /proc/cpuinfo once
/// (ghz 0 when it cannot be read).
CpuPeak cpu_fp32_peak(int threads);

/// Memory the system can give without swapping (MemAvailable in /proc/meminfo),
/// in bytes; 0 when it cannot be read. The programs check an image's estimated
/// working memory against it before they start, instead of failing midway.
double available_memory_bytes();

/// This process's resident set size (pages in RAM) in bytes, from
/// /proc/self/statm; 0 when it cannot be read.
double resident_memory_bytes();

}  // namespace gf
