#include "gf/core/machine.hpp"

#include <fstream>
#include <string>

namespace gf {

double cpu_clock_ghz() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) break;
    try {
      return std::stod(line.substr(colon + 1)) / 1000.0;
    } catch (const std::exception&) {
      break;
    }
  }
  return 0.0;
}

double cpu_fp32_peak_gflops(int threads) {
  constexpr double kFmaUnits = 2, kLanes = 16, kFlopsPerFma = 2;
  return threads * kFmaUnits * kLanes * kFlopsPerFma * cpu_clock_ghz();
}

}  // namespace gf
