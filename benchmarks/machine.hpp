#pragma once
// The machine's FP32 peak, the yardstick of every "peak_frac" counter:
//
//   peak = cores x FMA units per core x float lanes per FMA x 2 flops (an FMA is a
//          multiply and an add) x clock
//
// with cores = the threads our kernels use (gf::num_threads()), 2 FMA units
// (what AVX-512 and AVX2 server cores have), 16 float lanes with AVX-512 or 8
// with AVX2 (from the "flags" line of /proc/cpuinfo), and the clock from its
// "cpu MHz" line. That MHz is the nominal (or current) frequency: turbo can
// run above it, so a kernel can show a peak_frac a little over what the
// nominal peak allows, and a VM's figure is what the hypervisor reports.
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>

#include "gf/core/parallel.hpp"

namespace gf::bench {

struct MachinePeak {
  int cores = 1;
  int fma_units = 2;
  int lanes = 1;
  double mhz = 0;
  /// FP32 floating-point operations per second at the stated clock.
  double flops() const { return cores * fma_units * lanes * 2.0 * mhz * 1e6; }
};

/// Reads /proc/cpuinfo once (the first processor's entries describe them all).
inline const MachinePeak& machine_peak() {
  static const MachinePeak peak = [] {
    MachinePeak p;
    p.cores = gf::num_threads();
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    bool have_mhz = false, have_flags = false;
    while (std::getline(cpuinfo, line) && !(have_mhz && have_flags)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
      const std::string value = line.substr(colon + 1);
      if (key == "cpu MHz" && !have_mhz) {
        p.mhz = std::stod(value);
        have_mhz = true;
      } else if (key == "flags" && !have_flags) {
        const std::string padded = value + " ";
        const auto has = [&](const char* flag) { return padded.find(flag) != std::string::npos; };
        p.lanes = has(" avx512f ") ? 16 : has(" avx2 ") ? 8 : 4;  // else SSE
        have_flags = true;
      }
    }
    return p;
  }();
  return peak;
}

/// Puts the peak and how it was computed into the report's "context" (the
/// JSON output's context object), so every result file explains its peak_frac.
inline void add_machine_context() {
  const MachinePeak& p = machine_peak();
  std::ostringstream how;
  how << p.cores << " cores x " << p.fma_units << " FMA units x " << p.lanes << " lanes x 2 flops x " << p.mhz
      << " MHz";
  benchmark::AddCustomContext("fp32_peak_gflops", std::to_string(p.flops() / 1e9));
  benchmark::AddCustomContext("fp32_peak_formula", how.str());
}

}  // namespace gf::bench
