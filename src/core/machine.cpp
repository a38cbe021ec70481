#include "gf/core/machine.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gf/core/parse_number.hpp"

namespace gf {
namespace {

// The first processor's "cpu MHz" and "flags" describe them all.
struct CpuInfo {
  double ghz = 0.0;
  int lanes = 4;  // SSE unless the flags say more
};

const CpuInfo& cpu_info() {
  static const CpuInfo info = [] {
    CpuInfo c;
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    bool have_mhz = false, have_flags = false;
    while (std::getline(in, line) && !(have_mhz && have_flags)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::string value = line.substr(colon + 1);
      if (line.rfind("cpu MHz", 0) == 0 && !have_mhz) {
        const std::size_t first = value.find_first_not_of(" \t");  // "cpu MHz\t\t: 2400.000"
        if (const auto mhz = parse_number<double>(first == std::string::npos ? "" : value.substr(first)))
          c.ghz = *mhz / 1000.0;
        have_mhz = true;
      } else if (line.rfind("flags", 0) == 0 && !have_flags) {
        const std::string padded = value + " ";
        c.lanes = padded.find(" avx512f ") != std::string::npos ? 16 : padded.find(" avx2 ") != std::string::npos ? 8 : 4;
        have_flags = true;
      }
    }
    return c;
  }();
  return info;
}

}  // namespace

std::string CpuPeak::formula() const {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%d threads x %d FMA units x %d lanes x 2 flops x %.2f GHz", threads, fma_units, lanes,
                ghz);
  return buf;
}

CpuPeak cpu_fp32_peak(int threads) {
  CpuPeak p;
  p.threads = threads;
  p.lanes = cpu_info().lanes;
  p.ghz = cpu_info().ghz;
  return p;
}

double available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string key; in >> key;) {
    double kb = 0;
    in >> kb;
    if (key == "MemAvailable:") return kb * 1024.0;
    in.ignore(256, '\n');
  }
  return 0.0;
}

double resident_memory_bytes() {
  // statm: total program size, then resident set size, in pages.
  std::ifstream in("/proc/self/statm");
  double total = 0, resident = 0;
  if (!(in >> total >> resident)) return 0.0;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace gf
